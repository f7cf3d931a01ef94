//! Every rule a script must satisfy, checked all at once so an author sees the whole list.

use std::collections::{HashMap, HashSet};

use super::check::{well_formed_id, Checker, Named, MAX_ID_LEN};
use super::raw::{EndingKind, Meaning, RawChoice, RawScript, RawStep};
use super::{Problem, NEXT_CHECK};
use crate::layout::{self, limits};
use crate::text::normalize;

const MIN_CHOICES: usize = 2;
const MAX_CHOICES: usize = 5;

/// Checks a parsed script. `source` is the file text, used only to find line numbers.
pub fn validate(
    raw: &RawScript,
    source: &str,
    file: &str,
    expected_locale: Option<&str>,
) -> Vec<Problem> {
    let mut c = Checker::new(file, source);
    check_header(&mut c, raw, expected_locale);
    let ids = check_ids(&mut c, raw);
    for step in &raw.steps {
        check_step(&mut c, raw, step, &ids);
    }
    for ending in &raw.endings {
        let line = c.line_of_id(&ending.id);
        let place = format!("ending \"{}\"", ending.id);
        c.text(line, &place, "title", &ending.title, limits::EMBED_TITLE);
        c.text(
            line,
            &place,
            "text",
            &ending.text,
            limits::EMBED_DESCRIPTION,
        );
    }
    check_messages(&mut c, raw);
    super::reach::check_graph(&mut c, raw, &ids);
    super::claims::check_claims(&mut c, raw);
    super::live::check_live(&mut c, raw, &ids);
    super::follow_up::check_follow_up(&mut c, raw, &ids);
    super::routes::check_routes(&mut c, raw, &ids);
    super::answers::check_answers(&mut c, raw);
    super::length::check_lengths(&mut c, raw);
    c.into_problems()
}

fn check_header(c: &mut Checker, raw: &RawScript, expected_locale: Option<&str>) {
    c.text(Some(1), "script", "id", &raw.id, MAX_ID_LEN);
    c.text(Some(1), "script", "name", &raw.name, limits::SCRIPT_NAME);
    c.text(
        Some(1),
        "script",
        "language",
        &raw.language,
        limits::EMBED_TITLE,
    );
    if let Some(expected) = expected_locale {
        if raw.locale != expected {
            let msg = format!(
                "`locale` is \"{}\" but the file is named for \"{expected}\"",
                raw.locale
            );
            c.report(None, "script".into(), msg);
        }
    }
}

fn check_ids(c: &mut Checker, raw: &RawScript) -> HashMap<String, Named> {
    let mut ids: HashMap<String, Named> = HashMap::new();
    let all = raw.steps.iter().map(|s| (&s.id, Named::Step, "step"));
    let endings = raw
        .endings
        .iter()
        .map(|e| (&e.id, Named::Ending(e.kind), "ending"));
    for (id, named, what) in all.chain(endings) {
        let line = c.line_of_id(id);
        let place = format!("{what} \"{id}\"");
        if !well_formed_id(id) {
            let msg = format!("ids must be 1 to {MAX_ID_LEN} of a-z, 0-9 and '-'");
            c.report(line, place.clone(), msg);
        }
        if id == NEXT_CHECK {
            let msg = format!("\"{NEXT_CHECK}\" is reserved for `goto: \"next\"`");
            c.report(line, place.clone(), msg);
        }
        if ids.insert(id.clone(), named).is_some() {
            c.report(line, place, "this id is used twice".into());
        }
    }
    if ids.get(&raw.start) != Some(&Named::Step) {
        let msg = format!("`start` names \"{}\", which is not a step", raw.start);
        c.report(None, "script".into(), msg);
    }
    if ids.get(&raw.handoff) != Some(&Named::Ending(EndingKind::HandOff)) {
        let msg = format!(
            "`handoff` names \"{}\", which is not an ending of kind HandOff",
            raw.handoff
        );
        c.report(None, "script".into(), msg);
    }
    if !ids.contains_key(&raw.after_checks) {
        let msg = format!(
            "`after_checks` names \"{}\", which is neither a step nor an ending",
            raw.after_checks
        );
        c.report(None, "script".into(), msg);
    }
    let mut seen = HashSet::new();
    for check in &raw.checks {
        if ids.get(check) != Some(&Named::Step) {
            let msg = format!("`checks` lists \"{check}\", which is not a step");
            c.report(None, "script".into(), msg);
        } else if !seen.insert(check) {
            c.report(
                None,
                "script".into(),
                format!("`checks` lists \"{check}\" twice"),
            );
        }
    }
    ids
}

