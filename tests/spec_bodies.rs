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
use backup_help_bot::script::{EndingKind, Live};
use backup_help_bot::status::{Problem, Report};

fn spec() -> Spec {
    Spec::load().expect("the vendored spec loads")
}

/// The worst Apple could report: more problems than are shown, each with a long message
/// full of markdown and mentions.
fn worst_report() -> Report {
    let problem = |n: usize| Problem {
        service: "iCloud Account & Sign In".into(),
        kind: "Outage".into(),
        since: Some(Timestamp(1_700_000_000_000)),
        message: format!("**{n}** @everyone <@1> [x](https://e.xample) ").repeat(40),
    };
    Report {
        checked: Timestamp(1_700_000_100_000),
        problems: (0..5).map(problem).collect(),
        listed: true,
    }
}

#[test]
fn every_step_message_is_a_valid_message_create_request() {
    let spec = spec();
    let worst = worst_report();
    let none = Report {
        checked: Timestamp(1_700_000_100_000),
        problems: Vec::new(),
        listed: true,
    };
    for script in common::shipped() {
        for step in &script.steps {
            for report in [None, Some(&none), Some(&worst)] {
                let message = step_message(&script, step, report, Some((3, 9)));
                let body = serde_json::to_value(message).expect("serialises");
                let found = spec
                    .violations("MessageCreateRequest", &body)
                    .expect("schema exists");
                let what = format!("{} step {} with {report:?}", script.locale, step.id);
                assert!(found.is_empty(), "{what}: {found:?}");
                let description = body["embeds"][0]["description"].as_str().unwrap_or("");
                assert!(description.chars().count() <= 4096, "{what}");
                assert!(!description.contains("@everyone"), "{what}: {description}");
            }
        }
    }
}

#[test]
fn the_status_step_says_what_apple_reports_and_offers_waiting_only_then() {
    let script = common::english();
    let status = script
        .apple_status
        .as_ref()
        .expect("the script shows Apple's status");
    let step = script
        .step(&backup_help_bot::script::StepId::new(&status.step))
        .expect("a step");
    let labels = |body: &Value| -> Vec<String> {
        let rows = body["components"].as_array().cloned().unwrap_or_default();
        rows.iter()
            .flat_map(|r| r["components"].as_array().cloned().unwrap_or_default())
            .filter_map(|b| b["label"].as_str().map(str::to_string))
            .collect()
    };
    let wait = step
        .choices
        .iter()
        .find(|c| c.when.is_some())
        .expect("a wait choice");
    let plain = serde_json::to_value(step_message(&script, step, None, None)).expect("json");
    assert!(
        !labels(&plain).contains(&wait.label),
        "not offered without a report"
    );
    let worst = worst_report();
    let body = serde_json::to_value(step_message(&script, step, Some(&worst), Some((10, 12))))
        .expect("json");
    assert!(
        labels(&body).contains(&wait.label),
        "offered while Apple reports a problem"
    );
    let description = body["embeds"][0]["description"].as_str().unwrap_or("");
    assert!(description.contains("<t:1700000000:R>"), "{description}");
    // Three of Apple's five problems, above the step's own text (which names it too).
    let said = description.split("\n\n").next().unwrap_or_default();
    assert_eq!(
        said.matches("iCloud Account & Sign In").count(),
        3,
        "{description}"
    );
    let none = Report {
        checked: Timestamp(1_700_000_100_000),
        problems: Vec::new(),
        listed: true,
    };
    let body = serde_json::to_value(step_message(&script, step, Some(&none), None)).expect("json");
    let description = body["embeds"][0]["description"].as_str().unwrap_or("");
    assert!(description.contains("no problem") && description.contains("<t:1700000100:R>"));
    assert!(!labels(&body).contains(&wait.label));
}

#[test]
fn an_answered_step_is_a_valid_update_message_callback() {
    let spec = spec();
    let script = common::english();
    for step in &script.steps {
        let rows = step_rows(&script, step, Some(Answered::Choice(0)), Live::default());
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
        let ask = re_ask(&script, step, &[], Live::default());
        let ask = serde_json::to_value(ask).expect("serialises");
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
            let body = hand_off(scripts, &ending.id, owner, &history, support, None);
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
    let mut body: Value =
        serde_json::to_value(step_message(&script, script.start_step(), None, None)).unwrap();
    // A button style Discord does not have.
    body["components"][0]["components"][0]["style"] = json!(42);
    let found = spec.violations("MessageCreateRequest", &body).unwrap();
    assert!(
        !found.is_empty(),
        "an invalid button style passed the spec check"
    );
}
