//! What every request is checked against, and what every route answers with: shared by
//! the REST handler, the endpoints and the interaction callbacks.

use serde_json::{json, Value};

use crate::world::World;
use crate::Shared;

/// Discord's first-response deadline for an interaction.
pub const DEADLINE_SECS: f64 = 3.0;
pub const EPHEMERAL: u64 = 64;

pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub segments: &'a [&'a str],
    /// The query string's `key=value` pairs.
    pub query: &'a [(&'a str, &'a str)],
    pub body: Option<&'a Value>,
    /// The files of a multipart body.
    pub files: &'a [crate::multipart::File],
}

impl<'a> Request<'a> {
    /// The value of `key` in the query string.
    pub fn param(&self, key: &str) -> Option<&'a str> {
        self.query.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    /// A boolean query parameter, as Discord reads one: `true` or `1` (serenity sends the
    /// first, discord.py the second).
    pub fn flag(&self, key: &str) -> bool {
        matches!(self.param(key), Some("true" | "True" | "1"))
    }
}

impl Request<'_> {
    pub fn what(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

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