fn check_step(c: &mut Checker, raw: &RawScript, step: &RawStep, ids: &HashMap<String, Named>) {
    let line = c.line_of_id(&step.id);
    let place = format!("step \"{}\"", step.id);
    c.text(line, &place, "title", &step.title, limits::EMBED_TITLE);
    c.text(line, &place, "explanation", &step.explanation, usize::MAX);
    c.text(line, &place, "question", &step.question, usize::MAX);
    for (i, item) in step.instructions.iter().enumerate() {
        c.text(
            line,
            &place,
            &format!("instructions[{}]", i + 1),
            item,
            usize::MAX,
        );
    }
    let description = layout::description(&step.explanation, &step.instructions, &step.question);
    let desc_len = layout::len(&description);
    if desc_len > limits::EMBED_DESCRIPTION {
        let msg = format!(
            "explanation, instructions and question render to {desc_len} characters; \
             an embed description allows {}",
            limits::EMBED_DESCRIPTION
        );
        c.report(line, place.clone(), msg);
    }
    let n = step.choices.len();
    if !(MIN_CHOICES..=MAX_CHOICES).contains(&n) {
        let msg = format!("has {n} choices; a step needs {MIN_CHOICES} to {MAX_CHOICES}");
        c.report(line, place.clone(), msg);
    }
    let rows = layout::rows_needed(n, step.links.len());
    if rows > limits::ACTION_ROWS {
        let msg = format!(
            "choices, links and the Back / Start over / Talk to a human row need {rows} rows \
             of buttons; a message holds {}",
            limits::ACTION_ROWS
        );
        c.report(line, place.clone(), msg);
    }
    for (i, link) in step.links.iter().enumerate() {
        let link_place = format!("{place}, link {}", i + 1);
        c.text(
            line,
            &link_place,
            "label",
            &link.label,
            limits::BUTTON_LABEL,
        );
        // Only https: a person following a support link should not be sent over plain http.
        let url_ok = link.url.len() > "https://".len()
            && link.url.starts_with("https://")
            && !link.url.contains(char::is_whitespace)
            && link.url.len() <= limits::LINK_URL;
        if !url_ok {
            let msg = format!("`url` \"{}\" is not an https:// address", link.url);
            c.report(line, link_place, msg);
        }
    }
    check_choices(c, raw, step, ids);
}

fn check_choices(c: &mut Checker, raw: &RawScript, step: &RawStep, ids: &HashMap<String, Named>) {
    let commands: HashSet<String> = [&raw.words.back, &raw.words.start_over, &raw.words.human]
        .into_iter()
        .flatten()
        .map(|w| normalize(w))
        .collect();
    // Each normalised phrase and the choice that first claimed it.
    let mut claimed: HashMap<String, usize> = HashMap::new();
    for (i, choice) in step.choices.iter().enumerate() {
        let (line, place) = c.choice_place(&step.id, i, &choice.label);
        c.text(line, &place, "label", &choice.label, limits::BUTTON_LABEL);
        if choice.goto != NEXT_CHECK && !ids.contains_key(&choice.goto) {
            let msg = format!(
                "`goto` names \"{}\", which is neither a step, an ending nor \"{NEXT_CHECK}\"",
                choice.goto
            );
            c.report(line, place.clone(), msg);
        }
        for (phrase, what) in phrases(raw, choice) {
            if phrase.is_empty() {
                c.report(
                    line,
                    place.clone(),
                    format!("{what} has no letters or digits"),
                );
                continue;
            }
            if commands.contains(&phrase) {
                let msg = format!("{what} \"{phrase}\" is also a back / start over / human word");
                c.report(line, place.clone(), msg);
            }
            if let Some(&other) = claimed.get(&phrase) {
                if other != i {
                    let msg = format!(
                        "{what} \"{phrase}\" is also an answer to choice {} of this step",
                        other + 1
                    );
                    c.report(line, place.clone(), msg);
                }
            } else {
                claimed.insert(phrase, i);
            }
        }
    }
}

