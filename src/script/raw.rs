//! The script exactly as support staff write it in `responses/<locale>.ron`.
//!
//! These structs only describe the file's shape; nothing here is checked beyond what serde
//! can see. [`super::load`] turns them into a validated [`super::Script`]. Every struct denies
//! unknown fields, so a misspelt key is reported with its line and column instead of being
//! silently ignored.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A whole `responses/<locale>.ron` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Script")]
pub struct RawScript {
    /// Stable name of the walkthrough, the same in every locale (stored with each session).
    pub id: String,
    /// The locale this file is written in; must match the file name (`en` for `en.ron`).
    pub locale: String,
    /// The language's own name ("English", "Español"), for telling staff which language a
    /// person answered in.
    pub language: String,
    /// Human name of the walkthrough, shown in the terminal and in thread names.
    pub name: String,
    /// Id of the first step.
    pub start: String,
    /// The checks in the order they are tried. `goto: "next"` goes to the first of these the
    /// person has not seen yet, so an opening question can jump ahead without skipping any.
    pub checks: Vec<String>,
    /// Where `goto: "next"` leads once every check has been seen.
    pub after_checks: String,
    /// Symptom routes: route id -> the steps `goto: "next"` tries first, in order, for a
    /// person whose latest answer with a `route` named it. After the route, "next" goes on
    /// through `checks` as usual, so a route only changes the order.
    #[serde(default)]
    pub routes: BTreeMap<String, Vec<String>>,
    /// The hand-off ending used by the "Talk to a human" button.
    pub handoff: String,
    /// The step that shows Apple's live System Status, and the services it looks at.
    #[serde(default)]
    pub apple_status: Option<RawAppleStatus>,
    /// The step asked the morning after a fix (the config's `confirm_after`), not reached
    /// from the start: an answer that confirms iCloud Backup ran leads to an ending claiming
    /// it; any other leads on (to the step for automatic backups, say), reopening the
    /// walkthrough.
    #[serde(default)]
    pub follow_up: Option<String>,
    pub steps: Vec<RawStep>,
    pub endings: Vec<RawEnding>,
    /// Button labels and short bot messages, so a locale file translates everything.
    pub messages: RawMessages,
    /// Words the typed-answer matcher understands beyond each choice's own words.
    pub words: RawWords,
}

/// Where Apple's live System Status is shown, and for which of Apple's services.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAppleStatus {
    /// The step whose message shows what Apple reports now.
    pub step: String,
    /// Apple's service names as its status feed writes them ("iCloud Backup").
    pub services: Vec<String>,
    /// The step posted in the thread of a walkthrough that waits for Apple (it ended on the
    /// Wait ending of the status step) once Apple no longer reports the problem: it works
    /// now, or go on with the next check. `None`: nobody is told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    /// The ending (of kind Wait) posted when Apple still reports the problem a week later,
    /// and the bot stops watching.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lapsed: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub id: String,
    pub title: String,
    pub explanation: String,
    #[serde(default)]
    pub instructions: Vec<String>,
    pub question: String,
    pub choices: Vec<RawChoice>,
    #[serde(default)]
    pub links: Vec<RawLink>,
    /// The step asks the person to delete or erase something they cannot get back (such as
    /// this iPhone's own iCloud backup); the validator keeps it behind the harmless steps.
    #[serde(default)]
    pub destructive: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChoice {
    pub label: String,
    /// Other words a person might type for this choice.
    #[serde(default)]
    pub words: Vec<String>,
    /// `Yes` or `No`: the choice also answers to the locale's yes/no words.
    #[serde(default)]
    pub means: Option<Meaning>,
    /// A step id, an ending id, or `"next"` (the next check not yet seen).
    pub goto: String,
    /// A route in the script's `routes`: from this answer on, `goto: "next"` first walks
    /// that route's steps. The most recent answer carrying a route decides.
    #[serde(default)]
    pub route: Option<String>,
    /// `ICloud` or `Computer`: answering this choice says that backup has just finished.
    /// Only such a choice may lead to an ending that `claims` the same backup works.
    #[serde(default)]
    pub confirms: Option<Backup>,
    /// `AppleReportsProblem`: offered only while Apple reports a problem with one of the
    /// status services (on the `apple_status` step).
    #[serde(default)]
    pub when: Option<Condition>,
}

