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
//! - a step's choice marked `means: No` must be the only one whose label begins with one of
//!   the locale's `no` words: where two answers say "Still failing, ..." (the last backup is
//!   recent; it is weeks old), a "no" would be recorded as one of them. Leave `means` off
//!   them all, and the bot asks again, listing them. (That a `means: No` choice says no
//!   more than "no" itself, e.g. not "Plenty" at a question about storage, is the author's
//!   part: the comment at the top of each script says so.)
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
        let says_no = |label: &str| {
            no.iter().any(|w| {
                label == w || label.starts_with(w.as_str()) && label[w.len()..].starts_with(' ')
            })
        };
        let also: Vec<String> = step
            .choices
            .iter()
            .enumerate()
            .filter(|&(k, other)| k != n && says_no(&normalize(&other.label)))
            .map(|(k, other)| format!("{} \"{}\"", k + 1, other.label))
            .collect();
        if !also.is_empty() {
            let (line, place) = c.choice_place(&step.id, n, &no_choice.label);
            let msg = format!(
                "is marked `means: No`, but choice {} also begins with a `no` word: a typed \
                 \"no\" would be recorded as one of several answers. Remove `means: No` so that \
                 a \"no\" is asked again with the choices listed",
                also.join(", choice ")
            );
            c.report(line, place, msg);
        }
    }
}
