//! Text as the matcher and the validator compare it: one normal form for typed answers and
//! for the words a script lists, so what the validator accepts is what the matcher finds.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Longer input is not an answer to a multiple-choice question; cut work off early.
pub const MAX_INPUT_CHARS: usize = 500;

/// Lower case, accents and apostrophes removed, every other non-alphanumeric run turned into
/// one space, trimmed. "Didn't WORK!" → "didnt work".
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_INPUT_CHARS));
    let mut pending_space = false;
    for ch in text.chars().take(MAX_INPUT_CHARS).nfkd() {
        if is_combining_mark(ch) || matches!(ch, '\'' | '’' | '‘' | '`') {
            continue;
        }
        if ch.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(ch.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}
