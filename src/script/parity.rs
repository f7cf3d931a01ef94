//! A translation may not drift from the script it translates: the same step and ending ids,
//! the same choices leading to the same places with the same meanings, and the same
//! placeholders in every message. Each difference is reported in the translation's file,
//! at its line where there is one, so a translator knows what to fix.

use std::collections::BTreeSet;

use super::check::Checker;
use super::{Choice, Script, StepId, Target};
use crate::script::Problem;

/// Compares `translation` (whose file text is `text`, named `file`) with `source`.
pub(super) fn check_parity(
    source: &Script,
    translation: &Script,
    text: &str,
    file: &str,
) -> Vec<Problem> {
    let mut c = Checker::new(file, text);
    let of = format!("{}.ron", source.locale);
    check_header(&mut c, source, translation, &of);
    check_steps(&mut c, source, translation, &of);
    check_endings(&mut c, source, translation, &of);
    check_messages(&mut c, source, translation, &of);
    c.into_problems()
}

fn check_header(c: &mut Checker, source: &Script, translation: &Script, of: &str) {
    let mut differs = |key: &str, theirs: String, ours: String| {
        if theirs != ours {
            let line = c.line_of_key(None, key);
            let msg = format!("`{key}` is {ours} but {of} has {theirs}; a translation keeps it");
            c.report(line, "script".into(), msg);
        }
    };
    differs("id", quote(&source.id), quote(&translation.id));
    differs(
        "start",
        quote(source.start.as_str()),
        quote(translation.start.as_str()),
    );
    let checks = |s: &Script| {
        format!(
            "{:?}",
            s.checks.iter().map(|c| c.as_str()).collect::<Vec<_>>()
        )
    };
    differs("checks", checks(source), checks(translation));
    let routes = |s: &Script| {
        let each: Vec<String> = s
            .routes
            .iter()
            .map(|(id, steps)| {
                let steps: Vec<&str> = steps.iter().map(StepId::as_str).collect();
                format!("\"{id}\": {steps:?}")
            })
            .collect();
        format!("{{{}}}", each.join(", "))
    };
    differs("routes", routes(source), routes(translation));
    differs(
        "after_checks",
        target(&source.after_checks),
        target(&translation.after_checks),
    );
    differs(
        "handoff",
        quote(source.handoff.as_str()),
        quote(translation.handoff.as_str()),
    );
    // Apple's feed names its services in English whatever language the person reads.
    let status = |s: &Script| {
        let status = s.apple_status.as_ref();
        format!(
            "{:?}",
            status.map(|a| (&a.step, &a.services, &a.fixed, &a.lapsed))
        )
    };
    differs("apple_status", status(source), status(translation));
    let follow_up = |s: &Script| format!("{:?}", s.follow_up.as_ref().map(StepId::as_str));
    differs("follow_up", follow_up(source), follow_up(translation));
}

fn check_steps(c: &mut Checker, source: &Script, translation: &Script, of: &str) {
    for step in &source.steps {
        if translation.step(&step.id).is_none() {
            let msg = format!("is missing; {of} has this step, so every translation needs it");
            c.report(None, format!("step \"{}\"", step.id), msg);
        }
    }
    for ours in &translation.steps {
        let line = c.line_of_id(ours.id.as_str());
        let place = format!("step \"{}\"", ours.id);
        let Some(theirs) = source.step(&ours.id) else {
            let msg = format!("is not in {of}; add it there first, or remove it here");
            c.report(line, place, msg);
            continue;
        };
        if ours.destructive != theirs.destructive {
            let msg = format!(
                "has `destructive: {}` but {of} has `destructive: {}`",
                ours.destructive, theirs.destructive
            );
            c.report(line, place.clone(), msg);
        }
        if ours.choices.len() != theirs.choices.len() {
            let msg = format!(
                "has {} choices but {of} has {}; a translation keeps every choice, in order",
                ours.choices.len(),
                theirs.choices.len()
            );
            c.report(line, place, msg);
            continue;
        }
        for (n, (mine, source_choice)) in ours.choices.iter().zip(&theirs.choices).enumerate() {
            if let Some(msg) = choice_drift(mine, source_choice, of) {
                let (line, place) = c.choice_place(ours.id.as_str(), n, &mine.label);
                c.report(line, place, msg);
            }
        }
    }
}

