//! The validator's rules for the questions asked after a walkthrough ended: the follow-up
//! the day after a fix (`follow_up`), and the news that Apple fixed the problem a
//! walkthrough waited for (`apple_status.fixed`). Each is a step of its own, never one of the
//! walk's checks, whose answers either confirm iCloud Backup works (an ending that claims
//! it) or lead back into the walkthrough (a step, or "next"). A wait for Apple that lapses
//! ends on `apple_status.lapsed`, an ending of kind Wait.

use std::collections::HashMap;

use super::check::{Checker, Named};
use super::raw::{Backup, EndingKind, RawScript};
use super::NEXT_CHECK;

pub(super) fn check_follow_up(c: &mut Checker, raw: &RawScript, ids: &HashMap<String, Named>) {
    if let Some(id) = &raw.follow_up {
        let line = c.line_of_key(None, "follow_up");
        check_question(c, raw, ids, id, (line, "follow_up"));
    }
    let Some(status) = &raw.apple_status else {
        return;
    };
    let line = c.line_of_key(None, "apple_status");
    if let Some(id) = &status.fixed {
        check_question(c, raw, ids, id, (line, "apple_status.fixed"));
        if status.lapsed.is_none() {
            let msg = "`fixed` needs `lapsed` too: the ending said when Apple still reports the \
                       problem a week later";
            c.report(line, "apple_status".into(), msg.into());
        }
    }
    if let Some(id) = &status.lapsed {
        if ids.get(id) != Some(&Named::Ending(EndingKind::Wait)) {
            let msg = format!("`lapsed` names \"{id}\", which is not an ending of kind Wait");
            c.report(line, "apple_status".into(), msg);
        }
    }
}

/// The step `id`, named by `key` on `line`, is a question of its own that confirms or
/// reopens.
fn check_question(
    c: &mut Checker,
    raw: &RawScript,
    ids: &HashMap<String, Named>,
    id: &str,
    (line, key): (Option<usize>, &str),
) {
    let place = key.to_string();
    let Some(step) = raw.steps.iter().find(|s| s.id == id) else {
        let msg = format!("`{key}` names \"{id}\", which is not a step");
        c.report(line, place, msg);
        return;
    };
    let in_walk = id == raw.start
        || raw.checks.iter().any(|check| check == id)
        || raw.routes.values().flatten().any(|step| step == id);
    if in_walk {
        let msg = format!(
            "\"{id}\" is the start, a check or on a route; a question asked after the \
             walkthrough ended needs a step of its own"
        );
        c.report(line, place.clone(), msg);
    }
    let confirms = step.choices.iter().any(|choice| {
        choice.confirms == Some(Backup::ICloud)
            && matches!(
                ids.get(&choice.goto),
                Some(Named::Ending(EndingKind::Resolved))
            )
    });
    let reopens = step
        .choices
        .iter()
        .any(|choice| choice.goto == NEXT_CHECK || ids.get(&choice.goto) == Some(&Named::Step));
    if !confirms {
        let msg = "needs an answer with `confirms: ICloud` that leads to an ending of kind \
                   Resolved: the person saying the backup works";
        c.report(line, place.clone(), msg.into());
    }
    if !reopens {
        let msg = "needs an answer that leads to a step (or \"next\"): the person saying it \
                   does not work goes on from there";
        c.report(line, place, msg.into());
    }
}
