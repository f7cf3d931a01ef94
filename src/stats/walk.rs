//! One walkthrough's part in the report, as a value: [`Walk`], and the counts it adds up to
//! ([`Walk::counts`]). The report over live events adds these counts up; erasing a
//! walkthrough adds the same counts into its day's roll-up (see
//! [`crate::store::erase`]), so a purged walkthrough counts exactly as it did while live.

use std::time::Duration;

use crate::conversation::Timestamp;
use crate::store::events::{Event, EventKind};

/// The locale (or version) of walkthroughs whose events were recorded before it was kept.
pub const UNKNOWN_LOCALE: &str = "unknown";

/// The outcome of a rating whose walkthrough's events are not in the report, and the fixed
/// step of a fix recorded without one.
pub const UNKNOWN: &str = "unknown";

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The start (00:00 UTC) of the day `at` falls in: the key of the roll-up.
pub fn day_of(at: Timestamp) -> Timestamp {
    Timestamp(at.0.div_euclid(DAY_MS) * DAY_MS)
}

/// A time to a fix as the report counts it, in seconds: whole seconds under 10 minutes,
/// whole minutes under 2 hours, 10-minute steps beyond, each rounded down. Live and
/// rolled-up walkthroughs are bucketed alike, so a day's roll-up keeps one row per bucket
/// (at most 600 + 110 + a few a day) and the median does not move when a walkthrough is
/// erased.
pub fn bucket(time: Duration) -> u64 {
    let secs = time.as_secs();
    let step = match secs {
        0..600 => 1,
        600..7_200 => 60,
        _ => 600,
    };
    secs - secs % step
}

/// The outcome counts of [`super::Outcomes`], one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tallied {
    Started,
    Fixed,
    HandedOff,
    IdleClosed,
    WaitingForApple,
    ClosedByStaff,
    StillOpen,
    Confirmed,
    Reopened,
    Unconfirmed,
}

impl Tallied {
    const ALL: [(Tallied, &'static str); 10] = [
        (Tallied::Started, "started"),
        (Tallied::Fixed, "fixed"),
        (Tallied::HandedOff, "handed_off"),
        (Tallied::IdleClosed, "idle_closed"),
        (Tallied::WaitingForApple, "waiting_for_apple"),
        (Tallied::ClosedByStaff, "closed_by_staff"),
        (Tallied::StillOpen, "still_open"),
        (Tallied::Confirmed, "confirmed"),
        (Tallied::Reopened, "reopened"),
        (Tallied::Unconfirmed, "unconfirmed"),
    ];

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(t, _)| *t == self)
            .map_or("started", |(_, name)| name)
    }

    pub fn parse(text: &str) -> Option<Tallied> {
        Self::ALL.iter().find(|(_, n)| *n == text).map(|(t, _)| *t)
    }

    /// The count of `outcomes` this is.
    pub fn of(self, outcomes: &mut super::Outcomes) -> &mut usize {
        match self {
            Tallied::Started => &mut outcomes.started,
            Tallied::Fixed => &mut outcomes.fixed,
            Tallied::HandedOff => &mut outcomes.handed_off,
            Tallied::IdleClosed => &mut outcomes.idle_closed,
            Tallied::WaitingForApple => &mut outcomes.waiting_for_apple,
            Tallied::ClosedByStaff => &mut outcomes.closed_by_staff,
            Tallied::StillOpen => &mut outcomes.still_open,
            Tallied::Confirmed => &mut outcomes.confirmed,
            Tallied::Reopened => &mut outcomes.reopened,
            Tallied::Unconfirmed => &mut outcomes.unconfirmed,
        }
    }
}

/// What happened at a step, as the step table counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AtStep {
    Reached,
    FixedHere,
    HandedOffHere,
    LeftHere,
    /// A fix here followed up the next day: confirmed, reopened or unconfirmed.
    ConfirmedHere,
    ReopenedHere,
    UnconfirmedHere,
}

impl AtStep {
    const ALL: [(AtStep, &'static str); 7] = [
        (AtStep::Reached, "reached"),
        (AtStep::FixedHere, "fixed_here"),
        (AtStep::HandedOffHere, "handed_off_here"),
        (AtStep::LeftHere, "left_here"),
        (AtStep::ConfirmedHere, "confirmed_here"),
        (AtStep::ReopenedHere, "reopened_here"),
        (AtStep::UnconfirmedHere, "unconfirmed_here"),
    ];

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(a, _)| *a == self)
            .map_or("reached", |(_, name)| name)
    }

    pub fn parse(text: &str) -> Option<AtStep> {
        Self::ALL.iter().find(|(_, n)| *n == text).map(|(a, _)| *a)
    }
}

