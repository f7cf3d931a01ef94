//! The validator's rules that keep a typed answer from saying more than the person did.
//!
//! A person who types a bare "no" (or "still failing", or any of the locale's `no` words) has
//! said only that: not how old their last backup is, nor that they restarted already. The
//! locale's yes/no words therefore reach a choice only through `means`, and only where that
//! choice is the one thing such a word can mean:
//! - a choice's `words` may not include one of the locale's `yes` or `no` words unless the
//!   choice is marked with that `means`: mark it so (if it says nothing more), or leave the
//!   word out. One exception: on the start step, the choice that leads to `"next"` with no
//!   route (the opening's "Not sure") may list them, because a "still failing" typed at the
//!   opening question says the person saw nothing in particular, which is all that choice
//!   records: it walks every check in the article's order;
//! - a step's choice marked `means: No` must be the only way on for a "no": every other choice
//!   of the step that is always offered (no `when`), has no `means` and does not end the
//!   walkthrough (a `goto` naming an ending is a decision to stop, not a way of failing) must
//!   lead to the same `goto` with the same `route`. Where they lead apart, "no" would be recorded as one of
//!   several different answers (the last backup is recent, rather than weeks old), so the
//!   step must not mark any of them `means: No`: the bot then asks again, listing them.
//!
//! `means: Yes` needs no second rule: a step has at most one choice per `means` (the yes/no
//! words would otherwise be an answer to two choices, which `validate` reports), and a yes
//! typed where no choice is marked `means: Yes` is asked again too.

use std::collections::HashSet;

use super::check::Checker;
use super::raw::{Meaning, RawScript};
use super::NEXT_CHECK;
use crate::text::normalize;

pub(super) fn check_answers(c: &mut Checker, raw: &RawScript) {
    let yes: HashSet<String> = raw.words.yes.iter().map(|w| normalize(w)).collect();
    let no: HashSet<String> = raw.words.no.iter().map(|w| normalize(w)).collect();
    let endings: HashSet<&str> = raw.endings.iter().map(|e| e.id.as_str()).collect();
    for step in &raw.steps {
        for (i, choice) in step.choices.iter().enumerate() {
            if step.id == raw.start && choice.goto == NEXT_CHECK && choice.route.is_none() {
                continue; // the opening's "Not sure": see the module's comment
            }
            for phrase in choice.words.iter().map(|p| normalize(p)) {
                let family = if yes.contains(&phrase) && choice.means != Some(Meaning::Yes) {
                    "yes"
                } else if no.contains(&phrase) && choice.means != Some(Meaning::No) {
                    "no"
                } else {
                    continue;
                };
                let (line, place) = c.choice_place(&step.id, i, &choice.label);
                let msg = format!(
                    "has the word \"{phrase}\", one of the `{family}` words: a person typing it \
                     has said only {family}; leave it out (or mark the choice `means` if it \
                     says nothing more than {family})"
                );
                c.report(line, place, msg);
            }
        }
        let Some((n, no_choice)) = step
            .choices
            .iter()
            .enumerate()
            .find(|(_, ch)| ch.means == Some(Meaning::No))
        else {
            continue;
        };
        let apart: Vec<String> = step
            .choices
            .iter()
            .enumerate()
            .filter(|(_, other)| other.means.is_none() && other.when.is_none())
            .filter(|(_, other)| !endings.contains(other.goto.as_str()))
            .filter(|(_, other)| other.goto != no_choice.goto || other.route != no_choice.route)
            .map(|(k, other)| format!("{} \"{}\"", k + 1, other.label))
            .collect();
        if !apart.is_empty() {
            let (line, place) = c.choice_place(&step.id, n, &no_choice.label);
            let msg = format!(
                "is marked `means: No`, but choice {} also answers no and leads elsewhere: a \
                 typed \"no\" would claim more than the person said. Remove `means: No` so that \
                 a \"no\" is asked again with the choices listed",
                apart.join(", choice ")
            );
            c.report(line, place, msg);
        }
    }
}
