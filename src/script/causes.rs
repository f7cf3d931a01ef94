//! The cause catalogue, `responses/causes.ron`: each cause of a failing backup the script
//! handles, the step whose instructions carry its fix, and what a person with that cause
//! types at each step. A test walks the script as each of them would answer
//! ([`crate::conversation::causes::walk`]); `check` rejects a catalogue naming a script,
//! a fix step or an answered step that is not there, or a fix no walk can reach.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use super::{LoadError, Problem, Script, StepId, Target};

/// The catalogue's file name, beside the scripts (and never loaded as one).
pub const CAUSES_FILE: &str = "causes.ron";

/// What an Apple source starts with (Apple Support, Apple's System Status page, Apple's
/// device-management documentation); anything else is `"third-party"`.
const APPLE_SOURCES: [&str; 3] = [
    "https://support.apple.com/",
    "https://www.apple.com/support/",
    "https://developer.apple.com/documentation/",
];
const THIRD_PARTY: &str = "third-party";

/// The whole `causes.ron`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "Causes")]
pub struct Catalogue {
    /// The id of the script it is written against (the source-language script).
    pub script: String,
    /// What a person types at a step their cause does not concern, step id → text.
    #[serde(default)]
    pub default_answers: BTreeMap<String, String>,
    /// What they type at a step with neither their own nor a default answer.
    pub fallback_answer: String,
    pub causes: Vec<Cause>,
}

/// One cause of a failing backup.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cause {
    pub id: String,
    /// An `https://support.apple.com/...` page, or `"third-party"`.
    pub source: String,
    /// What a person with this cause would report.
    pub symptom: String,
    /// The step whose instructions carry the fix.
    pub fix: String,
    /// What this person types, step id → text, where it differs from the defaults.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
}

impl Catalogue {
    /// What a person with `cause` types at `step`.
    pub fn answer<'a>(&'a self, cause: &'a Cause, step: &StepId) -> &'a str {
        cause
            .answers
            .get(step.as_str())
            .or_else(|| self.default_answers.get(step.as_str()))
            .unwrap_or(&self.fallback_answer)
    }
}

/// Reads and parses a catalogue; syntax errors name the file, line and column.
pub fn load_causes(path: &Path) -> Result<Catalogue, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_causes(&text, &path.display().to_string())
}

/// Parses catalogue text; `file` names it in messages.
pub fn parse_causes(text: &str, file: &str) -> Result<Catalogue, LoadError> {
    super::check::from_ron(text, file).map_err(|problem| LoadError::Invalid(vec![problem]))
}

/// Everything wrong with `catalogue` against `script`: an unknown script, a cause without
/// an id or with one used twice, an unknown source kind, an unknown or unreachable fix step,
/// answers for steps the script does not have. `text` is the file's text, for line numbers.
pub fn check_causes(
    catalogue: &Catalogue,
    script: &Script,
    text: &str,
    file: &str,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut report = |needle: Option<&str>, place: String, message: String| {
        let line = needle.and_then(|n| text.lines().position(|l| l.contains(n)).map(|i| i + 1));
        problems.push(Problem {
            file: file.to_string(),
            line,
            column: None,
            place,
            message,
        });
    };
    if catalogue.script != script.id {
        let msg = format!(
            "`script` is \"{}\", but the script here is \"{}\"",
            catalogue.script, script.id
        );
        report(Some("script:"), "causes".into(), msg);
    }
    let reachable = reachable_steps(script);
    let unknown_steps = |answers: &BTreeMap<String, String>| -> Vec<String> {
        answers
            .keys()
            .filter(|step| script.step(&StepId::new(step.as_str())).is_none())
            .cloned()
            .collect()
    };
    for step in unknown_steps(&catalogue.default_answers) {
        let msg = format!("`default_answers` names \"{step}\", which is not a step");
        report(Some("default_answers"), "causes".into(), msg);
    }
    let mut ids = HashSet::new();
    for cause in &catalogue.causes {
        let needle = format!("\"{}\"", cause.id);
        let at = Some(needle.as_str());
        let place = format!("cause \"{}\"", cause.id);
        if !super::check::well_formed_id(&cause.id) {
            let msg = "cause ids follow the rules of step ids: 1 to 40 of a-z, 0-9 and '-'";
            report(at, place.clone(), msg.into());
        }
        if !ids.insert(cause.id.as_str()) {
            report(at, place.clone(), "this id is used twice".into());
        }
        let apple = APPLE_SOURCES.iter().any(|s| cause.source.starts_with(s))
            && !cause.source.contains(' ');
        if !apple && cause.source != THIRD_PARTY {
            let msg = format!(
                "`source` is \"{}\"; write an Apple page ({}...) or \"{THIRD_PARTY}\"",
                cause.source,
                APPLE_SOURCES.join("..., ")
            );
            report(at, place.clone(), msg);
        }
        if cause.symptom.trim().is_empty() {
            report(at, place.clone(), "`symptom` is empty".into());
        }
        let fix = StepId::new(cause.fix.as_str());
        if script.step(&fix).is_none() {
            let msg = format!("`fix` names \"{}\", which is not a step", cause.fix);
            report(at, place.clone(), msg);
        } else if !reachable.contains(&fix) {
            let msg = format!(
                "`fix` names \"{}\", which cannot be reached from the start",
                cause.fix
            );
            report(at, place.clone(), msg);
        }
        for step in unknown_steps(&cause.answers) {
            let msg = format!("`answers` names \"{step}\", which is not a step");
            report(at, place.clone(), msg);
        }
    }
    problems
}

/// The steps reachable from the start, with `goto: "next"` leading to any step of a route,
/// any check and `after_checks`.
pub fn reachable_steps(script: &Script) -> HashSet<StepId> {
    let next: Vec<&StepId> = script
        .routes
        .values()
        .flatten()
        .chain(&script.checks)
        .chain(match &script.after_checks {
            Target::Step(step) => Some(step),
            _ => None,
        })
        .collect();
    let mut seen = HashSet::new();
    let mut stack = vec![script.start.clone()];
    while let Some(id) = stack.pop() {
        let Some(step) = script.step(&id) else {
            continue;
        };
        if !seen.insert(id) {
            continue;
        }
        for choice in &step.choices {
            match &choice.goto {
                Target::Step(to) => stack.push(to.clone()),
                Target::NextCheck => stack.extend(next.iter().map(|s| (*s).clone())),
                Target::End(_) => {}
            }
        }
    }
    seen
}
