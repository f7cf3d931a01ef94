//! The script as a Mermaid flowchart, for the README and for support staff.
//!
//! Solid arrows are fixed gotos. Dotted arrows are `goto: "next"`, drawn to the check that
//! follows on the usual path (the check the step belongs to, plus one); after a jump from
//! the opening question the walk really goes to the first check not yet seen. An answer that
//! sets a route is drawn to the route's first step.

use std::collections::HashMap;
use std::fmt::Write;

use crate::script::{Script, StepId, Target};

pub fn mermaid(script: &Script) -> String {
    let owner = check_owners(script);
    let mut out = String::from("flowchart TD\n");
    for step in &script.steps {
        let _ = writeln!(
            out,
            "    {}[\"{}\"]",
            node(step.id.as_str()),
            label(&step.title)
        );
    }
    for ending in &script.endings {
        let _ = writeln!(
            out,
            "    {}([\"{}\"])",
            end_node(ending.id.as_str()),
            label(&ending.title)
        );
    }
    for step in &script.steps {
        for choice in &step.choices {
            let (arrow, to) = match &choice.goto {
                Target::Step(id) => ("-->", node(id.as_str())),
                Target::End(id) => ("-->", end_node(id.as_str())),
                Target::NextCheck => {
                    let after = owner.get(&step.id).map_or(0, |&k| k + 1);
                    let route = choice.route.as_ref().and_then(|r| script.routes.get(r));
                    let to = match route
                        .and_then(|steps| steps.first())
                        .or(script.checks.get(after))
                    {
                        Some(check) => node(check.as_str()),
                        None => target_node(&script.after_checks),
                    };
                    ("-.->", to)
                }
            };
            let from = node(step.id.as_str());
            let _ = writeln!(out, "    {from} {arrow}|\"{}\"| {to}", label(&choice.label));
        }
    }
    out
}

/// For each step, the index of the check it belongs to: the check itself, or the first check
/// (in order) from which fixed gotos reach it without passing another check.
fn check_owners(script: &Script) -> HashMap<StepId, usize> {
    let mut owner: HashMap<StepId, usize> = HashMap::new();
    for (k, check) in script.checks.iter().enumerate() {
        owner.insert(check.clone(), k);
    }
    for (k, check) in script.checks.iter().enumerate() {
        let mut stack = vec![check.clone()];
        while let Some(id) = stack.pop() {
            let Some(step) = script.step(&id) else {
                continue;
            };
            for choice in &step.choices {
                if let Target::Step(next) = &choice.goto {
                    if !owner.contains_key(next) {
                        owner.insert(next.clone(), k);
                        stack.push(next.clone());
                    }
                }
            }
        }
    }
    // Steps before the first check (the opening question) have no owner: the caller sends
    // their "next" to the first check.
    owner
}

fn target_node(target: &Target) -> String {
    match target {
        Target::Step(id) => node(id.as_str()),
        Target::End(id) => end_node(id.as_str()),
        Target::NextCheck => "next".to_string(),
    }
}

fn node(id: &str) -> String {
    format!("s_{}", id.replace('-', "_"))
}

fn end_node(id: &str) -> String {
    format!("e_{}", id.replace('-', "_"))
}

/// Mermaid labels are quoted; quotes inside become entity codes.
fn label(text: &str) -> String {
    text.replace('"', "#quot;")
}
