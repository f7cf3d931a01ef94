//! Apple's live System Status: the feed read through a fixture on 127.0.0.1 for every case
//! (ongoing outage as JSONP, resolved only as JSON, HTML-escaped names, garbage, a hang
//! longer than the timeout, HTTP 500), its cache and single request in flight; and the
//! engine offering "wait for Apple" only while Apple reports a problem.

mod common;
#[path = "support/apple_fixture.rs"]
mod fixture;

use std::sync::Arc;
use std::time::{Duration, Instant};

use backup_help_bot::clock::ManualClock;
use backup_help_bot::conversation::{Input, Reply, Timestamp};
use backup_help_bot::script::{Live, StepId};
use backup_help_bot::status_feed::StatusFeed;
use backup_help_bot::walkthrough::LiveStatus;

use fixture::{Fixture, OUTAGE_SINCE_MS};

fn services() -> Vec<String> {
    common::english()
        .apple_status
        .expect("the script watches Apple's status")
        .services
}

fn feed(url: String, timeout: Duration, refresh: Duration) -> StatusFeed {
    StatusFeed::new(
        url,
        timeout,
        refresh,
        services(),
        Arc::new(ManualClock::new()),
    )
}

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn an_ongoing_outage_is_reported_with_its_start_and_message() {
    let f = Fixture::start().await;
    let report = feed(f.url("outage"), Duration::from_secs(2), MINUTE)
        .report()
        .await
        .expect("a report");
    assert_eq!(report.problems.len(), 1, "{report:?}");
    let problem = &report.problems[0];
    assert_eq!(problem.service, "iCloud Backup");
    assert_eq!(problem.kind, "Outage");
    assert_eq!(problem.since, Some(Timestamp(OUTAGE_SINCE_MS)));
    assert_eq!(
        problem.message,
        "Users may be **unable** to back up. @everyone"
    );
}

