//! Understanding a typed answer: "2", "Still failing", "nope", "stil failing", "human".
//!
//! Text is normalised (case, accents, punctuation) and then compared in three tiers, each
//! tried only when the one before found nothing:
//! 1. the whole text is a choice's number, label, word, yes/no word, or a command;
//! 2. the text contains such a phrase as whole words ("yes it worked!"), unless a negation
//!    stands right before it ("not fixed"), and a longer phrase covering a shorter one wins;
//! 3. the whole text is one small typo away from a phrase of five or more letters, and
//!    says "not" (or its language's negations) exactly where the phrase does: "no funciona"
//!    is two letters from "ya funciona" but means the opposite.
//!
//! A tier that points at two different answers is ambiguous, and nothing is guessed.

use strsim::osa_distance;

use crate::script::{Commands, Live, Script, Step};
pub use crate::text::normalize;

/// Longer input is not an answer to a multiple-choice question.
const MAX_NORMALISED_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Understood {
    /// The index of the chosen choice.
    Choice(usize),
    Back,
    StartOver,
    Human,
    /// Nothing matched, or more than one answer did (their choice indices, if any).
    NotUnderstood {
        candidates: Vec<usize>,
    },
}

/// What a candidate phrase would mean if it matched.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Meaning {
    Choice(usize),
    Back,
    StartOver,
    Human,
}

/// Works out which answer `text` gives to `step` of `script`, among the choices offered
/// given `live` (a choice offered only while Apple reports a problem is not an answer
/// otherwise).
pub fn understand(text: &str, step: &Step, script: &Script, live: Live) -> Understood {
    let commands = &script.commands;
    let input = normalize(text);
    if input.is_empty() || input.chars().count() > MAX_NORMALISED_CHARS {
        return not_understood(Vec::new());
    }
    if input.bytes().all(|b| b.is_ascii_digit()) {
        return match input.parse::<usize>() {
            Ok(n)
                if step
                    .choices
                    .get(n.wrapping_sub(1))
                    .is_some_and(|c| c.offered(live)) =>
            {
                Understood::Choice(n - 1)
            }
            _ => not_understood(Vec::new()),
        };
    }
    let candidates = candidates(step, commands, live);
    let exact: Vec<Meaning> = candidates
        .iter()
        .filter(|(phrase, _, _)| *phrase == input)
        .map(|&(_, meaning, _)| meaning)
        .collect();
    if let Some(result) = decide(exact) {
        return result;
    }
    if let Some(result) = decide(contained(&input, &candidates, &commands.negations)) {
        return result;
    }
    let input_len = input.chars().count();
    let input_negations = negations_in(&input, &commands.negations);
    let near = candidates
        .iter()
        .filter(|(phrase, _, _)| {
            let len = phrase.chars().count();
            let budget = typo_budget(len);
            // The edit distance is at least the difference in length: skip the hopeless.
            budget > 0
                && len.abs_diff(input_len) <= budget
                && osa_distance(phrase, &input) <= budget
                && negations_in(phrase, &commands.negations) == input_negations
        })
        .map(|&(_, meaning, _)| meaning)
        .collect();
    decide(near).unwrap_or_else(|| not_understood(said_only(&input, step, commands, live)))
}

/// When the text is a yes or a no that no choice is marked to take (`means`), the choices it
/// could stand for, so that the person is asked again with those listed: a "no" at a step
/// with several ways of failing does not pick one of them. Empty when the text is neither
/// (or both).
fn said_only(input: &str, step: &Step, commands: &Commands, live: Live) -> Vec<usize> {
    // Yes words stand for "choice 0", no words for "choice 1", to reuse tiers 1 and 2.
    let (yes_mark, no_mark) = (Meaning::Choice(0), Meaning::Choice(1));
    let polar: Vec<(&str, Meaning, bool)> = (commands.yes.iter().map(|w| (w, yes_mark)))
        .chain(commands.no.iter().map(|w| (w, no_mark)))
        .map(|(w, meaning)| (w.as_str(), meaning, true))
        .collect();
    let mut found: Vec<Meaning> = polar
        .iter()
        .filter(|(phrase, _, _)| *phrase == input)
        .map(|&(_, meaning, _)| meaning)
        .collect();
    if found.is_empty() {
        found = contained(input, &polar, &commands.negations);
    }
    found.sort();
    found.dedup();
    let yes = match found.as_slice() {
        [only] => *only == yes_mark,
        _ => return Vec::new(),
    };
    step.choices
        .iter()
        .enumerate()
        .filter(|(_, c)| c.offered(live))
        .filter(|(_, c)| {
            if yes {
                c.means != Some(crate::script::Meaning::No)
            } else {
                c.means != Some(crate::script::Meaning::Yes) && c.confirms.is_none()
            }
        })
        .map(|(i, _)| i)
        .collect()
}

fn not_understood(candidates: Vec<usize>) -> Understood {
    Understood::NotUnderstood { candidates }
}

