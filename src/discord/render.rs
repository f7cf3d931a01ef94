//! Turning steps into Discord messages: one embed, the choices as buttons, link buttons,
//! and the Back / Start over / Talk to a human row.
//!
//! Only builders are made here, no requests, so the JSON serenity will send can be checked
//! in unit tests. Every message sets `allowed_mentions` explicitly: text from a script or a
//! person can never ping anyone.

use serenity::all::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed,
    CreateEmbedFooter, CreateMessage,
};

use super::custom_id::Action;
use crate::conversation::{Answer, Timestamp};
use crate::ids::{RoleId, UserId};
use crate::layout::limits;
use crate::script::{EndingId, Live, Script, Step};
use crate::status::Report;
use crate::view;
pub use crate::walkthrough::Answered;

/// The blue of the step embeds.
const STEP_COLOUR: u32 = 0x0a84ff;

/// No pings at all: no @everyone, no roles, no users.
pub fn no_mentions() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
}

/// A time as a Discord timestamp, which every reader sees in their own time zone ("5
/// minutes ago").
pub fn discord_time(at: Timestamp) -> String {
    format!("<t:{}:R>", at.0.div_euclid(1000))
}

/// A link to a channel or thread, as Discord shows it.
pub fn channel_link(channel: impl std::fmt::Display) -> String {
    format!("<#{channel}>")
}

/// A user's mention (which pings only if the message allows it).
pub fn user_mention(user: UserId) -> String {
    format!("<@{user}>")
}

/// The thread's message saying who claimed its case (no ping).
pub fn claimed(script: &Script, name: &str) -> CreateMessage {
    notice(script.messages.claimed_by(name))
}

/// Under a hand-off outside the support hours: when the team is `back`, in every reader's
/// own time zone.
pub fn away(script: &Script, back: Timestamp) -> String {
    let secs = back.0.div_euclid(1000);
    let when = format!("<t:{secs}:F>");
    let relative = format!("<t:{secs}:R>");
    script.messages.away_until(&when, &relative)
}

/// The embed for a step; on the status step, with what Apple reports (`report`); in the
/// footer, where it stands among the person's checks (`position`) and the script's name.
pub fn step_embed(
    script: &Script,
    step: &Step,
    report: Option<&Report>,
    position: Option<(usize, usize)>,
) -> CreateEmbed {
    let description = view::step_description_live(script, step, report, &discord_time);
    CreateEmbed::new()
        .title(&step.title)
        .description(description)
        .footer(CreateEmbedFooter::new(view::footer(script, position)))
        .colour(STEP_COLOUR)
}

/// The message that shows a step, ready to send into the thread. `report` is what Apple's
/// status feed says now, if it was read: on the status step it is shown, and a problem
/// offers the choices marked `when: AppleReportsProblem`.
pub fn step_message(
    script: &Script,
    step: &Step,
    report: Option<&Report>,
    position: Option<(usize, usize)>,
) -> CreateMessage {
    let live = Report::live(report);
    CreateMessage::new()
        .embed(step_embed(script, step, report, position))
        .components(step_rows(script, step, None, live))
        .allowed_mentions(no_mentions())
}