#[tokio::test]
async fn live_says_clear_only_when_the_feed_was_read_and_shows_no_problem() {
    let f = Fixture::start().await;
    let switch = feed(f.url("switch"), Duration::from_secs(2), Duration::ZERO);
    let live = |report: Option<backup_help_bot::status::Report>| {
        backup_help_bot::status::Report::live(report.as_ref())
    };
    let during = live(switch.report().await);
    assert!(during.apple_problem && !during.apple_clear, "{during:?}");
    f.resolve();
    let after = live(switch.report().await);
    assert!(!after.apple_problem && after.apple_clear, "{after:?}");
    let unreadable = live(
        feed(f.url("garbage"), Duration::from_secs(2), MINUTE)
            .report()
            .await,
    );
    assert_eq!(unreadable, Live::default(), "an unread feed is neither");
    // A feed that lists none of the watched services (renamed, or empty) says nothing of them.
    let silent = backup_help_bot::status::parse(r#"{"services":[]}"#, &services(), Timestamp(0));
    let silent = live(Some(silent.expect("parses")));
    assert_eq!(silent, Live::default(), "{silent:?}");
}

#[tokio::test]
async fn resolved_events_are_no_problem_and_escaped_names_are_matched() {
    let f = Fixture::start().await;
    let resolved = feed(f.url("resolved"), Duration::from_secs(2), MINUTE)
        .report()
        .await;
    assert_eq!(resolved.map(|r| r.has_problem()), Some(false));
    let escaped = feed(f.url("escaped"), Duration::from_secs(2), MINUTE)
        .report()
        .await
        .expect("a report");
    assert_eq!(escaped.problems.len(), 1);
    assert_eq!(escaped.problems[0].service, "iCloud Account & Sign In");
    assert_eq!(escaped.problems[0].message, "Some users can't sign in.");
}

#[tokio::test]
async fn garbage_a_server_error_and_a_hang_give_no_report() {
    let f = Fixture::start().await;
    for case in ["garbage", "error"] {
        let report = feed(f.url(case), Duration::from_secs(2), MINUTE)
            .report()
            .await;
        assert_eq!(report, None, "{case}");
    }
    let timeout = Duration::from_millis(300);
    let started = Instant::now();
    let report = feed(f.url("hang"), timeout, MINUTE).report().await;
    assert_eq!(report, None);
    // Given up at the timeout, not when the fixture answers 30 s later (a generous bound:
    // the machine is shared).
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // Nothing listens here at all.
    let closed = feed("http://127.0.0.1:9/status".into(), timeout, MINUTE)
        .report()
        .await;
    assert_eq!(closed, None);
}

#[tokio::test]
async fn one_read_serves_everyone_until_it_is_stale_and_one_request_is_in_flight() {
    let f = Fixture::start().await;
    let shared = Arc::new(feed(f.url("slow"), Duration::from_secs(5), MINUTE));
    let readers: Vec<_> = (0..8)
        .map(|_| {
            let shared = shared.clone();
            tokio::spawn(async move { shared.report().await })
        })
        .collect();
    for reader in readers {
        assert!(reader.await.expect("joined").is_some());
    }
    assert_eq!(f.requests(), 1, "eight readers at once, one request");
    assert!(shared.report().await.is_some());
    assert_eq!(f.requests(), 1, "cached for `refresh`");
    let short = feed(f.url("resolved"), Duration::from_secs(2), Duration::ZERO);
    short.report().await;
    short.report().await;
    assert_eq!(f.requests(), 3, "a refresh of 0 reads every time");
}

#[test]
fn waiting_for_apple_is_offered_only_while_apple_reports_a_problem() {
    let script = common::english();
    let status = script.apple_status.clone().expect("a status step");
    let step_id = StepId::new(&status.step);
    let step = script.step(&step_id).expect("a step");
    let wait = step
        .choices
        .iter()
        .position(|c| c.when.is_some())
        .expect("a wait choice");
    let engine = common::engine(&script);
    let mut at_status = common::started(&engine);
    at_status.phase = backup_help_bot::conversation::Phase::At(step_id.clone());
    let typed = |live: Live, text: &str| {
        let mut s = at_status.clone();
        engine
            .with_live(live)
            .apply(&mut s, Input::Text(text.into()), common::T0)
    };
    let problem = Live {
        apple_problem: true,
        apple_clear: false,
    };
    let wait_words = "wait for apple";
    let number = (wait + 1).to_string();
    for text in [wait_words, number.as_str()] {
        assert!(
            matches!(typed(Live::default(), text), Reply::ReAsk { .. }),
            "{text:?} is not an answer while Apple reports nothing"
        );
        match typed(problem, text) {
            Reply::Waiting { ending, .. } => assert_eq!(ending.as_str(), "apple-problem"),
            other => panic!("{text:?} → {other:?}"),
        }
    }
    // A click on the button (only shown during a problem) ends the same way.
    let mut s = at_status.clone();
    let click = Input::Choose {
        step: step_id,
        choice: wait,
    };
    assert!(matches!(
        engine.apply(&mut s, click, common::T0),
        Reply::Waiting { .. }
    ));
    assert!(!s.phase.is_open(), "the walkthrough is over");
}

/// `chat` with piped answers up to the status step, reading the feed at `args`.
async fn chat_to_the_status_step(args: Vec<String>) -> String {
    let out = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_backup-help-bot"))
            .arg("chat")
            .args(&args)
            .current_dir(common::root())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("chat starts");
        // The first check asks how old the last backup is, and storage how much is left:
        // a bare "still failing" is asked again there, so those get their own answers.
        let answers = "not sure\nstill failing, last backup is recent\nstill failing\nstill failing\nplenty\n";
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(answers.as_bytes())
                .expect("answers written");
        }
        child.wait_with_output().expect("chat ends")
    })
    .await
    .expect("joined");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_shows_the_live_status_unless_offline() {
    let f = Fixture::start().await;
    let url = f.url("outage");
    let online = chat_to_the_status_step(vec!["--status-url".into(), url.clone()]).await;
    assert!(
        online.contains("== Is iCloud Backup working at Apple's end? =="),
        "{online}"
    );
    assert!(
        online.contains("Apple reports a problem with iCloud Backup right now (Outage, since "),
        "{online}"
    );
    assert!(
        online.contains("[3] Tell me when Apple has fixed it"),
        "{online}"
    );
    let offline =
        chat_to_the_status_step(vec!["--offline".into(), "--status-url".into(), url]).await;
    assert!(
        offline.contains("== Is iCloud Backup working at Apple's end? =="),
        "{offline}"
    );
    assert!(!offline.contains("Apple reports"), "{offline}");
    assert_eq!(f.requests(), 1, "offline reads nothing");
}
