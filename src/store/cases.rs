//! The support team's side of a walkthrough, kept beside it: the staff card of a hand-off,
//! who claimed and who closed the case, the person's rating, and the transcript.
//!
//! Every write that two people may race for (two staff members claiming, a double-clicked
//! rating) is one conditional statement, so the database decides who was first, in every
//! process sharing it.

use async_trait::async_trait;

use super::StoreError;
use crate::conversation::Timestamp;
use crate::ids::{ChannelId, MessageId, ThreadId, UserId};

/// Stars a rating may give.
pub const STARS: std::ops::RangeInclusive<u8> = 1..=5;
/// The longest comment kept with a rating (Discord's modal enforces it too).
pub const COMMENT_MAX: usize = 500;

/// A hand-off's case, or a fixed walkthrough's rating.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Case {
    /// The card in the staff channel, once posted.
    pub card: Option<(ChannelId, MessageId)>,
    pub claimed: Option<Staffed>,
    /// The thread has been told who claimed the case.
    pub claim_announced: bool,
    pub closed: Option<Staffed>,
    pub rating: Option<Rating>,
    /// When the walkthrough was handed off (the case opened), if it was.
    pub opened_at: Option<Timestamp>,
}

/// A staff member's action: who, by name as shown then, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staffed {
    pub by: UserId,
    pub name: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub stars: u8,
    pub comment: Option<String>,
    pub at: Timestamp,
}

/// Who claimed first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claimed {
    /// This claim is the case's.
    Now,
    /// Someone was first: them.
    Already(Staffed),
}

/// What a transcript line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// The bot showed a step, a notice or an ending.
    Shown,
    /// The person pressed a button (the line is its label).
    Clicked,
    /// The person typed this.
    Typed,
    /// Someone else wrote in the thread (the support team).
    Staff,
    /// The walkthrough ended this way.
    Ended,
}

impl LineKind {
    const ALL: [(LineKind, &'static str); 5] = [
        (LineKind::Shown, "shown"),
        (LineKind::Clicked, "clicked"),
        (LineKind::Typed, "typed"),
        (LineKind::Staff, "staff"),
        (LineKind::Ended, "ended"),
    ];

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(kind, _)| *kind == self)
            .map_or("shown", |(_, name)| name)
    }

    pub fn parse(text: &str) -> Option<LineKind> {
        Self::ALL
            .iter()
            .find(|(_, name)| *name == text)
            .map(|(kind, _)| *kind)
    }
}

/// One line of a walkthrough's transcript, stored as it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub thread: ThreadId,
    pub at: Timestamp,
    pub kind: LineKind,
    /// Who wrote it, by name as shown then; `None` for the bot, and for the person when the
    /// front-end did not know their name.
    pub author: Option<String>,
    pub text: String,
}

/// The support team's side of walkthroughs; every [`super::SessionStore`] keeps it.
#[async_trait]
pub trait CaseStore: Send + Sync {
    /// Opens the case of a walkthrough just handed off (once; again changes nothing).
    async fn open_case(&self, thread: ThreadId, at: Timestamp) -> Result<(), StoreError>;
    async fn case(&self, thread: ThreadId) -> Result<Option<Case>, StoreError>;
    /// Handed-off walkthroughs not closed yet: the threads whose chatter is transcribed.
    async fn open_cases(&self) -> Result<Vec<ThreadId>, StoreError>;
    /// Records where the case's staff card is.
    async fn set_card(
        &self,
        thread: ThreadId,
        channel: ChannelId,
        message: MessageId,
    ) -> Result<(), StoreError>;
    /// Claims the case for `by`, unless someone has.
    async fn claim(&self, thread: ThreadId, by: &Staffed) -> Result<Claimed, StoreError>;
    /// Claims whose thread has not been told yet, with who claimed (a crash came between
    /// the claim and its message, or the message failed).
    async fn unannounced_claims(&self) -> Result<Vec<(ThreadId, Staffed)>, StoreError>;
    /// The thread has been told who claimed its case.
    async fn claim_announced(&self, thread: ThreadId) -> Result<(), StoreError>;
    /// Records who closed the case.
    async fn close_case(&self, thread: ThreadId, by: &Staffed) -> Result<(), StoreError>;
    /// Keeps the person's rating, unless they have rated already (`false`).
    async fn rate(&self, thread: ThreadId, stars: u8, at: Timestamp) -> Result<bool, StoreError>;
    /// Adds the comment to a rating that has none yet (`false`: no rating, or a comment).
    async fn comment(&self, thread: ThreadId, text: &str) -> Result<bool, StoreError>;
    /// Every rating given at or after `since`, by thread.
    async fn ratings_since(&self, since: Timestamp) -> Result<Vec<(ThreadId, u8)>, StoreError>;
    /// Appends transcript lines, in order.
    async fn transcribe(&self, lines: &[Line]) -> Result<(), StoreError>;
    /// A walkthrough's transcript, oldest line first.
    async fn transcript(&self, thread: ThreadId) -> Result<Vec<Line>, StoreError>;
}

/// A comment as it is kept: without e-mail addresses, phone numbers and serials
/// ([`crate::personal::redact`]), trimmed, at most [`COMMENT_MAX`] characters, `None` if
/// empty.
pub fn clean_comment(text: &str) -> Option<String> {
    let text = crate::personal::redact(text);
    let text: String = text.trim().chars().take(COMMENT_MAX).collect();
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_trimmed_and_cut_to_the_limit() {
        assert_eq!(clean_comment("  great  "), Some("great".into()));
        assert_eq!(clean_comment("   "), None);
        assert_eq!(
            clean_comment(" thanks! write me at jo+bot@example.org "),
            Some("thanks! write me at [email]".into())
        );
        let long = "é".repeat(COMMENT_MAX + 20);
        assert_eq!(
            clean_comment(&long).map(|c| c.chars().count()),
            Some(COMMENT_MAX)
        );
    }

    #[test]
    fn line_kinds_survive_their_names() {
        for (kind, _) in LineKind::ALL {
            assert_eq!(LineKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(LineKind::parse("nonsense"), None);
    }
}
