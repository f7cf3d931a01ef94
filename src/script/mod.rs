//! The troubleshooting script: what each step says and where each answer leads.
//!
//! A [`Script`] is only ever built by [`load`] from a `responses/<locale>.ron` file, after the
//! validator has accepted it, so the rest of the program can rely on every `goto` landing on a
//! real step or ending and on every text fitting Discord's limits.

mod answers;
pub mod causes;
mod check;
mod claims;
mod follow_up;
pub mod length;
mod live;
mod load;
mod messages;
mod parity;
pub mod raw;
mod reach;
mod routes;
mod validate;

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Serialize;

pub use live::{MAX_APPLE_MESSAGE, MAX_PROBLEMS_SHOWN};
pub use load::{load_dir, load_file, load_str, LoadError, Problem};
pub use raw::{
    Backup, Condition, EndingKind, Meaning, RawAppleStatus as AppleStatus, RawMessages as Messages,
    RawWords as Words,
};
pub use routes::RESET_SETTINGS;

/// The goto keyword for "the first check the person has not seen yet".
pub const NEXT_CHECK: &str = "next";

/// The id of a step, as written in the script and stored with sessions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct StepId(String);

impl StepId {
    pub fn new(id: impl Into<String>) -> Self {
        StepId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StepId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id of an ending ("fixed", "handoff").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct EndingId(String);

impl EndingId {
    pub fn new(id: impl Into<String>) -> Self {
        EndingId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EndingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where an answer leads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Target {
    Step(StepId),
    End(EndingId),
    /// The first step of the person's route not yet seen, else the first entry of
    /// [`Script::checks`] not yet seen, else [`Script::after_checks`].
    NextCheck,
}

/// A stable fingerprint of the script file's bytes (64-bit FNV-1a), stored with each session
/// so that a changed script can be noticed. Not a security measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ScriptHash(pub u64);

impl ScriptHash {
    pub fn of(bytes: &[u8]) -> Self {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        ScriptHash(hash)
    }
}

impl ScriptHash {
    /// Reads the hex form [`fmt::Display`] writes.
    pub fn parse(text: &str) -> Option<ScriptHash> {
        u64::from_str_radix(text, 16).ok().map(ScriptHash)
    }
}

impl fmt::Display for ScriptHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub label: String,
    pub url: String,
}

#[derive(Debug, Serialize)]
pub struct Choice {
    pub label: String,
    pub words: Vec<String>,
    pub means: Option<Meaning>,
    pub goto: Target,
    /// The backup the person says has finished by giving this answer, if any.
    pub confirms: Option<Backup>,
    /// Offered only under this condition (see [`Choice::offered`]).
    pub when: Option<Condition>,
    /// The route (a key of [`Script::routes`]) this answer puts the person on.
    pub route: Option<String>,
    /// The label, words and yes/no words, normalised once at load time for the matcher.
    #[serde(skip)]
    pub(crate) phrases: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Step {
    pub id: StepId,
    pub title: String,
    pub explanation: String,
    pub instructions: Vec<String>,
    pub question: String,
    pub choices: Vec<Choice>,
    pub links: Vec<Link>,
    /// The step has the person delete something they cannot get back.
    pub destructive: bool,
}

#[derive(Debug, Serialize)]
pub struct Ending {
    pub id: EndingId,
    pub kind: EndingKind,
    pub title: String,
    pub text: String,
    /// The backup this ending tells the person works; the validator lets only answers that
    /// confirm the same backup lead here.
    pub claims: Option<Backup>,
}

/// The normalised command words of a locale, prepared once for the matcher.
#[derive(Debug, Default)]
pub(crate) struct Commands {
    /// The locale's yes and no words: a generic answer, which picks only a choice marked
    /// with that `means` and otherwise is asked again.
    pub yes: Vec<String>,
    pub no: Vec<String>,
    pub back: Vec<String>,
    pub start_over: Vec<String>,
    pub human: Vec<String>,
    pub negations: Vec<String>,
}

/// A validated troubleshooting script for one locale.
#[derive(Debug, Serialize)]
pub struct Script {
    pub id: String,
    pub locale: String,
    /// The language's own name ("Español").
    pub language: String,
    pub name: String,
    pub hash: ScriptHash,
    /// The file's text, kept in the store so a walkthrough can finish on this version
    /// after the file has been edited.
    #[serde(skip)]
    pub source: std::sync::Arc<str>,
    pub start: StepId,
    pub checks: Vec<StepId>,
    pub after_checks: Target,
    /// Symptom routes: the steps "next" tries first for a person on that route.
    pub routes: BTreeMap<String, Vec<StepId>>,
    pub handoff: EndingId,
    /// Where Apple's live System Status is shown, if anywhere.
    pub apple_status: Option<AppleStatus>,
    /// The question the morning after a fix, if the script asks one.
    pub follow_up: Option<StepId>,
    pub steps: Vec<Step>,
    pub endings: Vec<Ending>,
    pub messages: Messages,
    pub words: Words,
    #[serde(skip)]
    pub(crate) commands: Commands,
    #[serde(skip)]
    step_index: HashMap<StepId, usize>,
    #[serde(skip)]
    ending_index: HashMap<String, usize>,
}

/// What the bot knows of the world outside the conversation when it applies an input or
/// renders a step, passed in by the adapter (the engine stays pure).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Live {
    /// Apple's System Status shows an ongoing problem with a status service.
    pub apple_problem: bool,
    /// Apple's System Status was read, and shows no ongoing problem with a status service
    /// (false too when it could not be read).
    pub apple_clear: bool,
}

impl AppleStatus {
    /// The step posted once Apple reports the problem fixed.
    pub fn fixed_step(&self) -> Option<StepId> {
        self.fixed.as_deref().map(StepId::new)
    }

    /// The ending posted when the watch lapses.
    pub fn lapsed_ending(&self) -> Option<EndingId> {
        self.lapsed.as_deref().map(EndingId::new)
    }
}

impl Choice {
    /// Whether the choice is offered (as a button, and to typed answers) given `live`.
    pub fn offered(&self, live: Live) -> bool {
        match self.when {
            None => true,
            Some(Condition::AppleReportsProblem) => live.apple_problem,
        }
    }
}

impl Script {
    /// Whether `step` is where Apple's live status is shown.
    pub fn shows_apple_status(&self, step: &StepId) -> bool {
        self.apple_status
            .as_ref()
            .is_some_and(|s| s.step == step.as_str())
    }

    pub fn step(&self, id: &StepId) -> Option<&Step> {
        self.step_index.get(id).map(|&i| &self.steps[i])
    }

    pub fn ending(&self, id: &EndingId) -> Option<&Ending> {
        self.ending_index
            .get(id.as_str())
            .map(|&i| &self.endings[i])
    }

    pub fn start_step(&self) -> &Step {
        // The validator guarantees that `start` names a step; `steps` is never empty then.
        self.step(&self.start).unwrap_or(&self.steps[0])
    }

    pub fn choice_count(&self) -> usize {
        self.steps.iter().map(|s| s.choices.len()).sum()
    }
}
