//! Every way through a script by its buttons, found by driving the real engine.
//!
//! `check` uses it for the longest path, and the tests use it to prove that every path of
//! the shipped script ends. Because it runs [`Engine::apply`] itself, "next" is resolved
//! exactly as a person would experience it.

use super::{Engine, Input, Reply, Session, Timestamp, LOCAL_OWNER};
use crate::script::{EndingId, Script, StepId};

/// One complete walk: the (step, choice) answers and the ending reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub answers: Vec<(StepId, usize)>,
    pub ending: EndingId,
}

/// The result of walking every path.
#[derive(Debug, Default)]
pub struct Walk {
    pub paths: Vec<Path>,
    /// Walks that came back to a step already on their path, or did something unexpected:
    /// the answers up to the problem. Empty for a sound script.
    pub stuck: Vec<Vec<(StepId, usize)>>,
    /// The walk stopped at `max_paths` before finishing.
    pub truncated: bool,
}

impl Walk {
    /// The most answers any path takes to reach an ending.
    pub fn longest(&self) -> usize {
        self.paths
            .iter()
            .map(|p| p.answers.len())
            .max()
            .unwrap_or(0)
    }
}

/// Walks every path through `script` by its choice buttons, depth first, up to `max_paths`.
pub fn walk_all(script: &Script, max_paths: usize) -> Walk {
    let engine = Engine::new(script, Default::default());
    let now = Timestamp(0);
    let mut session = engine.new_session(LOCAL_OWNER, now);
    let mut walk = Walk::default();
    if !matches!(
        engine.apply(&mut session, Input::Start, now),
        Reply::Show { .. }
    ) {
        walk.stuck.push(Vec::new());
        return walk;
    }
    let mut stack: Vec<Session> = vec![session];
    while let Some(session) = stack.pop() {
        let Some(step_id) = session.current_step().cloned() else {
            continue;
        };
        let choices = script.step(&step_id).map_or(0, |s| s.choices.len());
        for choice in 0..choices {
            if walk.paths.len() >= max_paths {
                walk.truncated = true;
                return walk;
            }
            let mut next = session.clone();
            let input = Input::Choose {
                step: step_id.clone(),
                choice,
            };
            let reply = engine.apply(&mut next, input, now);
            let answers: Vec<(StepId, usize)> = next
                .history
                .iter()
                .map(|a| (a.step.clone(), a.choice))
                .collect();
            match reply {
                Reply::Resolved { ending, .. }
                | Reply::Waiting { ending, .. }
                | Reply::HandedOff { ending, .. } => {
                    walk.paths.push(Path { answers, ending });
                }
                Reply::Show { step, .. } if !answers.iter().any(|(s, _)| *s == step) => {
                    stack.push(next);
                }
                _ => walk.stuck.push(answers),
            }
        }
    }
    walk
}
