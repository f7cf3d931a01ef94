//! Reading `responses/*.ron`: parse, validate, build.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::raw::{RawChoice, RawScript};
use super::{
    validate, Choice, Commands, Ending, EndingId, Link, Meaning, Script, ScriptHash, Step, StepId,
    Target, NEXT_CHECK,
};
use crate::text::normalize;

/// One thing wrong with a script file, with the place it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// 1-based line, where the problem can be pinned to one.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// What part of the script: `step "wifi", choice 2 "Still failing"`.
    pub place: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if !self.place.is_empty() {
            write!(f, ": {}", self.place)?;
        }
        write!(f, ": {}", self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no script found in {0}: expected one or more <locale>.ron files there")]
    NoScripts(PathBuf),
    #[error("{} problem(s) in the script:\n{}", .0.len(), list(.0))]
    Invalid(Vec<Problem>),
}

fn list(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
    lines.join("\n")
}

/// Loads every `*.ron` file in `dir` but the cause catalogue (`causes.ron`), one script per
/// locale, sorted by locale. The script for `source` (the locale the others translate,
/// normally the default one) must be among them, and every other one must keep parity with
/// it. Problems from all files are reported together.
pub fn load_dir(dir: &Path, source: &str) -> Result<Vec<Script>, LoadError> {
    let io = |source| LoadError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "ron"))
        .filter(|path| {
            path.file_name()
                .is_none_or(|name| name != super::causes::CAUSES_FILE)
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(LoadError::NoScripts(dir.to_path_buf()));
    }
    let mut loaded = Vec::new();
    let mut problems = Vec::new();
    for file in &files {
        match read_and_load(file) {
            Ok(script) => loaded.push(script),
            Err(LoadError::Invalid(mut found)) => problems.append(&mut found),
            Err(other) => return Err(other),
        }
    }
    if problems.is_empty() {
        problems = check_translations(dir, source, &loaded);
    }
    if !problems.is_empty() {
        return Err(LoadError::Invalid(problems));
    }
    Ok(loaded.into_iter().map(|(script, _, _)| script).collect())
}

/// Parity of every translation with the `source` script.
fn check_translations(
    dir: &Path,
    source: &str,
    loaded: &[(Script, String, String)],
) -> Vec<Problem> {
    let Some((reference, _, _)) = loaded.iter().find(|(s, _, _)| s.locale == source) else {
        let found: Vec<&str> = loaded.iter().map(|(s, _, _)| s.locale.as_str()).collect();
        return vec![Problem {
            file: dir.join(format!("{source}.ron")).display().to_string(),
            line: None,
            column: None,
            place: String::new(),
            message: format!(
                "missing: \"{source}\" is the source locale, which the other scripts translate; \
                 found: {}",
                found.join(", ")
            ),
        }];
    };
    loaded
        .iter()
        .filter(|(s, _, _)| s.locale != source)
        .flat_map(|(script, text, file)| super::parity::check_parity(reference, script, text, file))
        .collect()
}

/// Loads one script file, keeping its text and name for the parity check.
fn read_and_load(path: &Path) -> Result<(Script, String, String), LoadError> {
    let source = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let locale = path.file_stem().and_then(|s| s.to_str());
    let file = path.display().to_string();
    let script = load_str(&source, &file, locale)?;
    Ok((script, source, file))
}

/// Loads one script file.
pub fn load_file(path: &Path) -> Result<Script, LoadError> {
    read_and_load(path).map(|(script, _, _)| script)
}

/// Parses and validates script text. `file` names it in messages; `expected_locale` is the
/// locale its file name promises, if any. A leading UTF-8 byte-order mark (as Windows
/// editors write) is skipped: positions and the script's hash are those of the text after it.
pub fn load_str(
    source: &str,
    file: &str,
    expected_locale: Option<&str>,
) -> Result<Script, LoadError> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let raw: RawScript = super::check::from_ron(source, file)
        .map_err(|problem| LoadError::Invalid(vec![problem]))?;
    let problems = validate::validate(&raw, source, file, expected_locale);
    if !problems.is_empty() {
        return Err(LoadError::Invalid(problems));
    }
    Ok(build(raw, source))
}

/// Turns a validated raw script into the model. Only called when validation found nothing,
/// so every id it looks up exists.
fn build(raw: RawScript, source: &str) -> Script {
    let hash = ScriptHash::of(source.as_bytes());
    let words = &raw.words;
    let normalise_all = |list: &[String]| list.iter().map(|w| normalize(w)).collect::<Vec<_>>();
    let yes = normalise_all(&words.yes);
    let no = normalise_all(&words.no);
    let commands = Commands {
        yes: yes.clone(),
        no: no.clone(),
        back: normalise_all(&words.back),
        start_over: normalise_all(&words.start_over),
        human: normalise_all(&words.human),
        negations: normalise_all(&words.negations),
    };
    let target = |goto: &str| -> Target {
        if goto == NEXT_CHECK {
            Target::NextCheck
        } else if raw.steps.iter().any(|s| s.id == goto) {
            Target::Step(StepId::new(goto))
        } else {
            Target::End(EndingId(goto.to_string()))
        }
    };
    let choice = |c: &RawChoice| {
        let mut phrases = vec![normalize(&c.label)];
        phrases.extend(c.words.iter().map(|w| normalize(w)));
        match c.means {
            Some(Meaning::Yes) => phrases.extend(yes.iter().cloned()),
            Some(Meaning::No) => phrases.extend(no.iter().cloned()),
            None => {}
        }
        phrases.retain(|p| !p.is_empty());
        Choice {
            label: c.label.clone(),
            words: c.words.clone(),
            means: c.means,
            goto: target(&c.goto),
            confirms: c.confirms,
            when: c.when,
            route: c.route.clone(),
            phrases,
        }
    };
    let steps: Vec<Step> = raw
        .steps
        .iter()
        .map(|s| Step {
            id: StepId::new(&s.id),
            title: s.title.clone(),
            explanation: s.explanation.clone(),
            instructions: s.instructions.clone(),
            question: s.question.clone(),
            choices: s.choices.iter().map(choice).collect(),
            links: s
                .links
                .iter()
                .map(|l| Link {
                    label: l.label.clone(),
                    url: l.url.clone(),
                })
                .collect(),
            destructive: s.destructive,
        })
        .collect();
    let endings: Vec<Ending> = raw
        .endings
        .iter()
        .map(|e| Ending {
            id: EndingId(e.id.clone()),
            kind: e.kind,
            title: e.title.clone(),
            text: e.text.clone(),
            claims: e.claims,
        })
        .collect();
    let step_index: HashMap<StepId, usize> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.clone(), i))
        .collect();
    let ending_index = endings
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.0.clone(), i))
        .collect();
    Script {
        after_checks: target(&raw.after_checks),
        id: raw.id,
        locale: raw.locale,
        language: raw.language,
        name: raw.name,
        hash,
        source: source.into(),
        start: StepId::new(raw.start),
        checks: raw.checks.into_iter().map(StepId::new).collect(),
        routes: raw
            .routes
            .into_iter()
            .map(|(id, steps)| (id, steps.into_iter().map(StepId::new).collect()))
            .collect(),
        handoff: EndingId(raw.handoff),
        apple_status: raw.apple_status,
        follow_up: raw.follow_up.map(StepId::new),
        steps,
        endings,
        messages: raw.messages,
        words: raw.words,
        commands,
        step_index,
        ending_index,
    }
}
