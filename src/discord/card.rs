//! What the support team sees of a hand-off in their channel: the staff card, with Join,
//! Claim and Close; and the rows the person gets at the end (the rating) or staff get under
//! the hand-off (Close). Builders only, no requests, like `render`.

use std::time::Duration;

use serenity::all::{
    ButtonStyle, CreateActionRow, CreateButton, CreateEmbed, CreateInputText, CreateMessage,
    CreateModal, InputTextStyle,
};

use super::custom_id::Action;
use super::render::{channel_link, user_mention, HandOffScripts};
use crate::conversation::Timestamp;
use crate::ids::ThreadId;
use crate::script::Script;
use crate::store::cases::{COMMENT_MAX, STARS};
use crate::store::{Case, Record};
use crate::view;

/// The orange of a case that needs someone; green once claimed, grey once closed.
const WAITING: u32 = 0xff9f0a;
const CLAIMED: u32 = 0x30d158;
const CLOSED: u32 = 0x8e8e93;
/// Discord's limit for an embed field's value.
const FIELD_MAX: usize = 1024;
/// The text input of the comment form.
pub const COMMENT_INPUT: &str = "comment";

/// What the card shows, gathered by the caller.
pub struct CardFacts<'a> {
    pub record: &'a Record,
    pub case: &'a Case,
    pub scripts: HandOffScripts<'a>,
    /// The person's name as the server shows it.
    pub person: &'a str,
    /// The server's language, as its locale.
    pub language: &'a str,
    /// Now, for a card posted before the case's opening time was recorded.
    pub now: Timestamp,
}

/// A duration to the second, for people: "4m 12s".
fn human(duration: Duration) -> String {
    humantime::format_duration(Duration::from_secs(duration.as_secs())).to_string()
}

/// The card's embed.
pub fn embed(facts: &CardFacts<'_>) -> CreateEmbed {
    let m = &facts.scripts.staff.messages;
    let session = &facts.record.session;
    let opened = facts.case.opened_at.unwrap_or(facts.now);
    let details = m.card_details_of(
        &user_mention(session.owner),
        facts.language,
        &human(opened.since(session.created_at)),
        &channel_link(facts.record.thread),
    );
    let mut description = details;
    if let Some(claim) = &facts.case.claimed {
        let line = m.card_claimed_by(&claim.name, &human(claim.at.since(opened)));
        description.push_str(&format!("\n{line}"));
    }
    if let Some(closed) = &facts.case.closed {
        let line = m.card_closed_by(&closed.name);
        description.push_str(&format!("\n{line}"));
    }
    if let Some(rating) = &facts.case.rating {
        let line = m.card_rated(rating.stars);
        description.push_str(&format!("\n{line}"));
        if let Some(comment) = &rating.comment {
            // Quoted, each line of it: what the person wrote cannot pass for the bot's words.
            for line in comment.lines() {
                description.push_str(&format!("\n> {line}"));
            }
        }
    }
    let summary = view::summary(facts.scripts.person, facts.scripts.staff, &session.history);
    let summary: String = summary.chars().take(FIELD_MAX).collect();
    let colour = match (&facts.case.closed, &facts.case.claimed) {
        (Some(_), _) => CLOSED,
        (None, Some(_)) => CLAIMED,
        (None, None) => WAITING,
    };
    let title: String = m.card_title_for(facts.person).chars().take(256).collect();
    CreateEmbed::new()
        .title(title)
        .description(description)
        .field(&m.summary_heading, summary, false)
        .colour(colour)
}

/// The card of a case whose person had their data erased: `text` alone (the script's
/// `card_erased`), in place of their name, the details and the summary.
pub fn erased(text: &str) -> CreateEmbed {
    CreateEmbed::new().description(text).colour(CLOSED)
}

