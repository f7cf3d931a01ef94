//! How long a step reads: its title, explanation, instructions and question, in characters
//! (not bytes). Many people read a step on the iPhone whose settings they are changing, so a
//! step should fit a screen or two: at most [`MAX_MEDIAN`] characters at the median of a
//! script and [`MAX_STEP`] for any one step.
//!
//! `check` prints the longest steps of each language and the median, and the validator
//! rejects a script over either limit.

use super::check::Checker;
use super::raw::RawScript;
use super::{Script, Step, StepId};

/// The median step of a script may be at most this many characters.
pub const MAX_MEDIAN: usize = 600;
/// No step may be longer than this many characters.
pub const MAX_STEP: usize = 1_200;

/// Characters of a step's title, explanation, instructions and question together.
pub fn measure(title: &str, explanation: &str, instructions: &[String], question: &str) -> usize {
    let count = |text: &str| text.chars().count();
    count(title)
        + count(explanation)
        + instructions.iter().map(|i| count(i)).sum::<usize>()
        + count(question)
}

/// The length of `step` (see [`measure`]).
pub fn step_length(step: &Step) -> usize {
    measure(
        &step.title,
        &step.explanation,
        &step.instructions,
        &step.question,
    )
}

/// Every step of `script` with its length, the longest first (ties in script order).
pub fn longest_steps(script: &Script) -> Vec<(StepId, usize)> {
    let mut all: Vec<(StepId, usize)> = script
        .steps
        .iter()
        .map(|step| (step.id.clone(), step_length(step)))
        .collect();
    all.sort_by_key(|(_, len)| std::cmp::Reverse(*len));
    all
}

/// The median of `lengths` (the mean of the two middle ones for an even count); 0 if empty.
pub fn median(lengths: &[usize]) -> f64 {
    let mut sorted = lengths.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => sorted[n / 2] as f64,
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0,
    }
}

/// What breaks the limits in `script`: each step over [`MAX_STEP`], and a median over
/// [`MAX_MEDIAN`]. Empty when it reads well on a phone.
pub fn step_length_problems(script: &Script) -> Vec<String> {
    let steps: Vec<(&str, usize)> = script
        .steps
        .iter()
        .map(|s| (s.id.as_str(), step_length(s)))
        .collect();
    problems(&steps)
}

fn problems(steps: &[(&str, usize)]) -> Vec<String> {
    let mut out: Vec<String> = steps
        .iter()
        .filter(|(_, len)| *len > MAX_STEP)
        .map(|(id, len)| {
            format!(
                "step \"{id}\" is {len} characters (title, explanation, instructions and \
                 question); at most {MAX_STEP}: put rarely needed detail behind a choice"
            )
        })
        .collect();
    let lengths: Vec<usize> = steps.iter().map(|(_, len)| *len).collect();
    let median = median(&lengths);
    if median > MAX_MEDIAN as f64 {
        out.push(format!(
            "the median step is {median} characters; at most {MAX_MEDIAN}"
        ));
    }
    out
}

/// The validator's form of [`step_length_problems`], on the file as written.
pub(super) fn check_lengths(c: &mut Checker, raw: &RawScript) {
    let steps: Vec<(&str, usize)> = raw
        .steps
        .iter()
        .map(|s| {
            (
                s.id.as_str(),
                measure(&s.title, &s.explanation, &s.instructions, &s.question),
            )
        })
        .collect();
    for problem in problems(&steps) {
        let line = steps
            .iter()
            .find(|(id, _)| problem.starts_with(&format!("step \"{id}\"")))
            .and_then(|(id, _)| c.line_of_id(id));
        c.report(line, "step length".into(), problem);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = include_str!("../../tests/fixtures/valid/en.ron");

    fn mini_with_explanation(explanation: &str) -> String {
        MINI.replacen(
            r#"explanation: "Hold one button.","#,
            &format!(r#"explanation: "{explanation}","#),
            1,
        )
    }

    fn load(source: &str) -> Script {
        match super::super::load_str(source, "mini.ron", Some("en")) {
            Ok(script) => script,
            Err(err) => panic!("{err}"),
        }
    }

    #[test]
    fn a_step_is_measured_in_characters_over_its_four_texts() {
        let script = load(&mini_with_explanation("Ünïcödé"));
        let old = script.step(&StepId::new("second-old")).expect("a step");
        // "Older phones" + "Ünïcödé" + "Does it work now?": 12 + 7 + 17.
        assert_eq!(step_length(old), 36);
        let first = script.step(&StepId::new("first")).expect("a step");
        // "First check" 11, "The first thing to try." 23, instructions 14 + 15, question 17.
        assert_eq!(step_length(first), 80);
    }

    #[test]
    fn the_longest_come_first_and_the_median_is_the_middle() {
        let script = load(&mini_with_explanation(&"x".repeat(500)));
        let longest = longest_steps(&script);
        assert_eq!(longest[0].0, StepId::new("second-old"));
        assert_eq!(longest[0].1, 12 + 500 + 17);
        assert_eq!(median(&[3, 1, 2]), 2.0);
        assert_eq!(median(&[4, 1, 2, 3]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }

    #[test]
    fn a_step_over_the_limit_and_a_long_median_are_problems() {
        assert!(step_length_problems(&load(MINI)).is_empty());
        // The validator refuses a script with a step over the limit, naming it.
        let long = mini_with_explanation(&"x".repeat(MAX_STEP));
        match super::super::load_str(&long, "mini.ron", Some("en")) {
            Ok(_) => panic!("a step of 1229 characters was accepted"),
            Err(err) => assert!(
                err.to_string()
                    .contains("step \"second-old\" is 1229 characters"),
                "{err}"
            ),
        }
        // Five steps: three long ones make the median long.
        let found = problems(&[("a", 700), ("b", 700), ("c", 700), ("d", 10), ("e", 10)]);
        assert_eq!(found, ["the median step is 700 characters; at most 600"]);
    }

    #[test]
    fn the_validator_form_points_at_the_step() {
        let source = mini_with_explanation(&"x".repeat(MAX_STEP));
        let options = ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
        let raw: RawScript = options.from_str(&source).expect("parses");
        let mut c = Checker::new("mini.ron", &source);
        check_lengths(&mut c, &raw);
        let found = c.into_problems();
        assert_eq!(found.len(), 1, "{found:?}");
        let line = source
            .lines()
            .position(|l| l.contains(r#"id: "second-old""#));
        assert_eq!(found[0].line, line.map(|i| i + 1));
    }
}
