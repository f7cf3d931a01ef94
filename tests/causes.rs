//! The cause catalogue: for every cause, a person answering truthfully through the real
//! typed-answer matcher reaches the step with the fix, in few answers.

mod common;

use backup_help_bot::conversation::causes::{median_answers, table, walk, walk_all, WalkError};
use backup_help_bot::script::causes::{
    check_causes, load_causes, parse_causes, reachable_steps, Catalogue, CAUSES_FILE,
};
use backup_help_bot::script::{LoadError, StepId};

/// The most answers any cause may take to reach its fix.
const MAX_ANSWERS: usize = 10;
/// The most answers the median cause may take.
const MAX_MEDIAN: f64 = 5.0;

fn shipped() -> Catalogue {
    match load_causes(&common::root().join("responses").join(CAUSES_FILE)) {
        Ok(catalogue) => catalogue,
        Err(err) => panic!("responses/causes.ron does not load: {err}"),
    }
}

#[test]
fn every_cause_reaches_its_fix_in_a_handful_of_answers() {
    let script = common::english();
    let catalogue = shipped();
    let text = common::read(&common::root().join("responses").join(CAUSES_FILE));
    let problems = check_causes(&catalogue, &script, &text, "causes.ron");
    assert!(problems.is_empty(), "{problems:#?}");
    let walks = walk_all(&script, &catalogue);
    println!("{}", table(&walks));
    let mut wrong = Vec::new();
    for (id, walk) in &walks {
        match walk {
            Ok(walk) if walk.answers > MAX_ANSWERS => wrong.push(format!(
                "{id}: {} answers, at most {MAX_ANSWERS}",
                walk.answers
            )),
            Ok(_) => {}
            Err(err) => wrong.push(format!("{id}: {err}")),
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
    let median = median_answers(&walks).expect("at least one cause");
    println!("median: {median} answers");
    assert!(median <= MAX_MEDIAN, "median {median} > {MAX_MEDIAN}");
    // The article's nine checks are causes too.
    assert!(catalogue.causes.len() >= 9, "{}", catalogue.causes.len());
}

/// A catalogue for the mini fixture: one cause fixed at "second-new" (reached by the
/// opening's storage answer, then "face id"), one at "first" (after "dunno" at the opening).
const MINI: &str = r#"Causes(
    script: "mini",
    default_answers: { "opening": "dunno", "second": "face id" },
    fallback_answer: "still failing",
    causes: [
        (
            id: "storage",
            source: "third-party",
            symptom: "A storage alert",
            fix: "second-new",
            answers: { "opening": "storage" },
        ),
        (
            id: "first",
            source: "https://support.apple.com/102563",
            symptom: "Something the first check fixes",
            fix: "first",
        ),
    ],
)"#;

fn mini_catalogue(text: &str) -> Catalogue {
    match parse_causes(text, "causes.ron") {
        Ok(catalogue) => catalogue,
        Err(err) => panic!("{err}"),
    }
}

#[test]
fn a_walk_types_the_cause_s_answer_then_the_default_then_the_fallback() {
    let script = common::mini();
    let catalogue = mini_catalogue(MINI);
    let storage = walk(&script, &catalogue, &catalogue.causes[0]).expect("reaches the fix");
    assert_eq!(storage.answers, 2);
    let ids: Vec<&str> = storage.steps.iter().map(StepId::as_str).collect();
    assert_eq!(ids, ["opening", "second", "second-new"]);
    let first = walk(&script, &catalogue, &catalogue.causes[1]).expect("reaches the fix");
    assert_eq!(first.answers, 1);
    assert_eq!(median_answers(&walk_all(&script, &catalogue)), Some(1.5));
}

#[test]
fn a_walk_fails_on_an_answer_not_understood_and_on_an_ending_first() {
    let script = common::mini();
    let mut catalogue = mini_catalogue(MINI);
    catalogue.causes[0]
        .answers
        .insert("second".into(), "purple".into());
    assert_eq!(
        walk(&script, &catalogue, &catalogue.causes[0]),
        Err(WalkError::NotUnderstood {
            step: StepId::new("second"),
            text: "purple".into()
        })
    );
    // A fix after the hand-off is never shown: "fixed" ends it at the first check.
    let mut catalogue = mini_catalogue(MINI);
    catalogue.causes[0].answers.clear();
    catalogue.fallback_answer = "yes".into();
    let err = walk(&script, &catalogue, &catalogue.causes[0]).expect_err("ends first");
    assert!(
        matches!(err, WalkError::Ended { ref ending, .. } if ending == "fixed"),
        "{err}"
    );
    let table = table(&[("storage", Err(err))]);
    assert!(table.contains("storage  FAILS: ended"), "{table}");
}

#[test]
fn check_rejects_an_unknown_script_an_unknown_fix_and_an_unreachable_one() {
    let script = common::mini();
    let problems = |text: &str| -> Vec<String> {
        check_causes(&mini_catalogue(text), &script, text, "causes.ron")
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    assert_eq!(problems(MINI), Vec::<String>::new());
    for (from, to, expected) in [
        (
            r#"script: "mini","#,
            r#"script: "maxi","#,
            r#"causes.ron:2: causes: `script` is "maxi", but the script here is "mini""#,
        ),
        (
            r#"fix: "first","#,
            r#"fix: "frist","#,
            r#"cause "first": `fix` names "frist", which is not a step"#,
        ),
        (
            r#"answers: { "opening": "storage" }"#,
            r#"answers: { "openin": "storage" }"#,
            r#"cause "storage": `answers` names "openin", which is not a step"#,
        ),
        (
            r#"source: "third-party","#,
            r#"source: "a forum","#,
            r#"cause "storage": `source` is "a forum""#,
        ),
    ] {
        assert!(MINI.contains(from), "{from}");
        let found = problems(&MINI.replacen(from, to, 1));
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "{expected:?} not in {found:#?}"
        );
    }
    // Every fix of the shipped catalogue is a step reachable from the start.
    let english = common::english();
    let reachable = reachable_steps(&english);
    for cause in &shipped().causes {
        assert!(
            reachable.contains(&StepId::new(cause.fix.as_str())),
            "{}",
            cause.id
        );
    }
    assert!(!reachable.contains(&StepId::new("handoff")));
}

#[test]
fn syntax_errors_and_unknown_keys_name_the_line_and_column() {
    let text = MINI.replacen("symptom:", "symtom:", 1);
    match parse_causes(&text, "causes.ron") {
        Err(LoadError::Invalid(problems)) => {
            let p = &problems[0];
            assert_eq!(p.file, "causes.ron");
            assert_eq!(p.line, Some(9), "{p}");
            assert!(p.column.is_some(), "{p}");
            assert!(p.message.contains("unknown key `symtom`"), "{p}");
        }
        other => panic!("accepted: {other:?}"),
    }
}

/// `check` on a copy of the shipped scripts with `causes` as the catalogue.
fn check_with(causes: &str) -> std::process::Output {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for entry in std::fs::read_dir(common::root().join("responses")).expect("responses") {
        let path = entry.expect("an entry").path();
        let name = path.file_name().expect("a name").to_owned();
        std::fs::copy(&path, dir.path().join(name)).expect("copied");
    }
    std::fs::write(dir.path().join(CAUSES_FILE), causes).expect("written");
    std::process::Command::new(env!("CARGO_BIN_EXE_backup-help-bot"))
        .args(["check", "--responses"])
        .arg(dir.path())
        .output()
        .expect("check runs")
}

#[test]
fn check_prints_the_table_and_fails_on_a_wrong_catalogue() {
    let text = common::read(&common::root().join("responses").join(CAUSES_FILE));
    let out = check_with(&text);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let row = stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some("backup-switched-off"));
    assert_eq!(
        row.and_then(|l| l.split_whitespace().nth(1)),
        Some("1"),
        "{stdout}"
    );
    assert!(stdout.contains("median: "), "{stdout}");
    // And, per language, how long the steps read.
    assert_eq!(
        stdout.matches("step length in characters: median ").count(),
        common::shipped().len(),
        "{stdout}"
    );
    assert_eq!(
        stdout.matches(", longest: ").count(),
        common::shipped().len(),
        "{stdout}"
    );
    for (from, to, said) in [
        (
            r#"fix: "wifi","#,
            r#"fix: "wi-fi","#,
            r#"`fix` names "wi-fi", which is not a step"#,
        ),
        (
            r#"script: "icloud-backup","#,
            r#"script: "other","#,
            r#"`script` is "other""#,
        ),
        ("fallback_answer:", "fallback:", "unknown key `fallback`"),
    ] {
        assert!(text.contains(from), "{from}");
        let out = check_with(&text.replacen(from, to, 1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("causes.ron:") && stderr.contains(said),
            "{stderr}"
        );
    }
}