/// One thing the report counts; walkthroughs add up to a count of each.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Counted {
    /// An outcome of walkthroughs in `locale` on script `version`.
    Outcome {
        locale: String,
        version: String,
        outcome: Tallied,
    },
    /// A step reached, or where walkthroughs were fixed, handed off or left.
    Step { step: String, at: AtStep },
    /// A fix this long after the start ([`bucket`]ed).
    FixTime { seconds: u64 },
    /// A rating, with how its walkthrough ended (an event kind's name, or [`UNKNOWN`]) and,
    /// for a fix, where.
    Rating {
        stars: u8,
        outcome: String,
        fixed_at: Option<String>,
    },
}

/// A [`Counted`] as the roll-up's columns keep it: what it counts, and the columns that
/// kind uses (the others are empty, or 0).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Columns {
    /// `outcome`, a step count's name (`reached`, ...), `fix_time` or `rating`.
    pub what: String,
    pub locale: String,
    pub version: String,
    pub step: String,
    pub outcome: String,
    /// The seconds of a fix time; the stars of a rating.
    pub value: i64,
}

impl Counted {
    pub fn columns(&self) -> Columns {
        match self {
            Counted::Outcome {
                locale,
                version,
                outcome,
            } => Columns {
                what: "outcome".into(),
                locale: locale.clone(),
                version: version.clone(),
                outcome: outcome.as_str().into(),
                ..Columns::default()
            },
            Counted::Step { step, at } => Columns {
                what: at.as_str().into(),
                step: step.clone(),
                ..Columns::default()
            },
            Counted::FixTime { seconds } => Columns {
                what: "fix_time".into(),
                value: i64::try_from(*seconds).unwrap_or(i64::MAX),
                ..Columns::default()
            },
            Counted::Rating {
                stars,
                outcome,
                fixed_at,
            } => Columns {
                what: "rating".into(),
                step: fixed_at.clone().unwrap_or_default(),
                outcome: outcome.clone(),
                value: i64::from(*stars),
                ..Columns::default()
            },
        }
    }

    /// The count `columns` keep; `None` for a row this version does not know.
    pub fn from_columns(c: &Columns) -> Option<Counted> {
        Some(match c.what.as_str() {
            "outcome" => Counted::Outcome {
                locale: c.locale.clone(),
                version: c.version.clone(),
                outcome: Tallied::parse(&c.outcome)?,
            },
            "fix_time" => Counted::FixTime {
                seconds: u64::try_from(c.value).ok()?,
            },
            "rating" => Counted::Rating {
                stars: u8::try_from(c.value).ok()?,
                outcome: c.outcome.clone(),
                fixed_at: (!c.step.is_empty()).then(|| c.step.clone()),
            },
            other => Counted::Step {
                step: c.step.clone(),
                at: AtStep::parse(other)?,
            },
        })
    }
}

/// One walkthrough's part in the report, from its events (those in the report) and its
/// ratings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Walk {
    /// Its outcomes; `None` when none of its events is in the report (a rating alone).
    pub outcomes: Option<super::Outcomes>,
    /// Its script's locale and version, from its first event that has one.
    pub locale: String,
    pub version: String,
    /// The steps it was shown, each once, in order.
    pub reached: Vec<String>,
    /// The steps it was fixed, handed off and left (closed for inactivity) at.
    pub fixed_at: Vec<String>,
    pub handed_off_at: Vec<String>,
    pub left_at: Vec<String>,
    /// The steps of its fixes that were confirmed, reopened and left unconfirmed the next
    /// day.
    pub confirmed_at: Vec<String>,
    pub reopened_at: Vec<String>,
    pub unconfirmed_at: Vec<String>,
    /// From its first start to each fix, [`bucket`]ed.
    pub fix_seconds: Vec<u64>,
    /// Its last outcome (the event's kind) and that event's step: how it ended.
    pub ended_as: Option<(EventKind, Option<String>)>,
    /// The stars it was rated.
    pub stars: Vec<u8>,
}

