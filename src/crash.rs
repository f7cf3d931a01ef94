//! Crash points: the moments between two effects of a turn, where a crash is most
//! dangerous. A test makes the bot die at one of them, as `kill -9` would, by starting it with
//! `BACKUP_HELP_CRASH_AT=<point>`; the restart must then repair what was left behind.
//!
//! Unset (always, in production) each point is one relaxed load of a cached value.

use std::sync::OnceLock;

/// The environment variable naming the point to crash at.
pub const ENV: &str = "BACKUP_HELP_CRASH_AT";

/// Where a turn can be stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Point {
    /// The answer is saved; nothing it leads to is posted yet.
    AfterSave,
    /// A new walkthrough is stored with its thread; its first step is not posted yet.
    AfterInsert,
    /// An owed effect is carried out in Discord; that it was is not recorded yet.
    AfterPost,
    /// A hand-off's staff card is posted; where it is, is not recorded yet.
    AfterCard,
    /// A claim is saved; the thread has not been told yet, nor the card drawn again.
    AfterClaim,
    /// The support team's close is saved; its message, archive and card are still owed.
    AfterClose,
    /// A fix's follow-up question is saved as asked; it is not posted yet.
    AfterFollowUp,
}

impl Point {
    fn name(self) -> &'static str {
        match self {
            Point::AfterSave => "after-save",
            Point::AfterInsert => "after-insert",
            Point::AfterPost => "after-post",
            Point::AfterCard => "after-card",
            Point::AfterClaim => "after-claim",
            Point::AfterClose => "after-close",
            Point::AfterFollowUp => "after-follow-up",
        }
    }
}

fn armed() -> Option<&'static str> {
    static ARMED: OnceLock<Option<String>> = OnceLock::new();
    ARMED
        .get_or_init(|| std::env::var(ENV).ok().filter(|p| !p.is_empty()))
        .as_deref()
}

/// Dies here, at once and without cleaning up, if this is the armed point.
pub fn point(point: Point) {
    if armed() == Some(point.name()) {
        tracing::error!("{ENV}={}: crashing here on purpose", point.name());
        std::process::abort();
    }
}
