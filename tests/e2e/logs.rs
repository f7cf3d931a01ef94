//! Logs hold no credentials at any level: the built bot at `RUST_LOG=trace`, fed malformed
//! gateway frames carrying interaction tokens, after real interactions whose callbacks
//! and webhooks carry theirs.

use std::time::{Duration, Instant};

use fake_discord::Options;

use crate::harness::{Harness, FIRST_CHECK_FAILING, PERSON, WAIT};

/// A dispatch without its sequence number: the frame does not parse, and serenity logs it
/// whole at WARN.
const UNPARSED: &str = r#"{"op":0,"t":"INTERACTION_CREATE","s":null,"d":{"id":"777000771","application_id":"1","type":2,"token":"malformed-frame-token-unparsed","version":1}}"#;
/// A well-formed frame whose INTERACTION_CREATE payload is not an interaction: serenity
/// logs it at DEBUG as an unknown event (a `serde_json::Value` dump).
const NOT_AN_INTERACTION: &str = r#"{"op":0,"t":"INTERACTION_CREATE","s":1000,"d":{"id":"777000772","type":2,"token":"malformed-frame-token-unknown"}}"#;
/// Not JSON at all: cut off mid-token.
const CUT_OFF: &str = r#"{"op":0,"t":"INTERACTION_CREATE","s":5,"d":{"id":"777000773","token":"malformed-frame-token-cut-off"#;

const MALFORMED_TOKENS: [&str; 3] = [
    "malformed-frame-token-unparsed",
    "malformed-frame-token-unknown",
    "malformed-frame-token-cut-off",
];

/// Every way a secret could sit in a log line: as text, as the hex of tungstenite's frame
/// dumps, and as a `Debug` byte list.
fn forms(secret: &str) -> [String; 3] {
    let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    let list: Vec<String> = secret.bytes().map(|b| b.to_string()).collect();
    [secret.to_string(), hex, list.join(", ")]
}

fn read_log(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_trace_level_malformed_frames_and_callbacks_leave_no_token_in_the_log() {
    let h = Harness::for_process(Options::default()).await;
    h.fake.add_member(PERSON, "Ada", &[]);
    let bot = h.spawn_bot("1", &h.config(), &[("RUST_LOG", "trace")]);
    h.wait_connected(1).await;
    // Real interactions: their callbacks and webhook edits go through serenity's HTTP client.
    let thread = h.open(PERSON).await;
    h.click(PERSON, thread, "Not sure").await;

    for frame in [UNPARSED, NOT_AN_INTERACTION, CUT_OFF] {
        h.fake.send_raw_frame(frame);
    }
    let log_path = h.data_dir().join("bot-1.log");
    let deadline = Instant::now() + WAIT;
    let seen = |log: &str| {
        log.contains("777000771") && log.contains("777000772") && log.contains("777000773")
    };
    while !seen(&read_log(&log_path)) {
        assert!(
            Instant::now() < deadline,
            "the bot never logged the malformed frames"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The session survives them: the walk goes on.
    h.click(PERSON, thread, FIRST_CHECK_FAILING).await;
    drop(bot); // killed

    let log = read_log(&log_path);
    assert!(log.contains("TRACE"), "the bot did not log at trace level");
    // One line each for the two frames that do not parse: a redacted value must not eat
    // the end of its line.
    let unparsable: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("Err deserializing text"))
        .collect();
    assert_eq!(
        unparsable.len(),
        2,
        "serenity's WARN for each unparsable frame"
    );
    for line in unparsable {
        assert_eq!(line.split_whitespace().nth(1), Some("WARN"), "{line}");
    }
    assert!(
        log.contains("An unknown event was received"),
        "serenity's DEBUG for an unknown event is missing"
    );
    assert!(log.contains("<redacted>"), "nothing was redacted");
    let mut secrets: Vec<String> = h
        .fake
        .world(|w| w.interactions.values().map(|i| i.token.clone()).collect());
    assert!(secrets.len() >= 3, "the interactions were not recorded");
    secrets.extend(MALFORMED_TOKENS.iter().map(|t| t.to_string()));
    secrets.push(h.fake.token().to_string());
    for secret in &secrets {
        for form in forms(secret) {
            if let Some(at) = log.find(&form) {
                let line_start = log[..at].rfind('\n').map_or(0, |i| i + 1);
                let line_end = log[at..].find('\n').map_or(log.len(), |i| at + i);
                panic!(
                    "the log holds {secret:?} (as {form:?}):\n{}",
                    &log[line_start..line_end]
                );
            }
        }
    }
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_trace_level_what_a_person_typed_leaves_no_email_phone_or_serial_in_the_log() {
    let h = Harness::for_process(Options::default()).await;
    h.fake.add_member(PERSON, "Ada", &[]);
    let bot = h.spawn_bot("1", &h.config(), &[("RUST_LOG", "trace")]);
    h.wait_connected(1).await;
    let thread = h.open(PERSON).await;
    h.type_text(
        PERSON,
        thread,
        "it's ana.g+ios@correo.example.es, +34 612 34 56 78, serial C39XK2Q1HG7F",
    )
    .await; // answered (asked again): every line about the text is written
    drop(bot); // killed

    let log = read_log(&h.data_dir().join("bot-1.log"));
    assert!(log.contains("TRACE"), "the bot did not log at trace level");
    assert!(
        log.contains("[email]"),
        "the typed message never reached the log"
    );
    for personal in ["correo", "ana.g", "612 34 56", "C39XK2Q1HG7F"] {
        for form in forms(personal) {
            assert!(
                !log.contains(&form),
                "the log holds {personal:?} as {form:?}"
            );
        }
    }
    h.finish().await;
}
