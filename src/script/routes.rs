//! The validator's rules for symptom routes and for steps that destroy something.
//!
//! A route is an ordered list of steps that `goto: "next"` tries first for a person whose
//! latest answer carrying `route` named it; after it, "next" walks `checks` as usual. The
//! rules, each checked here:
//! - every `route` on a choice names a route in `routes`, and every route is used;
//! - a route lists at least one step, only steps (never an ending, so never the hand-off),
//!   and no step twice; route ids follow the step-id rules;
//! - Reset Settings keeps its place: when `checks` lists [`RESET_SETTINGS`] and a route lists
//!   it, every step of that route that `checks` puts before Reset Settings also comes
//!   before it in the route (the other checks of the route may be reordered freely);
//! - a step marked `destructive: true` is never the start step; in every route and in
//!   `checks` (the route of a person on none) that lists it, every step that is not
//!   destructive comes before it; and no chain of fixed `goto`s from the start reaches it
//!   without passing a step that offers a copy of the data first (a step with a choice
//!   marked `confirms: Computer`).

use std::collections::{HashMap, HashSet};

use super::check::{Checker, Named};
use super::raw::{Backup, RawScript, RawStep};
use super::NEXT_CHECK;

/// The article's Reset All Settings check: a route may not bring it forward.
pub const RESET_SETTINGS: &str = "reset-settings";

pub(super) fn check_routes(c: &mut Checker, raw: &RawScript, ids: &HashMap<String, Named>) {
    let line = c.line_of_key(None, "routes");
    for (id, steps) in &raw.routes {
        let place = format!("route \"{id}\"");
        if !super::check::well_formed_id(id) {
            let msg = "route ids follow the rules of step ids: 1 to 40 of a-z, 0-9 and '-'";
            c.report(line, place.clone(), msg.into());
        }
        if steps.is_empty() {
            c.report(line, place.clone(), "lists no steps".into());
        }
        let mut seen = HashSet::new();
        for step in steps {
            if ids.get(step) != Some(&Named::Step) {
                let msg = format!("lists \"{step}\", which is not a step (a route lists steps only, never an ending)");
                c.report(line, place.clone(), msg);
            } else if !seen.insert(step) {
                c.report(line, place.clone(), format!("lists \"{step}\" twice"));
            }
        }
        let used = raw
            .steps
            .iter()
            .flat_map(|s| &s.choices)
            .any(|choice| choice.route.as_ref() == Some(id));
        if !used {
            let msg = "no choice has this `route`; use it or remove it";
            c.report(line, place.clone(), msg.into());
        }
        check_reset_settings(c, raw, line, &place, steps);
        check_destructive_order(c, raw, line, &place, steps);
    }
    for step in &raw.steps {
        for (i, choice) in step.choices.iter().enumerate() {
            let Some(route) = &choice.route else {
                continue;
            };
            if !raw.routes.contains_key(route) {
                let (line, place) = c.choice_place(&step.id, i, &choice.label);
                let msg = format!("`route` names \"{route}\", which is not in `routes`");
                c.report(line, place, msg);
            }
        }
    }
    check_destructive_order(
        c,
        raw,
        c.line_of_key(None, "checks"),
        "`checks`",
        &raw.checks,
    );
    check_destructive_reach(c, raw);
}

/// Reset Settings comes after every step of the route that `checks` puts before it.
fn check_reset_settings(
    c: &mut Checker,
    raw: &RawScript,
    line: Option<usize>,
    place: &str,
    route: &[String],
) {
    let article = |id: &str| raw.checks.iter().position(|check| check == id);
    let Some(reset_in_article) = article(RESET_SETTINGS) else {
        return;
    };
    let Some(reset_in_route) = route.iter().position(|s| s == RESET_SETTINGS) else {
        return;
    };
    for later in &route[reset_in_route + 1..] {
        if article(later).is_some_and(|k| k < reset_in_article) {
            let msg = format!(
                "lists \"{RESET_SETTINGS}\" before \"{later}\", which `checks` tries first; \
                 a route may not bring Reset Settings forward"
            );
            c.report(line, place.to_string(), msg);
        }
    }
}

fn step<'r>(raw: &'r RawScript, id: &str) -> Option<&'r RawStep> {
    raw.steps.iter().find(|s| s.id == id)
}

fn destructive(raw: &RawScript, id: &str) -> bool {
    step(raw, id).is_some_and(|s| s.destructive)
}

/// In `order` (a route, or `checks`), no harmless step comes after a destructive one.
fn check_destructive_order(
    c: &mut Checker,
    raw: &RawScript,
    line: Option<usize>,
    place: &str,
    order: &[String],
) {
    let Some(first) = order.iter().position(|id| destructive(raw, id)) else {
        return;
    };
    for later in &order[first + 1..] {
        if step(raw, later).is_some_and(|s| !s.destructive) {
            let msg = format!(
                "lists \"{}\", which is marked `destructive`, before \"{later}\", which is not; \
                 a destructive step comes after every harmless one",
                order[first]
            );
            c.report(line, place.to_string(), msg);
        }
    }
}

/// Whether the step offers to put a copy of the data on a computer first.
fn offers_copy(step: &RawStep) -> bool {
    step.choices
        .iter()
        .any(|choice| choice.confirms == Some(Backup::Computer))
}

/// No chain of fixed gotos from the start reaches a destructive step without passing a step
/// that offers a copy; and the start is not destructive itself.
fn check_destructive_reach(c: &mut Checker, raw: &RawScript) {
    let mut stack = vec![raw.start.as_str()];
    let mut seen: HashSet<&str> = HashSet::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let Some(step) = step(raw, id) else {
            continue;
        };
        if step.destructive {
            let msg = if id == raw.start {
                "is marked `destructive` but is the start step".to_string()
            } else {
                "is marked `destructive` but the answers' fixed gotos lead here from the start \
                 without passing a step that offers a copy first (a choice marked \
                 `confirms: Computer`)"
                    .to_string()
            };
            c.report(c.line_of_id(id), format!("step \"{id}\""), msg);
            continue;
        }
        if offers_copy(step) {
            continue;
        }
        for choice in &step.choices {
            if choice.goto != NEXT_CHECK {
                stack.push(&choice.goto);
            }
        }
    }
}
