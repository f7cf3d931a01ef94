//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test crate uses its own subset

use std::path::{Path, PathBuf};

use std::time::Duration;

use backup_help_bot::conversation::{Engine, IdlePolicy, Input, Session, Timestamp, UserId};
use backup_help_bot::ids::{GuildId, ThreadId};
use backup_help_bot::script::{load_dir, load_file, Script};
use backup_help_bot::store::{self, Record, SessionStore};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped English script, as the bot would load it.
pub fn english() -> Script {
    match load_file(&root().join("responses/en.ron")) {
        Ok(script) => script,
        Err(err) => panic!("responses/en.ron does not load: {err}"),
    }
}

/// Every shipped script (responses/*.ron), as the bot loads them.
pub fn shipped() -> Vec<Script> {
    match load_dir(&root().join("responses"), "en") {
        Ok(scripts) => scripts,
        Err(err) => panic!("the shipped scripts do not load: {err}"),
    }
}

/// The shipped script for `locale`.
pub fn shipped_in(locale: &str) -> Script {
    let found = shipped().into_iter().find(|s| s.locale == locale);
    found.unwrap_or_else(|| panic!("no responses/{locale}.ron"))
}

/// The small test script in tests/fixtures/valid.
pub fn mini() -> Script {
    match load_dir(&root().join("tests/fixtures/valid"), "en") {
        Ok(mut scripts) if scripts.len() == 1 => scripts.remove(0),
        Ok(scripts) => panic!("expected one fixture script, got {}", scripts.len()),
        Err(err) => panic!("the valid fixture does not load: {err}"),
    }
}

pub fn mini_source() -> String {
    read(&root().join("tests/fixtures/valid/en.ron"))
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

pub const T0: Timestamp = Timestamp(1_700_000_000_000);

/// A session on `engine` that has been started (first step shown) at `T0`.
pub fn started(engine: &Engine) -> Session {
    let mut session = engine.new_session(UserId::new(42).expect("ids are not 0"), T0);
    let reply = engine.apply(
        &mut session,
        backup_help_bot::conversation::Input::Start,
        T0,
    );
    assert!(
        matches!(reply, backup_help_bot::conversation::Reply::Show { .. }),
        "start gave {reply:?}"
    );
    session
}

pub fn engine(script: &Script) -> Engine<'_> {
    Engine::new(script, IdlePolicy::default())
}

