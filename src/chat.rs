//! The terminal front-end: the same walk as the Discord thread, for previewing a script.
//!
//! Reads one answer a line from any `BufRead` (a terminal or a pipe) and writes to any
//! `Write`, so tests drive it with byte buffers. Every line goes through the same matcher as
//! typed text in Discord; numbers pick choices because the choices are numbered.

use std::io::{self, BufRead, Write};

use crate::clock::{Clock, SystemClock};
use crate::conversation::{Engine, IdlePolicy, Input, Reply, Timestamp, LOCAL_OWNER};
use crate::script::{Script, Step};
use crate::view;

/// How a terminal walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatEnd {
    Resolved,
    HandedOff,
    /// Input ran out before an ending.
    EndOfInput,
}

/// Runs one walk through `script`, reading answers from `input` until an ending or EOF.
pub fn run(script: &Script, input: impl BufRead, mut out: impl Write) -> io::Result<ChatEnd> {
    let engine = Engine::new(script, IdlePolicy::default());
    let mut session = engine.new_session(LOCAL_OWNER, clock());
    writeln!(out, "{}", script.name)?;
    let mut reply = engine.apply(&mut session, Input::Start, clock());
    let mut lines = input.lines();
    loop {
        match &reply {
            Reply::Show { step, .. } => {
                if let Some(step) = script.step(step) {
                    show_step(script, step, &mut out)?;
                }
            }
            Reply::ReAsk { step, .. } => {
                writeln!(out, "\n{}", script.messages.not_understood)?;
                if let Some(step) = script.step(step) {
                    show_choices(step, &mut out)?;
                }
            }
            Reply::Resolved { ending, .. } => {
                if let Some(ending) = script.ending(ending) {
                    writeln!(out, "\n== {} ==\n{}", ending.title, plain(&ending.text))?;
                }
                return Ok(ChatEnd::Resolved);
            }
            Reply::HandedOff {
                ending, summary, ..
            } => {
                if let Some(ending) = script.ending(ending) {
                    writeln!(out, "\n== {} ==\n{}", ending.title, plain(&ending.text))?;
                }
                writeln!(out, "\n{}:", script.messages.summary_heading)?;
                for line in view::summary_lines(script, summary) {
                    writeln!(out, "  - {line}")?;
                }
                return Ok(ChatEnd::HandedOff);
            }
            // Back at the first step: the step is still on screen, nothing to add.
            Reply::Rejected(_) | Reply::Nothing => {}
            Reply::IdleWarning { .. } | Reply::Closed { .. } => {}
        }
        write!(out, "> ")?;
        out.flush()?;
        let Some(line) = lines.next() else {
            writeln!(out)?;
            return Ok(ChatEnd::EndOfInput);
        };
        reply = engine.apply(&mut session, Input::Text(line?), clock());
    }
}

fn show_step(script: &Script, step: &Step, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "\n== {} ==", step.title)?;
    writeln!(out, "{}", plain(&view::step_description(step)))?;
    for link in &step.links {
        writeln!(out, "  ({}: {})", link.label, link.url)?;
    }
    show_choices(step, out)?;
    writeln!(out, "{}", plain(&script.messages.typing_hint))
}

fn show_choices(step: &Step, out: &mut impl Write) -> io::Result<()> {
    for (i, choice) in step.choices.iter().enumerate() {
        writeln!(out, "  [{}] {}", i + 1, choice.label)?;
    }
    Ok(())
}

/// Discord markdown made readable in a terminal.
fn plain(text: &str) -> String {
    text.replace("**", "")
}

fn clock() -> Timestamp {
    SystemClock.now()
}
