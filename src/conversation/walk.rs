//! Every way through a script by its buttons, found by driving the real engine.
//!
//! `check` uses it for the number of paths and the longest one, and the tests use it to
//! prove that every path of the shipped script ends. Because it runs [`Engine::apply`]
//! itself, "next" is resolved exactly as a person would experience it.
//!
//! A script with symptom routes has hundreds of thousands of paths, far too many to list
//! one by one. But where a walk goes next depends only on the step it is at, the steps
//! answered on its path (which "next" skips) and the route it is on: two walks that agree
//! on those three go on alike, whatever order they took. So each such state is walked
//! once, and paths are counted, not listed.

use std::collections::{HashMap, HashSet};

use super::engine::route_of;
use super::{Engine, Input, Phase, Reply, Session, Timestamp, LOCAL_OWNER};
use crate::script::{EndingId, Script, StepId};

/// The answers of a walk so far: (step, choice index) pairs, oldest first.
pub type Answers = Vec<(StepId, usize)>;

/// What walking every path found.
#[derive(Debug, Default)]
pub struct Walk {
    /// How many paths lead from the start (or the follow-up question) to an ending.
    pub paths: u64,
    /// How many of them end at each ending.
    pub by_ending: HashMap<EndingId, u64>,
    /// The most answers any path takes to reach an ending.
    pub longest: usize,
    /// Every (step, choice) some path takes.
    pub taken: HashSet<(StepId, usize)>,
    /// Every last answer of a path: the (step, choice) and the ending it led to.
    pub last_answers: HashSet<(StepId, usize, EndingId)>,
    /// Walks that came back to a step already on their path, or did something unexpected:
    /// the answers up to the problem. Empty for a sound script.
    pub stuck: Vec<Answers>,
    /// The walk stopped at `max_states` before finishing.
    pub truncated: bool,
}

impl Walk {
    /// How many paths end at `ending`.
    pub fn ending(&self, ending: &EndingId) -> u64 {
        self.by_ending.get(ending).copied().unwrap_or(0)
    }
}

/// Where a walk stands, as far as where it goes next is concerned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct State {
    at: StepId,
    /// The ids of the steps answered, sorted.
    answered: Vec<String>,
    route: Option<String>,
}

/// What follows one state: its paths, per ending, and the longest of them.
#[derive(Debug, Default, Clone)]
struct Onward {
    by_ending: HashMap<EndingId, u64>,
    longest: usize,
}

/// Walks every path through `script` by its choice buttons, walking each distinct state
/// once, up to `max_states` states: from the start, and from the questions asked after a
/// walkthrough ended (the day after a fix, and when Apple fixed a problem), as if nothing
/// had been answered before them, their longest case.
pub fn walk_all(script: &Script, max_states: usize) -> Walk {
    let engine = Engine::new(script, Default::default());
    let now = Timestamp(0);
    let mut session = engine.new_session(LOCAL_OWNER, now);
    let mut walker = Walker {
        script,
        engine,
        max_states,
        known: HashMap::new(),
        walk: Walk::default(),
    };
    if !matches!(
        walker.engine.apply(&mut session, Input::Start, now),
        Reply::Show { .. }
    ) {
        walker.walk.stuck.push(Vec::new());
        return walker.walk;
    }
    let mut onward = walker.onward(&session);
    let apple_fixed = script.apple_status.as_ref().and_then(|s| s.fixed_step());
    for question in script.follow_up.iter().chain(apple_fixed.as_ref()) {
        let mut asked = walker.engine.new_session(LOCAL_OWNER, now);
        asked.phase = Phase::At(question.clone());
        let after = walker.onward(&asked);
        for (ending, paths) in after.by_ending {
            *onward.by_ending.entry(ending).or_default() += paths;
        }
        onward.longest = onward.longest.max(after.longest);
    }
    let mut walk = walker.walk;
    walk.paths = onward.by_ending.values().sum();
    walk.longest = onward.longest;
    walk.by_ending = onward.by_ending;
    walk
}

struct Walker<'s> {
    script: &'s Script,
    engine: Engine<'s>,
    max_states: usize,
    /// What follows each state walked so far.
    known: HashMap<State, Onward>,
    walk: Walk,
}