/// When a choice is offered beyond always.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum Condition {
    /// Apple's System Status shows an ongoing problem with a service the script names.
    AppleReportsProblem,
}

/// What a choice means in yes/no terms, so "yep" or "nope" can pick it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum Meaning {
    Yes,
    No,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLink {
    pub label: String,
    pub url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEnding {
    pub id: String,
    pub kind: EndingKind,
    pub title: String,
    pub text: String,
    /// The backup this ending tells the person works, if any. An ending of kind `Resolved`
    /// must claim `ICloud`; only choices marked `confirms` with the same backup lead here.
    #[serde(default)]
    pub claims: Option<Backup>,
}

/// A way of backing up that a person can confirm finished and an ending can claim works.
/// The two are kept apart because a computer backup says nothing about iCloud Backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum Backup {
    /// An iCloud backup (Back Up Now, or the nightly one) finished.
    ICloud,
    /// A backup to a Mac or PC finished.
    Computer,
}

/// How a walkthrough ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum EndingKind {
    /// The backup works again; the thread can be closed.
    Resolved,
    /// A person from the support team takes over; the summary is posted.
    HandOff,
    /// The problem is on Apple's side: the person waits and tries again later. Closed like a
    /// resolved walkthrough, but counted apart, and it may claim nothing.
    Wait,
}

