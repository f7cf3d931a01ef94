//! What a step looks like once rendered, independent of where it is shown.
//!
//! The validator measures these texts against Discord's limits, the terminal prints them and
//! the Discord adapter puts them into an embed, so all three agree by construction.

use crate::conversation::Answer;
use crate::layout::description;
use crate::script::{Script, Step};

/// The description of a validated step.
pub fn step_description(step: &Step) -> String {
    description(&step.explanation, &step.instructions, &step.question)
}

/// One line per answer given, "Title: answer", for the hand-off summary. Answers to steps
/// the script no longer has are still listed, by id.
pub fn summary_lines(script: &Script, answers: &[Answer]) -> Vec<String> {
    answers
        .iter()
        .map(|answer| match script.step(&answer.step) {
            Some(step) => {
                let label = step
                    .choices
                    .get(answer.choice)
                    .map_or("(an answer no longer in the script)", |c| c.label.as_str());
                format!("{}: {}", step.title, label)
            }
            None => format!("{}: choice {}", answer.step, answer.choice + 1),
        })
        .collect()
}

/// The hand-off summary as the support team reads it: one bullet per answer in the `staff`
/// script's words, and, when the person used another script, a line naming its language.
pub fn summary(person: &Script, staff: &Script, answers: &[Answer]) -> String {
    let mut summary = String::new();
    for line in summary_lines(staff, answers) {
        summary.push_str(&format!("• {line}\n"));
    }
    if summary.is_empty() {
        summary.push_str("-\n");
    }
    if person.locale != staff.locale {
        let language = format!("{} ({})", person.language, person.locale);
        summary.push_str(&staff.messages.answered_in.replace("{language}", &language));
    }
    summary.trim_end().to_string()
}
