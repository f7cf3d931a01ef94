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
    /// Send op 9 Invalid Session (not resumable): the client must IDENTIFY again.
    InvalidSession,
    /// Send this text frame as it is, to every identified session: a malformed or
    /// unexpected frame from Discord.
    RawFrame(String),
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
    let mut events: Option<broadcast::Receiver<crate::Dispatch>> = None;
    let mut seq = 0u64;
    let mut content_intent = false;
    // [shard id, shard count] from IDENTIFY.
    let mut shard = [0u64, 1u64];
    let mut closing = false;
    loop {
        tokio::select! {
            incoming = ws.next() => match incoming {
                Some(Ok(Message::Text(text))) if !closing => {
                    let Ok(frame) = serde_json::from_str::<Value>(&text) else { continue };
                    if frame["op"] == 2 {
                        shared.lock().identifies_waiting += 1;
                        let mut hold = shared.hold_identify.subscribe();
                        let _ = hold.wait_for(|held| !*held).await;
                        shared.lock().identifies_waiting -= 1;
                    }
                    let mut state = Session { seq: &mut seq, events: &mut events, content_intent: &mut content_intent, shard: &mut shard };
                    let replies = on_frame(&shared, &frame, &mut state);
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
                let (name, guild, mut data) = event;
                // Discord sends a guild's events to one shard, DMs to shard 0.
                let owner = guild.map_or(0, |g| crate::world::shard_of(g, shard[1]));
                if owner != shard[0] {
                    continue;
                }
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
            Ok(control) = control.recv(), if !closing => match control {
                Control::Close(code) => {
                    closing = true;
                    events = None;
                    let _ = ws.close(Some(close_frame(code, "closed by the test"))).await;
                }
                Control::InvalidSession => {
                    events = None;
                    shared.lock().invalidated += 1;
                    let frame = json!({"op": 9, "d": false, "s": null, "t": null});
                    if ws.send(Message::Text(frame.to_string())).await.is_err() {
                        return;
                    }
                }
                Control::RawFrame(text) if events.is_some() => {
                    if ws.send(Message::Text(text)).await.is_err() {
                        return;
                    }
                }
                Control::RawFrame(_) => {}
            },
        }
    }
}

async fn recv(
    events: &mut Option<broadcast::Receiver<crate::Dispatch>>,
) -> Result<crate::Dispatch, broadcast::error::RecvError> {
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

/// What a session knows between frames.
struct Session<'a> {
    seq: &'a mut u64,
    events: &'a mut Option<broadcast::Receiver<crate::Dispatch>>,
    content_intent: &'a mut bool,
    shard: &'a mut [u64; 2],
}

/// Answers one client frame; `Err` closes the connection with a code and reason.
fn on_frame(
    shared: &Shared,
    frame: &Value,
    state: &mut Session,
) -> Result<Vec<Value>, (u16, &'static str)> {
    let data = &frame["d"];
    match frame["op"].as_u64() {
        // Heartbeat → heartbeat ACK.
        Some(1) => Ok(vec![json!({"op": 11, "d": null, "s": null, "t": null})]),
        Some(2) => {
            let mut world = shared.lock();
            world.identifies.push(data.clone());
            // Serenity sends "Bot <token>", discord.py the bare token; Discord takes both.
            let token = data["token"].as_str().unwrap_or_default();
            if token.strip_prefix("Bot ").unwrap_or(token) != shared.options.token {
                world.violation("IDENTIFY with a wrong token");
                return Err((4004, "Authentication failed."));
            }
            let intents = data["intents"].as_u64().unwrap_or(0);
            // Discord's default when IDENTIFY leaves it out.
            let large_threshold = data["large_threshold"].as_u64().unwrap_or(50);
            if intents & MESSAGE_CONTENT != 0 && !shared.options.message_content_allowed {
                return Err((4014, "Disallowed intent(s)."));
            }
            let id = data["shard"][0].as_u64().unwrap_or(0);
            let total = data["shard"][1].as_u64().unwrap_or(1).max(1);
            if id >= total {
                return Err((4010, "Invalid shard."));
            }
            *state.shard = [id, total];
            *state.content_intent = intents & MESSAGE_CONTENT != 0;
            *state.events = Some(shared.events.subscribe());
            world.ready_count += 1;
            let session_id = format!("session-{}", world.ready_count);
            world
                .gateway_sessions
                .insert(session_id.clone(), (*state.shard, intents));
            let mut replies = vec![payloads::dispatch(
                "READY",
                1,
                payloads::ready(&world, &session_id, &shared.gateway_url(), *state.shard),
            )];
            for guild in payloads::guilds_of_shard(&world, *state.shard) {
                let seq = replies.len() as u64 + 1;
                replies.push(payloads::dispatch(
                    "GUILD_CREATE",
                    seq,
                    payloads::guild_create(&world, guild, intents, large_threshold),
                ));
            }
            *state.seq = replies.len() as u64;
            Ok(replies)
        }
        Some(6) => {
            let mut world = shared.lock();
            world.resumes += 1;
            // The resumed session keeps the shard and intents it identified with.
            let known = data["session_id"]
                .as_str()
                .and_then(|id| world.gateway_sessions.get(id));
            let Some(&(shard, intents)) = known else {
                return Err((4009, "Session timed out."));
            };
            *state.shard = shard;
            *state.content_intent = intents & MESSAGE_CONTENT != 0;
            *state.events = Some(shared.events.subscribe());
            *state.seq = data["seq"].as_u64().unwrap_or(*state.seq) + 1;
            Ok(vec![payloads::dispatch("RESUMED", *state.seq, json!({}))])
        }
        _ => Ok(Vec::new()),
    }
}