/// The normalised phrases a choice answers to, with what each one is, for messages.
fn phrases(raw: &RawScript, choice: &RawChoice) -> Vec<(String, &'static str)> {
    let mut out = vec![(normalize(&choice.label), "the label")];
    out.extend(choice.words.iter().map(|w| (normalize(w), "the word")));
    let family = match choice.means {
        Some(Meaning::Yes) => &raw.words.yes,
        Some(Meaning::No) => &raw.words.no,
        None => return out,
    };
    out.extend(family.iter().map(|w| (normalize(w), "the yes/no word")));
    out
}

fn check_messages(c: &mut Checker, raw: &RawScript) {
    let m = &raw.messages;
    for (field, text) in m.labels() {
        c.text(None, "messages", field, text, limits::BUTTON_LABEL);
    }
    for (field, text) in m.texts() {
        c.text(None, "messages", field, text, limits::MESSAGE_CONTENT / 2);
    }
    // Optional messages, checked when given.
    if !m.check_position.is_empty() {
        // Filled with numbers of up to three digits, beside the name in the footer.
        let field = ("messages", "check_position", &m.check_position);
        c.text(None, field.0, field.1, field.2, limits::POSITION - 6);
        for placeholder in ["{n}", "{total}"] {
            if !m.check_position.contains(placeholder) {
                let msg = format!("`check_position` must contain {placeholder}");
                c.report(None, "messages".into(), msg);
            }
        }
    }
    if !m.command_description.is_empty() {
        let text = &m.command_description;
        let max = limits::COMMAND_DESCRIPTION;
        c.text(None, "messages", "command_description", text, max);
    }
    // Discord's limits for a modal's title and a text input's label.
    for (field, text) in [
        ("rating_comment_title", &m.rating_comment_title),
        ("rating_comment_label", &m.rating_comment_label),
    ] {
        c.text(None, "messages", field, text, limits::MODAL_TITLE);
    }
    let option = &m.forget_option;
    c.text(
        None,
        "messages",
        "forget_option",
        option,
        limits::OPTION_DESCRIPTION,
    );
    for (field, text, placeholder) in [
        ("not_yours", &m.not_yours, "{owner}"),
        (
            "missing_permissions",
            &m.missing_permissions,
            "{permissions}",
        ),
        ("thread_opened", &m.thread_opened, "{thread}"),
        ("already_open", &m.already_open, "{thread}"),
        ("answered_in", &m.answered_in, "{language}"),
        ("rating_owner_only", &m.rating_owner_only, "{owner}"),
        ("staff_joined", &m.staff_joined, "{thread}"),
        ("claimed", &m.claimed, "{name}"),
        ("already_claimed", &m.already_claimed, "{name}"),
        ("closed_by_staff", &m.closed_by_staff, "{name}"),
        ("support_away", &m.support_away, "{when}"),
        ("support_away", &m.support_away, "{relative}"),
        ("card_title", &m.card_title, "{person}"),
        ("card_details", &m.card_details, "{thread}"),
        ("card_claimed", &m.card_claimed, "{name}"),
        ("card_closed", &m.card_closed, "{name}"),
        ("card_rating", &m.card_rating, "{stars}"),
        ("forget_done", &m.forget_done, "{walkthroughs}"),
        ("forget_done", &m.forget_done, "{lines}"),
        ("forget_done", &m.forget_done, "{comments}"),
        ("forget_done_staff", &m.forget_done_staff, "{cases}"),
        ("forget_not_yours", &m.forget_not_yours, "{owner}"),
    ] {
        if !text.contains(placeholder) {
            let msg = format!("`{field}` must contain {placeholder}, where it is filled in");
            c.report(None, "messages".into(), msg);
        }
    }
    let w = &raw.words;
    for (field, list) in [
        ("yes", &w.yes),
        ("no", &w.no),
        ("back", &w.back),
        ("start_over", &w.start_over),
        ("human", &w.human),
    ] {
        if list.iter().all(|word| normalize(word).is_empty()) {
            let msg = format!("`{field}` needs at least one word with letters or digits");
            c.report(None, "words".into(), msg);
        }
    }
}
