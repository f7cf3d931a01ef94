//! The validator's rules for what the bot shows live: Apple's System Status on one step, and
//! the choice offered only while Apple reports a problem.

use std::collections::HashMap;

use super::check::{Checker, Named};
use super::raw::{EndingKind, RawScript};
use crate::layout::{self, limits};

/// At most this many of Apple's problems are listed in the status step.
pub const MAX_PROBLEMS_SHOWN: usize = 3;
/// Apple's message about a problem is cut to this many characters.
pub const MAX_APPLE_MESSAGE: usize = 300;
/// What the status paragraph may add besides the template: a service name, Apple's kind of
/// event, a Discord timestamp and the message.
const FILLED_IN: usize = 60 + 20 + 20 + MAX_APPLE_MESSAGE;

pub(super) fn check_live(c: &mut Checker, raw: &RawScript, ids: &HashMap<String, Named>) {
    let status_step = raw.apple_status.as_ref().map(|s| s.step.as_str());
    if let Some(status) = &raw.apple_status {
        let line = c.line_of_key(None, "apple_status");
        if ids.get(&status.step) != Some(&Named::Step) {
            let msg = format!(
                "`apple_status` names \"{}\", which is not a step",
                status.step
            );
            c.report(line, "apple_status".into(), msg);
        }
        if status.services.is_empty() || status.services.iter().any(|s| s.trim().is_empty()) {
            let msg = "`services` needs Apple's names of the services to watch, e.g. \
                       \"iCloud Backup\"";
            c.report(line, "apple_status".into(), msg.into());
        }
        if let Some(step) = raw.steps.iter().find(|s| s.id == status.step) {
            let description =
                layout::description(&step.explanation, &step.instructions, &step.question);
            let template = layout::len(&raw.messages.status_problem) + FILLED_IN;
            let worst = layout::len(&description) + 2 + MAX_PROBLEMS_SHOWN * (template + 1);
            if worst > limits::EMBED_DESCRIPTION {
                let msg = format!(
                    "with {MAX_PROBLEMS_SHOWN} of Apple's problems listed the step could reach \
                     {worst} characters; an embed description allows {}: shorten the step or \
                     `status_problem`",
                    limits::EMBED_DESCRIPTION
                );
                c.report(c.line_of_id(&step.id), format!("step \"{}\"", step.id), msg);
            }
        }
    }
    for step in &raw.steps {
        for (i, choice) in step.choices.iter().enumerate() {
            if choice.when.is_none() {
                continue;
            }
            let (line, place) = c.choice_place(&step.id, i, &choice.label);
            if status_step != Some(step.id.as_str()) {
                let msg = "`when: AppleReportsProblem` belongs on the `apple_status` step, where \
                           Apple's status is read";
                c.report(line, place.clone(), msg.into());
            }
            if ids.get(&choice.goto) != Some(&Named::Ending(EndingKind::Wait)) {
                let msg = format!(
                    "is offered while Apple reports a problem, so it must lead to an ending of \
                     kind Wait, not \"{}\"",
                    choice.goto
                );
                c.report(line, place, msg);
            }
        }
    }
    for ending in raw.endings.iter().filter(|e| e.kind == EndingKind::Wait) {
        if ending.claims.is_some() {
            let msg = "an ending of kind Wait tells the person to try later, so it claims no \
                       backup works";
            let line = c.line_of_id(&ending.id);
            c.report(line, format!("ending \"{}\"", ending.id), msg.into());
        }
    }
    let m = &raw.messages;
    for (field, text, placeholder) in [
        ("status_problem", &m.status_problem, "{message}"),
        ("status_none", &m.status_none, "{checked}"),
    ] {
        if !text.contains(placeholder) {
            let msg = format!("`{field}` must contain {placeholder}, where it is filled in");
            c.report(
                c.line_of_key(Some("messages"), field),
                "messages".into(),
                msg,
            );
        }
    }
}
