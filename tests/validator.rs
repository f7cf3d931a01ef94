//! Each validator rule, and RON syntax errors, on broken copies of the valid fixture.

mod common;

use backup_help_bot::script::{load_str, LoadError, Problem};

fn problems(source: &str) -> Vec<Problem> {
    match load_str(source, "fixture.ron", Some("en")) {
        Ok(_) => Vec::new(),
        Err(LoadError::Invalid(problems)) => problems,
        Err(other) => panic!("unexpected error: {other}"),
    }
}

#[test]
fn the_valid_fixture_is_valid() {
    assert_eq!(problems(&common::mini_source()), Vec::new());
}

#[test]
fn each_rule_names_the_problem_and_the_place() {
    let mut wrong = Vec::new();
    for (name, from, to, words) in common::broken_fixtures() {
        let found = problems(&common::variant(from, &to));
        let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
        let hit = shown
            .iter()
            .any(|line| words.iter().all(|w| line.contains(w)));
        if !hit {
            wrong.push(format!(
                "{name}: no problem mentions all of {words:?}; got {shown:?}"
            ));
        }
        // Every problem names the file.
        assert!(
            shown.iter().all(|l| l.starts_with("fixture.ron")),
            "{name}: {shown:?}"
        );
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn step_problems_point_at_the_line_of_the_step() {
    let (_, from, to, _) = common::broken_fixtures()
        .into_iter()
        .find(|f| f.0 == "empty-text")
        .unwrap();
    let source = common::variant(from, &to);
    let line = source
        .lines()
        .position(|l| l.contains(r#"id: "second-old""#))
        .unwrap()
        + 1;
    let found = problems(&source);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].line, Some(line));
}

#[test]
fn every_problem_is_reported_at_once() {
    let source = common::variant(r#"title: "Older phones""#, r#"title: """#)
        .replacen(r#"goto: "second-new""#, r#"goto: "nowhere""#, 1)
        .replacen(r#"url: "https://example.com/help""#, r#"url: "ftp://x""#, 1);
    let found = problems(&source);
    assert!(found.len() >= 3, "{found:?}");
}

#[test]
fn syntax_error_reports_line_and_column() {
    // Drop the comma after `locale: "en"`: the parser stops at the key on the next line.
    let source = common::variant(r#"locale: "en","#, r#"locale: "en""#);
    let found = problems(&source);
    assert_eq!(found.len(), 1, "{found:?}");
    let line = source
        .lines()
        .position(|l| l.contains(r#"language: "English""#))
        .unwrap()
        + 1;
    assert_eq!(
        (found[0].line, found[0].column),
        (Some(line), Some(5)),
        "{}",
        found[0]
    );
    assert!(
        found[0].message.to_lowercase().contains("comma"),
        "{}",
        found[0]
    );
}

#[test]
fn unknown_and_missing_keys_say_what_was_expected() {
    let source = common::variant(
        "explanation: \"Hold one button.\"",
        "explanaton: \"Hold one button.\"",
    );
    let found = problems(&source);
    let text = found[0].to_string();
    assert!(
        text.contains("unknown key `explanaton`") && text.contains("explanation"),
        "{text}"
    );
    let line = source
        .lines()
        .position(|l| l.contains("explanaton"))
        .unwrap()
        + 1;
    assert_eq!(found[0].line, Some(line));
}

#[test]
fn the_english_script_is_valid_and_fits_discord() {
    let script = common::english();
    assert_eq!(script.locale, "en");
    assert_eq!(script.checks.len(), 10);
}

/// What Windows editors write at the start of a UTF-8 file.
const BOM: &str = "\u{feff}";

#[test]
fn a_script_starting_with_a_byte_order_mark_loads_as_the_same_script() {
    let plain = load_str(&common::mini_source(), "fixture.ron", Some("en")).expect("valid");
    let marked = format!("{BOM}{}", common::mini_source());
    let script = load_str(&marked, "fixture.ron", Some("en")).expect("loads");
    assert_eq!(
        script.hash, plain.hash,
        "the mark does not make it another version"
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("en.ron"), marked.as_bytes()).expect("written");
    let loaded =
        backup_help_bot::script::load_dir(dir.path(), "en").expect("loads from the folder");
    assert_eq!(loaded.len(), 1);
    assert_eq!(loaded[0].hash, plain.hash);
}

#[test]
fn after_a_byte_order_mark_problems_keep_their_line_and_column() {
    let broken = common::variant(r#"locale: "en","#, r#"locale: "en""#);
    let marked = format!("{BOM}{broken}");
    let found = problems(&marked);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found, problems(&broken));
}

/// Problems in the shipped English script with `from` replaced by `to`.
fn english_with(from: &str, to: &str) -> Vec<String> {
    let source = common::read(&common::root().join("responses/en.ron"));
    assert!(source.contains(from), "en.ron no longer contains {from:?}");
    let changed = source.replacen(from, to, 1);
    match load_str(&changed, "en.ron", Some("en")) {
        Ok(_) => Vec::new(),
        Err(backup_help_bot::script::LoadError::Invalid(found)) => {
            found.iter().map(|p| p.to_string()).collect()
        }
        Err(other) => panic!("{other}"),
    }
}

#[test]
fn the_live_status_rules_name_each_mistake() {
    for (from, to, expected) in [
        (
            r#"apple_status: (step: "system-status""#,
            r#"apple_status: (step: "status""#,
            r#"`apple_status` names "status", which is not a step"#,
        ),
        (
            r#"services: ["iCloud Backup", "iCloud Account & Sign In"]"#,
            "services: []",
            "`services` needs Apple's names",
        ),
        (
            r#"when: AppleReportsProblem,
                    goto: "apple-problem","#,
            r#"when: AppleReportsProblem,
                    goto: "handoff","#,
            "must lead to an ending of kind Wait, not \"handoff\"",
        ),
        (
            r#"kind: Wait,"#,
            r#"kind: Wait, claims: ICloud,"#,
            "an ending of kind Wait tells the person to try later",
        ),
        (
            "(checked {checked}).",
            "(checked recently).",
            "`status_none` must contain {checked}",
        ),
        (
            "Apple says: {message}",
            "Apple says something.",
            "`status_problem` must contain {message}",
        ),
    ] {
        let found = english_with(from, to);
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "{expected:?} not in {found:#?}"
        );
    }
    // A choice offered on a condition belongs on the status step only.
    let source = common::read(&common::root().join("responses/en.ron"));
    let moved = source.replacen(
        r#"                    means: Yes,
                    confirms: ICloud,
                    goto: "fixed","#,
        r#"                    means: Yes,
                    confirms: ICloud,
                    when: AppleReportsProblem,
                    goto: "fixed","#,
        1,
    );
    let Err(backup_help_bot::script::LoadError::Invalid(found)) =
        load_str(&moved, "en.ron", Some("en"))
    else {
        panic!("accepted a conditional choice off the status step");
    };
    assert!(
        found
            .iter()
            .any(|p| p.message.contains("belongs on the `apple_status` step")),
        "{found:#?}"
    );
}