/// One broken variant of the valid fixture per validator rule: (name, replace this, with
/// this, words the report must contain). Shared by the library and the binary tests.
pub fn broken_fixtures() -> Vec<(&'static str, &'static str, String, Vec<&'static str>)> {
    let long = |n: usize| "x".repeat(n);
    vec![
        (
            "goto-missing",
            r#"goto: "second-new""#,
            r#"goto: "second-neww""#.into(),
            vec![
                "step \"second\", choice 1",
                "\"second-neww\"",
                "neither a step",
            ],
        ),
        (
            "duplicate-id",
            r#"id: "second-old""#,
            r#"id: "second-new""#.into(),
            vec!["step \"second-new\"", "used twice"],
        ),
        (
            "unreachable-step",
            r#"(label: "iPhone 8 or earlier", words: ["home button"], goto: "second-old")"#,
            r#"(label: "iPhone 8 or earlier", words: ["home button"], goto: "second-new")"#.into(),
            vec!["step \"second-old\"", "cannot be reached from the start"],
        ),
        (
            "no-ending",
            r#"(label: "Fixed", means: Yes, confirms: ICloud, goto: "fixed"),
                (label: "Still failing", means: No, goto: "next"),
            ],
        ),
        (
            id: "second-old","#,
            r#"(label: "Fixed", means: Yes, goto: "second-new"),
                (label: "Still failing", means: No, goto: "second-new"),
            ],
        ),
        (
            id: "second-old","#
                .into(),
            vec!["step \"second-new\"", "no ending can be reached"],
        ),
        (
            "empty-text",
            r#"explanation: "Hold one button.""#,
            r#"explanation: "  ""#.into(),
            vec!["step \"second-old\"", "`explanation` is empty"],
        ),
        (
            "duplicate-label",
            r#"(label: "iPhone 8 or earlier""#,
            r#"(label: "iPhone X OR LATER""#.into(),
            vec![
                "step \"second\", choice 2",
                "\"iphone x or later\"",
                "also an answer to choice 1",
            ],
        ),
        (
            "duplicate-word",
            r#"words: ["home button"]"#,
            r#"words: ["Face ID"]"#.into(),
            vec![
                "step \"second\", choice 2",
                "\"face id\"",
                "also an answer to choice 1",
            ],
        ),
        (
            "word-is-a-command",
            r#"words: ["dunno"]"#,
            r#"words: ["Go back"]"#.into(),
            vec![
                "step \"opening\", choice 2",
                "\"go back\"",
                "back / start over / human word",
            ],
        ),
        (
            "title-too-long",
            r#"title: "Older phones""#,
            format!(r#"title: "{}""#, long(257)),
            vec![
                "step \"second-old\"",
                "`title` is 257 characters",
                "at most 256",
            ],
        ),
        (
            "description-too-long",
            r#"explanation: "Hold one button.""#,
            format!(r#"explanation: "{}""#, long(4090)),
            vec!["step \"second-old\"", "render to", "4096"],
        ),
        (
            "label-too-long",
            r#"(label: "Not sure""#,
            format!(r#"(label: "{}""#, long(81)),
            vec![
                "step \"opening\", choice 2",
                "`label` is 81 characters",
                "at most 80",
            ],
        ),
        (
            "one-choice",
            r#"(label: "Not sure", words: ["dunno"], goto: "next"),"#,
            String::new(),
            vec!["step \"opening\"", "has 1 choices", "2 to 5"],
        ),
        (
            "six-choices",
            r#"(label: "Not sure", words: ["dunno"], goto: "next"),"#,
            (1..=5)
                .map(|i| format!(r#"(label: "Not sure {i}", goto: "next"),"#))
                .collect(),
            vec!["step \"opening\"", "has 6 choices", "2 to 5"],
        ),
        (
            "too-many-rows",
            r#"links: [(label: "Help page", url: "https://example.com/help")]"#,
            format!(
                "links: [{}]",
                (1..=16)
                    .map(|i| format!(r#"(label: "L{i}", url: "https://example.com/{i}")"#))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            vec!["step \"first\"", "need 6 rows", "holds 5"],
        ),
        (
            "bad-url",
            r#"url: "https://example.com/help""#,
            r#"url: "example.com/help""#.into(),
            vec!["step \"first\", link 1", "not an https:// address"],
        ),
        (
            "http-url",
            r#"url: "https://example.com/help""#,
            r#"url: "http://example.com/help""#.into(),
            vec![
                "step \"first\", link 1",
                "\"http://example.com/help\"",
                "https://",
            ],
        ),
        (
            "http-in-text",
            r#"explanation: "The first thing to try.""#,
            r#"explanation: "See http://example.com/help first.""#.into(),
            vec![
                "step \"first\"",
                "`explanation` contains an http:// address",
            ],
        ),
        (
            "fixed-not-confirmed",
            r#"(label: "Fixed", means: Yes, confirms: ICloud, goto: "fixed")"#,
            r#"(label: "Fixed", means: Yes, goto: "fixed")"#.into(),
            vec![
                "step \"first\", choice 1",
                "ending \"fixed\"",
                "not marked `confirms: ICloud`",
            ],
        ),
        (
            "fixed-confirmed-by-a-computer-backup",
            r#"(label: "Fixed", means: Yes, confirms: ICloud, goto: "fixed")"#,
            r#"(label: "Fixed", means: Yes, confirms: Computer, goto: "fixed")"#.into(),
            vec![
                "step \"first\", choice 1",
                "`confirms: Computer`",
                "their iCloud backup works",
            ],
        ),
        (
            "resolved-claims-nothing",
            r#"kind: Resolved, claims: ICloud,"#,
            r#"kind: Resolved,"#.into(),
            vec!["ending \"fixed\"", "needs `claims: ICloud`"],
        ),
        (
            "after-checks-claims",
            r#"after_checks: "handoff""#,
            r#"after_checks: "fixed""#.into(),
            vec!["`after_checks` names \"fixed\"", "checks run out"],
        ),
        (
            "handoff-claims",
            r#"(id: "handoff", kind: HandOff, title:"#,
            r#"(id: "handoff", kind: HandOff, claims: Computer, title:"#.into(),
            vec![
                "`handoff` names \"handoff\"",
                "their computer backup worked",
                "Talk to a human button",
            ],
        ),
        (
            "bad-id",
            r#"id: "second-old""#,
            r#"id: "Second Old""#.into(),
            vec!["step \"Second Old\"", "a-z, 0-9 and '-'"],
        ),
        (
            "reserved-id",
            r#"id: "second-old""#,
            r#"id: "next""#.into(),
            vec!["step \"next\"", "reserved"],
        ),
        (
            "locale-mismatch",
            r#"locale: "en""#,
            r#"locale: "fr""#.into(),
            vec!["script", "\"fr\"", "named for \"en\""],
        ),
        (
            "start-missing",
            r#"start: "opening""#,
            r#"start: "openin""#.into(),
            vec!["`start` names \"openin\""],
        ),
        (
            "handoff-not-handoff",
            r#"handoff: "handoff""#,
            r#"handoff: "fixed""#.into(),
            vec!["`handoff` names \"fixed\"", "HandOff"],
        ),
        (
            "check-missing",
            r#"checks: ["first", "second"]"#,
            r#"checks: ["first", "secnd"]"#.into(),
            vec!["`checks` lists \"secnd\""],
        ),
        (
            "follow-up-missing",
            r#"start: "opening","#,
            "start: \"opening\",\n    follow_up: \"nope\",".into(),
            vec!["`follow_up` names \"nope\"", "not a step"],
        ),
        (
            "follow-up-a-check",
            r#"start: "opening","#,
            "start: \"opening\",\n    follow_up: \"second\",".into(),
            vec![
                "follow_up",
                "\"second\" is the start, a check or on a route",
            ],
        ),
        (
            "follow-up-confirms-nothing",
            r#"start: "opening","#,
            "start: \"opening\",\n    follow_up: \"second\",".into(),
            vec!["follow_up", "`confirms: ICloud`", "Resolved"],
        ),
        (
            "owner-placeholder",
            r#"not_yours: "This walkthrough belongs to {owner}.""#,
            r#"not_yours: "Not yours.""#.into(),
            vec!["messages", "{owner}"],
        ),
    ]
}

/// The valid fixture with one replacement made; panics if the text to replace is missing.
pub fn variant(from: &str, to: &str) -> String {
    let source = mini_source();
    assert!(
        source.contains(from),
        "the fixture no longer contains {from:?}"
    );
    source.replacen(from, to, 1)
}

/// Drives one walkthrough of `owner` in `thread` (in guild 1) on `script` through the engine
/// and the store, as the bot does: each input `after` the start, its events, and when it
/// ends, its end. Returns it as saved last.
pub async fn walk_as(
    script: &Script,
    store: &dyn SessionStore,
    (thread, owner): (u64, u64),
    start: Timestamp,
    inputs: &[(Input, Duration)],
) -> Record {
    let engine = engine(script);
    let mut session = engine.new_session(UserId::new(owner).expect("ids are not 0"), start);
    let reply = engine.apply(&mut session, Input::Start, start);
    let mut record = Record::new(
        ThreadId::new(thread).expect("ids are not 0"),
        GuildId::new(1).expect("ids are not 0"),
        script.locale.clone(),
        engine.idle_due(&session),
        session,
    );
    let events = store::events_for(&record, &reply, None, None, start);
    store.insert(&record, &events).await.expect("insert");
    for (input, after) in inputs {
        let now = start.plus(*after);
        let version = record.session.version;
        let shown = record.session.current_step().cloned();
        let follow_up = record.session.follow_up_state();
        let reply = engine.apply(&mut record.session, input.clone(), now);
        record.idle_due = engine.idle_due(&record.session);
        record.note_end(now);
        let events = store::events_for(&record, &reply, shown.as_ref(), follow_up, now);
        store.save(&record, version, &events).await.expect("save");
    }
    record
}
