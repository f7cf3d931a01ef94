//! The one codec for every button's `custom_id`.
//!
//! A button carries what is needed to act on a click after a restart: which step it was
//! shown under and what it does. The session itself is found by the thread the click came
//! from, so nothing secret or large is put here. Format, version 1:
//!
//! | button          | custom_id               |
//! |-----------------|-------------------------|
//! | a choice        | `bh1:c:<step>:<index>`  |
//! | Back            | `bh1:b:<step>`          |
//! | Talk to a human | `bh1:h:<step>`          |
//! | Start over      | `bh1:s`                 |
//! | a rating, 1–5   | `bh1:r:<stars>`         |
//! | the rating's comment form | `bh1:m`       |
//! | Join (staff card) | `bh1:j:<thread>`      |
//! | Claim (staff card) | `bh1:k:<thread>`     |
//! | Close (staff card, hand-off) | `bh1:x:<thread>` |
//! | Erase my data   | `bh1:e:<user>`          |
//!
//! The staff card's buttons are in the staff channel, so they name their thread; Erase my
//! data names the person it erases (only they may press it); everything else is clicked in
//! the thread itself.
//! Step ids are at most 40 of `a-z0-9-` (the script validator enforces it), so every id fits
//! Discord's 100-byte limit. Anything else decodes to an error, never a panic.

use std::fmt;

use crate::conversation::Input;
use crate::ids::{ThreadId, UserId};
use crate::script::StepId;

