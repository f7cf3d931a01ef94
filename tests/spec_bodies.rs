//! What the bot will send is valid by Discord's own OpenAPI spec: every step message of the
//! shipped script, fresh and answered.

mod common;

use fake_discord::spec::Spec;
use serde_json::{json, Value};

use backup_help_bot::discord::render::{step_message, step_rows, Answered};

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