impl Walker<'_> {
    /// What follows `session`'s state, walked once. The recursion is as deep as the
    /// longest path, since every answer adds a step to the ones answered.
    fn onward(&mut self, session: &Session) -> Onward {
        let Some(at) = session.current_step().cloned() else {
            return Onward::default();
        };
        let state = State {
            at: at.clone(),
            answered: {
                let mut answered: Vec<String> =
                    session.history.iter().map(|a| a.step.to_string()).collect();
                answered.sort_unstable();
                answered
            },
            route: route_of(self.script, &session.history).map(str::to_string),
        };
        if let Some(known) = self.known.get(&state) {
            return known.clone();
        }
        if self.known.len() >= self.max_states {
            self.walk.truncated = true;
            return Onward::default();
        }
        let mut onward = Onward::default();
        let choices = self.script.step(&at).map_or(0, |s| s.choices.len());
        for choice in 0..choices {
            let mut next = session.clone();
            let input = Input::Choose {
                step: at.clone(),
                choice,
            };
            let reply = self.engine.apply(&mut next, input, Timestamp(0));
            self.walk.taken.insert((at.clone(), choice));
            match reply {
                Reply::Resolved { ending, .. }
                | Reply::Waiting { ending, .. }
                | Reply::HandedOff { ending, .. } => {
                    *onward.by_ending.entry(ending.clone()).or_default() += 1;
                    onward.longest = onward.longest.max(1);
                    self.walk.last_answers.insert((at.clone(), choice, ending));
                }
                Reply::Show { step, .. }
                    if step != at && !state.answered.iter().any(|s| s == step.as_str()) =>
                {
                    let after = self.onward(&next);
                    for (ending, paths) in &after.by_ending {
                        *onward.by_ending.entry(ending.clone()).or_default() += paths;
                    }
                    if !after.by_ending.is_empty() {
                        onward.longest = onward.longest.max(after.longest + 1);
                    }
                }
                _ => self.walk.stuck.push(
                    next.history
                        .iter()
                        .map(|a| (a.step.clone(), a.choice))
                        .collect(),
                ),
            }
        }
        self.known.insert(state, onward.clone());
        onward
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lists every path one by one, as the walk did before it merged states: the
    /// reference the merged walk must agree with.
    fn every_path(script: &Script) -> Vec<(Answers, EndingId)> {
        let engine = Engine::new(script, Default::default());
        let now = Timestamp(0);
        let mut start = engine.new_session(LOCAL_OWNER, now);
        engine.apply(&mut start, Input::Start, now);
        let mut paths = Vec::new();
        let mut stack = vec![start];
        while let Some(session) = stack.pop() {
            let Some(at) = session.current_step().cloned() else {
                continue;
            };
            for choice in 0..script.step(&at).map_or(0, |s| s.choices.len()) {
                let mut next = session.clone();
                let input = Input::Choose {
                    step: at.clone(),
                    choice,
                };
                match engine.apply(&mut next, input, now) {
                    Reply::Resolved { ending, .. }
                    | Reply::Waiting { ending, .. }
                    | Reply::HandedOff { ending, .. } => {
                        let answers = next.history.iter().map(|a| (a.step.clone(), a.choice));
                        paths.push((answers.collect(), ending));
                    }
                    Reply::Show { .. } => stack.push(next),
                    _ => {}
                }
            }
        }
        paths
    }

    /// The small test script, grown to four checks, two routes and a branch: enough
    /// ways through it that walks meet in the same state by different orders.
    fn routed() -> Script {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/valid/en.ron");
        let text = std::fs::read_to_string(path).expect("the fixture script");
        let check = |id: &str| {
            format!(
                "(id: \"{id}\", title: \"{id}\", explanation: \"Try {id}.\", \
                 question: \"Does it work now?\", choices: [\
                 (label: \"Fixed\", means: Yes, confirms: ICloud, goto: \"fixed\"), \
                 (label: \"Still failing\", means: No, goto: \"next\"), \
                 (label: \"Ask a person\", words: [\"person\"], goto: \"handoff\")]),"
            )
        };
        let text = text
            .replace(
                r#"checks: ["first", "second"],"#,
                r#"checks: ["first", "second", "third", "fourth"],
                   routes: { "late": ["fourth", "second"], "third": ["third"] },"#,
            )
            .replace(
                r#"(label: "Not sure", words: ["dunno"], goto: "next"),"#,
                r#"(label: "Late", words: ["late"], route: "late", goto: "next"),
                   (label: "Third", words: ["third"], route: "third", goto: "next"),
                   (label: "Not sure", words: ["dunno"], goto: "next"),"#,
            )
            .replace(
                "    ],\n    endings:",
                &format!(
                    "{}\n{}\n    ],\n    endings:",
                    check("third"),
                    check("fourth")
                ),
            );
        crate::script::load_str(&text, "en.ron", Some("en")).expect("the routed script")
    }

    #[test]
    fn merging_states_counts_the_same_paths_as_listing_them() {
        let script = routed();
        let listed = every_path(&script);
        let walk = walk_all(&script, 100_000);
        assert!(!walk.truncated && walk.stuck.is_empty(), "{walk:?}");
        assert!(listed.len() >= 50, "only {} paths", listed.len());
        assert!(walk.paths > 0 && walk.by_ending.len() == script.endings.len());
        assert_eq!(walk.paths, listed.len() as u64);
        let longest = listed.iter().map(|(a, _)| a.len()).max();
        assert_eq!(Some(walk.longest), longest);
        for ending in &script.endings {
            let count = listed.iter().filter(|(_, e)| *e == ending.id).count();
            assert_eq!(walk.ending(&ending.id), count as u64, "{}", ending.id);
        }
        let taken: HashSet<(StepId, usize)> = listed
            .iter()
            .flat_map(|(answers, _)| answers.iter().cloned())
            .collect();
        assert_eq!(walk.taken, taken);
        let last: HashSet<(StepId, usize, EndingId)> = listed
            .iter()
            .filter_map(|(answers, e)| answers.last().map(|(s, c)| (s.clone(), *c, e.clone())))
            .collect();
        assert_eq!(walk.last_answers, last);
    }

    #[test]
    fn a_script_too_big_for_the_cap_says_so() {
        assert!(walk_all(&routed(), 3).truncated);
        assert!(!walk_all(&routed(), 1_000).truncated);
    }
}