/// One meaning → that answer; several → ambiguous; none → try the next tier.
fn decide(mut found: Vec<Meaning>) -> Option<Understood> {
    found.sort();
    found.dedup();
    match found.as_slice() {
        [] => None,
        [only] => Some(match *only {
            Meaning::Choice(i) => Understood::Choice(i),
            Meaning::Back => Understood::Back,
            Meaning::StartOver => Understood::StartOver,
            Meaning::Human => Understood::Human,
        }),
        many => Some(not_understood(
            many.iter()
                .filter_map(|m| match m {
                    Meaning::Choice(i) => Some(*i),
                    _ => None,
                })
                .collect(),
        )),
    }
}

/// Every phrase this step answers to: (phrase, meaning, may it match inside a sentence).
fn candidates<'a>(
    step: &'a Step,
    commands: &'a Commands,
    live: Live,
) -> Vec<(&'a str, Meaning, bool)> {
    let mut out = Vec::new();
    let offered = step
        .choices
        .iter()
        .enumerate()
        .filter(|(_, c)| c.offered(live));
    for (i, choice) in offered {
        out.extend(
            choice
                .phrases
                .iter()
                .map(|p| (p.as_str(), Meaning::Choice(i), true)),
        );
    }
    // "back" must stand alone: "I can back up now" is not a request to go back.
    out.extend(
        commands
            .back
            .iter()
            .map(|p| (p.as_str(), Meaning::Back, false)),
    );
    out.extend(
        commands
            .start_over
            .iter()
            .map(|p| (p.as_str(), Meaning::StartOver, false)),
    );
    out.extend(
        commands
            .human
            .iter()
            .map(|p| (p.as_str(), Meaning::Human, true)),
    );
    out
}

/// Tier 2: phrases found inside the text as whole words, longest first, skipping any that
/// overlap a longer one already taken or that follow a negation. Works on byte offsets into
/// the normalised text (single spaces between words), without allocating per phrase.
fn contained(
    input: &str,
    candidates: &[(&str, Meaning, bool)],
    negations: &[String],
) -> Vec<Meaning> {
    let mut hits: Vec<(usize, usize, Meaning)> = Vec::new(); // (start, end, meaning)
    for &(phrase, meaning, inside) in candidates {
        if !inside || phrase.is_empty() || phrase.len() >= input.len() {
            continue; // the same length is tier 1's business
        }
        for (start, _) in input.match_indices(phrase) {
            let end = start + phrase.len();
            let starts_word = start == 0 || input.as_bytes()[start - 1] == b' ';
            let ends_word = end == input.len() || input.as_bytes()[end] == b' ';
            if !starts_word || !ends_word {
                continue;
            }
            let previous = input[..start].trim_end().rsplit(' ').next().unwrap_or("");
            if !negations.iter().any(|n| n == previous) {
                hits.push((start, end, meaning));
            }
        }
    }
    hits.sort_by(|a, b| (b.1 - b.0).cmp(&(a.1 - a.0)).then(a.0.cmp(&b.0)));
    let mut taken: Vec<(usize, usize)> = Vec::new();
    let mut found = Vec::new();
    for (start, end, meaning) in hits {
        if taken.iter().any(|&(s, e)| start < e && s < end) {
            continue;
        }
        taken.push((start, end));
        found.push(meaning);
    }
    found
}

/// The negation words of normalised `text`, as whole words, with their places: a typo
/// may change a letter, never whether (or where) the answer says "not".
fn negations_in<'t>(text: &'t str, negations: &[String]) -> Vec<(usize, &'t str)> {
    text.split(' ')
        .enumerate()
        .filter(|(_, word)| negations.iter().any(|n| n == word))
        .collect()
}

/// How many typos a phrase of this length tolerates: none under five letters.
fn typo_budget(chars: usize) -> usize {
    match chars {
        0..=4 => 0,
        5..=9 => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::{load_str, StepId};

    /// The small test script with a longer "yes" phrase and Spanish negations, as in the
    /// shipped es script: "ya funciona" means fixed, and "no" is a negation.
    fn script() -> Script {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/valid/en.ron");
        let text = std::fs::read_to_string(path).expect("the fixture script");
        let text = text
            .replace(
                r#"yes: ["yes", "yep", "it worked", "fixed"],"#,
                r#"yes: ["yes", "ya funciona", "ya lo hace", "no falla"],"#,
            )
            .replace(
                r#"negations: ["not", "didnt"],"#,
                r#"negations: ["not", "didnt", "no"],"#,
            );
        load_str(&text, "en.ron", Some("en")).expect("the fixture script")
    }

    fn answer(text: &str) -> Understood {
        let script = script();
        let step = script.step(&StepId::new("first")).expect("a step");
        understand(text, step, &script, Live::default())
    }

    #[test]
    fn a_typo_never_turns_no_into_yes() {
        // Two letters from a "yes" phrase, and the opposite of it.
        for negated in ["no funciona", "no lo hace", "ya falla"] {
            assert_ne!(answer(negated), Understood::Choice(0), "{negated:?}");
        }
    }

    #[test]
    fn a_typo_in_a_phrase_that_says_not_itself_is_still_understood() {
        assert_eq!(answer("ya funcoina"), Understood::Choice(0));
        // "not fixed" is one of the fixture's "no" words: a typo keeps it a "no".
        assert_eq!(answer("not fixd"), Understood::Choice(1));
    }
}