impl Walk {
    /// The walkthrough whose events are `history` (in the order they were recorded) and
    /// whose ratings are `stars`.
    pub fn of(history: &[&Event], stars: &[u8]) -> Walk {
        let mut walk = Walk {
            stars: stars.to_vec(),
            ..Walk::default()
        };
        if history.is_empty() {
            return walk;
        }
        let mut mine = super::Outcomes::default();
        let (mut started, mut ended) = (None, false);
        for event in history {
            let step = event.step.as_deref().unwrap_or("");
            let at_step = |steps: &mut Vec<String>| {
                if !step.is_empty() {
                    steps.push(step.to_string());
                }
            };
            match event.kind {
                EventKind::Started => {
                    started.get_or_insert(event.at);
                    mine.started += 1;
                }
                EventKind::StepShown if !walk.reached.iter().any(|s| s == step) => {
                    at_step(&mut walk.reached)
                }
                EventKind::Fixed => {
                    mine.fixed += 1;
                    at_step(&mut walk.fixed_at);
                    if let Some(start) = started {
                        walk.fix_seconds.push(bucket(event.at.since(start)));
                    }
                }
                EventKind::HandedOff => {
                    mine.handed_off += 1;
                    at_step(&mut walk.handed_off_at);
                }
                EventKind::IdleClosed => {
                    mine.idle_closed += 1;
                    at_step(&mut walk.left_at);
                }
                EventKind::WaitingForApple => mine.waiting_for_apple += 1,
                EventKind::Confirmed => {
                    mine.confirmed += 1;
                    at_step(&mut walk.confirmed_at);
                }
                EventKind::Reopened => {
                    mine.reopened += 1;
                    at_step(&mut walk.reopened_at);
                }
                EventKind::Unconfirmed => {
                    mine.unconfirmed += 1;
                    at_step(&mut walk.unconfirmed_at);
                }
                EventKind::ClosedByStaff => mine.closed_by_staff += 1,
                _ => {}
            }
            // Open again while its follow-up question is before the person, or after it
            // reopened; ended again by how that came out.
            match event.kind {
                EventKind::FollowUpAsked | EventKind::Reopened => ended = false,
                EventKind::Confirmed | EventKind::Unconfirmed => ended = true,
                kind => ended |= kind.is_outcome(),
            }
        }
        if started.is_some() && !ended {
            mine.still_open += 1;
        }
        let first = |get: fn(&Event) -> Option<&str>| {
            let found = history.iter().find_map(|e| get(e));
            found.unwrap_or(UNKNOWN_LOCALE).to_string()
        };
        walk.locale = first(|e| e.locale.as_deref());
        walk.version = first(|e| e.version.as_deref());
        let last = history.iter().rev().find(|e| e.kind.is_outcome());
        walk.ended_as = last.map(|e| (e.kind, e.step.clone()));
        walk.outcomes = Some(mine);
        walk
    }

