//! Gateway v10 over a WebSocket on `/gateway`: HELLO, IDENTIFY → READY + GUILD_CREATE,
//! heartbeats, RESUME, and the dispatch of events to every identified session.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::payloads;
use crate::world::APP_ID;
use crate::Shared;

/// The privileged intent that lets a bot read message text.
pub const MESSAGE_CONTENT: u64 = 1 << 15;

/// Something a test asks the gateway to do.
#[derive(Debug, Clone)]
pub enum Control {
    /// Close every session with this code (4000 = "unknown error", resumable).
    Close(u16),
}

pub async fn upgrade(State(shared): State<Arc<Shared>>, mut request: Request) -> Response {
    let Some(key) = request.headers().get(header::SEC_WEBSOCKET_KEY).cloned() else {
        shared
            .lock()
            .violation("GET /gateway without a WebSocket upgrade");
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::BAD_REQUEST;
        return response;
    };
    let on_upgrade = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => {
                let io = TokioIo::new(upgraded);
                let ws = WebSocketStream::from_raw_socket(io, Role::Server, None).await;
                session(shared, ws).await;
            }
            Err(err) => tracing::warn!(target: "fake_discord", "gateway upgrade failed: {err}"),
        }
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "upgrade")
        .header(header::UPGRADE, "websocket")
        .header(
            header::SEC_WEBSOCKET_ACCEPT,
            derive_accept_key(key.as_bytes()),
        )
        .body(Body::empty())
        .unwrap_or_default()
}

type Ws = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// One gateway connection, until the socket ends.
async fn session(shared: Arc<Shared>, mut ws: Ws) {
    let hello = payloads::hello(shared.options.heartbeat_interval_ms);
    if ws.send(Message::Text(hello.to_string())).await.is_err() {
        return;
    }
    let mut control = shared.control.subscribe();
    let mut events: Option<broadcast::Receiver<(String, Value)>> = None;
    let mut seq = 0u64;
    let mut content_intent = false;
    let mut closing = false;
    loop {
        tokio::select! {
            incoming = ws.next() => match incoming {
                Some(Ok(Message::Text(text))) if !closing => {
                    let Ok(frame) = serde_json::from_str::<Value>(&text) else { continue };
                    let replies = on_frame(&shared, &frame, &mut seq, &mut events, &mut content_intent);
                    match replies {
                        Ok(replies) => {
                            for reply in replies {
                                if ws.send(Message::Text(reply.to_string())).await.is_err() {
                                    return;
                                }
                            }
                        }
                        Err((code, reason)) => {
                            closing = true;
                            let _ = ws.close(Some(close_frame(code, reason))).await;
                        }
                    }
                }
                // Keep polling after a close so tungstenite can finish the handshake.
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
            Ok(event) = recv(&mut events), if events.is_some() && !closing => {
                let (name, mut data) = event;
                let author = data["author"]["id"].as_str().and_then(|id| id.parse().ok());
                let from_bot = author == Some(APP_ID);
                if name == "MESSAGE_CREATE" && !content_intent && !from_bot {
                    data["content"] = json!("");
                }
                seq += 1;
                let frame = payloads::dispatch(&name, seq, data);
                if ws.send(Message::Text(frame.to_string())).await.is_err() {
                    return;
                }
            }
            Ok(Control::Close(code)) = control.recv(), if !closing => {
                closing = true;
                events = None;
                let _ = ws.close(Some(close_frame(code, "closed by the test"))).await;
            }
        }
    }
}

async fn recv(
    events: &mut Option<broadcast::Receiver<(String, Value)>>,
) -> Result<(String, Value), broadcast::error::RecvError> {
    match events {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

fn close_frame(code: u16, reason: &str) -> CloseFrame<'static> {
    CloseFrame {
        code: CloseCode::from(code),
        reason: reason.to_string().into(),
    }
}

/// Answers one client frame; `Err` closes the connection with a code and reason.
fn on_frame(
    shared: &Shared,
    frame: &Value,
    seq: &mut u64,
    events: &mut Option<broadcast::Receiver<(String, Value)>>,
    content_intent: &mut bool,
) -> Result<Vec<Value>, (u16, &'static str)> {
    let data = &frame["d"];
    match frame["op"].as_u64() {
        // Heartbeat → heartbeat ACK.
        Some(1) => Ok(vec![json!({"op": 11, "d": null, "s": null, "t": null})]),
        Some(2) => {
            let mut world = shared.lock();
            world.identifies.push(data.clone());
            if data["token"] != format!("Bot {}", shared.options.token) {
                world.violation("IDENTIFY with a wrong token");
                return Err((4004, "Authentication failed."));
            }
            let intents = data["intents"].as_u64().unwrap_or(0);
            if intents & MESSAGE_CONTENT != 0 && !shared.options.message_content_allowed {
                return Err((4014, "Disallowed intent(s)."));
            }
            *content_intent = intents & MESSAGE_CONTENT != 0;
            *events = Some(shared.events.subscribe());
            world.ready_count += 1;
            let session_id = format!("session-{}", world.ready_count);
            let ready = payloads::ready(&world, &session_id, &shared.gateway_url());
            let guild = payloads::guild_create(&world);
            *seq = 2;
            Ok(vec![
                payloads::dispatch("READY", 1, ready),
                payloads::dispatch("GUILD_CREATE", 2, guild),
            ])
        }
        Some(6) => {
            let mut world = shared.lock();
            world.resumes += 1;
            // The resumed session keeps the intents it identified with.
            let intents = world.identifies.last().and_then(|i| i["intents"].as_u64());
            *content_intent = intents.unwrap_or(0) & MESSAGE_CONTENT != 0;
            *events = Some(shared.events.subscribe());
            *seq = data["seq"].as_u64().unwrap_or(*seq) + 1;
            Ok(vec![payloads::dispatch("RESUMED", *seq, json!({}))])
        }
        _ => Ok(Vec::new()),
    }
}