pub const PREFIX: &str = "bh1";
/// Discord's limit for a component's custom_id.
pub const MAX_LEN: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Choose {
        step: StepId,
        choice: usize,
    },
    Back {
        step: StepId,
    },
    Human {
        step: StepId,
    },
    StartOver,
    /// The person rates their walkthrough.
    Rate {
        stars: u8,
    },
    /// The comment form after a rating (a modal's custom_id).
    Comment,
    Join {
        thread: ThreadId,
    },
    Claim {
        thread: ThreadId,
    },
    Close {
        thread: ThreadId,
    },
    /// The person erases what the bot keeps about them (under `/backup-help forget`).
    Forget {
        user: UserId,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomIdError {
    #[error("custom_id is longer than {MAX_LEN} bytes")]
    TooLong,
    #[error("custom_id is not one of ours (no \"{PREFIX}:\" prefix)")]
    Foreign,
    #[error("custom_id is malformed")]
    Malformed,
}

impl Action {
    pub fn encode(&self) -> String {
        match self {
            Action::Choose { step, choice } => format!("{PREFIX}:c:{step}:{choice}"),
            Action::Back { step } => format!("{PREFIX}:b:{step}"),
            Action::Human { step } => format!("{PREFIX}:h:{step}"),
            Action::StartOver => format!("{PREFIX}:s"),
            Action::Rate { stars } => format!("{PREFIX}:r:{stars}"),
            Action::Comment => format!("{PREFIX}:m"),
            Action::Join { thread } => format!("{PREFIX}:j:{thread}"),
            Action::Claim { thread } => format!("{PREFIX}:k:{thread}"),
            Action::Close { thread } => format!("{PREFIX}:x:{thread}"),
            Action::Forget { user } => format!("{PREFIX}:e:{user}"),
        }
    }

    pub fn decode(id: &str) -> Result<Action, CustomIdError> {
        if id.len() > MAX_LEN {
            return Err(CustomIdError::TooLong);
        }
        let rest = id
            .strip_prefix(PREFIX)
            .and_then(|r| r.strip_prefix(':'))
            .ok_or(CustomIdError::Foreign)?;
        let mut parts = rest.split(':');
        let kind = parts.next().ok_or(CustomIdError::Malformed)?;
        if let Some(action) = decode_other(kind, rest)? {
            return Ok(action);
        }
        let step = parts.next().map(step_id).transpose()?;
        let index = parts.next();
        if parts.next().is_some() {
            return Err(CustomIdError::Malformed);
        }
        match (kind, step, index) {
            ("c", Some(step), Some(index)) => {
                let choice = parse_index(index)?;
                Ok(Action::Choose { step, choice })
            }
            ("b", Some(step), None) => Ok(Action::Back { step }),
            ("h", Some(step), None) => Ok(Action::Human { step }),
            ("s", None, None) => Ok(Action::StartOver),
            _ => Err(CustomIdError::Malformed),
        }
    }

    /// The engine input this click stands for, if it is an answer in the walkthrough.
    pub fn into_input(self) -> Option<Input> {
        match self {
            Action::Choose { step, choice } => Some(Input::Choose { step, choice }),
            Action::Back { step } => Some(Input::Back { step: Some(step) }),
            Action::Human { step } => Some(Input::TalkToHuman { step: Some(step) }),
            Action::StartOver => Some(Input::StartOver),
            _ => None,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

/// The actions that are not answers to a step; `None` for those that are.
fn decode_other(kind: &str, rest: &str) -> Result<Option<Action>, CustomIdError> {
    let argument = rest.split_once(':').map(|(_, a)| a);
    let action = match (kind, argument) {
        ("r", Some(stars)) => {
            let stars = parse_index(stars)?;
            let stars = u8::try_from(stars).map_err(|_| CustomIdError::Malformed)?;
            if !crate::store::cases::STARS.contains(&stars) {
                return Err(CustomIdError::Malformed);
            }
            Action::Rate { stars }
        }
        ("m", None) => Action::Comment,
        ("j" | "k" | "x", Some(thread)) => {
            let thread = parse_snowflake(thread).and_then(|t| ThreadId::new(t).ok_or(MALFORMED))?;
            match kind {
                "j" => Action::Join { thread },
                "k" => Action::Claim { thread },
                _ => Action::Close { thread },
            }
        }
        ("e", Some(user)) => {
            let user = parse_snowflake(user).and_then(|u| UserId::new(u).ok_or(MALFORMED))?;
            Action::Forget { user }
        }
        ("r" | "m" | "j" | "k" | "x" | "e", _) => return Err(CustomIdError::Malformed),
        _ => return Ok(None),
    };
    Ok(Some(action))
}

const MALFORMED: CustomIdError = CustomIdError::Malformed;

/// An id as Discord writes it: digits, no leading zero, not 0.
fn parse_snowflake(text: &str) -> Result<u64, CustomIdError> {
    let canonical = !text.is_empty()
        && text.len() <= 20
        && text.bytes().all(|b| b.is_ascii_digit())
        && !text.starts_with('0');
    if !canonical {
        return Err(CustomIdError::Malformed);
    }
    text.parse::<u64>()
        .ok()
        .filter(|id| *id != 0)
        .ok_or(CustomIdError::Malformed)
}

fn step_id(text: &str) -> Result<StepId, CustomIdError> {
    let ok = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(StepId::new(text))
    } else {
        Err(CustomIdError::Malformed)
    }
}

fn parse_index(text: &str) -> Result<usize, CustomIdError> {
    // Digits only, and short: "+1", "01" or "99999999999999999999" are not ours.
    let canonical = !text.is_empty()
        && text.len() <= 2
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return Err(CustomIdError::Malformed);
    }
    text.parse().map_err(|_| CustomIdError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn step(s: &str) -> StepId {
        StepId::new(s)
    }

    #[test]
    fn every_action_round_trips() {
        let longest = "a".repeat(40);
        for action in [
            Action::Choose {
                step: step("wifi"),
                choice: 0,
            },
            Action::Choose {
                step: step(&longest),
                choice: 4,
            },
            Action::Back {
                step: step("restart-face-id"),
            },
            Action::Human {
                step: step("opening"),
            },
            Action::StartOver,
            Action::Rate { stars: 1 },
            Action::Rate { stars: 5 },
            Action::Comment,
            Action::Join {
                thread: ThreadId::new(u64::MAX >> 1).expect("an id"),
            },
            Action::Claim {
                thread: ThreadId::new(10_001).expect("an id"),
            },
            Action::Close {
                thread: ThreadId::new(10_001).expect("an id"),
            },
            Action::Forget {
                user: UserId::new(u64::MAX).expect("an id"),
            },
            Action::Forget {
                user: UserId::new(5_000).expect("an id"),
            },
        ] {
            let id = action.encode();
            assert!(id.len() <= MAX_LEN, "{id}");
            assert_eq!(Action::decode(&id), Ok(action));
        }
    }

    #[test]
    fn foreign_and_tampered_ids_are_errors() {
        use CustomIdError::*;
        let cases = [
            ("", Foreign),
            ("bh2:s", Foreign),
            ("xbh1:s", Foreign),
            ("bh1", Foreign),
            ("bh1:", Malformed),
            ("bh1:s:wifi", Malformed),
            ("bh1:c:wifi", Malformed),
            ("bh1:c:wifi:", Malformed),
            ("bh1:c:wifi:-1", Malformed),
            ("bh1:c:wifi:01", Malformed),
            ("bh1:c:wifi:99999999999999999999", Malformed),
            ("bh1:c:WiFi:1", Malformed),
            ("bh1:c:wi fi:1", Malformed),
            ("bh1:c:wifi:1:extra", Malformed),
            ("bh1:x:wifi", Malformed),
            ("bh1:b:", Malformed),
            ("bh1:b:é", Malformed),
            ("bh1:r:0", Malformed),
            ("bh1:r:6", Malformed),
            ("bh1:r", Malformed),
            ("bh1:r:3:1", Malformed),
            ("bh1:m:1", Malformed),
            ("bh1:j:", Malformed),
            ("bh1:j:0", Malformed),
            ("bh1:k:012", Malformed),
            ("bh1:x:99999999999999999999", Malformed),
            ("bh1:x:12:3", Malformed),
            ("bh1:e", Malformed),
            ("bh1:e:", Malformed),
            ("bh1:e:0", Malformed),
            ("bh1:e:05000", Malformed),
            ("bh1:e:-5000", Malformed),
            ("bh1:e:18446744073709551616", Malformed),
            ("bh1:e:5000:1", Malformed),
        ];
        for (id, want) in cases {
            assert_eq!(Action::decode(id), Err(want), "{id:?}");
        }
        assert_eq!(Action::decode(&"x".repeat(101)), Err(TooLong));
    }

    #[test]
    fn clicks_become_engine_inputs_naming_their_step() {
        let input = Action::Back { step: step("wifi") }.into_input();
        assert_eq!(
            input,
            Some(Input::Back {
                step: Some(step("wifi"))
            })
        );
        assert_eq!(Action::Rate { stars: 4 }.into_input(), None);
    }

    proptest! {
        #[test]
        fn any_valid_action_round_trips(id in "[a-z0-9-]{1,40}", choice in 0usize..5, kind in 0u8..4) {
            let action = match kind {
                0 => Action::Choose { step: StepId::new(&id), choice },
                1 => Action::Back { step: StepId::new(&id) },
                2 => Action::Human { step: StepId::new(&id) },
                _ => Action::StartOver,
            };
            let encoded = action.encode();
            prop_assert!(encoded.len() <= MAX_LEN);
            prop_assert_eq!(Action::decode(&encoded), Ok(action));
        }

        #[test]
        fn decoding_any_string_never_panics(id in ".{0,120}") {
            let _ = Action::decode(&id);
        }

        #[test]
        fn decoded_ids_encode_back_to_themselves(id in "bh1:[a-z]:[a-z0-9:-]{0,50}") {
            if let Ok(action) = Action::decode(&id) {
                prop_assert_eq!(action.encode(), id);
            }
        }
    }
}
