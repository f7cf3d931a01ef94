//! Apple's System Status, as the status step shows it: what Apple reports right now for the
//! services the script names. Pure: [`parse`] reads the feed's text, [`Report`] is what
//! rendering and the engine are told. Fetching (with its cache and timeout) is the adapter's
//! job ([`crate::status_feed`]).

use serde::Deserialize;

use crate::conversation::Timestamp;

/// Where Apple publishes its status feed (US English).
pub const APPLE_STATUS_URL: &str =
    "https://www.apple.com/support/systemstatus/data/system_status_en_US.js";

/// One ongoing problem Apple reports for a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The service's name, unescaped ("iCloud Account & Sign In").
    pub service: String,
    /// Apple's kind of event: "Outage", "Issue", "Performance" or "Maintenance".
    pub kind: String,
    /// When it started, if Apple says.
    pub since: Option<Timestamp>,
    /// Apple's own words about it.
    pub message: String,
}

/// What Apple reported when the feed was last read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// When the feed was read.
    pub checked: Timestamp,
    /// Ongoing problems with the services asked about; empty = Apple reports none.
    pub problems: Vec<Problem>,
    /// Whether the feed listed any of the services asked about at all: a feed that names
    /// none of them (Apple renamed one, an empty list) says nothing about them.
    pub listed: bool,
}

impl Report {
    pub fn has_problem(&self) -> bool {
        !self.problems.is_empty()
    }

    /// What the engine and the renderer are told, given what the feed said (if anything).
    pub fn live(report: Option<&Report>) -> crate::script::Live {
        crate::script::Live {
            apple_problem: report.is_some_and(Report::has_problem),
            apple_clear: report.is_some_and(|r| r.listed && !r.has_problem()),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("no JSON object in the feed")]
    NoObject,
    #[error("the feed is not what Apple publishes: {0}")]
    Shape(String),
}

#[derive(Deserialize)]
struct Feed {
    services: Vec<Service>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Service {
    service_name: String,
    #[serde(default)]
    events: Vec<FeedEvent>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FeedEvent {
    #[serde(default)]
    status_type: String,
    #[serde(default)]
    event_status: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    epoch_start_date: Option<i64>,
}

/// Reads the feed's text (JSON, or JSONP such as `jsonCallback({...});`) into the ongoing
/// problems of `services` (compared without regard to case, after unescaping Apple's HTML
/// entities). `checked` is when the text was fetched.
pub fn parse(text: &str, services: &[String], checked: Timestamp) -> Result<Report, ParseError> {
    let (Some(start), Some(end)) = (text.find('{'), text.rfind('}')) else {
        return Err(ParseError::NoObject);
    };
    if end < start {
        return Err(ParseError::NoObject);
    }
    let feed: Feed = serde_json::from_str(&text[start..=end])
        .map_err(|err| ParseError::Shape(err.to_string()))?;
    let wanted = |name: &str| services.iter().any(|s| s.eq_ignore_ascii_case(name));
    let mut problems = Vec::new();
    let mut listed = false;
    for service in feed.services {
        let name = unescape(&service.service_name);
        if !wanted(&name) {
            continue;
        }
        listed = true;
        for event in service.events {
            if !event.event_status.eq_ignore_ascii_case("ongoing") {
                continue;
            }
            problems.push(Problem {
                service: name.clone(),
                kind: unescape(&event.status_type),
                since: event.epoch_start_date.filter(|ms| *ms > 0).map(Timestamp),
                message: unescape(&event.message),
            });
        }
    }
    Ok(Report {
        checked,
        problems,
        listed,
    })
}

/// Apple's feed escapes names and messages as HTML (`iCloud Account &amp; Sign In`).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let entity = tail
            .find(';')
            .filter(|&end| end <= 10)
            .map(|end| &tail[..=end]);
        let decoded = entity.and_then(|e| match e {
            "&amp;" => Some('&'),
            "&lt;" => Some('<'),
            "&gt;" => Some('>'),
            "&quot;" => Some('"'),
            "&#39;" | "&apos;" => Some('\''),
            "&nbsp;" => Some(' '),
            other => {
                let number = other.strip_prefix("&#")?.strip_suffix(';')?;
                let code = match number.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => number.parse().ok()?,
                };
                char::from_u32(code)
            }
        });
        match (entity, decoded) {
            (Some(entity), Some(ch)) => {
                out.push(ch);
                rest = &tail[entity.len()..];
            }
            _ => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Text from outside (Apple's message) made safe for a Discord message: no markdown, no
/// mentions, no links that render, one paragraph, at most `max` characters.
pub fn quote_safely(text: &str, max: usize) -> String {
    let mut out = String::new();
    for ch in text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
    {
        if out.chars().count() >= max {
            out.push('…');
            break;
        }
        match ch {
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '#' | '[' | ']' | '(' | ')' | '-' => {
                out.push('\\');
                out.push(ch);
            }
            // "@everyone" and "<@123>" lose their meaning with a zero-width space after @.
            '@' => out.push_str("@\u{200b}"),
            '<' => out.push_str("<\u{200b}"),
            _ => out.push(ch),
        }
    }
    out.replace("://", ":\u{200b}//")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn services() -> Vec<String> {
        vec!["iCloud Backup".into(), "iCloud Account & Sign In".into()]
    }

    const T: Timestamp = Timestamp(1_800_000_000_000);

    #[test]
    fn jsonp_and_escaped_names_and_only_ongoing_events() {
        let text = r#"jsonCallback({"drpost":"x","services":[
            {"serviceName":"iCloud Account &amp; Sign In","redirectUrl":null,"events":[
              {"statusType":"Outage","eventStatus":"ongoing","message":"Users can&#39;t sign in.",
               "usersAffected":"Some users","epochStartDate":1700000000000,"epochEndDate":null},
              {"statusType":"Issue","eventStatus":"resolved","message":"old","epochStartDate":1}]},
            {"serviceName":"iCloud Backup","events":[]},
            {"serviceName":"Apple Music","events":[{"statusType":"Outage","eventStatus":"ongoing","message":"m"}]}
        ]});"#;
        let report = parse(text, &services(), T).expect("parses");
        assert_eq!(report.checked, T);
        assert_eq!(
            report.problems,
            [Problem {
                service: "iCloud Account & Sign In".into(),
                kind: "Outage".into(),
                since: Some(Timestamp(1_700_000_000_000)),
                message: "Users can't sign in.".into(),
            }]
        );
    }

