//! The support team's working hours as the config writes them, checked, and when the team
//! is next in.
//!
//! Pure apart from the time-zone database (jiff, bundled into the binary, so a server without
//! `/usr/share/zoneinfo` computes the same): the time comes in as an argument. Daylight saving
//! is the zone's business: "09:00" in Europe/Berlin is 07:00 UTC in summer and 08:00 in winter.
//! A working day's opening that falls into a spring-forward gap opens at the first time after
//! it (jiff's "compatible" rule, as most calendars do). Public holidays are not known.

use std::fmt;

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Deserializer};

use crate::conversation::Timestamp;

/// The support team's working week in one time zone (public holidays are not known).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportHours {
    /// An IANA time zone, e.g. "Europe/Berlin"; daylight saving follows it.
    pub timezone: String,
    pub days: Vec<Day>,
    /// Opening and closing time on each of those days, "HH:MM", local to `timezone`.
    pub from: ClockTime,
    pub to: ClockTime,
}

/// A day of the week, as written in the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Day {
    pub fn weekday(self) -> jiff::civil::Weekday {
        use jiff::civil::Weekday::*;
        match self {
            Day::Mon => Monday,
            Day::Tue => Tuesday,
            Day::Wed => Wednesday,
            Day::Thu => Thursday,
            Day::Fri => Friday,
            Day::Sat => Saturday,
            Day::Sun => Sunday,
        }
    }
}

/// A time of day written "HH:MM" (24-hour clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClockTime {
    pub hour: i8,
    pub minute: i8,
}

impl ClockTime {
    pub fn parse(text: &str) -> Option<ClockTime> {
        let (h, m) = text.split_once(':')?;
        let digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
        if !(digits(h) && digits(m)) {
            return None;
        }
        let (hour, minute) = (h.parse().ok()?, m.parse().ok()?);
        ((0..24).contains(&hour) && (0..60).contains(&minute)).then_some(ClockTime { hour, minute })
    }

    pub fn time(self) -> jiff::civil::Time {
        jiff::civil::Time::constant(self.hour, self.minute, 0, 0)
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ClockTime::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "\"{text}\" is not a time of day; write hours and minutes, e.g. \"09:00\" or \"17:30\""
            ))
        })
    }
}

/// Working hours, checked: a zone that exists, at least one day, opening before closing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hours {
    zone: TimeZone,
    days: Vec<Weekday>,
    from: Time,
    to: Time,
}

impl Hours {
    /// Checks `config`; the error says what to write instead.
    pub fn new(config: &SupportHours) -> Result<Hours, String> {
        let zone = TimeZone::get(&config.timezone).map_err(|_| {
            format!(
                "`timezone` \"{}\" is not an IANA time zone; write e.g. \"Europe/Berlin\", \
                 \"America/New_York\" or \"UTC\"",
                config.timezone
            )
        })?;
        if config.days.is_empty() {
            return Err(
                "`days` is empty; list the working days, e.g. [Mon, Tue, Wed, Thu, Fri]".into(),
            );
        }
        let (from, to) = (config.from.time(), config.to.time());
        if from >= to {
            return Err(format!(
                "`from` ({}) must be earlier than `to` ({}) on the same day",
                config.from, config.to
            ));
        }
        Ok(Hours {
            zone,
            days: config.days.iter().map(|d| d.weekday()).collect(),
            from,
            to,
        })
    }

    /// `None` while the team is in at `now`; else when it is next in.
    pub fn next_opening(&self, now: Timestamp) -> Option<Timestamp> {
        let instant = jiff::Timestamp::from_millisecond(now.0).ok()?;
        let mut date = instant.to_zoned(self.zone.clone()).date();
        // Every weekday comes round within a week.
        for _ in 0..8 {
            if self.days.contains(&date.weekday()) {
                let at = |time: Time| {
                    self.zone
                        .to_ambiguous_zoned(date.to_datetime(time))
                        .compatible()
                        .ok()
                        .map(|z| z.timestamp())
                };
                let (open, close) = (at(self.from)?, at(self.to)?);
                if instant < open {
                    return Some(Timestamp(open.as_millisecond()));
                }
                if instant < close {
                    return None;
                }
            }
            date = date.tomorrow().ok()?;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin_office() -> Hours {
        let config = SupportHours {
            timezone: "Europe/Berlin".into(),
            days: vec![Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri],
            from: ClockTime::parse("09:00").expect("a time"),
            to: ClockTime::parse("17:00").expect("a time"),
        };
        Hours::new(&config).expect("valid hours")
    }

    fn at(utc: &str) -> Timestamp {
        let ts: jiff::Timestamp = utc.parse().expect("an RFC 3339 time");
        Timestamp(ts.as_millisecond())
    }

    #[test]
    fn within_hours_nobody_is_told_to_wait() {
        // Wednesday 2 December 2026, 10:00 in Berlin (UTC+1).
        assert_eq!(
            berlin_office().next_opening(at("2026-12-02T09:00:00Z")),
            None
        );
    }

    #[test]
    fn before_opening_the_same_day_is_named() {
        // Wednesday 07:30 Berlin → 09:00 Berlin = 08:00 UTC.
        let next = berlin_office().next_opening(at("2026-12-02T06:30:00Z"));
        assert_eq!(next, Some(at("2026-12-02T08:00:00Z")));
    }

    #[test]
    fn after_friday_closing_the_team_is_back_on_monday() {
        // Friday 4 December 2026, 17:00 Berlin exactly: closed.
        let next = berlin_office().next_opening(at("2026-12-04T16:00:00Z"));
        assert_eq!(next, Some(at("2026-12-07T08:00:00Z")));
    }

    #[test]
    fn the_opening_after_the_clocks_change_is_in_summer_time() {
        // Saturday 28 March 2026 (winter time, UTC+1); summer time starts on Sunday the 29th,
        // so Monday's 09:00 is 07:00 UTC, not 08:00.
        let next = berlin_office().next_opening(at("2026-03-28T12:00:00Z"));
        assert_eq!(next, Some(at("2026-03-30T07:00:00Z")));
        // And back in October: Saturday 24th in summer time, Monday the 26th in winter time.
        let next = berlin_office().next_opening(at("2026-10-24T12:00:00Z"));
        assert_eq!(next, Some(at("2026-10-26T08:00:00Z")));
    }

    #[test]
    fn unknown_zones_empty_days_and_backwards_hours_are_refused() {
        let mut config = SupportHours {
            timezone: "Europe/Atlantis".into(),
            days: vec![Day::Mon],
            from: ClockTime::parse("09:00").expect("a time"),
            to: ClockTime::parse("17:00").expect("a time"),
        };
        assert!(Hours::new(&config).unwrap_err().contains("IANA"));
        config.timezone = "UTC".into();
        config.days.clear();
        assert!(Hours::new(&config).unwrap_err().contains("days"));
        config.days = vec![Day::Sun];
        config.from = ClockTime::parse("17:00").expect("a time");
        assert!(Hours::new(&config).unwrap_err().contains("earlier"));
    }
}
