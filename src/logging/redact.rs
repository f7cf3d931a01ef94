//! The redaction itself: plain scans over the text, no regex engine (the patterns are few
//! and fixed, and a log line must never fail to be written).

/// What replaces a credential.
pub const REDACTED: &str = "<redacted>";

/// Known secrets shorter than this are not searched for: a blank or one-letter "token"
/// would otherwise shred every line.
const MIN_SECRET_LEN: usize = 8;

/// Removes credentials from log text.
#[derive(Debug, Default, Clone)]
pub struct Redactor {
    /// Literal secrets (the bot token), removed wherever they appear.
    secrets: Vec<String>,
}

impl Redactor {
    /// Also removes `secret` wherever it appears (ignored when shorter than 8 bytes).
    pub fn add_secret(&mut self, secret: &str) {
        let secret = secret.trim();
        if secret.len() >= MIN_SECRET_LEN && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_string());
        }
    }

    /// `text` without: the known secrets; the value of any `token` (or `…_token`) key,
    /// written as JSON (`"token":"…"`), as Rust `Debug` (`token: "…"`,
    /// `"token": String("…")`), escaped inside a string, or as `token=…`; the token segment
    /// of `/interactions/{id}/{token}` and `/webhooks/{id}/{token}`; and raw frame dumps
    /// (`payload: 0x…`, `payload: [..]`, `bytes: [..]`), which are undecoded gateway text;
    /// and, in what people typed (a message's `content` in a dumped event), the personal
    /// data [`crate::personal::redact`] finds.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        let out = keyed_values(&out);
        let out = url_segments(&out, "interactions/");
        let out = url_segments(&out, "webhooks/");
        let out = byte_dumps(&out);
        typed_text(&out)
    }
}

