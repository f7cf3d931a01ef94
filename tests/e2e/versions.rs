//! Script edits go live without a restart, and running walkthroughs keep their version: a
//! walkthrough started before an edit (a changed title, a removed step) finishes on the old
//! text, after a restart too; a new one gets the new text; a broken edit leaves the old
//! script in service.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fake_discord::Options;

use crate::harness::{start_with, Harness, PERSON, STAFF, WAIT};

const OLD_TITLE: &str = "Is iCloud Backup switched on?";
const NEW_TITLE: &str = "Is iCloud Backup turned on?";
/// The opening's answer that leads to the step the edit removes.
const REMOVED_ANSWER: &str = "Apple showed a message about the backup";
const REMOVED_STEP_TITLE: &str = "Which message did you see?";

fn shipped_english() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/responses/en.ron");
    std::fs::read_to_string(path).expect("en.ron is readable")
}

/// A folder holding only the English script (an edit of one language leaves the others'
/// parity to their translators; here there are none).
fn scripts_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("en.ron"), shipped_english()).expect("written");
    dir
}

/// The English script with the backup switch's title changed and Apple's messages taken out
/// of the opening: the answer that asks about them, its follow-up question, the steps only
/// those messages lead to (the account message, Apple Support) and their routes.
fn edited() -> String {
    let source = shipped_english().replacen(OLD_TITLE, NEW_TITLE, 1);
    let cut = |text: String, from: &str, to: &str| -> String {
        let start = text.find(from).unwrap_or_else(|| panic!("no {from:?}"));
        let end = start
            + text[start..]
                .find(to)
                .unwrap_or_else(|| panic!("no {to:?}"));
        format!("{}{}", &text[..start], &text[end..])
    };
    let choice = |label: &str| format!("                (\n                    label: \"{label}\"");
    let step = |id: &str| format!("        (\n            id: \"{id}\"");
    let source = cut(
        source,
        &choice(REMOVED_ANSWER),
        &choice("Back Up Now or the switch is grey, or won't turn on"),
    );
    let source = cut(
        source,
        "        \"storage-message\":",
        "        // Back Up Now or the switch is grey",
    );
    let source = cut(source, &step("opening-message"), &step("opening-progress"));
    let source = cut(source, &step("account-message"), &step("first-backup"));
    cut(source, &step("apple-support"), &step("computer-backup"))
}

fn write(dir: &Path, text: &str) {
    std::fs::write(dir.join("en.ron"), text).expect("written");
}

