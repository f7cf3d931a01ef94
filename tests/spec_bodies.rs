//! What the bot will send is valid by Discord's own OpenAPI spec: every step message of the
//! shipped script, fresh and answered, and every other message it posts in a thread (the
//! re-ask, the endings, the hand-off with its ping, a notice).

mod common;

use fake_discord::spec::Spec;
use serde_json::{json, Value};

use backup_help_bot::conversation::{Answer, Timestamp, Via};
use backup_help_bot::discord::render::{
    hand_off, notice, re_ask, resolved, step_message, step_rows, Answered, HandOffScripts,
};
use backup_help_bot::ids::{RoleId, UserId};
use backup_help_bot::script::EndingKind;

fn spec() -> Spec {
    Spec::load().expect("the vendored spec loads")
}

#[test]
fn every_step_message_is_a_valid_message_create_request() {
    let spec = spec();
    let script = common::english();
    for step in &script.steps {
        let body = serde_json::to_value(step_message(&script, step)).expect("serialises");
        let found = spec
            .violations("MessageCreateRequest", &body)
            .expect("schema exists");
        assert!(found.is_empty(), "step {}: {found:?}", step.id);
    }
}

#[test]
fn an_answered_step_is_a_valid_update_message_callback() {
    let spec = spec();
    let script = common::english();
    for step in &script.steps {
        let rows = step_rows(&script, step, Some(Answered::Choice(0)));
        // What serenity sends for CreateInteractionResponse::UpdateMessage (type 7).
        let body = json!({
            "type": 7,
            "data": {"components": serde_json::to_value(rows).expect("serialises"), "attachments": []},
        });
        let found = spec
            .violations("UpdateMessageInteractionCallbackRequest", &body)
            .expect("schema exists");
        assert!(found.is_empty(), "step {}: {found:?}", step.id);
    }
}

fn assert_valid_message(spec: &Spec, what: &str, body: Value) -> Value {
    let found = spec
        .violations("MessageCreateRequest", &body)
        .expect("schema exists");
    assert!(found.is_empty(), "{what}: {found:?}");
    body
}

#[test]
fn every_other_thread_message_is_a_valid_message_create_request() {
    let spec = spec();
    let script = common::english();
    for step in &script.steps {
        let ask = serde_json::to_value(re_ask(&script, step, &[])).expect("serialises");
        let ask = assert_valid_message(&spec, &format!("re-ask at {}", step.id), ask);
        assert!(ask["content"].as_str().is_some_and(|c| c.contains("1. ")));
        assert_eq!(ask["allowed_mentions"]["parse"], json!([]), "pings nobody");
    }
    let owner = UserId::new(5000).expect("not 0");
    let role = RoleId::new(2200).expect("not 0");
    let history: Vec<Answer> = script
        .steps
        .iter()
        .map(|step| Answer {
            step: step.id.clone(),
            choice: step.choices.len() - 1,
            via: Via::Button,
            at: Timestamp(0),
        })
        .collect();
    for ending in &script.endings {
        if ending.kind == EndingKind::Resolved {
            let body = resolved(&script, &ending.id).expect("the ending exists");
            let body = serde_json::to_value(body).expect("serialises");
            assert_valid_message(&spec, &format!("ending {}", ending.id), body);
        }
        for support in [Some(role), None] {
            let scripts = HandOffScripts {
                person: &script,
                staff: &script,
            };
            let body = hand_off(scripts, &ending.id, owner, &history, support);
            let body = serde_json::to_value(body).expect("serialises");
            let body = assert_valid_message(&spec, &format!("hand-off {}", ending.id), body);
            let field = body["embeds"][0]["fields"][0]["value"]
                .as_str()
                .unwrap_or("");
            assert!(field.chars().count() <= 1024, "summary fits a field");
            // The support role is the only mention allowed, and only when configured.
            let roles = &body["allowed_mentions"]["roles"];
            match support {
                Some(_) => assert_eq!(roles, &json!(["2200"])),
                None => assert_eq!(body["allowed_mentions"]["parse"], json!([])),
            }
        }
    }
    let text = script.messages.idle_warning.clone();
    let body = serde_json::to_value(notice(text)).expect("serialises");
    assert_valid_message(&spec, "a notice", body);
}

#[test]
fn the_check_catches_a_body_discord_would_reject() {
    let spec = spec();
    let script = common::english();
    let mut body: Value = serde_json::to_value(step_message(&script, script.start_step())).unwrap();
    // A button style Discord does not have.
    body["components"][0]["components"][0]["style"] = json!(42);
    let found = spec.violations("MessageCreateRequest", &body).unwrap();
    assert!(
        !found.is_empty(),
        "an invalid button style passed the spec check"
    );
}