    /// What the walkthrough adds to the report, as counts. Its outcomes are counted even
    /// when all are 0 (`started` then, with 0), so its locale and version are listed.
    pub fn counts(&self) -> Vec<(Counted, usize)> {
        let mut out = Vec::new();
        if let Some(outcomes) = &self.outcomes {
            let mut outcomes = outcomes.clone();
            for (tallied, _) in Tallied::ALL {
                let n = *tallied.of(&mut outcomes);
                if n > 0 || tallied == Tallied::Started {
                    let counted = Counted::Outcome {
                        locale: self.locale.clone(),
                        version: self.version.clone(),
                        outcome: tallied,
                    };
                    out.push((counted, n));
                }
            }
        }
        let steps = [
            (AtStep::Reached, &self.reached),
            (AtStep::FixedHere, &self.fixed_at),
            (AtStep::HandedOffHere, &self.handed_off_at),
            (AtStep::LeftHere, &self.left_at),
            (AtStep::ConfirmedHere, &self.confirmed_at),
            (AtStep::ReopenedHere, &self.reopened_at),
            (AtStep::UnconfirmedHere, &self.unconfirmed_at),
        ];
        for (at, steps) in steps {
            out.extend(steps.iter().map(|step| {
                let step = step.clone();
                (Counted::Step { step, at }, 1)
            }));
        }
        out.extend(
            self.fix_seconds
                .iter()
                .map(|&seconds| (Counted::FixTime { seconds }, 1)),
        );
        let (outcome, fixed_at) = match &self.ended_as {
            Some((EventKind::Fixed, step)) => {
                let step = step.clone().unwrap_or_else(|| UNKNOWN.into());
                (EventKind::Fixed.as_str(), Some(step))
            }
            Some((kind, _)) => (kind.as_str(), None),
            None => (UNKNOWN, None),
        };
        out.extend(self.stars.iter().map(|&stars| {
            let rating = Counted::Rating {
                stars,
                outcome: outcome.to_string(),
                fixed_at: fixed_at.clone(),
            };
            (rating, 1)
        }));
        out
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::ids::{GuildId, ThreadId, UserId};
    use crate::stats::report;

    /// An event of thread `thread` at `secs` seconds, in `locale` on `version`.
    fn event(
        thread: u64,
        (locale, version): (Option<&str>, Option<&str>),
        secs: i64,
        kind: EventKind,
        step: Option<&str>,
    ) -> Event {
        Event {
            at: Timestamp(secs * 1000),
            guild: GuildId::new(1).expect("an id"),
            thread: ThreadId::new(thread).expect("an id"),
            owner: UserId::new(thread).expect("an id"),
            kind,
            step: step.map(str::to_string),
            locale: locale.map(str::to_string),
            version: version.map(str::to_string),
        }
    }

    /// Walkthroughs of every kind: fixed (at a step, without one, twice, after seconds,
    /// minutes and hours), handed off and closed by staff, left, waiting for Apple, thread
    /// deleted, never delivered, still open, at a step the script no longer has, with
    /// answers alone, in four locales and three versions; rated, out of range too, and a
    /// rating whose events are not in the report.
    fn varied() -> (Vec<Event>, Vec<(ThreadId, u8)>) {
        use EventKind::*;
        let (en1, en2) = ((Some("en"), Some("v1")), (Some("en"), Some("v2")));
        let (es, de, old) = ((Some("es"), Some("v1")), (Some("de"), None), (None, None));
        let events = vec![
            event(1, en1, 0, Started, None),
            event(1, en1, 1, StepShown, Some("backup-switch")),
            event(1, en1, 2, StepShown, Some("wifi")),
            event(1, en1, 3, StepShown, Some("backup-switch")),
            event(2, es, 5, Started, None),
            event(2, es, 6, StepShown, Some("backup-switch")),
            event(1, en1, 125, Fixed, Some("wifi")),
            event(2, es, 70, HandedOff, Some("backup-switch")),
            event(2, es, 900, ClosedByStaff, Some("backup-switch")),
            event(3, de, 0, Started, None),
            event(3, de, 1, StepShown, Some("wifi")),
            event(3, de, 2_400, IdleClosed, Some("wifi")),
            event(4, en1, 0, Started, None),
            event(4, en1, 1, StepShown, Some("retired-step")),
            event(4, en1, 50, WaitingForApple, Some("retired-step")),
            event(5, en1, 0, Started, None),
            event(5, en1, 1, StepShown, Some("backup-switch")),
            event(6, en2, 0, Started, None),
            event(6, en2, 2_700, Fixed, None),
            event(7, en2, 100, Started, None),
            event(7, en2, 100 + 3 * 3_600 + 7 * 60, Fixed, Some("update")),
            event(8, (Some("fr"), Some("v3")), 10, Answered, Some("wifi")),
            event(10, old, 0, Started, None),
            event(10, old, 5, ThreadDeleted, Some("wifi")),
            event(11, en1, 0, NotDelivered, None),
            event(12, en1, 0, Started, None),
            event(12, en1, 30, Fixed, Some("wifi")),
            event(12, en1, 40, StartedOver, None),
            event(12, en1, 41, Started, None),
            event(12, en1, 700, Fixed, Some("update")),
            // The next day: one fix confirmed, one reopened (and then handed off), one
            // never answered.
            event(1, en1, 200, FollowUpAsked, Some("wifi")),
            event(1, en1, 210, Confirmed, Some("wifi")),
            event(7, en2, 20_000, FollowUpAsked, Some("update")),
            event(7, en2, 20_010, Reopened, Some("update")),
            event(7, en2, 20_011, StepShown, Some("overnight")),
            event(7, en2, 20_500, HandedOff, Some("overnight")),
            event(12, en1, 5_000, FollowUpAsked, Some("update")),
            event(12, en1, 7_000, Unconfirmed, Some("update")),
        ];
        let thread = |id| ThreadId::new(id).expect("an id");
        let ratings = vec![
            (thread(1), 5),
            (thread(2), 2),
            (thread(4), 3),
            (thread(6), 4),
            (thread(9), 1),
            (thread(12), 4),
            (thread(7), 6),
        ];
        (events, ratings)
    }

    /// The walks of `events` and `ratings` rolled up as an erasure does: through the
    /// roll-up's columns, summed per day (the day is the thread's id, so they differ).
    fn rolled_up(events: &[Event], ratings: &[(ThreadId, u8)]) -> Vec<(Counted, usize)> {
        let mut days: BTreeMap<(i64, Counted), usize> = BTreeMap::new();
        let mut threads: Vec<ThreadId> = events.iter().map(|e| e.thread).collect();
        threads.extend(ratings.iter().map(|(t, _)| *t));
        threads.sort();
        threads.dedup();
        for thread in threads {
            let history: Vec<&Event> = events.iter().filter(|e| e.thread == thread).collect();
            let stars: Vec<u8> = ratings
                .iter()
                .filter(|(t, _)| *t == thread)
                .map(|(_, s)| *s)
                .collect();
            for (counted, n) in Walk::of(&history, &stars).counts() {
                let back = Counted::from_columns(&counted.columns()).expect("read back");
                *days.entry((thread.get() as i64, back)).or_default() += n;
            }
        }
        days.into_iter().map(|((_, c), n)| (c, n)).collect()
    }

    #[test]
    fn a_rolled_up_walkthrough_counts_exactly_as_it_did_live() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/responses/en.ron");
        let script = crate::script::load_file(path.as_ref()).expect("the shipped script");
        let (events, ratings) = varied();
        let live = report(&events, &ratings, &[], &script);
        assert_eq!(live.per_locale.len(), 5, "{:?}", live.per_locale);
        assert_eq!(live.per_version.len(), 4, "{:?}", live.per_version);
        assert_eq!(live.outcomes.fixed, 5);
        assert_eq!(live.outcomes.still_open, 1);
        assert_eq!(
            live.median_seconds_to_fix,
            Some(660),
            "30, 125, 660, 2,700, 10,800 s"
        );
        let o = &live.outcomes;
        assert_eq!((o.confirmed, o.reopened, o.unconfirmed), (1, 1, 1));
        let row = |step: &str| live.steps.iter().find(|r| r.step == step).cloned();
        let wifi = row("wifi").expect("a wifi row");
        let update = row("update").expect("an update row");
        assert_eq!(wifi.confirmed_here, 1);
        assert_eq!((update.reopened_here, update.unconfirmed_here), (1, 1));
        assert_eq!(live.ratings.all.count, 6);
        assert_eq!(live.ratings.per_fixed_step.len(), 3);
        assert!(live.steps.iter().any(|r| r.step == "retired-step"));
        let rolled = rolled_up(&events, &ratings);
        assert_eq!(report(&[], &[], &rolled, &script), live, "all rolled up");
        // Some erased, some live.
        let erased = |t: ThreadId| t.get() % 2 == 0;
        let (gone, kept): (Vec<Event>, Vec<Event>) =
            events.iter().cloned().partition(|e| erased(e.thread));
        let (gone_r, kept_r): (Vec<_>, Vec<_>) = ratings.iter().partition(|(t, _)| erased(*t));
        let rolled = rolled_up(&gone, &gone_r);
        let mixed = report(&kept, &kept_r, &rolled, &script);
        let json = |r| serde_json::to_string(r).expect("JSON");
        assert_eq!(json(&mixed), json(&live), "half rolled up");
    }