fn labels(h: &Harness, thread: u64) -> Vec<String> {
    h.fake.world(|w| {
        let id = h.step_message_in(w, thread).expect("a live step");
        crate::harness::buttons(&w.messages[&id].components)
            .iter()
            .filter_map(|b| b["label"].as_str().map(str::to_string))
            .collect()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_serves_new_walkthroughs_the_edit_and_open_ones_their_version() {
    let dir = scripts_folder();
    let path: PathBuf = dir.path().into();
    let h = start_with(Options::default(), |c| c.responses = path).await;
    let before = h.open(PERSON).await;
    assert!(labels(&h, before).contains(&REMOVED_ANSWER.to_string()));

    write(dir.path(), &edited());
    h.reload.send(()).await.expect("the bot listens");
    // The reload is done when a new walkthrough shows the edit.
    let after = wait_for_the_edit(&h, STAFF).await;
    assert!(!labels(&h, after).contains(&REMOVED_ANSWER.to_string()));
    h.click(STAFF, after, "Not sure").await;
    assert_eq!(h.step_title(after), NEW_TITLE);

    // The walkthrough from before finishes on its version: the removed step is still there.
    h.click(PERSON, before, REMOVED_ANSWER).await;
    assert_eq!(h.step_title(before), REMOVED_STEP_TITLE);

    // A broken edit and its error: see the SIGHUP test below, which reads the bot's log.
    h.finish().await;
}

/// Opens walkthroughs for `user` until one shows the edited opening (the reload is quick,
/// but runs beside the test), closing the others by starting over is not needed: a person
/// has one walkthrough, so each try is for the same thread until it is new.
async fn wait_for_the_edit(h: &Harness, user: u64) -> u64 {
    let deadline = Instant::now() + WAIT;
    loop {
        let thread = h.open(user).await;
        if !labels(h, thread).contains(&REMOVED_ANSWER.to_string()) {
            return thread;
        }
        assert!(Instant::now() < deadline, "the edit never went live");
        // Not reloaded yet: this walkthrough is on the old version; talk to a human to end
        // it, and try again.
        h.type_text(user, thread, "human").await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends SIGHUP to a bot process.
fn hang_up(bot: &crate::harness::BotProcess) {
    let status = std::process::Command::new("kill")
        .args(["-HUP", &bot.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Waits until the bot's log holds `needle` `times` times; the log.
async fn log_says(h: &Harness, name: &str, needle: &str, times: usize) -> String {
    let path = h.data_dir().join(format!("bot-{name}.log"));
    let deadline = Instant::now() + WAIT;
    loop {
        let log = std::fs::read_to_string(&path).unwrap_or_default();
        if log.matches(needle).count() >= times {
            return log;
        }
        assert!(
            Instant::now() < deadline,
            "no {needle:?} in {name}'s log:\n{log}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Walkthroughs on both versions, a restart in between: `spawn` starts a bot (its name
/// given) on the shared store, `first` is the one running when the script is edited.
/// Returns the thread of the walkthrough on the old version, at the removed step.
async fn both_versions_across_a_restart(
    h: &Harness,
    dir: &Path,
    spawn: &dyn Fn(&str) -> crate::harness::BotProcess,
) -> u64 {
    h.fake.add_member(PERSON, "Ada", &[]);
    h.fake.add_member(STAFF, "Sam", &[]);
    let first = spawn("1");
    h.wait_connected(1).await;
    let before = h.open(PERSON).await;
    h.click(PERSON, before, "Not sure").await;
    assert_eq!(h.step_title(before), OLD_TITLE);

    write(dir, &edited());
    hang_up(&first);
    let log = log_says(h, "1", "scripts reloaded", 1).await;
    let line = log
        .lines()
        .find(|l| l.contains("scripts reloaded"))
        .unwrap_or_default();
    assert!(line.contains("en.ron ") && line.contains(" → "), "{line}");
    assert!(line.contains("on_older_versions=1"), "{line}");
    let after = h.open(STAFF).await;
    h.click(STAFF, after, "Not sure").await;
    assert_eq!(h.step_title(after), NEW_TITLE);

    // A restart: the old version comes back from the store for the walkthrough on it.
    drop(first);
    let second = spawn("2");
    h.wait_connected(2).await;
    h.click(PERSON, before, "Back").await;
    assert!(
        labels(h, before).contains(&REMOVED_ANSWER.to_string()),
        "the old opening"
    );
    h.click(PERSON, before, REMOVED_ANSWER).await;
    assert_eq!(h.step_title(before), REMOVED_STEP_TITLE);
    // ...while the new one carries on with the new version.
    h.click(STAFF, after, "Back").await;
    assert!(
        !labels(h, after).contains(&REMOVED_ANSWER.to_string()),
        "the new opening"
    );

    // A broken edit and SIGHUP: the error names the file and line; the edit stays in service.
    write(
        dir,
        &edited().replacen("    name: ", "    titel: \"x\",\n    name: ", 1),
    );
    hang_up(&second);
    let log = log_says(h, "2", "were not loaded", 1).await;
    let problem = log
        .lines()
        .find(|l| l.contains("unknown key `titel`"))
        .unwrap_or_default();
    assert!(
        problem.contains("en.ron:") && problem.contains("ERROR"),
        "{log}"
    );
    h.click(STAFF, after, "Not sure").await;
    assert_eq!(h.step_title(after), NEW_TITLE);
    before
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walkthrough_keeps_its_version_across_sighup_and_a_restart() {
    let h = Harness::for_process(Options::default()).await;
    let dir = scripts_folder();
    let mut config = h.config();
    config.responses = dir.path().into();
    let spawn = |name: &str| h.spawn_bot(name, &config, &[("RUST_LOG", "info")]);
    both_versions_across_a_restart(&h, dir.path(), &spawn).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_sharing_postgres_serve_every_version_in_use() {
    let Some(base) = crate::postgres::server_or_skip("script versions shared by processes") else {
        return;
    };
    let name = format!("backup_help_versions_{}", std::process::id());
    let url = crate::postgres::fresh_database(&base, &name).await;
    let h = Harness::for_process(Options::default()).await;
    let dir = scripts_folder();
    let mut config = h.config().postgres();
    config.responses = dir.path().into();
    let env = [("DATABASE_URL", url.as_str()), ("RUST_LOG", "info")];
    let spawn = |name: &str| h.spawn_bot(name, &config, &env);
    let old = both_versions_across_a_restart(&h, dir.path(), &spawn).await;
    // A third process that never saw the old file serves the old version from PostgreSQL
    // (and the new one from its folder) as well.
    let fresh = tempfile::tempdir().expect("a temporary directory");
    write(fresh.path(), &edited());
    let mut config = h.config().postgres();
    config.responses = fresh.path().into();
    h.fake.add_member(crate::harness::STRANGER, "Bo", &[]);
    let third = h.spawn_bot("3", &config, &env);
    h.wait_connected(3).await;
    let opened = h.open(crate::harness::STRANGER).await;
    assert!(!labels(&h, opened).contains(&REMOVED_ANSWER.to_string()));
    h.click(PERSON, old, "Back").await;
    assert!(
        labels(&h, old).contains(&REMOVED_ANSWER.to_string()),
        "the old opening"
    );
    drop(third);
    crate::postgres::drop_database(&base, &name).await;
    h.finish().await;
}
