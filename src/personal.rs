//! Personal data in what a person types: e-mail addresses, phone numbers, and device
//! serial numbers and IMEIs, replaced with a tag before the text is kept.
//!
//! People troubleshooting a phone paste their Apple Account e-mail, their number, or the
//! serial number from Settings → General → About. The matcher reads the original text to
//! understand an answer; what is kept (a transcript line, a rating comment, a log field)
//! goes through [`redact`] first.
//!
//! Plain scans over ASCII bytes, no regex engine: the patterns are few and fixed, every
//! match starts and ends on an ASCII byte (so slicing stays on character boundaries), and
//! redaction can never fail. The rules lean towards keeping troubleshooting detail: iOS
//! versions (18.6.2), times (10:30), dates (2024-12-18), sizes (256 GB), step numbers and
//! IPv4 addresses stay as typed.

use std::borrow::Cow;

/// What replaces an e-mail address.
pub const EMAIL: &str = "[email]";
/// What replaces a phone number.
pub const PHONE: &str = "[phone]";
/// What replaces a device serial number or an IMEI.
pub const SERIAL: &str = "[serial]";

/// Fewest digits in a phone number written without a leading `+` or area-code brackets:
/// fewer would take dates (8 digits) and plain counts for numbers.
const MIN_PHONE_DIGITS: usize = 9;
/// Fewest digits in a phone number written with `+` or `(…)`, which says it is one.
const MIN_MARKED_PHONE_DIGITS: usize = 7;
/// E.164: no phone number has more digits.
const MAX_PHONE_DIGITS: usize = 15;
/// An IMEI has 15 digits, an IMEISV 16.
const IMEI_DIGITS: [usize; 2] = [15, 16];
/// Apple's serial numbers: 12 characters until 2021, 10 random ones since; 11 for a few
/// older lines.
const SERIAL_LEN: std::ops::RangeInclusive<usize> = 10..=12;

