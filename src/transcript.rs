//! A walkthrough written out line by line: what the bot showed, what the person pressed or
//! typed, what the support team wrote, and how it ended. Pure: the lines come from a turn's
//! input and reply (or from the front-end, for chatter in the thread) and are kept by the
//! store; [`render`] writes them as the text file the staff card gets and the `transcript`
//! command prints.
//!
//! Whatever people typed is kept without e-mail addresses, phone numbers and serials
//! ([`personal::redact`]), and escaped: quoted, with line breaks, tabs and other control
//! characters written as `\n`, `\t`, `\u{..}`, so a message can never pose as a line of
//! its own (or as the bot) in the file.

use std::fmt::Write;

use crate::conversation::{CloseReason, Input, Reply, Timestamp};
use crate::ids::{ThreadId, UserId};
use crate::personal;
use crate::script::Script;
use crate::store::{Line, LineKind};

/// The lines a turn adds: the person's input, if it was taken, then what the bot answered.
pub fn lines_for(
    thread: ThreadId,
    script: &Script,
    input: &Input,
    reply: &Reply,
    now: Timestamp,
) -> Vec<Line> {
    let line = |kind, text: String| Line {
        thread,
        at: now,
        kind,
        author: None,
        text,
    };
    let mut lines = Vec::new();
    if matches!(reply, Reply::Rejected(_) | Reply::Nothing) {
        return lines;
    }
    let m = &script.messages;
    let person = match input {
        Input::Choose { step, choice } => {
            let label = script
                .step(step)
                .and_then(|s| s.choices.get(*choice))
                .map_or_else(|| format!("choice {}", choice + 1), |c| c.label.clone());
            Some((LineKind::Clicked, label))
        }
        Input::Text(text) => Some((LineKind::Typed, personal::redact(text).into_owned())),
        Input::Back { .. } => Some((LineKind::Clicked, m.back.clone())),
        Input::StartOver => Some((LineKind::Clicked, m.start_over.clone())),
        Input::TalkToHuman { .. } => Some((LineKind::Clicked, m.talk_to_human.clone())),
        Input::Start | Input::Tick | Input::TickOpenElsewhere | Input::Close(_) => None,
    };
    lines.extend(person.map(|(kind, text)| line(kind, text)));
    let ending_title = |ending| script.ending(ending).map(|e| e.title.clone());
    let bot = match reply {
        Reply::Show { step, cause } if *cause != crate::conversation::Cause::Resumed => script
            .step(step)
            .map(|s| (LineKind::Shown, s.title.clone())),
        Reply::Resolved { ending, .. }
        | Reply::Waiting { ending, .. }
        | Reply::HandedOff { ending, .. } => ending_title(ending).map(|t| (LineKind::Ended, t)),
        Reply::ReAsk { .. } => Some((LineKind::Shown, m.not_understood.clone())),
        Reply::IdleWarning { .. } => Some((LineKind::Shown, m.idle_warning.clone())),
        Reply::Closed {
            reason: CloseReason::Idle,
        } => Some((LineKind::Ended, m.idle_closed.clone())),
        // Closed by staff: written by the close itself, which knows who.
        _ => None,
    };
    lines.extend(bot.map(|(kind, text)| line(kind, text)));
    lines
}

/// `text` as it is written into the file: quoted, every control character escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Bidirectional overrides could make a line read as another.
            c if c.is_control()
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c) =>
            {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A time in UTC, to the second.
fn utc(at: Timestamp) -> String {
    jiff::Timestamp::from_millisecond(at.0)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|_| at.0.to_string())
}

/// The file name Discord shows for a thread's transcript.
pub fn file_name(thread: ThreadId) -> String {
    format!("transcript-{thread}.txt")
}

/// The transcript as a text file: a heading, then one line per entry.
pub fn render(thread: ThreadId, owner: UserId, lines: &[Line]) -> String {
    let mut out = format!("Transcript of thread {thread}, the walkthrough of user {owner}\n\n");
    for line in lines {
        let who = match (line.kind, &line.author) {
            (LineKind::Shown | LineKind::Ended, None) => "bot".to_string(),
            (_, None) => "person".to_string(),
            (_, Some(name)) => escape(name),
        };
        let text = match line.kind {
            // Written by the bot from the script: plain.
            LineKind::Shown | LineKind::Ended if line.author.is_none() => {
                line.text.replace(['\n', '\r'], " ")
            }
            _ => escape(&line.text),
        };
        let kind = match line.kind {
            LineKind::Shown => "showed",
            LineKind::Clicked => "pressed",
            LineKind::Typed => "typed",
            LineKind::Staff => "wrote",
            LineKind::Ended => "ended",
        };
        let _ = writeln!(out, "{}  {who}  {kind}: {text}", utc(line.at));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thread() -> ThreadId {
        ThreadId::new(77).expect("an id")
    }

    #[test]
    fn typed_text_cannot_pose_as_a_line_of_its_own() {
        let forged = "fine\n2026-12-02 10:00:00 UTC  bot  ended: \"Fixed\" \\ \u{202e}";
        let escaped = escape(forged);
        assert!(!escaped.contains('\n'));
        assert!(!escaped.contains('\u{202e}'));
        assert_eq!(
            escaped.matches('"').count() - escaped.matches("\\\"").count(),
            2
        );
        let line = Line {
            thread: thread(),
            at: Timestamp(0),
            kind: LineKind::Typed,
            author: None,
            text: forged.into(),
        };
        let owner = UserId::new(5).expect("an id");
        let file = render(thread(), owner, &[line]);
        assert_eq!(
            file.lines().count(),
            3,
            "heading, blank, one entry:\n{file}"
        );
        assert!(file.contains("1970-01-01 00:00:00 UTC  person  typed: \"fine\\n2026"));
    }

    #[test]
    fn typed_personal_data_never_reaches_a_transcript_line() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/responses/en.ron");
        let script = crate::script::load_file(path.as_ref()).expect("the shipped script");
        let input = Input::Text("still failing, I'm jo@example.com, +49 151 2345 6789".into());
        let reply = Reply::ReAsk {
            step: script.start_step().id.clone(),
            candidates: Vec::new(),
        };
        let lines = lines_for(thread(), &script, &input, &reply, Timestamp(5));
        assert_eq!(lines[0].kind, LineKind::Typed);
        assert_eq!(lines[0].text, "still failing, I'm [email], [phone]");
    }

    #[test]
    fn a_click_and_the_step_it_led_to_become_two_lines() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/responses/en.ron");
        let script = crate::script::load_file(path.as_ref()).expect("the shipped script");
        let step = script.start_step();
        let input = Input::Choose {
            step: step.id.clone(),
            choice: 0,
        };
        let next = crate::script::StepId::new("backup-switch");
        let reply = Reply::Show {
            step: next.clone(),
            cause: crate::conversation::Cause::StartedOver,
        };
        let lines = lines_for(thread(), &script, &input, &reply, Timestamp(5));
        let kinds: Vec<LineKind> = lines.iter().map(|l| l.kind).collect();
        assert_eq!(kinds, [LineKind::Clicked, LineKind::Shown]);
        assert_eq!(lines[0].text, step.choices[0].label);
        assert_eq!(lines[1].text, script.step(&next).expect("a step").title);
        let rejected = Reply::Rejected(crate::conversation::Rejection::Ended);
        assert!(lines_for(thread(), &script, &input, &rejected, Timestamp(5)).is_empty());
    }
}
