//! The terminal front-end: the same walk as the Discord thread, for previewing a script.
//!
//! Reads one answer a line from any `BufRead` (a terminal or a pipe) and writes to any
//! `Write`, so tests drive it with byte buffers. Every line is a turn of the same
//! walkthrough service the bot runs (with the walkthrough kept in memory), and goes through
//! the same matcher as typed text in Discord; numbers pick choices because the choices are
//! numbered.

use std::io::{self, BufRead, Write};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::clock::{Clock, SystemClock};
use crate::conversation::{IdlePolicy, Input, Phase, Timestamp, LOCAL_OWNER};
use crate::ids::{GuildId, MessageId, ThreadId};
use crate::script::{Live, Script, Step};
use crate::status::Report;
use crate::store::{MemoryStore, Record};
use crate::view;
use crate::walkthrough::{Effect, EffectError, LiveStatus, Origin, Outlet, Walkthroughs};

/// How a terminal walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatEnd {
    Resolved,
    HandedOff,
    /// Input ran out before an ending.
    EndOfInput,
}

/// The terminal's one "server" and "thread".
const HERE: (GuildId, ThreadId) = match (GuildId::new(1), ThreadId::new(1)) {
    (Some(guild), Some(thread)) => (guild, thread),
    _ => unreachable!(),
};

/// Runs one walk through `script`, reading answers from `input` until an ending or EOF.
/// `status` is Apple's System Status for the status step (`None`: offline, the step as
/// written).
pub fn run(
    script: Script,
    input: impl BufRead,
    mut out: impl Write,
    status: Option<Arc<dyn LiveStatus>>,
) -> io::Result<ChatEnd> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let locale = script.locale.clone();
    let mut walks = Walkthroughs::new(
        Arc::new(MemoryStore::new()),
        vec![script],
        locale.clone(),
        IdlePolicy::default(),
        Arc::new(SystemClock),
    );
    if let Some(status) = status {
        walks = walks.with_status(status);
    }
    let script = walks.script(&locale);
    let screen = Screen::default();
    writeln!(out, "{}", script.name)?;
    let (guild, thread) = HERE;
    let opened = runtime.block_on(walks.open(guild, LOCAL_OWNER, &locale, None, &screen));
    opened.map_err(io::Error::other)?;
    screen.show(&mut out)?;
    let mut lines = input.lines();
    loop {
        write!(out, "> ")?;
        out.flush()?;
        let Some(line) = lines.next() else {
            writeln!(out)?;
            return Ok(ChatEnd::EndOfInput);
        };
        let turn = walks.turn(thread, Some(Input::Text(line?)), Origin::Typed, &screen);
        let turned = runtime.block_on(turn).map_err(io::Error::other)?;
        screen.show(&mut out)?;
        match turned.map(|t| t.record.session.phase) {
            // Resolved, or waiting for Apple: either way the walk is over.
            Some(Phase::Resolved(_)) => return Ok(ChatEnd::Resolved),
            Some(Phase::HandedOff(_)) => return Ok(ChatEnd::HandedOff),
            _ => {}
        }
    }
}

/// The terminal as an outlet: what a turn posts is written out after the turn.
#[derive(Default)]
struct Screen {
    text: Mutex<String>,
    posted: Mutex<u64>,
}

impl Screen {
    fn show(&self, out: &mut impl Write) -> io::Result<()> {
        let text = std::mem::take(&mut *self.text.lock().unwrap_or_else(|p| p.into_inner()));
        out.write_all(text.as_bytes())
    }
}

#[async_trait]
impl Outlet for Screen {
    async fn open_thread(&self, _script: &Script) -> Result<ThreadId, EffectError> {
        Ok(HERE.1)
    }

    async fn carry_out(
        &self,
        record: &Record,
        script: &Script,
        effect: &Effect,
    ) -> Result<Option<MessageId>, EffectError> {
        let mut text = String::new();
        match effect {
            // The terminal is one person's: nobody to ping.
            Effect::PostStep {
                step,
                report,
                position,
                ping: _,
            } => {
                if let Some(step) = script.step(step) {
                    show_step(script, step, report.as_ref(), *position, &mut text);
                }
            }
            Effect::PostReAsk { step, live, .. } => {
                text.push_str(&format!("\n{}\n", script.messages.not_understood));
                if let Some(step) = script.step(step) {
                    show_choices(step, *live, &mut text);
                }
            }
            Effect::PostResolved(ending) | Effect::PostHandOff { ending, .. } => {
                if let Some(ending) = script.ending(ending) {
                    let body = plain(&ending.text);
                    text.push_str(&format!("\n== {} ==\n{body}\n", ending.title));
                }
                if matches!(effect, Effect::PostHandOff { .. }) {
                    text.push_str(&format!("\n{}:\n", script.messages.summary_heading));
                    for line in view::summary_lines(script, &record.session.history) {
                        text.push_str(&format!("  - {line}\n"));
                    }
                }
            }
            // Nothing to mark or archive in a terminal, and no idle time in a preview.
            _ => return Ok(None),
        }
        self.text
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_str(&text);
        let mut posted = self.posted.lock().unwrap_or_else(|p| p.into_inner());
        *posted += 1;
        Ok(MessageId::new(*posted))
    }
}

fn show_step(
    script: &Script,
    step: &Step,
    report: Option<&Report>,
    position: Option<(usize, usize)>,
    out: &mut String,
) {
    let place = position.and_then(|(n, total)| script.messages.position(n, total));
    if let Some(place) = place {
        out.push_str(&format!("\n({place})"));
    }
    out.push_str(&format!("\n== {} ==\n", step.title));
    let now = SystemClock.now();
    let ago = move |at: Timestamp| ago(now, at);
    let description = view::step_description_live(script, step, report, &ago);
    out.push_str(&format!("{}\n", plain(&description)));
    for link in &step.links {
        out.push_str(&format!("  ({}: {})\n", link.label, link.url));
    }
    show_choices(step, Report::live(report), out);
    out.push_str(&format!("{}\n", plain(&script.messages.typing_hint)));
}

fn show_choices(step: &Step, live: Live, out: &mut String) {
    for (i, choice) in step.choices.iter().enumerate() {
        if choice.offered(live) {
            out.push_str(&format!("  [{}] {}\n", i + 1, choice.label));
        }
    }
}

/// A time as a terminal shows it: how long ago, roughly.
fn ago(now: Timestamp, at: Timestamp) -> String {
    let minutes = now.since(at).as_secs() / 60;
    match minutes {
        0 => "just now".to_string(),
        1..=119 => format!("{minutes} min ago"),
        120..=2879 => format!("{} h ago", minutes / 60),
        _ => format!("{} days ago", minutes / 1440),
    }
}

/// Discord markdown made readable in a terminal.
fn plain(text: &str) -> String {
    text.replace("**", "")
}
