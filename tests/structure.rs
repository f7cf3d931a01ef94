//! The shape of the code, kept by tests: no import cycle between the files of `src/`, and no
//! function in the Discord adapter or the service longer than 80 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every file of `src/`, by the module it holds ("" for the crate root), its text without
/// comments and without its test module.
fn sources() -> BTreeMap<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(&root).unwrap_or(&path).with_extension("");
            let mut parts: Vec<String> = relative
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            if matches!(
                parts.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                parts.pop();
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            (parts.join("::"), code_of(&text))
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `text` without `//` comments, cut before its `#[cfg(test)] mod tests` (always last).
fn code_of(text: &str) -> String {
    let text = text
        .split("#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or_default();
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths that start with `crate::`, `super::` or `self::` in `code`; a group
/// (`super::{a, b::c}`) gives one path an item.
fn paths(code: &str) -> Vec<Vec<String>> {
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    for start in ["crate::", "super::", "self::"] {
        for (at, _) in code.match_indices(start) {
            let boundary =
                at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
            if boundary {
                out.extend(path_at(&code[at..]));
            }
        }
    }
    out
}

fn path_at(rest: &str) -> Vec<Vec<String>> {
    let mut segments = Vec::new();
    let mut rest = rest;
    loop {
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        segments.push(rest[..end].to_string());
        rest = &rest[end..];
        match rest.strip_prefix("::") {
            Some(after) => rest = after,
            None => return vec![segments],
        }
    }
    let Some(group) = rest.strip_prefix('{') else {
        return vec![segments];
    };
    let group = group.split('}').next().unwrap_or_default();
    group
        .split(',')
        .map(|item| {
            let first = item.trim().split("::").next().unwrap_or_default();
            let first = first.split_whitespace().next().unwrap_or_default();
            let mut path = segments.clone();
            if !first.is_empty() && first != "self" {
                path.push(first.to_string());
            }
            path
        })
        .collect()
}

/// The module of `modules` a path written in `from` names (the longest that exists).
fn resolve(from: &str, path: &[String], modules: &BTreeSet<String>) -> Option<String> {
    let mut base: Vec<&str> = from.split("::").filter(|p| !p.is_empty()).collect();
    let mut rest = path;
    while let Some((first, tail)) = rest.split_first() {
        match first.as_str() {
            "crate" => base.clear(),
            "super" => {
                base.pop();
            }
            "self" => {}
            _ => break,
        }
        rest = tail;
    }
    (0..=rest.len()).rev().find_map(|n| {
        let mut parts: Vec<&str> = base.clone();
        parts.extend(rest[..n].iter().map(String::as_str));
        let module = parts.join("::");
        modules.contains(&module).then_some(module)
    })
}

/// Which files each file uses, leaving out its own ancestors (a module and its parent always
/// know each other).
fn uses() -> BTreeMap<String, BTreeSet<String>> {
    let sources = sources();
    let modules: BTreeSet<String> = sources.keys().cloned().collect();
    sources
        .iter()
        .map(|(module, code)| {
            let targets = paths(code)
                .iter()
                .filter_map(|path| resolve(module, path, &modules))
                .filter(|t| !t.is_empty() && t != module)
                .filter(|t| !module.starts_with(&format!("{t}::")))
                .collect();
            (module.clone(), targets)
        })
        .collect()
}

/// A cycle through `at`, if the walk from it finds one.
fn cycle_from(
    at: &str,
    uses: &BTreeMap<String, BTreeSet<String>>,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if let Some(i) = path.iter().position(|p| p == at) {
        return Some(path[i..].to_vec());
    }
    if done.contains(at) {
        return None;
    }
    path.push(at.to_string());
    for next in uses.get(at).into_iter().flatten() {
        if let Some(cycle) = cycle_from(next, uses, path, done) {
            return Some(cycle);
        }
    }
    path.pop();
    done.insert(at.to_string());
    None
}

#[test]
fn no_file_of_src_uses_one_that_uses_it_back() {
    let uses = uses();
    assert!(uses.contains_key("walkthrough") && uses.contains_key("discord::handler"));
    assert!(
        uses["discord::handler"].contains("discord::typed"),
        "the reader sees grouped and plain imports: {:?}",
        uses["discord::handler"]
    );
    let mut done = BTreeSet::new();
    for module in uses.keys() {
        let cycle = cycle_from(module, &uses, &mut Vec::new(), &mut done);
        assert_eq!(cycle, None, "an import cycle between files");
    }
}

#[test]
fn the_reader_finds_a_cycle_when_there_is_one() {
    let mut uses = BTreeMap::new();
    uses.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    uses.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    let cycle = cycle_from("a", &uses, &mut Vec::new(), &mut BTreeSet::new());
    assert_eq!(cycle, Some(vec!["a".to_string(), "b".to_string()]));
    let modules = BTreeSet::from(["discord".to_string(), "discord::card".to_string()]);
    let grouped = paths("use super::{card, render::notice};");
    let resolved: Vec<_> = grouped
        .iter()
        .filter_map(|p| resolve("discord::handler", p, &modules))
        .collect();
    assert_eq!(resolved, ["discord::card", "discord"]);
}

/// Functions of `text` longer than `max` lines: (name, lines).
fn long_functions(text: &str, max: usize) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        let Some(fn_at) = words.iter().position(|w| *w == "fn") else {
            continue;
        };
        let before_ok = words[..fn_at]
            .iter()
            .all(|w| matches!(*w, "pub" | "async" | "const" | "unsafe") || w.starts_with("pub("));
        if !before_ok {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let Some(open) = (i..lines.len()).find(|&j| {
            let l = lines[j].trim_end();
            l.ends_with('{') || l.ends_with(';')
        }) else {
            continue;
        };
        if lines[open].trim_end().ends_with(';') {
            continue;
        }
        let close = (open + 1..lines.len()).find(|&j| {
            let l = lines[j];
            l.len() - l.trim_start().len() == indent && l.trim_start().starts_with('}')
        });
        let length = close.map_or(0, |c| c - i + 1);
        if length > max {
            let name = words.get(fn_at + 1).unwrap_or(&"?");
            out.push((name.split('(').next().unwrap_or(name).to_string(), length));
        }
    }
    out
}

#[test]
fn no_function_of_the_discord_adapter_or_the_service_is_longer_than_80_lines() {
    let mut long = Vec::new();
    for (module, _) in sources() {
        if !(module.starts_with("discord") || module.starts_with("walkthrough")) {
            continue;
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let file = root.join(module.replace("::", "/"));
        let path = if file.is_dir() {
            file.join("mod.rs")
        } else {
            file.with_extension("rs")
        };
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let text = text
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or_default();
        for (name, lines) in long_functions(text, 80) {
            long.push(format!("{}: {name} is {lines} lines", path.display()));
        }
    }
    assert!(long.is_empty(), "{long:#?}");
    let made_up = format!("fn big() {{\n{}}}\n", "    let x = 1;\n".repeat(85));
    assert_eq!(long_functions(&made_up, 80), [("big".to_string(), 87)]);
}