/// Everything the bot says that is not part of a step. Placeholders: `{owner}` (the person a
/// walkthrough belongs to), `{thread}` (a link to the thread), `{permissions}` (a list),
/// `{language}` (the name of a script's language).
#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMessages {
    pub back: String,
    pub start_over: String,
    pub talk_to_human: String,
    pub not_understood: String,
    pub already_answered: String,
    pub not_yours: String,
    pub idle_warning: String,
    pub idle_closed: String,
    pub summary_heading: String,
    /// Under the hand-off summary, when the person's language is not the server's:
    /// `{language}` names theirs.
    pub answered_in: String,
    pub typing_hint: String,
    /// Reply to `/backup-help` used in a DM or inside a thread.
    pub use_in_channel: String,
    /// The bot lacks permissions to open a thread here; `{permissions}` lists them.
    pub missing_permissions: String,
    /// Reply to `/backup-help` once the thread is open; `{thread}` links it.
    pub thread_opened: String,
    /// Reply to `/backup-help` when the person already has a walkthrough; `{thread}` links it.
    pub already_open: String,
    /// The step a walkthrough was on is no longer in the script.
    pub step_gone: String,
    /// A button the bot cannot make sense of (tampered, or from an old version).
    pub unknown_button: String,
    /// The bot could not save an answer (its database is unavailable): nothing changed.
    pub try_again: String,
    /// Added to the status step while Apple reports a problem: `{service}`, `{kind}` (Apple's
    /// word: Outage, Issue...), `{since}` (a Discord timestamp) and `{message}` (Apple's).
    pub status_problem: String,
    /// Added to the status step when Apple reports none; `{checked}` is when it was read.
    pub status_none: String,
    /// Button on the staff card: join the person's thread.
    pub join: String,
    /// Button on the staff card: take the case.
    pub claim: String,
    /// Button on the staff card and the hand-off message: close the case.
    pub close: String,
    /// Under the closing message of a fixed walkthrough, or one closed by staff, above the 1–5 buttons.
    pub rating_question: String,
    /// The title of the optional comment form after a rating (at most 45 characters).
    pub rating_comment_title: String,
    /// The label of its text box (at most 45 characters).
    pub rating_comment_label: String,
    /// Private reply to a rating, or to its comment.
    pub rating_thanks: String,
    /// Private reply to a second rating.
    pub already_rated: String,
    /// Private reply to someone else's rating click; `{owner}` names the person.
    pub rating_owner_only: String,
    /// Private reply to Join, Claim or Close pressed by someone outside the support team.
    pub staff_only: String,
    /// Private reply to Join; `{thread}` links the thread.
    pub staff_joined: String,
    /// Posted in the thread when someone claims the case; `{name}` is theirs (no ping).
    pub claimed: String,
    /// Private reply to a second Claim; `{name}` names who claimed first.
    pub already_claimed: String,
    /// Private reply to Close on a case that is closed already.
    pub already_closed: String,
    /// Posted in the thread when the support team closes the case; `{name}` is who.
    pub closed_by_staff: String,
    /// Added to the hand-off outside the support hours: `{when}` (date and time) and `{relative}` ("in 3 hours") say when the team is back, in every reader's own time zone.
    pub support_away: String,
    /// The staff card's title; `{person}` names who needs help.
    pub card_title: String,
    /// The staff card's first line: `{person}`, `{language}` (of the server), `{took}` (how long the walkthrough took) and `{thread}` (a link).
    pub card_details: String,
    /// On the card once claimed: `{name}`, and `{wait}` after the hand-off.
    pub card_claimed: String,
    /// On the card once closed: `{name}`.
    pub card_closed: String,
    /// On the card once rated: `{stars}` (1–5).
    pub card_rating: String,
    /// Beside a check on the person's route: where they are, `{n}` of `{total}` checks.
    /// Optional (versions of a script from before it show no position).
    #[serde(default)]
    pub check_position: String,
    /// The description of `/backup-help` in Discord's command picker for this language (1 to
    /// 100 characters). Optional: without it, the default language's is shown.
    #[serde(default)]
    pub command_description: String,
    /// The description of `/backup-help`'s `forget` option in the command picker (at most
    /// 100 characters). This and the `forget_` messages below are optional: a script from
    /// before them (a stored version, an older copy of the folder) gets the English text.
    #[serde(default = "english::forget_option")]
    pub forget_option: String,
    /// Private reply to `/backup-help forget: True`: what erasing removes and what stays,
    /// above the button.
    #[serde(default = "english::forget_confirm")]
    pub forget_confirm: String,
    /// The button under it.
    #[serde(default = "english::forget_button")]
    pub forget_button: String,
    /// Private reply once erased: `{walkthroughs}`, `{lines}` (transcript lines) and
    /// `{comments}` (rating comments) are how many went.
    #[serde(default = "english::forget_done")]
    pub forget_done: String,
    /// Added to it for a member of the support team: `{cases}` is how many cases of other
    /// people no longer name them as who claimed or closed them.
    #[serde(default = "english::forget_done_staff")]
    pub forget_done_staff: String,
    /// Private reply when nothing was stored about the person.
    #[serde(default = "english::forget_nothing")]
    pub forget_nothing: String,
    /// Private reply to someone else's click on the button; `{owner}` names whose it is.
    #[serde(default = "english::forget_not_yours")]
    pub forget_not_yours: String,
    /// What an erased case's staff card says, in place of the name and the summary.
    #[serde(default = "english::card_erased")]
    pub card_erased: String,
    /// What a case's staff card says once the retention purge erased it, in place of the
    /// name and the summary.
    #[serde(default = "english::card_expired")]
    pub card_expired: String,
}

