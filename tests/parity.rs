//! A translation keeps parity with the script it translates; `load_dir` reports every drift
//! in the translation's file, at its line.

mod common;

use std::path::Path;

use backup_help_bot::script::{load_dir, LoadError, Problem};

/// The mini fixture as the Spanish translation of itself.
fn spanish() -> String {
    common::variant(r#"locale: "en","#, r#"locale: "es","#)
}

/// Loads a folder holding the mini fixture as `en.ron` and `es` as `es.ron`.
fn load_with(es: &str) -> Result<usize, Vec<Problem>> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write(dir.path(), "en.ron", &common::mini_source());
    write(dir.path(), "es.ron", es);
    match load_dir(dir.path(), "en") {
        Ok(scripts) => Ok(scripts.len()),
        Err(LoadError::Invalid(problems)) => Err(problems),
        Err(other) => panic!("not a script problem: {other}"),
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("written");
}

/// The one problem found, which must be in es.ron.
fn one_problem(es: &str) -> Problem {
    let problems = load_with(es).expect_err("the drift is found");
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let problem = problems.into_iter().next().expect("one");
    assert!(problem.file.ends_with("es.ron"), "{problem}");
    problem
}

fn line_of(text: &str, needle: &str) -> usize {
    let at = text.lines().position(|l| l.contains(needle));
    at.map(|i| i + 1)
        .unwrap_or_else(|| panic!("no line with {needle:?}"))
}

#[test]
fn a_faithful_translation_loads_beside_its_source() {
    let translated = spanish()
        .replace("First check", "Primera comprobación")
        .replace(r#"(label: "Fixed","#, r#"(label: "Arreglado","#);
    assert_eq!(load_with(&translated), Ok(2));
}

#[test]
fn a_choice_leading_elsewhere_is_reported_at_its_line() {
    let from = r#"(label: "A storage alert", words: ["storage"], goto: "second"),"#;
    let to = r#"(label: "A storage alert", words: ["storage"], goto: "next"),"#;
    let es = spanish().replacen(from, to, 1);
    let problem = one_problem(&es);
    assert_eq!(
        problem.line,
        Some(line_of(&es, "A storage alert")),
        "{problem}"
    );
    assert!(
        problem.place.contains(r#"step "opening", choice 1"#),
        "{problem}"
    );
    assert!(problem.message.contains("en.ron"), "{problem}");
    assert!(problem.message.contains(r#"step "second""#), "{problem}");
}

#[test]
fn a_changed_meaning_or_confirmation_is_a_drift() {
    let es = spanish().replacen(
        r#"(label: "Fixed", means: Yes, confirms: ICloud, goto: "fixed"),"#,
        r#"(label: "Fixed", confirms: ICloud, goto: "fixed"),"#,
        1,
    );
    assert!(one_problem(&es).message.contains("means"));
}

#[test]
fn an_added_choice_is_named_with_both_counts() {
    let es = spanish().replacen(
        r#"(label: "Not sure", words: ["dunno"], goto: "next"),"#,
        r#"(label: "Not sure", words: ["dunno"], goto: "next"),
                (label: "Something else", words: ["other"], goto: "next"),"#,
        1,
    );
    let problem = one_problem(&es);
    assert!(problem.place.contains(r#"step "opening""#), "{problem}");
    assert!(
        problem.message.contains("has 3 choices but en.ron has 2"),
        "{problem}"
    );
    assert_eq!(problem.line, Some(line_of(&es, r#"id: "opening""#)));
}

#[test]
fn an_extra_step_or_ending_in_the_translation_is_reported() {
    let es = spanish().replacen(
        r#"(id: "handoff", kind: HandOff,"#,
        r#"(id: "later", kind: HandOff, title: "Later", text: "Later."),
        (id: "handoff", kind: HandOff,"#,
        1,
    );
    let problem = one_problem(&es);
    assert!(problem.place.contains(r#"ending "later""#), "{problem}");
    assert_eq!(problem.line, Some(line_of(&es, r#"id: "later""#)));
}

#[test]
fn a_placeholder_the_source_lacks_is_reported_at_its_message() {
    // The bot fills in only what the source's message holds: this would show "{owner}".
    let es = spanish().replacen(
        r#"idle_warning: "Still there?","#,
        r#"idle_warning: "¿Sigues ahí, {owner}?","#,
        1,
    );
    let problem = one_problem(&es);
    assert_eq!(
        problem.line,
        Some(line_of(&es, "idle_warning:")),
        "{problem}"
    );
    assert!(problem.message.contains("{owner}"), "{problem}");
    assert!(problem.message.contains("but in en.ron none"), "{problem}");
}

#[test]
fn the_header_must_match() {
    let es = spanish().replacen(r#"id: "mini","#, r#"id: "mini-es","#, 1);
    let problem = one_problem(&es);
    assert!(problem.message.contains(r#""mini-es""#), "{problem}");
    assert_eq!(problem.line, Some(line_of(&es, r#"id: "mini-es""#)));
}

#[test]
fn without_the_source_script_nothing_loads() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write(dir.path(), "es.ron", &spanish());
    match load_dir(dir.path(), "en") {
        Err(LoadError::Invalid(problems)) => {
            assert_eq!(problems.len(), 1);
            assert!(problems[0].file.ends_with("en.ron"), "{}", problems[0]);
            assert!(
                problems[0].message.contains("source locale"),
                "{}",
                problems[0]
            );
        }
        other => panic!("loaded without its source: {other:?}"),
    }
}

/// `source` with a route "partway" = [second, first], chosen by a third opening answer, and
/// a route "other" = [second], chosen by the first.
fn routed(source: &str) -> String {
    source
        .replacen(
            r#"    checks: ["first", "second"],"#,
            r#"    checks: ["first", "second"],
    routes: { "partway": ["second", "first"], "other": ["second"] },"#,
            1,
        )
        .replacen(
            r#"words: ["storage"], goto: "second""#,
            r#"words: ["storage"], route: "other", goto: "second""#,
            1,
        )
        .replacen(
            r#"(label: "Not sure", words: ["dunno"], goto: "next"),"#,
            r#"(label: "Not sure", words: ["dunno"], goto: "next"),
                (label: "It fails partway", words: ["partway"], route: "partway", goto: "next"),"#,
            1,
        )
}

/// Loads the routed fixture as en.ron beside `es` as es.ron.
fn load_routed_with(es: &str) -> Result<usize, Vec<Problem>> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write(dir.path(), "en.ron", &routed(&common::mini_source()));
    write(dir.path(), "es.ron", es);
    match load_dir(dir.path(), "en") {
        Ok(scripts) => Ok(scripts.len()),
        Err(LoadError::Invalid(problems)) => Err(problems),
        Err(other) => panic!("not a script problem: {other}"),
    }
}

#[test]
fn routes_and_each_choice_route_are_kept_by_a_translation() {
    assert_eq!(load_routed_with(&routed(&spanish())), Ok(2));
    // A different order of the route's steps.
    let reordered =
        routed(&spanish()).replacen(r#"["second", "first"]"#, r#"["first", "second"]"#, 1);
    let problems = load_routed_with(&reordered).expect_err("the drift is found");
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].message.contains("`routes` is")
            && problems[0]
                .message
                .contains(r#""partway": ["second", "first"]}"#),
        "{}",
        problems[0]
    );
    assert_eq!(problems[0].line, Some(line_of(&reordered, "routes:")));
    // Two choices swap their routes (so the translation alone is valid).
    let swapped = routed(&spanish())
        .replacen(r#"route: "partway", "#, r#"route: "PLACEHOLDER", "#, 1)
        .replacen(r#"route: "other", "#, r#"route: "partway", "#, 1)
        .replacen(r#"route: "PLACEHOLDER", "#, r#"route: "other", "#, 1);
    let problems = load_routed_with(&swapped).expect_err("the drift is found");
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems
            .iter()
            .any(|p| p.place.contains(r#"step "opening", choice 3"#)
                && p.message.contains(
                    r#"has `route: "other"` but the same choice in en.ron has `route: "partway"`"#
                )),
        "{problems:#?}"
    );
}

#[test]
fn a_step_marked_destructive_in_one_language_only_is_a_drift() {
    // "first" last in `checks`, so that marking it destructive is valid.
    let reorder = |source: &str| {
        source.replacen(
            r#"checks: ["first", "second"],"#,
            r#"checks: ["second", "first"],"#,
            1,
        )
    };
    let es = reorder(&spanish()).replacen(
        r#"explanation: "The first thing to try.","#,
        r#"explanation: "The first thing to try.",
            destructive: true,"#,
        1,
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    write(dir.path(), "en.ron", &reorder(&common::mini_source()));
    write(dir.path(), "es.ron", &es);
    let Err(LoadError::Invalid(problems)) = load_dir(dir.path(), "en") else {
        panic!("the drift is not found");
    };
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].file.ends_with("es.ron"), "{}", problems[0]);
    assert!(
        problems[0].place.contains(r#"step "first""#),
        "{}",
        problems[0]
    );
    assert!(
        problems[0]
            .message
            .contains("has `destructive: true` but en.ron has `destructive: false`"),
        "{}",
        problems[0]
    );
}
