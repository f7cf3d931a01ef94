//! The problem collector every rule reports to, with the line finders that point an author
//! at the place to fix; shared by the rules in `validate`, `reach` and `claims`.

use super::raw::EndingKind;
use super::Problem;
use crate::layout;

pub(crate) struct Checker<'a> {
    file: &'a str,
    source: &'a str,
    problems: Vec<Problem>,
}

impl<'a> Checker<'a> {
    pub(super) fn new(file: &'a str, source: &'a str) -> Checker<'a> {
        Checker {
            file,
            source,
            problems: Vec::new(),
        }
    }

    pub(super) fn into_problems(self) -> Vec<Problem> {
        self.problems
    }

    pub(super) fn report(&mut self, line: Option<usize>, place: String, message: String) {
        self.problems.push(Problem {
            file: self.file.to_string(),
            line,
            column: None,
            place,
            message,
        });
    }

    /// The line of `id: "<id>"`, the best place to send an author to.
    pub(super) fn line_of_id(&self, id: &str) -> Option<usize> {
        let quoted = format!("\"{id}\"");
        self.source
            .lines()
            .position(|line| line.contains("id:") && line.contains(&quoted))
            .map(|i| i + 1)
    }

    /// The line of the first `key:` (inside the `section: (` block, if given), for problems
    /// with a header key or a message.
    pub(super) fn line_of_key(&self, section: Option<&str>, key: &str) -> Option<usize> {
        let start = match section {
            Some(section) => {
                let opening = format!("{section}:");
                self.source
                    .lines()
                    .position(|line| line.trim_start().starts_with(&opening))?
            }
            None => 0,
        };
        let wanted = format!("{key}:");
        self.source
            .lines()
            .enumerate()
            .skip(start)
            .find(|(_, line)| line.trim_start().starts_with(&wanted))
            .map(|(i, _)| i + 1)
    }

    /// Where the `n`-th choice (0-based) of a step is: its line, and how to name it.
    pub(super) fn choice_place(
        &self,
        step_id: &str,
        n: usize,
        label: &str,
    ) -> (Option<usize>, String) {
        let place = format!("step \"{step_id}\", choice {} \"{label}\"", n + 1);
        (self.line_of_choice(step_id, n), place)
    }

    /// The line of the `n`-th `label:` after a step's id line, for choice problems.
    pub(super) fn line_of_choice(&self, step_id: &str, n: usize) -> Option<usize> {
        let start = self.line_of_id(step_id)?;
        self.source
            .lines()
            .enumerate()
            .skip(start)
            .filter(|(_, line)| {
                line.trim_start().starts_with("(label:") || line.contains(" label:")
            })
            .nth(n)
            .map(|(i, _)| i + 1)
    }

    pub(super) fn text(
        &mut self,
        line: Option<usize>,
        place: &str,
        field: &str,
        text: &str,
        max: usize,
    ) {
        if text.trim().is_empty() {
            self.report(line, place.to_string(), format!("`{field}` is empty"));
        } else if layout::len(text) > max {
            let n = layout::len(text);
            let msg = format!("`{field}` is {n} characters; Discord allows at most {max}");
            self.report(line, place.to_string(), msg);
        }
        if text.to_ascii_lowercase().contains("http://") {
            let msg = format!("`{field}` contains an http:// address; write https://");
            self.report(line, place.to_string(), msg);
        }
    }
}

/// What each id names, for resolving gotos.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Named {
    Step,
    Ending(EndingKind),
}

/// The longest id of a script, step, ending or route.
pub(super) const MAX_ID_LEN: usize = 40;

/// 1 to [`MAX_ID_LEN`] of a-z, 0-9 and '-': the rule for step, ending and route ids.
pub(super) fn well_formed_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// `source` (a byte order mark left out) read as RON into a `T`; a syntax or shape error is
/// one problem, at its line and column of `file`.
pub(super) fn from_ron<T: serde::de::DeserializeOwned>(
    source: &str,
    file: &str,
) -> Result<T, Problem> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let options =
        ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    options.from_str(source).map_err(|err| Problem {
        file: file.to_string(),
        line: Some(err.span.start.line),
        column: Some(err.span.start.col),
        place: String::new(),
        message: describe_syntax_error(&err.code),
    })
}

/// A RON syntax or shape error, in words.
fn describe_syntax_error(code: &ron::Error) -> String {
    match code {
        ron::Error::NoSuchStructField {
            expected, found, ..
        } => format!(
            "unknown key `{found}`; expected one of: {}",
            expected.join(", ")
        ),
        ron::Error::MissingStructField { field, outer } => match outer {
            Some(outer) => format!("`{outer}` is missing the key `{field}`"),
            None => format!("missing the key `{field}`"),
        },
        other => format!("{other}"),
    }
}