    #[test]
    fn times_to_a_fix_are_bucketed_finer_when_shorter() {
        let secs = |s: u64| bucket(Duration::from_millis(s * 1000 + 999));
        assert_eq!(secs(0), 0);
        assert_eq!(secs(599), 599);
        assert_eq!(secs(600), 600);
        assert_eq!(secs(659), 600);
        assert_eq!(secs(7_199), 7_140);
        assert_eq!(secs(7_200), 7_200);
        assert_eq!(secs(7_799), 7_200);
        assert_eq!(secs(86_400 + 599), 86_400);
    }

    #[test]
    fn days_start_at_midnight_utc() {
        assert_eq!(day_of(Timestamp(0)), Timestamp(0));
        assert_eq!(day_of(Timestamp(DAY_MS - 1)), Timestamp(0));
        assert_eq!(day_of(Timestamp(DAY_MS + 5)), Timestamp(DAY_MS));
        assert_eq!(day_of(Timestamp(-1)), Timestamp(-DAY_MS));
    }

    #[test]
    fn every_count_survives_its_columns() {
        let counts = [
            Counted::Outcome {
                locale: "es".into(),
                version: "ab12".into(),
                outcome: Tallied::WaitingForApple,
            },
            Counted::Step {
                step: "wifi".into(),
                at: AtStep::LeftHere,
            },
            Counted::FixTime { seconds: 7_800 },
            Counted::Rating {
                stars: 4,
                outcome: "fixed".into(),
                fixed_at: Some("wifi".into()),
            },
            Counted::Rating {
                stars: 2,
                outcome: UNKNOWN.into(),
                fixed_at: None,
            },
        ];
        for counted in counts {
            let columns = counted.columns();
            assert_eq!(
                Counted::from_columns(&columns),
                Some(counted),
                "{columns:?}"
            );
        }
        for t in Tallied::ALL.map(|(t, _)| t) {
            assert_eq!(Tallied::parse(t.as_str()), Some(t));
        }
        let unknown = Columns {
            what: "from a later version".into(),
            ..Columns::default()
        };
        assert_eq!(Counted::from_columns(&unknown), None);
    }
}
