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

/// A step "extra" put first in the fixture's steps, for the route and order rules.
const EXTRA_STEP: &str = r#"    steps: [
        (
            id: "extra",
            title: "Extra check",
            explanation: "Only for a backup failing partway.",
            question: "Does it work now?",
            choices: [
                (label: "Fixed", means: Yes, confirms: ICloud, goto: "fixed"),
                (label: "Still failing", means: No, goto: "next"),
            ],
        ),
"#;

#[test]
fn the_valid_fixture_is_valid() {
    assert_eq!(problems(&common::mini_source()), Vec::new());
}

#[test]
fn a_follow_up_step_of_its_own_that_confirms_and_reopens_is_valid() {
    let source = common::variant(
        r#"start: "opening","#,
        "start: \"opening\",\n    follow_up: \"second-new\",",
    );
    assert_eq!(problems(&source), Vec::new());
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

/// The fixture with a symptom-only step "extra", a route "partway" = [extra, second] chosen
/// by a third opening answer, and `more` added to the `routes` map.
fn routed(more: &str) -> String {
    common::variant(
        r#"    checks: ["first", "second"],"#,
        &format!(
            r#"    checks: ["first", "second"],
    routes: {{ "partway": ["extra", "second"]{more} }},"#
        ),
    )
    .replacen(
        r#"(label: "Not sure", words: ["dunno"], goto: "next"),"#,
        r#"(label: "Not sure", words: ["dunno"], goto: "next"),
                (label: "It fails partway", words: ["partway"], route: "partway", goto: "next"),"#,
        1,
    )
    .replacen("    steps: [\n", EXTRA_STEP, 1)
}

fn shown(source: &str) -> Vec<String> {
    problems(source).iter().map(ToString::to_string).collect()
}

#[test]
fn a_routed_script_is_valid_and_its_route_only_step_is_reachable() {
    assert_eq!(shown(&routed("")), Vec::<String>::new());
    // Without the route, nothing leads to "extra".
    let unrouted = routed("").replacen(r#"route: "partway", "#, "", 1);
    let found = shown(&unrouted);
    assert!(
        found
            .iter()
            .any(|p| p.contains("no choice has this `route`")),
        "{found:#?}"
    );
}

#[test]
fn each_route_rule_names_the_mistake() {
    for (source, expected) in [
        (
            routed("").replacen(r#"route: "partway""#, r#"route: "part-way""#, 1),
            r#"`route` names "part-way", which is not in `routes`"#,
        ),
        (
            routed(r#", "unused": ["first"]"#),
            r#"route "unused": no choice has this `route`"#,
        ),
        (
            routed(r#", "Bad Id": ["first"]"#),
            r#"route "Bad Id": route ids follow the rules of step ids"#,
        ),
        (
            routed("").replacen(r#"["extra", "second"]"#, r#"["extra", "nowhere"]"#, 1),
            r#"lists "nowhere", which is not a step"#,
        ),
        (
            routed("").replacen(r#"["extra", "second"]"#, r#"["extra", "handoff"]"#, 1),
            r#"lists "handoff", which is not a step"#,
        ),
        (
            routed("").replacen(
                r#"["extra", "second"]"#,
                r#"["extra", "second", "extra"]"#,
                1,
            ),
            r#"lists "extra" twice"#,
        ),
        (
            routed("").replacen(r#"["extra", "second"]"#, "[]", 1),
            r#"route "partway": lists no steps"#,
        ),
    ] {
        let found = shown(&source);
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "{expected:?} not in {found:#?}"
        );
    }
}

#[test]
fn a_route_may_not_bring_reset_settings_forward() {
    // In the fixture, "first" plays the article's Reset Settings, after... nothing: rename
    // "second" to it, so `checks` = [first, reset-settings].
    let as_reset = |source: String| source.replace(r#""second""#, r#""reset-settings""#);
    // [extra, reset-settings, first]: "first" comes before Reset Settings in `checks`.
    let early = as_reset(routed("").replacen(
        r#"["extra", "second"]"#,
        r#"["extra", "second", "first"]"#,
        1,
    ));
    let found = shown(&early);
    assert!(
        found.iter().any(|p| p.contains(
            r#"route "partway": lists "reset-settings" before "first", which `checks` tries first"#
        )),
        "{found:#?}"
    );
    // [extra, first, reset-settings] keeps the article's order: accepted.
    let kept = as_reset(routed("").replacen(
        r#"["extra", "second"]"#,
        r#"["extra", "first", "second"]"#,
        1,
    ));
    assert_eq!(shown(&kept), Vec::<String>::new());
}

#[test]
fn a_destructive_step_comes_after_every_harmless_one() {
    let destructive = |source: String| {
        source.replacen(
            r#"explanation: "Only for a backup failing partway.","#,
            r#"explanation: "Only for a backup failing partway.",
            destructive: true,"#,
            1,
        )
    };
    // "extra" is first in its route, before the harmless "second".
    let found = shown(&destructive(routed("")));
    assert!(
        found.iter().any(|p| p.contains(
            r#"route "partway": lists "extra", which is marked `destructive`, before "second""#
        )),
        "{found:#?}"
    );
    // Last in the route: accepted.
    let last =
        destructive(routed("").replacen(r#"["extra", "second"]"#, r#"["second", "extra"]"#, 1));
    assert_eq!(shown(&last), Vec::<String>::new());
    // The opening's fixed goto reaches it directly, with no copy offered on the way.
    let direct =
        destructive(routed("").replacen(r#"["extra", "second"]"#, r#"["second", "extra"]"#, 1))
            .replacen(
                r#"words: ["storage"], goto: "second""#,
                r#"words: ["storage"], goto: "extra""#,
                1,
            );
    let found = shown(&direct);
    assert!(
        found.iter().any(|p| p.contains(
            r#"step "extra": is marked `destructive` but the answers' fixed gotos lead here"#
        )),
        "{found:#?}"
    );
    // In `checks`, before a harmless check.
    let checked = common::variant(
        r#"    checks: ["first", "second"],"#,
        r#"    checks: ["extra", "first", "second"],"#,
    )
    .replacen("    steps: [\n", EXTRA_STEP, 1);
    let found = shown(&destructive(checked));
    assert!(
        found.iter().any(|p| p
            .contains(r#"`checks`: lists "extra", which is marked `destructive`, before "first""#)),
        "{found:#?}"
    );
}

#[test]
fn a_no_that_would_be_recorded_as_more_than_no_is_rejected() {
    // "first" gets a second way of failing that says more: its "Still failing"
    // (`means: No`) would take every typed "no", even from someone with no backup at all.
    let apart = common::variant(
        r#"(label: "Still failing", means: No, goto: "next"),
            ],
            links: [(label: "Help page", url: "https://example.com/help")],"#,
        r#"(label: "Still failing", means: No, goto: "next"),
                (label: "Still failing, and no backup at all", words: ["none"], goto: "second-old"),
            ],
            links: [(label: "Help page", url: "https://example.com/help")],"#,
    );
    let found = shown(&apart);
    assert!(
        found.iter().any(|p| p.contains(
            r#"step "first", choice 2 "Still failing": is marked `means: No`, but choice 3 "Still failing, and no backup at all" also begins with a `no` word"#
        )),
        "{found:#?}"
    );
    // Without `means: No` the step is accepted ("no" is asked again).
    let unmarked = apart.replacen(
        r#"(label: "Still failing", means: No, goto: "next"),
                (label: "Still failing, and no"#,
        r#"(label: "Still failing", goto: "next"),
                (label: "Still failing, and no"#,
        1,
    );
    assert_eq!(shown(&unmarked), Vec::<String>::new());
    // A third choice that is a branch, not another way of failing, is no conflict, wherever
    // it leads: a "no" says "Still failing" and nothing about profiles.
    for goto in ["next", "handoff", "second-old"] {
        let branch = apart
            .replacen(
                r#"(label: "Still failing, and no backup at all", words: ["none"], goto: "second-old")"#,
                &format!(r#"(label: "I installed a profile", words: ["profile"], goto: "{goto}")"#),
                1,
            );
        assert_ne!(branch, apart);
        assert_eq!(shown(&branch), Vec::<String>::new(), "{goto}");
    }
}

#[test]
fn a_yes_or_no_word_on_a_choice_without_that_meaning_is_rejected() {
    // "Pick a model" answered by "still broken" would record a model nobody named.
    let source = common::variant(
        r#"words: ["home button"]"#,
        r#"words: ["home button", "Still broken"]"#,
    );
    let found = shown(&source);
    assert!(
        found.iter().any(|p| p.contains(
            r#"step "second", choice 2 "iPhone 8 or earlier": has the word "still broken", one of the `no` words"#
        )),
        "{found:#?}"
    );
    let yes = common::variant(r#"words: ["face id"]"#, r#"words: ["face id", "yep"]"#);
    assert!(
        shown(&yes)
            .iter()
            .any(|p| p.contains(r#"has the word "yep", one of the `yes` words"#)),
        "{:#?}",
        shown(&yes)
    );
    // The opening's "Not sure" (to "next", no route) may take them: it records nothing more.
    let opening = common::variant(r#"words: ["dunno"]"#, r#"words: ["dunno", "still broken"]"#);
    assert_eq!(shown(&opening), Vec::<String>::new());
}

#[test]
fn the_optional_messages_are_checked_when_given_and_may_be_left_out() {
    let with = |extra: &str| {
        let source = common::mini_source().replacen(
            r#"card_rating: "Rated {stars}/5","#,
            &format!("card_rating: \"Rated {{stars}}/5\",\n        {extra}"),
            1,
        );
        let found: Vec<String> = problems(&source).iter().map(ToString::to_string).collect();
        found
    };
    // Left out (a script version from before them), and given well.
    assert_eq!(with(""), Vec::<String>::new());
    let good = r#"check_position: "Check {n} of {total}", command_description: "Help","#;
    assert_eq!(with(good), Vec::<String>::new());
    // A place without its numbers; a description longer than Discord allows.
    let found = with(r#"check_position: "Check {n}","#);
    assert!(
        found
            .iter()
            .any(|p| p.contains("`check_position` must contain {total}")),
        "{found:?}"
    );
    let long = format!("command_description: \"{}\",", "x".repeat(101));
    let found = with(&long);
    assert!(
        found
            .iter()
            .any(|p| p.contains("`command_description` is 101 characters")),
        "{found:?}"
    );
}

/// The messages of the in-Discord erasure, by key: optional, added after scripts were stored.
fn erase_messages(m: &backup_help_bot::script::Messages) -> Vec<(&'static str, String)> {
    m.texts()
        .into_iter()
        .chain(m.labels())
        .filter(|(key, _)| key.starts_with("forget_") || *key == "card_erased")
        .map(|(key, text)| (key, text.to_string()))
        .collect()
}

#[test]
fn a_script_from_before_the_erase_messages_loads_them_in_english() {
    let source = common::mini_source();
    assert!(!source.contains("forget_"), "the fixture predates them");
    let old = load_str(&source, "fixture.ron", Some("en")).expect("still loads");
    let theirs = erase_messages(&old.messages);
    assert_eq!(theirs.len(), 8, "{theirs:?}");
    // The English text it gets is en.ron's own.
    assert_eq!(theirs, erase_messages(&common::english().messages));
}

#[test]
fn the_erase_messages_keep_their_placeholders_and_discords_limits() {
    let too_long = format!(r#"forget_option: "{}""#, "x".repeat(101));
    for (from, to, expected) in [
        (
            "Rating comments: {comments}",
            "Rating comments",
            "`forget_done` must contain {comments}",
        ),
        (
            "claimed or closed them: {cases}",
            "claimed or closed them",
            "`forget_done_staff` must contain {cases}",
        ),
        (
            "This button erases {owner}'s data",
            "This button erases this data",
            "`forget_not_yours` must contain {owner}",
        ),
        (
            r#"forget_option: "Erase what the bot keeps about you""#,
            too_long.as_str(),
            "`forget_option` is 101 characters; Discord allows at most 100",
        ),
        (
            r#"forget_button: "Erase my data""#,
            r#"forget_button: " ""#,
            "`forget_button` is empty",
        ),
    ] {
        let found = english_with(from, to);
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "{expected}: {found:?}"
        );
    }
}