/// Redacts the value after each `token` key.
fn keyed_values(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = find_ascii_ci(bytes, b"token", from) {
        from = found + 5;
        let before_ok = found == 0
            || !bytes[found - 1].is_ascii_alphanumeric()
            || ends_in_ansi(&bytes[..found]);
        let after_ok = bytes
            .get(from)
            .is_none_or(|b| !b.is_ascii_alphanumeric() && *b != b'_');
        if !(before_ok && after_ok) {
            continue;
        }
        if let Some((start, end)) = value_after_key(bytes, from) {
            out.push_str(&text[copied..start]);
            out.push_str(REDACTED);
            copied = end;
            from = end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Takes the personal data out of what people typed where a line shows it: the string
/// after each `content` key of a dumped message, to the end of that string. (The bot's
/// own lines never carry typed text; serenity's dumps of events at `debug` and `trace` do.)
fn typed_text(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = find_ascii_ci(bytes, b"content", from) {
        from = found + 7;
        let whole_word = (found == 0 || !bytes[found - 1].is_ascii_alphanumeric())
            && bytes
                .get(from)
                .is_none_or(|b| !b.is_ascii_alphanumeric() && *b != b'_');
        let Some((start, _)) = whole_word.then(|| value_after_key(bytes, from)).flatten() else {
            continue;
        };
        // To the first quote no backslash escapes: inside a JSON log line that is the end
        // of the field holding the dump, so the line stays valid JSON.
        let mut end = start;
        while end < bytes.len() && bytes[end] != b'"' && bytes[end] != b'\n' {
            end += if bytes[end] == b'\\' { 2 } else { 1 };
        }
        let end = end.min(bytes.len());
        let kept = crate::personal::redact(&text[start..end]);
        out.push_str(&text[copied..start]);
        out.push_str(&kept);
        copied = end;
        from = end;
    }
    out.push_str(&text[copied..]);
    out
}

/// The byte range of the value following a key that ends at `at`, if one follows.
fn value_after_key(bytes: &[u8], mut at: usize) -> Option<(usize, usize)> {
    // The key's closing quote (plain or escaped), colour codes, spaces.
    at = skip_filler(bytes, at, true);
    let equals = match bytes.get(at) {
        Some(b':') => false,
        Some(b'=') => true,
        _ => return None,
    };
    at = skip_filler(bytes, at + 1, false);
    // `Debug` of an `Option` or a `serde_json::Value`: `Some("…")`, `String("…")`.
    while let Some(wrapper) = [&b"Some("[..], b"String("]
        .into_iter()
        .find(|w| bytes[at..].starts_with(w))
    {
        at += wrapper.len();
    }
    let quoted = match bytes.get(at) {
        Some(b'"') => {
            at += 1;
            true
        }
        Some(b'\\') if bytes.get(at + 1) == Some(&b'"') => {
            at += 2;
            true
        }
        _ => false,
    };
    if !quoted && !equals {
        // `token: None`, `token: [REDACTED …]`, `token: <redacted>`: nothing readable.
        return None;
    }
    let start = at;
    let ends = |b: u8| {
        if quoted {
            // A cut-off string ends with the line.
            b == b'"' || b == b'\\' || b.is_ascii_control()
        } else {
            b.is_ascii_whitespace() || b"\"'&,;)]}\\".contains(&b)
        }
    };
    let end = bytes[start..]
        .iter()
        .position(|b| ends(*b))
        .map_or(bytes.len(), |p| start + p);
    let value = &bytes[start..end];
    (!value.is_empty() && value != REDACTED.as_bytes()).then_some((start, end))
}

/// Whether `bytes` ends with an ANSI colour code such as `ESC[3m`.
fn ends_in_ansi(bytes: &[u8]) -> bool {
    let Some(rest) = bytes.strip_suffix(b"m") else {
        return false;
    };
    let params = rest
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit() || **b == b';')
        .count();
    rest[..rest.len() - params].ends_with(b"\x1b[")
}

/// Skips spaces and ANSI colour codes, and quotes and backslashes too when `quotes`.
fn skip_filler(bytes: &[u8], mut at: usize, quotes: bool) -> usize {
    loop {
        match bytes.get(at) {
            Some(b' ' | b'\t') => at += 1,
            Some(b'"' | b'\'' | b'\\') if quotes => at += 1,
            Some(0x1b) if bytes.get(at + 1) == Some(&b'[') => {
                at += 2;
                while bytes.get(at).is_some_and(|b| !b.is_ascii_alphabetic()) {
                    at += 1;
                }
                at += 1;
            }
            _ => return at.min(bytes.len()),
        }
    }
}

/// Redacts the path segment after `prefix` + digits + `/`, e.g. `interactions/1/<token>`.
fn url_segments(text: &str, prefix: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = find_ascii_ci(bytes, prefix.as_bytes(), from) {
        let mut at = found + prefix.len();
        from = at;
        let digits = bytes[at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        at += digits;
        if digits == 0 || bytes.get(at) != Some(&b'/') {
            continue;
        }
        let start = at + 1;
        let len = bytes[start..]
            .iter()
            .take_while(|b| !(b.is_ascii_whitespace() || b"/?#\"'\\)]}>,&".contains(b)))
            .count();
        let segment = &text[start..start + len];
        if len > 0 && segment != REDACTED {
            out.push_str(&text[copied..start]);
            out.push_str(REDACTED);
            copied = start + len;
        }
        from = start + len;
    }
    out.push_str(&text[copied..]);
    out
}

/// Replaces raw frame dumps: tungstenite's `payload: 0x<hex>` and the `Debug` byte lists
/// after `payload: ` or `bytes: ` (serenity's "Failing bytes").
fn byte_dumps(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while from < bytes.len() {
        let hex = find_ascii_ci(bytes, b"payload: 0x", from).map(|at| (at + 11, true));
        let list = [&b"payload: ["[..], b"bytes: ["]
            .iter()
            .filter_map(|key| find_ascii_ci(bytes, key, from).map(|at| (at + key.len(), false)))
            .min();
        let Some((start, is_hex)) = [hex, list].into_iter().flatten().min() else {
            break;
        };
        let len = if is_hex {
            bytes[start..]
                .iter()
                .take_while(|b| b.is_ascii_hexdigit())
                .count()
        } else {
            bytes[start..]
                .iter()
                .take_while(|b| b.is_ascii_digit() || **b == b',' || **b == b' ')
                .count()
        };
        if len > 0 {
            out.push_str(&text[copied..start]);
            out.push_str(REDACTED);
            copied = start + len;
        }
        from = start + len.max(1);
    }
    out.push_str(&text[copied..]);
    out
}

/// The first position at or after `from` where `needle` (ASCII) starts, ignoring case.
fn find_ascii_ci(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from >= haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTERACTION_TOKEN: &str = "aW50ZXJhY3Rpb246MTIzOnNlY3JldA";
    const BOT_TOKEN: &str = "MTAxMjM0.Gx7abc.secret-bot-token_value";

    fn redactor() -> Redactor {
        let mut redactor = Redactor::default();
        redactor.add_secret(BOT_TOKEN);
        redactor
    }

    /// Redacts `line` and asserts no credential is left and `<redacted>` took its place.
    fn scrubbed(line: &str) -> String {
        let out = redactor().redact(line);
        assert!(!out.contains(INTERACTION_TOKEN), "{line}\n  -> {out}");
        assert!(!out.contains(BOT_TOKEN), "{line}\n  -> {out}");
        assert!(out.contains(REDACTED), "{line}\n  -> {out}");
        out
    }

    #[test]
    fn a_gateway_frame_that_fails_to_parse_loses_its_token_and_keeps_the_rest() {
        let line = format!(
            "WARN serenity::gateway::ws: Err deserializing text: Error(\"missing field `s`\", \
             line: 1, column: 99); text: {{\"op\":0,\"t\":\"INTERACTION_CREATE\",\"s\":null,\
             \"d\":{{\"id\":\"42\",\"token\":\"{INTERACTION_TOKEN}\",\"type\":2}}}}"
        );
        let out = scrubbed(&line);
        assert!(
            out.ends_with(r#"{"id":"42","token":"<redacted>","type":2}}"#),
            "{out}"
        );
        assert!(out.contains("INTERACTION_CREATE"), "{out}");
    }

    #[test]
    fn a_dumped_message_loses_the_personal_data_typed_into_it() {
        let line = "DEBUG serenity::gateway: unknown event: Object {\"content\": \
                    String(\"mail me: ana.g+ios@correo.example.es or +34 612 34 56 78, \
                    serial C39XK2Q1HG7F\"), \"id\": String(\"1449837260193857536\")}";
        let out = redactor().redact(line);
        for gone in ["ana.g", "correo", "612 34", "C39XK2Q1HG7F"] {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
        for kept in ["[email]", "[phone]", "[serial]", "1449837260193857536"] {
            assert!(out.contains(kept), "{kept} missing from {out}");
        }
    }

    #[test]
    fn typed_text_inside_a_json_line_is_redacted_and_the_line_stays_json() {
        let line = r#"{"message":"unknown event: {\"content\":\"call \\\"me\\\" on +44 20 7946 0958\",\"id\":\"1\"}","elapsed_secs":0.000110296}"#;
        let out = redactor().redact(line);
        assert!(!out.contains("7946"), "{out}");
        assert!(out.contains("[phone]"), "{out}");
        assert!(out.contains(r#""elapsed_secs":0.000110296"#), "{out}");
        let parsed: Result<serde_json::Value, _> = serde_json::from_str(&out);
        assert!(parsed.is_ok(), "not JSON any more: {out}");
        // Numbers outside typed text are no one's phone number.
        let plain = "elapsed_secs=0.000110296 bytes=524288000";
        assert_eq!(redactor().redact(plain), plain);
    }

    #[test]
    fn every_way_a_token_value_is_written_is_redacted() {
        let t = INTERACTION_TOKEN;
        let cases = [
            (
                format!(r#"{{"token": "{t}"}}"#),
                r#"{"token": "<redacted>"}"#.to_string(),
            ),
            (
                format!(r#"value: Object {{"id": String("42"), "token": String("{t}")}}"#),
                r#"value: Object {"id": String("42"), "token": String("<redacted>")}"#.into(),
            ),
            (
                format!(
                    r#"CommandInteraction {{ id: InteractionId(42), token: "{t}", version: 1 }}"#
                ),
                r#"CommandInteraction { id: InteractionId(42), token: "<redacted>", version: 1 }"#
                    .into(),
            ),
            (
                format!(r#"token: Some("{t}")"#),
                r#"token: Some("<redacted>")"#.into(),
            ),
            (
                format!(r#"Request: "{{\"token\":\"{t}\"}}""#),
                r#"Request: "{\"token\":\"<redacted>\"}""#.into(),
            ),
            (
                format!(r#"event token="{t}" ok"#),
                r#"event token="<redacted>" ok"#.into(),
            ),
            (
                format!("GET /oauth?access_token={t}&x=1"),
                "GET /oauth?access_token=<redacted>&x=1".into(),
            ),
            (
                format!("\x1b[3mtoken\x1b[0m\x1b[2m=\x1b[0m\"{t}\""),
                "\x1b[3mtoken\x1b[0m\x1b[2m=\x1b[0m\"<redacted>\"".into(),
            ),
            (
                format!(r#""Token":"{t}""#),
                r#""Token":"<redacted>""#.into(),
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(scrubbed(&line), expected);
        }
    }

    #[test]
    fn a_cut_off_frame_loses_its_token_but_not_the_line_break() {
        let line = format!("text: {{\"d\":{{\"token\":\"{INTERACTION_TOKEN}\nnext line\n");
        assert_eq!(
            scrubbed(&line),
            "text: {\"d\":{\"token\":\"<redacted>\nnext line\n"
        );
    }

    #[test]
    fn interaction_and_webhook_urls_lose_their_token_segment() {
        let t = INTERACTION_TOKEN;
        let cases = [
            (
                format!("POST http://127.0.0.1:4000/api/v10/interactions/42/{t}/callback"),
                "POST http://127.0.0.1:4000/api/v10/interactions/42/<redacted>/callback",
            ),
            (
                format!("PATCH /api/v10/webhooks/1000/{t}/messages/@original failed"),
                "PATCH /api/v10/webhooks/1000/<redacted>/messages/@original failed",
            ),
            (
                format!("url: \"https://discord.com/api/v10/webhooks/1000/{t}\""),
                "url: \"https://discord.com/api/v10/webhooks/1000/<redacted>\"",
            ),
            (
                format!("POST /webhooks/1000/{t}?wait=true"),
                "POST /webhooks/1000/<redacted>?wait=true",
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(scrubbed(&line), expected);
        }
    }

    #[test]
    fn the_bot_token_is_redacted_anywhere() {
        assert_eq!(
            scrubbed(&format!("authorization: Bot {BOT_TOKEN}\n")),
            "authorization: Bot <redacted>\n"
        );
        assert_eq!(
            scrubbed(&format!(r#"{{"op":2,"d":{{"token":"Bot {BOT_TOKEN}"}}}}"#)),
            r#"{"op":2,"d":{"token":"<redacted>"}}"#
        );
        assert_eq!(scrubbed(&format!("a{BOT_TOKEN}b")), "a<redacted>b");
    }

    #[test]
    fn raw_frame_dumps_are_redacted() {
        let hex = "<FRAME>\nopcode: TEXT\npayload length: 7\npayload: 0x7b226f70223a327d\n";
        assert_eq!(
            scrubbed(hex),
            "<FRAME>\nopcode: TEXT\npayload length: 7\npayload: 0x<redacted>\n"
        );
        assert_eq!(
            scrubbed("Sending frame: Frame { header: FrameHeader { is_final: true }, payload: [123, 34, 111] }"),
            "Sending frame: Frame { header: FrameHeader { is_final: true }, payload: [<redacted>] }"
        );
        assert_eq!(
            scrubbed("DEBUG serenity::gateway::ws: Failing bytes: [120, 156, 1]"),
            "DEBUG serenity::gateway::ws: Failing bytes: [<redacted>]"
        );
    }

    #[test]
    fn text_without_credentials_is_unchanged() {
        let redactor = redactor();
        for line in [
            "error: the bot token is missing: set the environment variable DISCORD_TOKEN to the \
             token from the Discord Developer Portal (Bot → Reset Token)",
            "config: Token(<redacted>)",
            "token: None, token: [REDACTED alloc::string::String], tokens: 3, token_count=4",
            r#"tokenizer: "words", stoken="x", token_type="Bearer""#,
            "GET /api/v10/webhooks/1000 200; see /interactions/ and /webhooks/abc/def",
            "INFO backup_help_bot: connected to Discord user=bot guilds=1",
            r#"custom_id: "bh1:open:5000", label: "Still failing""#,
            "Ada’s iPhone — ✓ backs up now",
            "ratelimit bytes: 42, payload: none, payload length: 7",
            "",
        ] {
            assert_eq!(redactor.redact(line), line);
        }
    }

    #[test]
    fn short_secrets_are_not_searched_for() {
        let mut redactor = Redactor::default();
        redactor.add_secret("abc");
        redactor.add_secret("   ");
        assert_eq!(redactor.redact("abc abc"), "abc abc");
    }
}
