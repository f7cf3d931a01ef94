//! Logging: `tracing` to stderr, filtered by `RUST_LOG` (default `warn`), with every line
//! scrubbed of credentials before it is written, at any level.
//!
//! Serenity and the crates under it log what they see. At `warn` serenity logs a gateway
//! frame that fails to parse whole; at `debug` a known event with a bad payload as an
//! "unknown event" (a `serde_json::Value` dump); at `trace` tungstenite logs every frame (as
//! text, as hex and as a byte list, IDENTIFY with the bot token included), and the spans
//! of serenity's HTTP client carry each request's route, whose interaction and webhook
//! tokens are 15-minute credentials to answer as the bot. Filtering those targets would
//! hide what the logs are for, so every formatted line goes through [`Redactor`] instead.

use std::io::{self, IsTerminal, Write};
use tracing::Metadata;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;
use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, Token};

mod redact;
pub use redact::{Redactor, REDACTED};

/// Installs the global subscriber, writing lines in `format`. The bot token, when
/// `DISCORD_TOKEN` holds one, is redacted wherever it appears, on top of the patterns
/// [`Redactor`] always removes, in either format.
pub fn init(format: LogFormat) {
    let mut redactor = Redactor::default();
    if let Ok(token) = Token::from_env() {
        redactor.add_secret(token.expose());
    }
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let writer = Redacting::new(io::stderr, redactor);
    let layer = tracing_subscriber::fmt::layer().with_writer(writer);
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Text => registry
            .with(
                layer
                    // Colour codes in a log file would also split `key=value` pairs apart.
                    .with_ansi(io::stderr().is_terminal())
                    .with_filter(filter_fn(not_an_http_span)),
            )
            .init(),
        // One object per line: the event's fields at the top, and the fields of the span it
        // happened in (guild, user, thread) under "span", of every enclosing one under "spans".
        LogFormat::Json => registry
            .with(
                layer
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(true)
                    .with_filter(filter_fn(not_an_http_span)),
            )
            .init(),
    }
}

/// Whether a callsite is anything but one of the spans of serenity's HTTP client.
///
/// Those spans (`request`, `perform`, `pre_hook`, `post_hook`, `build`, from serenity's
/// `#[instrument]`) record their arguments with `Debug`: the whole `Http` client, its rate
/// limiter with every bucket, the `reqwest` client, the request. Written out, they would be
/// repeated in every line logged during a request, most of each line, and in JSON they
/// would be the current span in place of ours. Left out of this one layer (a per-layer
/// filter, so nothing else is affected), the events inside them are still written, with
/// the bot's own span (guild, user, thread) as their context; what is lost is the route of
/// each request, which serenity names in its events only when it waits out a rate limit
/// (the bot's own lines say which call failed). `with_current_span(false)` would drop the
/// bot's spans as well, and `EnvFilter` directives decide on events, not on which spans a
/// line shows.
fn not_an_http_span(meta: &Metadata<'_>) -> bool {
    !(meta.is_span() && meta.target().starts_with("serenity::http"))
}

/// A [`MakeWriter`] that redacts each event's text before handing it on.
pub struct Redacting<M> {
    inner: M,
    redactor: Redactor,
}

impl<M> Redacting<M> {
    pub fn new(inner: M, redactor: Redactor) -> Self {
        Redacting { inner, redactor }
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = RedactingWriter<'a, M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter {
            inner: self.inner.make_writer(),
            redactor: &self.redactor,
            buffer: Vec::new(),
        }
    }
}

/// Holds one event's text (the formatter makes one writer per event) and writes it,
/// redacted, when flushed or dropped: a secret split across two writes is still found.
pub struct RedactingWriter<'a, W: Write> {
    inner: W,
    redactor: &'a Redactor,
    buffer: Vec<u8>,
}

impl<W: Write> RedactingWriter<'_, W> {
    fn emit(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&self.buffer);
        let clean = self.redactor.redact(&text);
        self.buffer.clear();
        self.inner.write_all(clean.as_bytes())
    }
}

impl<W: Write> Write for RedactingWriter<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.emit()?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for RedactingWriter<'_, W> {
    fn drop(&mut self) {
        // Nowhere to report a failed log write; stderr going away ends the process anyway.
        let _ = self.emit();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A log sink the test can read back.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().expect("sink lock").extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Sink {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().expect("sink lock")).into_owned()
        }
    }

    #[test]
    fn a_secret_split_across_writes_is_still_redacted() {
        let sink = Sink::default();
        let mut redactor = Redactor::default();
        redactor.add_secret("bot-token-1234");
        let make = {
            let sink = sink.clone();
            Redacting::new(move || sink.clone(), redactor)
        };
        let mut writer = make.make_writer();
        writer.write_all(b"auth: Bot bot-tok").expect("write");
        writer
            .write_all(b"en-1234 and /interactions/7/tok")
            .expect("write");
        writer.write_all(b"en-7/callback\n").expect("write");
        assert_eq!(sink.text(), "", "nothing is written before the event ends");
        drop(writer);
        assert_eq!(
            sink.text(),
            "auth: Bot <redacted> and /interactions/7/<redacted>/callback\n"
        );
    }

    #[test]
    fn serenity_http_spans_are_left_out_and_ours_kept() {
        let sink = Sink::default();
        let make = {
            let sink = sink.clone();
            Redacting::new(move || sink.clone(), Redactor::default())
        };
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(make)
            .with_filter(filter_fn(not_an_http_span));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            let ours = tracing::info_span!("click", guild = 2000u64, user = 5000u64);
            let _ours = ours.enter();
            let request = tracing::info_span!(target: "serenity::http::client", "request",
                client = "Http { ratelimiter: Some(Ratelimiter { .. }) }");
            let _request = request.enter();
            tracing::info!(target: "serenity::http::client", "sent");
        });
        let text = sink.text();
        assert!(text.contains("sent"), "{text}");
        assert!(text.contains("click{guild=2000 user=5000}"), "{text}");
        assert!(!text.contains("request"), "{text}");
        assert!(!text.contains("Ratelimiter"), "{text}");
    }

    #[test]
    fn events_through_the_subscriber_are_redacted() {
        let sink = Sink::default();
        let make = {
            let sink = sink.clone();
            Redacting::new(move || sink.clone(), Redactor::default())
        };
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::TRACE)
            .with_writer(make)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span =
                tracing::info_span!("request", route = ?("callback", "token: \"tok-in-span\""));
            let _entered = span.enter();
            tracing::warn!(r#"text: {{"t":"INTERACTION_CREATE","d":{{"token":"tok-in-frame"}}}}"#);
        });
        let text = sink.text();
        assert!(text.contains("WARN"), "{text}");
        assert!(text.contains("INTERACTION_CREATE"), "{text}");
        assert!(!text.contains("tok-in-frame"), "{text}");
        assert!(!text.contains("tok-in-span"), "{text}");
    }
}
