//! What a step looks like once rendered, independent of where it is shown.
//!
//! The validator measures these texts against Discord's limits, the terminal prints them and
//! the Discord adapter puts them into an embed, so all three agree by construction.

use crate::conversation::{Answer, Timestamp};
use crate::layout::description;
use crate::script::{Script, Step, MAX_APPLE_MESSAGE, MAX_PROBLEMS_SHOWN};
use crate::status::{quote_safely, Report};

/// The description of a validated step.
pub fn step_description(step: &Step) -> String {
    description(&step.explanation, &step.instructions, &step.question)
}

/// The description of a step with what Apple reports now on top, when `step` is the script's
/// status step and the feed was read; else exactly [`step_description`]. `when` writes a
/// time for the reader (a Discord timestamp in Discord).
pub fn step_description_live(
    script: &Script,
    step: &Step,
    report: Option<&Report>,
    when: &dyn Fn(Timestamp) -> String,
) -> String {
    let plain = step_description(step);
    match report.filter(|_| script.shows_apple_status(&step.id)) {
        Some(report) => format!("{}\n\n{plain}", status_paragraph(script, report, when)),
        None => plain,
    }
}

/// What Apple reports, in the script's words: each ongoing problem (at most
/// [`MAX_PROBLEMS_SHOWN`]), or that there is none and when that was checked. Apple's own
/// text is quoted so it cannot format or ping.
pub fn status_paragraph(
    script: &Script,
    report: &Report,
    when: &dyn Fn(Timestamp) -> String,
) -> String {
    let m = &script.messages;
    if !report.has_problem() {
        return m.status_checked(&when(report.checked));
    }
    let lines: Vec<String> = report
        .problems
        .iter()
        .take(MAX_PROBLEMS_SHOWN)
        .map(|p| {
            let since = p.since.map_or_else(|| "?".to_string(), when);
            fill(
                &m.status_problem,
                &[
                    ("{service}", &quote_safely(&p.service, 60)),
                    ("{kind}", &quote_safely(&p.kind, 20)),
                    ("{since}", &since),
                    ("{message}", &quote_safely(&p.message, MAX_APPLE_MESSAGE)),
                ],
            )
        })
        .collect();
    lines.join("\n")
}

/// `template` with each placeholder replaced, in one pass: a value that happens to contain
/// a placeholder (Apple's text) is never filled in again.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while !rest.is_empty() {
        let next = values
            .iter()
            .filter_map(|(name, value)| rest.find(name).map(|at| (at, *name, *value)))
            .min_by_key(|(at, _, _)| *at);
        match next {
            Some((at, name, value)) => {
                out.push_str(&rest[..at]);
                out.push_str(value);
                rest = &rest[at + name.len()..];
            }
            None => {
                out.push_str(rest);
                break;
            }
        }
    }
    out
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
        summary.push_str(&staff.messages.answered_in_language(&language));
    }
    summary.trim_end().to_string()
}

/// Under a step: where it stands among the person's checks, if it is one and the script says
/// how, then the script's name.
pub fn footer(script: &Script, position: Option<(usize, usize)>) -> String {
    let place = position.and_then(|(n, total)| script.messages.position(n, total));
    match place {
        Some(place) => format!(
            "{place}{}{}",
            crate::layout::limits::FOOTER_SEPARATOR,
            script.name
        ),
        None => script.name.clone(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_filled_once() {
        let filled = super::fill("{a} and {b}", &[("{a}", "{b}"), ("{b}", "B")]);
        assert_eq!(filled, "{b} and B");
    }
}