/// What differs between a translated choice and the source's choice in the same place.
fn choice_drift(ours: &Choice, theirs: &Choice, of: &str) -> Option<String> {
    if ours.goto != theirs.goto {
        return Some(format!(
            "goes to {} but the same choice in {of} goes to {}",
            target(&ours.goto),
            target(&theirs.goto)
        ));
    }
    if ours.means != theirs.means {
        return Some(format!(
            "has `means: {:?}` but the same choice in {of} has `means: {:?}`",
            ours.means, theirs.means
        ));
    }
    if ours.when != theirs.when {
        return Some(format!(
            "has `when: {:?}` but the same choice in {of} has `when: {:?}`",
            ours.when, theirs.when
        ));
    }
    if ours.route != theirs.route {
        return Some(format!(
            "has `route: {}` but the same choice in {of} has `route: {}`",
            route(&ours.route),
            route(&theirs.route)
        ));
    }
    if ours.confirms != theirs.confirms {
        return Some(format!(
            "has `confirms: {:?}` but the same choice in {of} has `confirms: {:?}`",
            ours.confirms, theirs.confirms
        ));
    }
    None
}

fn check_endings(c: &mut Checker, source: &Script, translation: &Script, of: &str) {
    for ending in &source.endings {
        if translation.ending(&ending.id).is_none() {
            let msg = format!("is missing; {of} has this ending, so every translation needs it");
            c.report(None, format!("ending \"{}\"", ending.id.as_str()), msg);
        }
    }
    for ours in &translation.endings {
        let line = c.line_of_id(ours.id.as_str());
        let place = format!("ending \"{}\"", ours.id.as_str());
        let Some(theirs) = source.ending(&ours.id) else {
            let msg = format!("is not in {of}; add it there first, or remove it here");
            c.report(line, place, msg);
            continue;
        };
        if ours.kind != theirs.kind || ours.claims != theirs.claims {
            let msg = format!(
                "is `kind: {:?}`, `claims: {:?}` but in {of} `kind: {:?}`, `claims: {:?}`",
                ours.kind, ours.claims, theirs.kind, theirs.claims
            );
            c.report(line, place, msg);
        }
    }
}

fn check_messages(c: &mut Checker, source: &Script, translation: &Script, of: &str) {
    let theirs = source.messages.texts();
    for (key, text) in translation.messages.texts() {
        let Some((_, source_text)) = theirs.iter().find(|(k, _)| *k == key) else {
            continue;
        };
        let (ours, wanted) = (placeholders(text), placeholders(source_text));
        if ours != wanted {
            let line = c.line_of_key(Some("messages"), key);
            let msg = format!(
                "`{key}` has the placeholders {} but in {of} {}; keep the same ones, translated \
                 around",
                list(&ours),
                list(&wanted)
            );
            c.report(line, "messages".into(), msg);
        }
    }
}

/// The `{name}` placeholders in a message.
fn placeholders(text: &str) -> BTreeSet<&str> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if is_name(&after[..close]) => {
                found.insert(&rest[open..open + close + 2]);
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    found
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')
}

fn list(set: &BTreeSet<&str>) -> String {
    if set.is_empty() {
        "none".into()
    } else {
        set.iter().copied().collect::<Vec<_>>().join(", ")
    }
}

fn route(route: &Option<String>) -> String {
    route.as_deref().map_or("none".into(), quote)
}

fn quote(s: &str) -> String {
    format!("\"{s}\"")
}

fn target(t: &Target) -> String {
    match t {
        Target::Step(id) => format!("step \"{id}\""),
        Target::End(id) => format!("ending \"{}\"", id.as_str()),
        Target::NextCheck => "\"next\"".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_the_braced_lowercase_names() {
        let found = placeholders("Hi {owner}, see {thread} {not one} {} {{x}");
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            ["{owner}", "{thread}", "{x}"]
        );
    }
}
