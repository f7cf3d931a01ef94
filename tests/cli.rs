//! The built binary: `check`, `chat` with piped input, `graph`, `--help`, `purge` and
//! `forget`.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use backup_help_bot::config::Storage;
use backup_help_bot::conversation::{Input, Timestamp};
use backup_help_bot::ids::ThreadId;
use backup_help_bot::store::{self, Event, Line, LineKind};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_backup-help-bot"))
}

fn run(args: &[&str], stdin: &str) -> Output {
    let mut args = args.to_vec();
    // No internet here: the terminal walk shows the status step as written.
    if args.first() == Some(&"chat") && !args.contains(&"--help") {
        args.push("--offline");
    }
    let mut child = bin()
        .args(&args)
        .current_dir(common::root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("stdin accepts the answers");
    child.wait_with_output().expect("the binary finishes")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_accepts_the_shipped_script() {
    let out = run(&["check"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let script = common::english();
    let counts = format!(
        "{} steps, {} choices, {} endings, {} checks",
        script.steps.len(),
        script.steps.iter().map(|s| s.choices.len()).sum::<usize>(),
        script.endings.len(),
        script.checks.len()
    );
    assert!(stdout.contains(&counts), "no {counts:?} in {stdout}");
    assert!(stdout.contains("longest"), "{stdout}");
    let shipped = common::shipped();
    let ok = format!("OK: {} script(s)", shipped.len());
    assert!(stdout.contains(&ok), "{stdout}");
    for locale in shipped.iter().map(|s| s.locale.as_str()) {
        let head = format!("{locale}: \"");
        assert!(
            stdout.lines().any(|l| l.starts_with(&head)),
            "no {locale} in {stdout}"
        );
    }
}

#[test]
fn check_counts_the_paths_to_each_ending() {
    let out = run(&["check"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let number_before = |line: &str, word: &str| -> Option<u64> {
        let head = line.split(word).next()?;
        head.split_whitespace().last()?.parse().ok()
    };
    let total = stdout
        .lines()
        .find(|l| l.contains("paths from the start"))
        .and_then(|l| number_before(l, " paths from the start"))
        .unwrap_or_else(|| panic!("no total in {stdout}"));
    let script = common::english();
    let walk = backup_help_bot::conversation::walk::walk_all(&script, 500_000);
    let mut sum = 0;
    for ending in &script.endings {
        let prefix = format!("    {}: ", ending.id);
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no line for {} in {stdout}", ending.id));
        let count = number_before(line, " paths").unwrap_or_else(|| panic!("{line}"));
        assert_eq!(count, walk.ending(&ending.id), "{line}");
        // The end of a wait for Apple is reached by the clock, not by an answer.
        let by_clock = script.apple_status.as_ref().and_then(|s| s.lapsed_ending());
        if by_clock.as_ref() != Some(&ending.id) {
            assert!(count > 0, "no path reaches {}: {line}", ending.id);
        }
        sum += count;
    }
    assert_eq!(sum, total, "{stdout}");
}

#[test]
fn check_rejects_each_broken_fixture_with_exit_1() {
    for (name, from, to, words) in common::broken_fixtures() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::write(dir.path().join("en.ron"), common::variant(from, &to)).unwrap();
        let path = dir.path().to_str().unwrap();
        let out = run(&["check", "--responses", path], "");
        assert_eq!(out.status.code(), Some(1), "{name}: {}", text(&out.stdout));
        let stderr = text(&out.stderr);
        assert!(words.iter().all(|w| stderr.contains(w)), "{name}: {stderr}");
    }
}

/// A copy of the shipped scripts, with `es.ron` changed from `from` to `to`.
fn shipped_with_spanish(from: &str, to: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for script in common::shipped() {
        let locale = script.locale.as_str();
        let text = common::read(&common::root().join(format!("responses/{locale}.ron")));
        let text = if locale == "es" {
            assert!(text.contains(from), "es.ron no longer contains {from:?}");
            text.replacen(from, to, 1)
        } else {
            text
        };
        std::fs::write(dir.path().join(format!("{locale}.ron")), text).expect("written");
    }
    dir
}

#[test]
fn check_names_a_translation_that_drifts_from_the_english() {
    // A Spanish choice that goes elsewhere than the English one: valid on its own (the
    // opening's "greyed out" answer, whose first step is also on its route).
    let dir = shipped_with_spanish(r#"goto: "account-security","#, r#"goto: "wifi","#);
    let path = dir.path().to_str().unwrap();
    let out = run(&["check", "--responses", path], "");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("es.ron:"), "{stderr}");
    assert!(
        stderr.contains(
            r#"goes to step "wifi" but the same choice in en.ron goes to step "account-security""#
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("de.ron"), "{stderr}");
    assert!(!stderr.contains("es-419.ron"), "{stderr}");
    // A translation offering the wait-for-Apple choice always, and watching other services.
    for (from, to, said) in [
        (
            "                    when: AppleReportsProblem,\n",
            "",
            "has `when: None` but",
        ),
        (
            "\"iCloud Backup\", \"iCloud Account & Sign In\"",
            "\"Copia en iCloud\"",
            "`apple_status` is",
        ),
    ] {
        let dir = shipped_with_spanish(from, to);
        let out = run(&["check", "--responses", dir.path().to_str().unwrap()], "");
        assert_eq!(out.status.code(), Some(1));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("es.ron:") && stderr.contains(said),
            "{stderr}"
        );
    }
    // And a translation that lost a placeholder.
    let dir = shipped_with_spanish("{thread}", "el hilo");
    let out = run(&["check", "--responses", dir.path().to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("es.ron:"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn chat_in_spanish_and_graph_in_german() {
    let es = common::shipped_in("es");
    // "Still failing" in Spanish, with the answer each step needs where a bare "todavía
    // falla" would not say which failing choice it is (the opening, the age of the last
    // backup, the storage left, a restart already done).
    let answers = [
        "no lo sé",
        "sigue fallando, la última copia es reciente",
        "todavía falla",
        "todavía falla",
        "de sobra",
        "todavía falla",
        "todavía falla",
        "ya lo reinicié",
    ]
    .join("\n");
    let answers = format!("{answers}\n{}", "todavía falla\n".repeat(40));
    let out = run(&["chat", "--locale", "es"], &answers);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains(&es.messages.not_understood), "{stdout}");
    let handoff = es.ending(&es.handoff).expect("an ending");
    assert!(
        stdout.contains(&format!("== {} ==", handoff.title)),
        "{stdout}"
    );
    let de = common::shipped_in("de");
    let out = run(&["graph", "--locale", "de"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let first = de.step(&de.checks[0]).expect("a step");
    assert!(
        text(&out.stdout).contains(&first.title),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn check_rejects_a_goto_cycle_that_the_graph_rules_allow() {
    // second-old → second-new → (fixed | second-old): an ending is reachable, but a walk
    // can go round in circles.
    let mut source = common::mini_source();
    for step in ["second-new", "second-old"] {
        let other = if step == "second-new" {
            "second-old"
        } else {
            "second-new"
        };
        let at = source.find(&format!(r#"id: "{step}""#)).unwrap();
        let (head, tail) = source.split_at(at);
        let tail = tail.replacen(r#"goto: "next""#, &format!(r#"goto: "{other}""#), 1);
        source = format!("{head}{tail}");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("en.ron"), source).unwrap();
    let out = run(&["check", "--responses", dir.path().to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("round in circles"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn check_json_prints_the_validated_script() {
    let out = run(&["check", "--json"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(json["en"]["id"], "icloud-backup");
    assert_eq!(json["en"]["steps"][0]["id"], "opening");
    assert_eq!(json["en"]["checks"].as_array().map(Vec::len), Some(10));
}

#[test]
fn check_reports_a_missing_directory() {
    let out = run(&["check", "--responses", "no/such/dir"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no/such/dir"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn chat_with_piped_answers_reaches_the_hand_off() {
    // "2" at every step: Still failing, the second branch, and finally "hand me over".
    let answers = "2\n".repeat(40);
    let out = run(&["chat"], &answers);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let script = common::english();
    let handoff = script.ending(&script.handoff).unwrap();
    assert!(stdout.contains(&handoff.title), "{stdout}");
    assert!(
        stdout.contains(&script.messages.summary_heading),
        "{stdout}"
    );
    for check in &script.checks {
        let title = &script.step(check).unwrap().title;
        assert!(stdout.contains(title.as_str()), "{title} not shown");
    }
}

#[test]
fn chat_saying_it_still_fails_at_every_step_walks_the_checks_in_order_to_the_hand_off() {
    // "Still failing" at the opening (it means "Not sure") and wherever that is the step's
    // plain no, and the failing answer itself where a bare "still failing" is asked again
    // (the age of the last backup, the storage left, a restart already done).
    let answers = [
        "still failing",
        "still failing, last backup is recent",
        "still failing",
        "still failing",
        "plenty",
        "still failing",
        "still failing",
        "restarted it already, still failing",
    ]
    .join("\n");
    let out = run(
        &["chat"],
        &format!("{answers}\n{}", "still failing\n".repeat(40)),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let script = common::english();
    assert!(
        !stdout.contains(&script.messages.not_understood),
        "every step understood it: {stdout}"
    );
    let shown: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("== ")?.strip_suffix(" =="))
        .collect();
    let checks: Vec<&str> = script
        .checks
        .iter()
        .map(|c| script.step(c).map_or("", |s| s.title.as_str()))
        .collect();
    let mut at = shown.iter();
    for check in &checks {
        assert!(
            at.any(|t| t == check),
            "{check} missing or out of order in {shown:?}"
        );
    }
    let handoff = script.ending(&script.handoff).map(|e| e.title.as_str());
    assert_eq!(shown.last().copied(), handoff, "{shown:?}");
}

#[test]
fn chat_understands_typed_words_and_ends_resolved() {
    let out = run(&["chat"], "not sure\nyep\n");
    assert!(out.status.success());
    let script = common::english();
    let fixed = &script
        .endings
        .iter()
        .find(|e| e.id.as_str() == "fixed")
        .unwrap()
        .title;
    assert!(
        text(&out.stdout).contains(fixed.as_str()),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn chat_ends_cleanly_at_end_of_input() {
    let out = run(&["chat"], "gibberish\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&common::english().messages.not_understood),
        "{stdout}"
    );
}

#[test]
fn chat_names_an_unknown_locale() {
    let out = run(&["chat", "--locale", "xx"], "");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("\"xx\""),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn graph_prints_a_mermaid_flowchart_with_every_step() {
    let out = run(&["graph"], "");
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("flowchart TD\n"));
    for step in &common::english().steps {
        let node = format!("s_{}[", step.id.as_str().replace('-', "_"));
        assert!(stdout.contains(&node), "{node} missing");
    }
    // "next" from the first check is drawn, dotted, to the second.
    assert!(
        stdout.contains("s_backup_switch -.->|\"Still failing, last backup is recent\"| s_wifi"),
        "{stdout}"
    );
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["chat", "check", "graph"] {
        let out = run(&[sub, "--help"], "");
        assert!(out.status.success(), "{sub}");
        assert!(text(&out.stdout).contains("--responses"), "{sub}");
    }
}

#[test]
fn invite_prints_the_readme_url_with_the_permissions_the_bot_checks() {
    let out = run(&["invite", "--application-id", "123456789012345678"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let url = text(&out.stdout).trim().to_string();
    let bits = backup_help_bot::discord::opening::INVITE_PERMISSIONS.bits();
    assert_eq!(
        url,
        format!(
            "https://discord.com/oauth2/authorize?client_id=123456789012345678\
             &scope=bot%20applications.commands&permissions={bits}"
        )
    );
    let readme = common::read(&common::root().join("README.md"));
    let documented = url.replace("123456789012345678", "APP_ID");
    assert!(readme.contains(&documented), "README lacks {documented}");
    assert!(
        readme.contains(&format!("`{bits}` is ")),
        "README explains {bits}"
    );
    let flat = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    let staff = backup_help_bot::discord::opening::STAFF_CHANNEL_PERMISSIONS;
    for needed in backup_help_bot::discord::opening::PERMISSIONS
        .iter()
        .chain(&staff)
    {
        assert!(flat.contains(needed.name), "README names {}", needed.name);
    }
}

/// A SQLite store in a folder of its own with a config naming it (`retention` as given),
/// filled by `fill`; the folder, the config's path and the store's.
async fn filled_store<F, Fut>(
    retention: &str,
    fill: F,
) -> (tempfile::TempDir, std::path::PathBuf, Storage)
where
    F: FnOnce(std::sync::Arc<dyn store::SessionStore>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("a temporary directory");
    let storage = Storage::Sqlite {
        path: dir.path().join("backup-help.db"),
    };
    fill(store::open(&storage).await.expect("store")).await;
    let config = dir.path().join("config.ron");
    let Storage::Sqlite { path } = &storage else {
        unreachable!("a SQLite store")
    };
    let responses = common::root().join("responses");
    let text = format!(
        r#"Config(responses: "{}", storage: Sqlite(path: "{}"), retention: {retention})"#,
        responses.display(),
        path.display()
    );
    std::fs::write(&config, text).expect("config");
    (dir, config, storage)
}

/// Runs the binary with `args` and `--config config`.
fn with_config(args: &[&str], config: &std::path::Path) -> Output {
    bin()
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .expect("the binary runs")
}

/// Two typed lines, and a rating with a comment when `rated`, for the walkthrough in `thread`.
async fn said(store: &dyn store::SessionStore, thread: u64, rated: bool) {
    let thread = ThreadId::new(thread).expect("ids are not 0");
    let line = |text: &str| Line {
        thread,
        at: Timestamp(1),
        kind: LineKind::Typed,
        author: Some("Robin".into()),
        text: text.into(),
    };
    let lines = [line("my backup fails"), line("still")];
    store.transcribe(&lines).await.expect("lines");
    if rated {
        // Rated after it ended, as a person can (and inside `stats --since 30d`).
        assert!(store.rate(thread, 5, ago(HOUR / 2)).await.expect("rated"));
        assert!(store.comment(thread, "great").await.expect("comment"));
    }
}

const HOUR: Duration = Duration::from_secs(3600);

/// Now, less `ago`.
fn ago(ago: Duration) -> Timestamp {
    let now = backup_help_bot::clock::Clock::now(&backup_help_bot::clock::SystemClock);
    now.minus(ago)
}

#[tokio::test]
async fn purge_erases_what_ended_long_enough_ago_and_leaves_stats_byte_identical() {
    let typed = |s: &str| Input::Text(s.to_string());
    let (_dir, config, storage) = filled_store("None", |store| async move {
        let s = store.as_ref();
        let en = common::english();
        let (old, recent) = (ago(48 * HOUR), ago(HOUR));
        let fixed = [(typed("not sure"), HOUR), (typed("fixed"), 2 * HOUR)];
        common::walk_as(&en, s, (301, 31), old, &fixed).await;
        common::walk_as(&en, s, (302, 32), old, &[(typed("human"), HOUR)]).await;
        common::walk_as(&en, s, (303, 33), recent, &[(typed("human"), HOUR)]).await;
        common::walk_as(&en, s, (304, 34), old, &[]).await;
        let human = [(Input::TalkToHuman { step: None }, HOUR)];
        let es = common::shipped_in("es");
        common::walk_as(&es, s, (305, 35), old, &human).await;
        for (thread, rated) in [(301, true), (302, false), (303, true), (304, false)] {
            said(s, thread, rated).await;
        }
        said(s, 305, false).await;
    })
    .await;
    let stats = || with_config(&["stats", "--since", "30d", "--format", "json"], &config);
    let before = stats();
    assert!(before.status.success(), "{}", text(&before.stderr));
    // Every part of the report has something in it, so "unchanged" means something.
    let report: serde_json::Value = serde_json::from_slice(&before.stdout).expect("JSON");
    for part in ["per_locale", "per_version"] {
        let keys = report[part].as_object().map(|o| o.len());
        assert_eq!(keys, Some(2), "{part}: English and Spanish");
    }
    assert!(report["median_seconds_to_fix"].as_u64().is_some());
    assert_eq!(report["ratings"]["all"]["count"], 2);
    assert_eq!(report["steps"][0]["reached"], 5);
    // No retention in the config and no --older-than: nothing to go by.
    let refused = with_config(&["purge"], &config);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("--older-than"),
        "{}",
        text(&refused.stderr)
    );
    let purged = with_config(&["purge", "--older-than", "1d"], &config);
    assert!(purged.status.success(), "{}", text(&purged.stderr));
    assert_eq!(
        text(&purged.stdout),
        "Erased the personal data of 3 walkthroughs that ended more than 1 day ago: \
         6 transcript lines, 1 rating comment and every row with the person's or the \
         thread's id. What `stats` counts of them is kept, as counts per day.\n"
    );
    let after = stats();
    assert!(after.status.success(), "{}", text(&after.stderr));
    assert_eq!(
        text(&after.stdout),
        text(&before.stdout),
        "stats are byte-identical"
    );
    let store = store::open(&storage).await.expect("store");
    for (thread, lines) in [(301, 0), (302, 0), (303, 2), (304, 2), (305, 0)] {
        let t = ThreadId::new(thread).expect("ids are not 0");
        let kept = store.transcript(t).await.expect("read").len();
        assert_eq!(kept, lines, "thread {thread}");
        assert_eq!(store.by_thread(t).await.expect("read").is_some(), lines > 0);
    }
    let again = with_config(&["purge", "--older-than", "1d"], &config);
    assert!(
        text(&again.stdout).starts_with("Nothing to erase"),
        "{}",
        text(&again.stdout)
    );
}

#[tokio::test]
async fn forget_erases_one_user_everywhere_and_nobody_else() {
    let typed = |s: &str| Input::Text(s.to_string());
    let (_dir, config, storage) = filled_store("Some(\"90d\")", |store| async move {
        let s = store.as_ref();
        let (en, es) = (common::english(), common::shipped_in("es"));
        let start = ago(HOUR);
        common::walk_as(&en, s, (401, 41), start, &[(typed("human"), HOUR / 2)]).await;
        common::walk_as(&es, s, (402, 41), start, &[]).await;
        common::walk_as(&en, s, (403, 42), start, &[(typed("human"), HOUR / 2)]).await;
        for (thread, rated) in [(401, true), (402, false), (403, true)] {
            said(s, thread, rated).await;
        }
    })
    .await;
    let store = store::open(&storage).await.expect("store");
    let events_before = store.events_since(Timestamp(0)).await.expect("events");
    let forgot = with_config(&["forget", "--user", "41"], &config);
    assert!(forgot.status.success(), "{}", text(&forgot.stderr));
    assert_eq!(
        text(&forgot.stdout),
        "Erased everything stored about user 41: 2 walkthroughs (1 of them still open, now \
         ended; their threads are left as they are), 4 transcript lines and 1 rating comment.\n"
    );
    let thread = |id| ThreadId::new(id).expect("ids are not 0");
    for gone in [401, 402] {
        assert!(store.by_thread(thread(gone)).await.expect("read").is_none());
        assert!(store
            .transcript(thread(gone))
            .await
            .expect("read")
            .is_empty());
    }
    let other = store
        .by_thread(thread(403))
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(other.session.owner.get(), 42);
    assert_eq!(store.transcript(thread(403)).await.expect("read").len(), 2);
    let case = store.case(thread(403)).await.expect("read").expect("rated");
    assert_eq!(case.rating.and_then(|r| r.comment), Some("great".into()));
    let events = store.events_since(Timestamp(0)).await.expect("events");
    let of_42 = |events: &[Event]| -> Vec<Event> {
        events
            .iter()
            .filter(|e| e.owner.get() == 42)
            .cloned()
            .collect()
    };
    assert_eq!(
        of_42(&events),
        of_42(&events_before),
        "user 42's events are untouched"
    );
    assert!(events.iter().all(|e| e.owner.get() != 41));
    let shown = with_config(&["transcript", "403"], &config);
    assert!(shown.status.success(), "{}", text(&shown.stderr));
    let missing = with_config(&["transcript", "401"], &config);
    assert!(!missing.status.success());
}
