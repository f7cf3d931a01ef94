//! Walking the script as a person with one cause would answer, through the real typed-answer
//! matcher, until the step carrying that cause's fix is shown.
//!
//! At each shown step the person types their own answer for it, else the catalogue's
//! default for that step, else its fallback (see [`Catalogue::answer`]). The walk fails if
//! a text is not understood (asked again), if an ending comes first, or after
//! [`MAX_ANSWERS`] answers.

use std::fmt;

use super::{Engine, Input, Reply, Timestamp, LOCAL_OWNER};
use crate::script::causes::{Catalogue, Cause};
use crate::script::{Script, StepId};

/// A walk taking more answers than this has lost its way.
pub const MAX_ANSWERS: usize = 30;

/// A walk that reached the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Walk {
    /// The answers typed before the fix step was shown.
    pub answers: usize,
    /// The steps shown on the way, the fix step last.
    pub steps: Vec<StepId>,
}

/// Why a walk did not reach the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkError {
    /// The text typed at `step` was not understood and would be asked again.
    NotUnderstood { step: StepId, text: String },
    /// The walk ended (`ending`) at `step` before the fix was shown.
    Ended { step: StepId, ending: String },
    /// Still no fix after [`MAX_ANSWERS`] answers.
    TooLong { steps: Vec<StepId> },
    /// The engine refused an input (only a broken script does this).
    Refused { step: StepId, reply: String },
}

impl fmt::Display for WalkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WalkError::NotUnderstood { step, text } => {
                write!(f, "\"{text}\" is not understood at step \"{step}\"")
            }
            WalkError::Ended { step, ending } => {
                write!(f, "ended (\"{ending}\") at step \"{step}\" before the fix")
            }
            WalkError::TooLong { steps } => {
                let path: Vec<&str> = steps.iter().map(StepId::as_str).collect();
                write!(
                    f,
                    "no fix after {MAX_ANSWERS} answers: {}",
                    path.join(" → ")
                )
            }
            WalkError::Refused { step, reply } => write!(f, "at step \"{step}\": {reply}"),
        }
    }
}

/// Walks `script` as a person with `cause` answers, until the cause's fix step is shown.
pub fn walk(script: &Script, catalogue: &Catalogue, cause: &Cause) -> Result<Walk, WalkError> {
    let engine = Engine::new(script, Default::default());
    let now = Timestamp(0);
    let mut session = engine.new_session(LOCAL_OWNER, now);
    let fix = StepId::new(cause.fix.as_str());
    let mut reply = engine.apply(&mut session, Input::Start, now);
    let mut steps = Vec::new();
    let mut answers = 0;
    loop {
        let step = match reply {
            Reply::Show { step, .. } => step,
            Reply::ReAsk { step, .. } => {
                let text = catalogue.answer(cause, &step).to_string();
                return Err(WalkError::NotUnderstood { step, text });
            }
            Reply::Resolved { ending, .. }
            | Reply::Waiting { ending, .. }
            | Reply::HandedOff { ending, .. } => {
                let step = steps
                    .last()
                    .cloned()
                    .unwrap_or_else(|| script.start.clone());
                let ending = ending.to_string();
                return Err(WalkError::Ended { step, ending });
            }
            other => {
                let step = steps
                    .last()
                    .cloned()
                    .unwrap_or_else(|| script.start.clone());
                let reply = other.brief();
                return Err(WalkError::Refused { step, reply });
            }
        };
        steps.push(step.clone());
        if step == fix {
            return Ok(Walk { answers, steps });
        }
        if answers >= MAX_ANSWERS {
            return Err(WalkError::TooLong { steps });
        }
        let text = catalogue.answer(cause, &step).to_string();
        answers += 1;
        reply = engine.apply(&mut session, Input::Text(text), now);
    }
}

/// Walks every cause: (cause id, its walk or why it failed), in the catalogue's order.
pub fn walk_all<'c>(
    script: &Script,
    catalogue: &'c Catalogue,
) -> Vec<(&'c str, Result<Walk, WalkError>)> {
    catalogue
        .causes
        .iter()
        .map(|cause| (cause.id.as_str(), walk(script, catalogue, cause)))
        .collect()
}

/// The per-cause table: cause, answers typed before the fix (or why it failed).
pub fn table(walks: &[(&str, Result<Walk, WalkError>)]) -> String {
    let width = walks
        .iter()
        .map(|(id, _)| id.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let mut out = format!("{:<width$}  answers\n", "cause");
    for (id, walk) in walks {
        let result = match walk {
            Ok(walk) => walk.answers.to_string(),
            Err(err) => format!("FAILS: {err}"),
        };
        out.push_str(&format!("{id:<width$}  {result}\n"));
    }
    out
}

/// The median number of answers over the walks that reached their fix (the mean of the two
/// middle ones for an even count), or `None` if none did.
pub fn median_answers(walks: &[(&str, Result<Walk, WalkError>)]) -> Option<f64> {
    let mut counts: Vec<usize> = walks
        .iter()
        .filter_map(|(_, w)| w.as_ref().ok().map(|w| w.answers))
        .collect();
    counts.sort_unstable();
    let n = counts.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(counts[n / 2] as f64),
        _ => Some((counts[n / 2 - 1] + counts[n / 2]) as f64 / 2.0),
    }
}