/// The button rows under a step, with the choices offered given `live`. With `answered`,
/// every button is disabled and the chosen choice (if it was one) is shown in green: what
/// the answered message is updated to.
pub fn step_rows(
    script: &Script,
    step: &Step,
    answered: Option<Answered>,
    live: Live,
) -> Vec<CreateActionRow> {
    let disabled = answered.is_some();
    let chosen = match answered {
        Some(Answered::Choice(i)) => Some(i),
        _ => None,
    };
    let choices: Vec<CreateButton> = step
        .choices
        .iter()
        .enumerate()
        .filter(|(i, choice)| choice.offered(live) || chosen == Some(*i))
        .map(|(i, choice)| {
            let action = Action::Choose {
                step: step.id.clone(),
                choice: i,
            };
            let style = match chosen {
                Some(c) if c == i => ButtonStyle::Success,
                Some(_) => ButtonStyle::Secondary,
                None => ButtonStyle::Primary,
            };
            CreateButton::new(action.encode())
                .label(&choice.label)
                .style(style)
                .disabled(disabled)
        })
        .collect();
    let links: Vec<CreateButton> = step
        .links
        .iter()
        .map(|link| CreateButton::new_link(&link.url).label(&link.label))
        .collect();
    let m = &script.messages;
    let nav = vec![
        nav_button(
            Action::Back {
                step: step.id.clone(),
            },
            &m.back,
            disabled,
        ),
        nav_button(Action::StartOver, &m.start_over, disabled),
        nav_button(
            Action::Human {
                step: step.id.clone(),
            },
            &m.talk_to_human,
            disabled,
        ),
    ];
    let mut rows = Vec::new();
    for group in [choices, links, nav] {
        for chunk in group.chunks(limits::BUTTONS_PER_ROW) {
            rows.push(CreateActionRow::Buttons(chunk.to_vec()));
        }
    }
    rows
}

/// A plain message in the thread, pinging nobody.
pub fn notice(text: String) -> CreateMessage {
    CreateMessage::new()
        .content(text)
        .allowed_mentions(no_mentions())
}

/// `message` with `user`'s mention above it, pinging that user and nobody else.
pub fn pinging(message: CreateMessage, user: UserId) -> CreateMessage {
    let only = CreateAllowedMentions::new().users([serenity::all::UserId::new(user.get())]);
    message.content(user_mention(user)).allowed_mentions(only)
}

/// "Not understood", with the step's choices offered given `live` (only those the text could
/// have meant, when it was ambiguous).
pub fn re_ask(script: &Script, step: &Step, candidates: &[usize], live: Live) -> CreateMessage {
    let mut text = script.messages.not_understood.clone();
    for (i, choice) in step.choices.iter().enumerate() {
        if choice.offered(live) && (candidates.is_empty() || candidates.contains(&i)) {
            text.push_str(&format!("\n{}. {}", i + 1, choice.label));
        }
    }
    notice(text)
}

/// A fixed ending's closing message; `None` if the script no longer has the ending.
pub fn resolved(script: &Script, ending: &EndingId) -> Option<CreateMessage> {
    let ending = script.ending(ending)?;
    let embed = CreateEmbed::new()
        .title(&ending.title)
        .description(&ending.text);
    Some(
        CreateMessage::new()
            .embed(embed)
            .allowed_mentions(no_mentions()),
    )
}

/// Discord's limit for an embed field's value.
const FIELD_MAX: usize = 1024;

/// Who reads which part of a hand-off: the person its ending, the support team its summary.
#[derive(Clone, Copy)]
pub struct HandOffScripts<'a> {
    pub person: &'a Script,
    pub staff: &'a Script,
}

/// The hand-off: the ending's text in the person's language, the summary of every answer in
/// the support team's (naming the person's language when it is another), and a ping of the
/// support role, which is the only mention the message allows. `away` says when the team
/// is back, outside its hours.
pub fn hand_off(
    scripts: HandOffScripts<'_>,
    ending: &EndingId,
    owner: UserId,
    history: &[Answer],
    support_role: Option<RoleId>,
    away: Option<&str>,
) -> CreateMessage {
    let HandOffScripts { person, staff } = scripts;
    let (title, mut text) = person
        .ending(ending)
        .map_or((String::new(), String::new()), |e| {
            (e.title.clone(), e.text.clone())
        });
    // Outside the support hours: when the team is back.
    if let Some(away) = away {
        text.push_str("\n\n");
        text.push_str(away);
    }
    let summary = view::summary(person, staff, history);
    let summary: String = summary.chars().take(FIELD_MAX).collect();
    let embed = CreateEmbed::new().title(title).description(text).field(
        &staff.messages.summary_heading,
        summary,
        false,
    );
    let message = CreateMessage::new().embed(embed);
    let owner = user_mention(owner);
    match support_role {
        Some(role) => {
            let role_id = serenity::all::RoleId::new(role.get());
            message
                .content(format!("<@&{role}> {owner}"))
                .allowed_mentions(CreateAllowedMentions::new().roles([role_id]))
        }
        None => message.allowed_mentions(no_mentions()),
    }
}

