//! Interaction responses: the one callback each interaction gets within 3 seconds, and the
//! webhook edits and follow-ups that may come after it.

use serde_json::{json, Value};

use crate::messages::{apply_edit, store_message, store_response};
use crate::payloads;
use crate::rules::{check_limits, check_schema, Answer, Request, DEADLINE_SECS};
use crate::world::World;
use crate::Shared;

const COMPONENT: u8 = 3;
const MODAL_SUBMIT: u8 = 5;

pub fn callback(shared: &Shared, world: &mut World, r: &Request, id: u64, token: &str) -> Answer {
    let Some(b) = r.body else {
        world.violation(format!("{}: no JSON body", r.what()));
        return Answer::error(400, 50035, "Invalid Form Body");
    };
    let Some(interaction) = world.interactions.get(&id).filter(|i| i.token == token) else {
        world.violation(format!("{}: unknown interaction", r.what()));
        return Answer::error(404, 10062, "Unknown interaction");
    };
    let elapsed = interaction.created.elapsed().as_secs_f64();
    let kind = b["type"].as_u64().unwrap_or(0);
    let (component, channel, clicked) = (
        interaction.kind == COMPONENT,
        interaction.channel,
        interaction.message,
    );
    let (interaction_kind, user) = (interaction.kind, interaction.user);
    let answered_before = !interaction.callbacks.is_empty();
    if let Some(i) = world.interactions.get_mut(&id) {
        i.callbacks.push((kind, elapsed));
    }
    if answered_before {
        world.violation(format!(
            "{}: a second response to one interaction",
            r.what()
        ));
        return Answer::error(400, 40060, "Interaction has already been acknowledged.");
    }
    if elapsed > DEADLINE_SECS {
        world.violation(format!("{}: first response after {elapsed:.2} s", r.what()));
        return Answer::error(404, 10062, "Unknown interaction");
    }
    let schema = match kind {
        4 | 5 => "CreateMessageInteractionCallbackRequest",
        6 | 7 if component => "UpdateMessageInteractionCallbackRequest",
        // A form, in answer to a click or a command (never to a form).
        9 if interaction_kind != MODAL_SUBMIT => "ModalInteractionCallbackRequest",
        _ => {
            world.violation(format!(
                "{}: callback type {kind} not allowed here",
                r.what()
            ));
            return Answer::error(400, 50035, "Invalid Form Body");
        }
    };
    let data = b.get("data").cloned().unwrap_or(Value::Null);
    let valid = check_schema(shared, world, &r.what(), schema, b);
    if kind == 9 {
        // What a form holds is checked by the schema; it makes no message.
        if !valid {
            return Answer::error(400, 50035, "Invalid Form Body");
        }
        if let Some(i) = world.interactions.get_mut(&id) {
            i.modal = Some(data);
        }
        return Answer::empty();
    }
    if !(valid && check_limits(world, &r.what(), &data, kind == 4)) {
        return Answer::error(400, 50035, "Invalid Form Body");
    }
    let made = (id, interaction_kind, user, clicked);
    let message = match kind {
        4 => {
            let message = store_response(shared, world, channel, &data, Some(made));
            if let Some(i) = world.interactions.get_mut(&id) {
                i.original = Some(message.id);
            }
            Some(message)
        }
        7 => match clicked.and_then(|m| world.messages.get_mut(&m)) {
            Some(message) => {
                apply_edit(message, &data);
                Some(message.clone())
            }
            None => None,
        },
        _ => None,
    };
    // `?with_response=true`: the interaction, and the message the response made or updated.
    if !r.flag("with_response") {
        return Answer::empty();
    }
    let mut response = json!({"interaction": {"id": id.to_string(), "type": interaction_kind}});
    if let Some(message) = message {
        let ephemeral = message.flags & crate::rules::EPHEMERAL != 0;
        response["interaction"]["response_message_id"] = json!(message.id.to_string());
        response["interaction"]["response_message_loading"] = json!(false);
        response["interaction"]["response_message_ephemeral"] = json!(ephemeral);
        response["resource"] = json!({"type": kind, "message": payloads::message(world, &message)});
    }
    Answer::json(200, response)
}

fn by_token(world: &mut World, r: &Request, token: &str) -> Option<u64> {
    let found = world
        .interaction_by_token
        .get(token)
        .and_then(|id| world.interactions.get(id))
        .map(|i| (i.id, i.callbacks.is_empty()));
    match found {
        Some((_, true)) => {
            world.violation(format!(
                "{}: webhook used before the interaction was answered",
                r.what()
            ));
            None
        }
        Some((id, false)) => Some(id),
        None => {
            world.violation(format!("{}: unknown interaction token", r.what()));
            None
        }
    }
}

pub fn edit_original(shared: &Shared, world: &mut World, r: &Request, token: &str) -> Answer {
    let Some(id) = by_token(world, r, token) else {
        return Answer::error(404, 10015, "Unknown Webhook");
    };
    let Some(b) = r.body else {
        return Answer::error(400, 50035, "Invalid Form Body");
    };
    let valid = check_schema(
        shared,
        world,
        &r.what(),
        "IncomingWebhookUpdateRequestPartial",
        b,
    );
    if !(valid && check_limits(world, &r.what(), b, true)) {
        return Answer::error(400, 50035, "Invalid Form Body");
    }
    // For a click, @original is the clicked message.
    let (channel, original) = match world.interactions.get(&id) {
        Some(i) if i.kind == COMPONENT => (i.channel, i.original.or(i.message)),
        Some(i) => (i.channel, i.original),
        None => return Answer::error(404, 10015, "Unknown Webhook"),
    };
    let message = match original.and_then(|m| world.messages.get_mut(&m)) {
        Some(message) => {
            apply_edit(message, b);
            message.clone()
        }
        None => {
            // The deferred ephemeral reply becomes a message now.
            let mut data = b.clone();
            data["flags"] = Value::from(64);
            let message = store_message(shared, world, channel, &data);
            if let Some(i) = world.interactions.get_mut(&id) {
                i.original = Some(message.id);
            }
            message
        }
    };
    Answer::json(200, payloads::message(world, &message))
}

pub fn follow_up(shared: &Shared, world: &mut World, r: &Request, token: &str) -> Answer {
    let Some(id) = by_token(world, r, token) else {
        return Answer::error(404, 10015, "Unknown Webhook");
    };
    let Some(b) = r.body else {
        return Answer::error(400, 50035, "Invalid Form Body");
    };
    let valid = check_schema(shared, world, &r.what(), "IncomingWebhookRequestPartial", b);
    if !(valid && check_limits(world, &r.what(), b, true)) {
        return Answer::error(400, 50035, "Invalid Form Body");
    }
    let channel = world.interactions.get(&id).map_or(0, |i| i.channel);
    let message = store_message(shared, world, channel, b);
    if let Some(i) = world.interactions.get_mut(&id) {
        i.followups.push(message.id);
    }
    Answer::json(200, payloads::message(world, &message))
}
