//! The REST API: one handler that checks what every request must satisfy (the token, a JSON
//! body that fits Discord's spec and documented limits), records it, and routes it.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{json, Value};

use crate::routes;
use crate::world::{Recorded, World};
use crate::Shared;

/// What a route answers: a status and an optional JSON body.
pub struct Answer {
    pub status: u16,
    pub body: Option<Value>,
}

impl Answer {
    pub fn json(status: u16, body: Value) -> Answer {
        Answer {
            status,
            body: Some(body),
        }
    }

    pub fn empty() -> Answer {
        Answer {
            status: 204,
            body: None,
        }
    }

    /// A Discord error: `{"code": .., "message": ..}`.
    pub fn error(status: u16, code: u64, message: &str) -> Answer {
        Answer::json(status, json!({"code": code, "message": message}))
    }
}

pub async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let answer = answer(&shared, method.as_str(), &path, &headers, &body);
    let delay = shared.lock().message_post_delay;
    if method == Method::POST && path.ends_with("/messages") && !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut response = Response::builder()
        .status(StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    let body = match answer.body {
        Some(value) => {
            response = response.header("content-type", "application/json");
            Body::from(value.to_string())
        }
        None => Body::empty(),
    };
    response.body(body).unwrap_or_default()
}

/// Applies one request to the world and records it under the same lock, so a test that sees
/// the request's effect (a message, say) also sees the request on record.
fn answer(shared: &Shared, method: &str, path: &str, headers: &HeaderMap, body: &[u8]) -> Answer {
    let mut world = shared.lock();
    let answer = apply(shared, &mut world, method, path, headers, body);
    world.requests.push(Recorded {
        method: method.to_string(),
        path: path.to_string(),
        body: serde_json::from_slice(body).ok(),
        status: answer.status,
    });
    answer
}

fn apply(
    shared: &Shared,
    world: &mut World,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Answer {
    let expected = format!("Bot {}", shared.options.token);
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == expected);
    if !authorized {
        world.violation(format!(
            "{method} {path}: missing or wrong `Authorization: Bot <token>`"
        ));
        return Answer::error(401, 0, "401: Unauthorized");
    }
    if let Some(fault) = world.take_fault(method, path) {
        return Answer::json(fault.status, fault.body);
    }
    let json: Option<Value> = if body.is_empty() {
        None
    } else {
        match serde_json::from_slice(body) {
            Ok(value) => Some(value),
            Err(err) => {
                world.violation(format!("{method} {path}: body is not JSON: {err}"));
                return Answer::error(400, 50109, "The request body contains invalid JSON.");
            }
        }
    };
    let Some(rest) = path.strip_prefix("/api/v10/") else {
        world.unknown_routes.push(format!("{method} {path}"));
        return Answer::error(404, 0, "404: Not Found");
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let request = routes::Request {
        method,
        path,
        segments: &segments,
        body: json.as_ref(),
    };
    match routes::route(shared, world, &request) {
        Some(answer) => answer,
        None => {
            world.unknown_routes.push(format!("{method} {path}"));
            Answer::error(404, 0, "404: Not Found")
        }
    }
}

/// Checks a body against a schema of the spec; each problem becomes a violation. Returns
/// whether the body was valid.
pub fn check_schema(
    shared: &Shared,
    world: &mut World,
    what: &str,
    schema: &str,
    body: &Value,
) -> bool {
    match shared.spec.violations(schema, body) {
        Ok(found) if found.is_empty() => true,
        Ok(found) => {
            for problem in found {
                world.violation(format!("{what}: {schema}: {problem}"));
            }
            false
        }
        Err(err) => {
            world.violation(format!("{what}: {err}"));
            false
        }
    }
}

/// Discord's documented limits that the spec does not state (or states differently), and
/// the tests' own rule that every message sets `allowed_mentions`.
pub fn check_limits(world: &mut World, what: &str, body: &Value, needs_mentions: bool) -> bool {
    let mut ok = true;
    let mut fail = |world: &mut World, text: String| {
        world.violation(format!("{what}: {text}"));
        ok = false;
    };
    let chars = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    if chars(&body["content"]) > 2000 {
        fail(world, "content is over 2000 characters".into());
    }
    if let Some(embeds) = body["embeds"].as_array() {
        if embeds.len() > 10 {
            fail(world, "more than 10 embeds".into());
        }
        for embed in embeds {
            let (title, description) = (chars(&embed["title"]), chars(&embed["description"]));
            let footer = chars(&embed["footer"]["text"]);
            if title > 256 || description > 4096 || footer > 2048 {
                fail(
                    world,
                    "an embed's title, description or footer is too long".into(),
                );
            }
            if title + description + footer > 6000 {
                fail(world, "an embed is over 6000 characters in all".into());
            }
        }
    }
    let has_text = body["content"].as_str().is_some_and(|s| !s.is_empty());
    if needs_mentions && has_text && body.get("allowed_mentions").is_none() {
        // Discord accepts it; it is this project's rule, so it is only recorded.
        world.violation(format!(
            "{what}: a message with content does not set allowed_mentions"
        ));
    }
    ok
}

/// Who `content` would notify under `allowed` (Discord's rules; None = parse everything).
pub fn pings(content: &str, allowed: Option<&Value>) -> Vec<String> {
    let parse = |kind: &str| match allowed {
        None => true,
        Some(a) => a["parse"]
            .as_array()
            .is_some_and(|p| p.iter().any(|v| v == kind)),
    };
    let listed = |list: &str, id: &str| {
        allowed.is_some_and(|a| {
            a[list]
                .as_array()
                .is_some_and(|l| l.iter().any(|v| v == id))
        })
    };
    let mut out = Vec::new();
    if (content.contains("@everyone") || content.contains("@here")) && parse("everyone") {
        out.push("everyone".to_string());
    }
    let mut rest = content;
    while let Some(start) = rest.find("<@") {
        let tail = &rest[start + 2..];
        let Some(end) = tail.find('>') else { break };
        let inner = &tail[..end];
        if let Some(role) = inner.strip_prefix('&') {
            if parse("roles") || listed("roles", role) {
                out.push(format!("role:{role}"));
            }
        } else {
            let user = inner.trim_start_matches('!');
            if parse("users") || listed("users", user) {
                out.push(format!("user:{user}"));
            }
        }
        rest = &tail[end..];
    }
    out
}
