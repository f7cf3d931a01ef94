//! The validator's honesty rules: an ending that tells the person a backup works is reached
//! only by an answer saying that backup has just finished, never by "next" running out of
//! checks or by the "Talk to a human" button.

use super::check::Checker;
use super::raw::{Backup, EndingKind, RawScript};

/// What an ending claiming `backup` tells the person, for messages.
fn told(backup: Backup) -> &'static str {
    match backup {
        Backup::ICloud => "their iCloud backup works",
        Backup::Computer => "their computer backup worked",
    }
}

pub(super) fn check_claims(c: &mut Checker, raw: &RawScript) {
    let claims_of = |id: &str| {
        raw.endings
            .iter()
            .find(|e| e.id == id)
            .and_then(|e| e.claims)
    };
    for ending in &raw.endings {
        if ending.kind == EndingKind::Resolved && ending.claims != Some(Backup::ICloud) {
            let line = c.line_of_id(&ending.id);
            let msg = "an ending of kind Resolved tells the person iCloud Backup works again, \
                       so it needs `claims: ICloud`";
            c.report(line, format!("ending \"{}\"", ending.id), msg.into());
        }
    }
    for (field, id, when) in [
        (
            "handoff",
            &raw.handoff,
            "the Talk to a human button can be pressed at any step",
        ),
        (
            "after_checks",
            &raw.after_checks,
            "nobody has confirmed a backup when the checks run out",
        ),
    ] {
        if let Some(claims) = claims_of(id) {
            let msg = format!(
                "`{field}` names \"{id}\", which tells the person {}; {when}",
                told(claims)
            );
            c.report(None, "script".into(), msg);
        }
    }
    for step in &raw.steps {
        for (i, choice) in step.choices.iter().enumerate() {
            let Some(claims) = claims_of(&choice.goto) else {
                continue;
            };
            let msg = match choice.confirms {
                Some(confirms) if confirms == claims => continue,
                Some(confirms) => format!(
                    "is marked `confirms: {confirms:?}` but leads to ending \"{}\", which tells \
                     the person {}",
                    choice.goto,
                    told(claims)
                ),
                None => format!(
                    "leads to ending \"{}\", which tells the person {}, but is not marked \
                     `confirms: {claims:?}`; mark only an answer saying that backup just finished",
                    choice.goto,
                    told(claims)
                ),
            };
            let (line, place) = c.choice_place(&step.id, i, &choice.label);
            c.report(line, place, msg);
        }
    }
}
