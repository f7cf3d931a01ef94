//! The validator's graph rules: every step reachable from the start, and an ending
//! reachable from every step. `goto: "next"` counts as an arrow to every step of every
//! route, every check and `after_checks`, which over-approximates where it can lead and so
//! never hides a problem.

use std::collections::{HashMap, HashSet, VecDeque};

use super::check::{Checker, Named};
use super::raw::RawScript;
use super::NEXT_CHECK;

/// Reachability: every step reachable from `start`, and an ending reachable from every step.
pub(super) fn check_graph(c: &mut Checker, raw: &RawScript, ids: &HashMap<String, Named>) {
    let known = |id: &String| ids.contains_key(id);
    // "next" can lead to any step of a route, any check, or `after_checks` once all are seen.
    let next: Vec<&String> = raw
        .routes
        .values()
        .flatten()
        .chain(&raw.checks)
        .chain(std::iter::once(&raw.after_checks))
        .filter(|id| known(id))
        .collect();
    let mut edges: HashMap<&String, Vec<&String>> = HashMap::new();
    for step in &raw.steps {
        let out = edges.entry(&step.id).or_default();
        for choice in &step.choices {
            if choice.goto == NEXT_CHECK {
                out.extend(next.iter().copied());
            } else if known(&choice.goto) {
                out.push(&choice.goto);
            }
        }
    }
    // The follow-up question is a second way in, the morning after a fix; the news that
    // Apple fixed its problem a third; the end of waiting for it is reached by the clock.
    let status = raw.apple_status.as_ref();
    let starts = std::iter::once(&raw.start)
        .chain(raw.follow_up.as_ref())
        .chain(status.and_then(|s| s.fixed.as_ref()));
    let lapsed = status.and_then(|s| s.lapsed.as_ref());
    let reached = reachable(starts, |id| edges.get(id).cloned().unwrap_or_default());
    for step in &raw.steps {
        if !reached.contains(&step.id) {
            let line = c.line_of_id(&step.id);
            let msg = "cannot be reached from the start".into();
            c.report(line, format!("step \"{}\"", step.id), msg);
        }
    }
    for ending in &raw.endings {
        let used_by_button = ending.id == raw.handoff || Some(&ending.id) == lapsed;
        if !reached.contains(&ending.id) && !used_by_button {
            let line = c.line_of_id(&ending.id);
            let msg = "no answer leads here".into();
            c.report(line, format!("ending \"{}\"", ending.id), msg);
        }
    }
    // Walk the edges backwards from every ending.
    let mut reverse: HashMap<&String, Vec<&String>> = HashMap::new();
    for (from, tos) in &edges {
        for to in tos {
            reverse.entry(to).or_default().push(from);
        }
    }
    let endings = raw.endings.iter().map(|e| &e.id);
    let can_end = reachable(endings, |id| reverse.get(id).cloned().unwrap_or_default());
    for step in &raw.steps {
        if reached.contains(&step.id) && !can_end.contains(&step.id) {
            let line = c.line_of_id(&step.id);
            let msg = "no ending can be reached from here (the answers go round in a circle)";
            c.report(line, format!("step \"{}\"", step.id), msg.into());
        }
    }
}

fn reachable<'a>(
    from: impl Iterator<Item = &'a String>,
    next: impl Fn(&'a String) -> Vec<&'a String>,
) -> HashSet<&'a String> {
    let mut seen: HashSet<&String> = HashSet::new();
    let mut queue: VecDeque<&String> = from.collect();
    while let Some(id) = queue.pop_front() {
        if seen.insert(id) {
            queue.extend(next(id));
        }
    }
    seen
}