fn nav_button(action: Action, label: &str, disabled: bool) -> CreateButton {
    CreateButton::new(action.encode())
        .label(label)
        .style(ButtonStyle::Secondary)
        .disabled(disabled)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use serde_json::Value;

    /// The shipped English script.
    pub(in crate::discord) fn english() -> Script {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/responses/en.ron");
        crate::script::load_file(path.as_ref()).expect("the shipped script is valid")
    }

    /// A builder as the JSON serenity sends.
    pub(in crate::discord) fn json<T: serde::Serialize>(value: &T) -> Value {
        serde_json::to_value(value).expect("builders serialise")
    }

    fn buttons(message: &Value) -> Vec<&Value> {
        let rows = message["components"].as_array().expect("components");
        rows.iter()
            .flat_map(|row| row["components"].as_array().expect("buttons").iter())
            .collect()
    }

    #[test]
    fn every_step_renders_within_discords_limits() {
        let script = english();
        for step in &script.steps {
            let message = json(&step_message(&script, step, None, None));
            let rows = message["components"].as_array().unwrap();
            assert!(rows.len() <= limits::ACTION_ROWS, "{}", step.id);
            for row in rows {
                assert_eq!(row["type"], 1);
                let count = row["components"].as_array().unwrap().len();
                assert!(
                    (1..=limits::BUTTONS_PER_ROW).contains(&count),
                    "{}",
                    step.id
                );
            }
            for button in buttons(&message) {
                let label = button["label"].as_str().unwrap();
                assert!(crate::layout::len(label) <= limits::BUTTON_LABEL, "{label}");
                if let Some(id) = button["custom_id"].as_str() {
                    assert!(id.len() <= super::super::custom_id::MAX_LEN);
                    assert!(Action::decode(id).is_ok(), "{id}");
                } else {
                    assert_eq!(button["style"], 5, "only link buttons lack a custom_id");
                }
            }
            let embed = &message["embeds"][0];
            assert_eq!(embed["title"], step.title.as_str());
            let description = embed["description"].as_str().unwrap();
            assert!(crate::layout::len(description) <= limits::EMBED_DESCRIPTION);
        }
    }

    #[test]
    fn a_step_message_pings_nobody() {
        let script = english();
        let message = json(&step_message(&script, script.start_step(), None, None));
        let mentions = &message["allowed_mentions"];
        assert_eq!(mentions["parse"], Value::Array(vec![]));
        assert_eq!(mentions["users"], Value::Array(vec![]));
        assert_eq!(mentions["roles"], Value::Array(vec![]));
    }

    #[test]
    fn choices_then_links_then_navigation() {
        let script = english();
        let step = script
            .step(&crate::script::StepId::new("system-status"))
            .unwrap();
        let message = json(&step_message(&script, step, None, None));
        let ids: Vec<Option<&str>> = buttons(&message)
            .iter()
            .map(|b| b["custom_id"].as_str())
            .collect();
        assert_eq!(
            ids,
            [
                Some("bh1:c:system-status:0"),
                Some("bh1:c:system-status:1"),
                None, // the System Status link
                Some("bh1:b:system-status"),
                Some("bh1:s"),
                Some("bh1:h:system-status"),
            ]
        );
    }

    #[test]
    fn an_answered_step_disables_everything_and_marks_the_choice() {
        let script = english();
        let step = script.step(&crate::script::StepId::new("wifi")).unwrap();
        let rows = json(&step_rows(
            &script,
            step,
            Some(Answered::Choice(1)),
            Live::default(),
        ));
        let all: Vec<&Value> = rows
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["components"].as_array().unwrap().iter())
            .collect();
        assert!(all.iter().all(|b| b["disabled"] == true));
        assert_eq!(all[1]["style"], 3, "the chosen button is green (Success)");
        assert_eq!(all[0]["style"], 2, "the other choice is grey (Secondary)");
    }
}