/// The English text of the optional messages, for a script without them.
mod english {
    pub fn forget_option() -> String {
        "Erase what the bot keeps about you".into()
    }
    pub fn forget_confirm() -> String {
        "This erases what the bot keeps about you, in every server it serves: the answers \
         you gave in your walkthroughs, their transcripts (what you and the support team \
         wrote in your threads), your rating comments, and your Discord ID. A walkthrough \
         you have open is ended first. Only counts that can't be traced back to you are kept \
         (how many walkthroughs there were, and the stars of ratings). Your threads \
         themselves stay in Discord: you or a moderator can delete them. This can't be undone."
            .into()
    }
    pub fn forget_button() -> String {
        "Erase my data".into()
    }
    pub fn forget_done() -> String {
        "Done: what the bot kept about you is erased.\n• Walkthroughs: {walkthroughs}\n\
         • Transcript lines: {lines}\n• Rating comments: {comments}\nYour threads are still \
         in Discord: you or a moderator can delete them."
            .into()
    }
    pub fn forget_done_staff() -> String {
        "• Cases where you were named as the support team member who claimed or closed them: \
         {cases}"
            .into()
    }
    pub fn forget_nothing() -> String {
        "There was nothing to erase: the bot keeps nothing about you.".into()
    }
    pub fn forget_not_yours() -> String {
        "This button erases {owner}'s data, so only they can use it. To erase yours, type \
         /backup-help and set forget to True."
            .into()
    }
    pub fn card_erased() -> String {
        "The person asked for their data to be erased.".into()
    }
    pub fn card_expired() -> String {
        "This case ended longer ago than the server keeps personal data: its details are erased."
            .into()
    }
}

impl RawMessages {
    /// Every button label, by key.
    pub fn labels(&self) -> [(&'static str, &str); 7] {
        [
            ("back", &self.back),
            ("start_over", &self.start_over),
            ("talk_to_human", &self.talk_to_human),
            ("join", &self.join),
            ("claim", &self.claim),
            ("close", &self.close),
            ("forget_button", &self.forget_button),
        ]
    }

    /// Every message text, by key.
    pub fn texts(&self) -> [(&'static str, &str); 43] {
        [
            ("not_understood", &self.not_understood),
            ("already_answered", &self.already_answered),
            ("not_yours", &self.not_yours),
            ("idle_warning", &self.idle_warning),
            ("idle_closed", &self.idle_closed),
            ("summary_heading", &self.summary_heading),
            ("answered_in", &self.answered_in),
            ("typing_hint", &self.typing_hint),
            ("use_in_channel", &self.use_in_channel),
            ("missing_permissions", &self.missing_permissions),
            ("thread_opened", &self.thread_opened),
            ("already_open", &self.already_open),
            ("step_gone", &self.step_gone),
            ("unknown_button", &self.unknown_button),
            ("try_again", &self.try_again),
            ("status_problem", &self.status_problem),
            ("status_none", &self.status_none),
            ("rating_question", &self.rating_question),
            ("rating_comment_title", &self.rating_comment_title),
            ("rating_comment_label", &self.rating_comment_label),
            ("rating_thanks", &self.rating_thanks),
            ("already_rated", &self.already_rated),
            ("rating_owner_only", &self.rating_owner_only),
            ("staff_only", &self.staff_only),
            ("staff_joined", &self.staff_joined),
            ("claimed", &self.claimed),
            ("already_claimed", &self.already_claimed),
            ("already_closed", &self.already_closed),
            ("closed_by_staff", &self.closed_by_staff),
            ("support_away", &self.support_away),
            ("card_title", &self.card_title),
            ("card_details", &self.card_details),
            ("card_claimed", &self.card_claimed),
            ("card_closed", &self.card_closed),
            ("card_rating", &self.card_rating),
            ("forget_option", &self.forget_option),
            ("forget_confirm", &self.forget_confirm),
            ("forget_done", &self.forget_done),
            ("forget_done_staff", &self.forget_done_staff),
            ("forget_nothing", &self.forget_nothing),
            ("forget_not_yours", &self.forget_not_yours),
            ("card_erased", &self.card_erased),
            ("card_expired", &self.card_expired),
        ]
    }
}

/// Words a person may type anywhere in the walkthrough.
#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawWords {
    /// Pick the choice marked `means: Yes` ("yep", "it worked").
    pub yes: Vec<String>,
    /// Pick the choice marked `means: No` ("nope", "still broken").
    pub no: Vec<String>,
    /// Go back one step; only when typed on their own.
    pub back: Vec<String>,
    /// Start from the first step; only when typed on their own.
    pub start_over: Vec<String>,
    /// Ask for a person; also understood inside a sentence ("can I talk to a human?").
    pub human: Vec<String>,
    /// Words that turn the phrase after them around ("not fixed"), so it is not taken as yes.
    pub negations: Vec<String>,
}