/// Join, Claim and Close, as far as they still apply.
pub fn rows(script: &Script, thread: ThreadId, case: &Case) -> Vec<CreateActionRow> {
    let m = &script.messages;
    let closed = case.closed.is_some();
    let buttons = vec![
        CreateButton::new(Action::Join { thread }.encode())
            .label(&m.join)
            .style(ButtonStyle::Primary)
            .disabled(closed),
        CreateButton::new(Action::Claim { thread }.encode())
            .label(&m.claim)
            .style(ButtonStyle::Success)
            .disabled(closed || case.claimed.is_some()),
        CreateButton::new(Action::Close { thread }.encode())
            .label(&m.close)
            .style(ButtonStyle::Danger)
            .disabled(closed),
    ];
    vec![CreateActionRow::Buttons(buttons)]
}

/// The Close button under the hand-off in the thread (staff only).
pub fn close_row(script: &Script, thread: ThreadId) -> CreateActionRow {
    let close = CreateButton::new(Action::Close { thread }.encode())
        .label(&script.messages.close)
        .style(ButtonStyle::Danger);
    CreateActionRow::Buttons(vec![close])
}

/// The five rating buttons, 1 to 5.
pub fn rating_row() -> CreateActionRow {
    let buttons = STARS
        .map(|stars| {
            CreateButton::new(Action::Rate { stars }.encode())
                .label(stars.to_string())
                .style(ButtonStyle::Secondary)
        })
        .collect();
    CreateActionRow::Buttons(buttons)
}

/// The optional comment form after a rating.
pub fn comment_modal(script: &Script) -> CreateModal {
    let m = &script.messages;
    let input = CreateInputText::new(
        InputTextStyle::Paragraph,
        &m.rating_comment_label,
        COMMENT_INPUT,
    )
    .required(false)
    .max_length(COMMENT_MAX as u16);
    CreateModal::new(Action::Comment.encode(), &m.rating_comment_title)
        .components(vec![CreateActionRow::InputText(input)])
}

/// The thread's message saying the support team (`name`) closed the case, with the rating
/// buttons.
pub fn staff_closed(script: &Script, name: &str) -> CreateMessage {
    let m = &script.messages;
    let text = format!("{}\n{}", m.closed_by(name), m.rating_question);
    super::render::notice(text).components(vec![rating_row()])
}

#[cfg(test)]
mod tests {
    use super::super::render::tests::{english, json};
    use super::*;

    #[test]
    fn a_claimed_card_disables_claim_and_a_closed_one_everything() {
        let script = english();
        let thread = ThreadId::new(42).expect("an id");
        let mut case = Case::default();
        let enabled = |case: &Case| -> Vec<bool> {
            let rows = json(&rows(&script, thread, case));
            rows[0]["components"]
                .as_array()
                .expect("buttons")
                .iter()
                .map(|b| b["disabled"] == false)
                .collect()
        };
        assert_eq!(enabled(&case), [true, true, true]);
        let sam = crate::store::Staffed {
            by: crate::ids::UserId::new(7).expect("an id"),
            name: "Sam".into(),
            at: Timestamp(0),
        };
        case.claimed = Some(sam.clone());
        assert_eq!(enabled(&case), [true, false, true]);
        case.closed = Some(sam);
        assert_eq!(enabled(&case), [false, false, false]);
    }

    #[test]
    fn an_erased_card_names_nobody_and_sums_nothing_up() {
        let card = json(&erased(&english().messages.card_erased));
        assert_eq!(
            card["description"],
            "The person asked for their data to be erased."
        );
        for personal in ["title", "fields", "author", "footer"] {
            assert!(card.get(personal).is_none(), "{personal}: {card}");
        }
    }

    #[test]
    fn the_comment_form_fits_discords_limits() {
        let modal = json(&comment_modal(&english()));
        assert_eq!(modal["custom_id"], "bh1:m");
        let input = &modal["components"][0]["components"][0];
        assert_eq!(input["type"], 4);
        assert_eq!(input["required"], false);
        assert_eq!(input["max_length"], COMMENT_MAX);
        let rating = json(&rating_row());
        let labels: Vec<&str> = rating["components"]
            .as_array()
            .expect("buttons")
            .iter()
            .filter_map(|b| b["label"].as_str())
            .collect();
        assert_eq!(labels, ["1", "2", "3", "4", "5"]);
    }
}