    #[test]
    fn plain_json_with_nothing_ongoing_is_no_problem() {
        let text = r#"{"services":[{"serviceName":"iCloud Backup","events":[
            {"statusType":"Maintenance","eventStatus":"upcoming","message":"later"},
            {"statusType":"Issue","eventStatus":"completed","message":"done"}]}]}"#;
        let report = parse(text, &services(), T).expect("parses");
        assert!(!report.has_problem());
    }

    #[test]
    fn garbage_is_an_error_not_a_report() {
        assert_eq!(
            parse("<html>502</html>", &services(), T),
            Err(ParseError::NoObject)
        );
        assert!(matches!(
            parse("{\"nope\":1}", &services(), T),
            Err(ParseError::Shape(_))
        ));
        assert_eq!(parse("} {", &services(), T), Err(ParseError::NoObject));
    }

    #[test]
    fn entities_are_decoded_and_unknown_ones_kept() {
        assert_eq!(
            unescape("a &amp; b &lt;c&gt; &#x41;&#66; &bogus; &"),
            "a & b <c> AB &bogus; &"
        );
    }

    #[test]
    fn quoted_text_cannot_format_or_ping() {
        let quoted = quote_safely(
            "**Bold** @everyone <@123> see https://x.y [a](b)\n\nnext",
            200,
        );
        assert!(!quoted.contains("**"), "{quoted}");
        assert!(
            !quoted.contains("@everyone") && !quoted.contains("<@"),
            "{quoted}"
        );
        assert!(!quoted.contains("https://"), "{quoted}");
        assert!(!quoted.contains('\n'), "{quoted}");
        assert!(quote_safely(&"x".repeat(50), 10).ends_with('…'));
    }
}
