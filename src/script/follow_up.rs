//! The validator's rules for the follow-up question, asked the morning after a fix: a step
//! of its own, never one of the walk's checks, whose answers either confirm iCloud Backup ran
//! (an ending that claims it) or lead back into the walkthrough (a step).

use std::collections::HashMap;

use super::check::{Checker, Named};
use super::raw::{Backup, EndingKind, RawScript};
use super::NEXT_CHECK;

pub(super) fn check_follow_up(c: &mut Checker, raw: &RawScript, ids: &HashMap<String, Named>) {
    let Some(id) = &raw.follow_up else {
        return;
    };
    let line = c.line_of_key(None, "follow_up");
    let place = "follow_up".to_string();
    let Some(step) = raw.steps.iter().find(|s| s.id == *id) else {
        let msg = format!("`follow_up` names \"{id}\", which is not a step");
        c.report(line, place, msg);
        return;
    };
    let in_walk = *id == raw.start
        || raw.checks.contains(id)
        || raw.routes.values().any(|route| route.contains(id));
    if in_walk {
        let msg = format!(
            "\"{id}\" is the start, a check or on a route; the follow-up question is asked \
             only after a fix, so it needs a step of its own"
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
                   Resolved: the person saying the backup ran";
        c.report(line, place.clone(), msg.into());
    }
    if !reopens {
        let msg = "needs an answer that leads to a step (the one for automatic backups): the \
                   person saying it did not run goes on from there";
        c.report(line, place, msg.into());
    }
}
