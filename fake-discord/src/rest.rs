//! The REST API: one handler that checks what every request must satisfy (the token, a JSON
//! body that fits Discord's spec and documented limits), records it, and routes it.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::Value;

use crate::routes;
use crate::rules::{Answer, Request};
use crate::world::{Recorded, World};
use crate::Shared;

pub async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or_default();
    let (latency, service) = {
        let world = shared.lock();
        (world.rest_latency, world.rest_service)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency / 2).await;
    }
    let answer = if service.is_zero() {
        answer(&shared, method.as_str(), &path, query, &headers, &body)
    } else {
        // One at a time: a request waits for those ahead of it.
        let _turn = shared.serving.lock().await;
        tokio::time::sleep(service).await;
        answer(&shared, method.as_str(), &path, query, &headers, &body)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency - latency / 2).await;
    }
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
fn answer(
    shared: &Shared,
    method: &str,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Answer {
    let arrived = std::time::Instant::now();
    let mut world = shared.lock();
    let answer = apply(shared, &mut world, method, path, query, headers, body);
    world.requests.push(Recorded {
        method: method.to_string(),
        path: path.to_string(),
        body: recorded_body(headers, body),
        status: answer.status,
        at: arrived,
        answered: std::time::Instant::now(),
    });
    answer
}

fn apply(
    shared: &Shared,
    world: &mut World,
    method: &str,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Answer {
    let expected = format!("Bot {}", shared.options.token);
    // Interaction responses and webhooks carry their token in the path: Discord asks no
    // `Authorization` of them (discord.py sends none), though a wrong one is still refused.
    let token_in_path = ["/interactions/", "/webhooks/"]
        .iter()
        .any(|p| path.trim_start_matches("/api/v10").starts_with(p));
    let authorized = match headers.get("authorization") {
        Some(v) => v.to_str().is_ok_and(|v| v == expected),
        None => token_in_path,
    };
    if !authorized {
        world.violation(format!(
            "{method} {path}: missing or wrong `Authorization: Bot <token>`"
        ));
        return Answer::error(401, 0, "401: Unauthorized");
    }
    if let Some(fault) = world.take_fault(method, path) {
        return Answer::json(fault.status, fault.body);
    }
    let boundary = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .and_then(crate::multipart::boundary)
        .map(str::to_string);
    let mut files = Vec::new();
    let mut payload = None;
    if let Some(boundary) = boundary {
        match crate::multipart::parse(body, &boundary) {
            Some((json, parts)) => {
                payload = json;
                files = parts;
            }
            None => {
                world.violation(format!("{method} {path}: a malformed multipart body"));
                return Answer::error(400, 50035, "Invalid Form Body");
            }
        }
    }
    let body = payload.as_deref().map_or(body, str::as_bytes);
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
    // Serenity writes `?&key=value`: empty pairs are skipped.
    let query: Vec<(&str, &str)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .collect();
    let request = Request {
        method,
        path,
        segments: &segments,
        query: &query,
        body: json.as_ref(),
        files: &files,
    };
    match routes::route(shared, world, &request) {
        Some(answer) => answer,
        None => {
            world.unknown_routes.push(format!("{method} {path}"));
            Answer::error(404, 0, "404: Not Found")
        }
    }
}

/// The JSON a request carried: its body, or a multipart body's `payload_json`.
fn recorded_body(headers: &HeaderMap, body: &[u8]) -> Option<Value> {
    let boundary = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .and_then(crate::multipart::boundary);
    match boundary {
        Some(boundary) => crate::multipart::parse(body, boundary)
            .and_then(|(json, _)| json)
            .and_then(|json| serde_json::from_str(&json).ok()),
        None => serde_json::from_slice(body).ok(),
    }
}