/// `text` with every e-mail address, phone number, serial number and IMEI replaced by its
/// tag ([`EMAIL`], [`PHONE`], [`SERIAL`]). Borrows when there is nothing to replace.
pub fn redact(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    emails(bytes, &mut found);
    numbers(bytes, &mut found);
    serials(bytes, &mut found);
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    // E-mails were found first, and a stable sort keeps them first among matches that
    // start together; a match overlapping an earlier one is dropped.
    found.sort_by_key(|m| m.start);
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for m in found {
        if m.start < copied {
            continue;
        }
        out.push_str(&text[copied..m.start]);
        out.push_str(m.tag);
        copied = m.end;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// One stretch of text to replace: `start..end` are byte offsets of ASCII bytes.
struct Match {
    start: usize,
    end: usize,
    tag: &'static str,
}

/// A number or a serial must not start or end inside a word.
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

fn emails(b: &[u8], found: &mut Vec<Match>) {
    // Bytes of non-ASCII characters count too ("josé@…", "münchen.de"); an address still
    // starts and ends next to an ASCII byte, so both ends are character boundaries.
    let local = |c: u8| {
        c.is_ascii_alphanumeric() || c >= 0x80 || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-')
    };
    let domain = |c: u8| c.is_ascii_alphanumeric() || c >= 0x80 || matches!(c, b'.' | b'-');
    for at in b
        .iter()
        .enumerate()
        .filter(|(_, &c)| c == b'@')
        .map(|(i, _)| i)
    {
        let mut start = at;
        while start > 0 && local(b[start - 1]) {
            start -= 1;
        }
        while start < at && b[start] == b'.' {
            start += 1;
        }
        let mut end = at + 1;
        while end < b.len() && domain(b[end]) {
            end += 1;
        }
        // A sentence may end right after the address.
        while end > at + 1 && matches!(b[end - 1], b'.' | b'-') {
            end -= 1;
        }
        let host = &b[at + 1..end];
        let top_level = host.rsplit(|&c| c == b'.').next().unwrap_or_default();
        let well_formed = start < at
            && host
                .first()
                .is_some_and(|&c| c.is_ascii_alphanumeric() || c >= 0x80)
            && host.contains(&b'.')
            && top_level.len() >= 2
            && top_level.iter().all(u8::is_ascii_alphabetic);
        if well_formed {
            found.push(Match {
                start,
                end,
                tag: EMAIL,
            });
        }
    }
}

/// What a run of digit groups looked like, for telling a phone number from a date.
#[derive(Default)]
struct DigitRun {
    end: usize,
    digits: usize,
    groups: usize,
    longest_group: usize,
    /// Groups of a single digit outside brackets: a phone number has one or two ("+33 6 12
    /// 34 56 78"), a list of step numbers many ("1 2 3 4 5").
    lone_digits: usize,
    only_dots: bool,
}

/// Phone numbers and IMEIs: digit groups joined by at most two of ` -.()`, optionally
/// after a `+` or `(`.
fn numbers(b: &[u8], found: &mut Vec<Match>) {
    let mut i = 0;
    while i < b.len() {
        let marked = matches!(b[i], b'+' | b'(');
        let first = if marked { i + 1 } else { i };
        let starts = b.get(first).is_some_and(u8::is_ascii_digit)
            && (i == 0 || !is_word_byte(b[i - 1]) && b[i - 1] != b'.');
        if !starts {
            i += 1;
            continue;
        }
        let run = digit_run(b, first);
        let ends_in_word = b
            .get(run.end)
            .is_some_and(|&c| is_word_byte(c) || c == b'@');
        if !ends_in_word {
            if let Some(tag) = classify(&run, b[i] == b'+', marked) {
                found.push(Match {
                    start: i,
                    end: run.end,
                    tag,
                });
            }
        }
        i = run.end.max(i + 1);
    }
}

fn digit_run(b: &[u8], first: usize) -> DigitRun {
    let separator = |c: u8| matches!(c, b' ' | b'-' | b'.' | b'(' | b')');
    let group_end = |from: usize| {
        (from..b.len())
            .find(|&j| !b[j].is_ascii_digit())
            .unwrap_or(b.len())
    };
    let mut run = DigitRun {
        only_dots: true,
        ..DigitRun::default()
    };
    let mut at = first;
    loop {
        let end = group_end(at);
        let len = end - at;
        run.end = end;
        run.digits += len;
        run.groups += 1;
        run.longest_group = run.longest_group.max(len);
        // A closing bracket belongs to the number: "(030) 1234".
        let bracketed = b.get(end) == Some(&b')');
        if bracketed {
            run.end = end + 1;
        } else if len == 1 {
            run.lone_digits += 1;
        }
        let mut next = end;
        while next < b.len() && next - end < 2 && separator(b[next]) {
            next += 1;
        }
        let continues = next > end && b.get(next).is_some_and(u8::is_ascii_digit);
        // A group followed by ':' is the hour of a time ("2024-12-18 10:30"), not a number.
        let time_follows = b.get(group_end(next)) == Some(&b':');
        if !continues || time_follows {
            return run;
        }
        run.only_dots &= b[end..next].iter().all(|&c| c == b'.');
        at = next;
    }
}

fn classify(run: &DigitRun, plus: bool, marked: bool) -> Option<&'static str> {
    let ipv4 = run.only_dots && run.groups == 4 && run.longest_group <= 3;
    if ipv4 || run.lone_digits > 2 {
        return None;
    }
    if !plus && IMEI_DIGITS.contains(&run.digits) {
        return Some(SERIAL);
    }
    let least = if marked {
        MIN_MARKED_PHONE_DIGITS
    } else {
        MIN_PHONE_DIGITS
    };
    (least..=MAX_PHONE_DIGITS)
        .contains(&run.digits)
        .then_some(PHONE)
}

/// Serial numbers: a word of 10 to 12 ASCII letters and digits with at least two of
/// each. Written in capitals (as Apple prints them) two digits suffice; in lower or
/// mixed case, four, so that "iPhone15Pro" stays.
fn serials(b: &[u8], found: &mut Vec<Match>) {
    let mut start = 0;
    while start < b.len() {
        if !is_word_byte(b[start]) {
            start += 1;
            continue;
        }
        let end = (start..b.len())
            .find(|&j| !is_word_byte(b[j]))
            .unwrap_or(b.len());
        let word = &b[start..end];
        let digits = word.iter().filter(|c| c.is_ascii_digit()).count();
        let letters = word.iter().filter(|c| c.is_ascii_alphabetic()).count();
        let lower = word.iter().any(u8::is_ascii_lowercase);
        let serial = SERIAL_LEN.contains(&word.len())
            && digits + letters == word.len()
            && letters >= 2
            && digits >= if lower { 4 } else { 2 };
        if serial {
            found.push(Match {
                start,
                end,
                tag: SERIAL,
            });
        }
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(typed: &str, kept: &str) {
        assert_eq!(redact(typed), kept, "redacting {typed:?}");
    }

    #[test]
    fn email_addresses_become_a_tag() {
        check("it's name+tag@sub.example.co.uk", "it's [email]");
        check("Mail: Jane.Doe@Example.COM.", "Mail: [email].");
        check("<me_99@icloud.com>, thanks", "<[email]>, thanks");
        check("two: a@b.de and c-d@e-f.org", "two: [email] and [email]");
    }

    #[test]
    fn phone_numbers_in_the_ways_people_write_them() {
        check("call +34 612 34 56 78 please", "call [phone] please");
        check("+49 (0)30 1234-5678", "[phone]");
        check("(555) 123-4567", "[phone]");
        check("+1-202-555-0143.", "[phone].");
        check("my number is 0612345678", "my number is [phone]");
        check("+44 20 7946 0958", "[phone]");
        check("612.345.678", "[phone]");
        check("tel: +33 6 12 34 56 78", "tel: [phone]");
    }

    #[test]
    fn imeis_and_serial_numbers() {
        check("IMEI 35 209900 176148 1", "IMEI [serial]");
        check("352099001761481", "[serial]");
        check("35-209900-176148-1!", "[serial]!");
        check("serial C39XK2Q1HG7F", "serial [serial]");
        check("serial: F4GH7K2L9P.", "serial: [serial].");
        check("c39xk2q1hg7f", "[serial]");
    }

    #[test]
    fn troubleshooting_detail_stays() {
        for kept in [
            "step 2, then 3",
            "at 10:30 it stopped",
            "iOS 18.6.2 and iOS 26.1",
            "since 2024-12-18 10:30",
            "on 18.12.2024",
            "256 GB of 2 TB",
            "router 192.168.1.1, DNS 1.1.1.1",
            "iPhone 15 Pro, model A2342",
            "iPhone15Pro",
            "error 0x8003 after 3 tries",
            "1 2 3 4 5 6 7 8 9 10",
            "backup is 12345 MB",
            "Discord id 123456789012345678",
            "ICLOUDBACKUP",
            "nothing @ all",
            "user@localhost",
        ] {
            check(kept, kept);
        }
    }

    #[test]
    fn text_without_personal_data_is_borrowed() {
        assert!(matches!(redact("still failing"), Cow::Borrowed(_)));
    }

    #[test]
    fn non_ascii_text_around_matches_is_kept_whole() {
        check("correo: josé@example.es", "correo: [email]");
        check("an: info@münchen.de!", "an: [email]!");
        check("Nummer: +49 30 12345678 – danke", "Nummer: [phone] – danke");
        check("número «612 345 678»", "número «[phone]»");
    }
}
