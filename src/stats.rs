//! The drop-off report for the support team: where people get to, where they are fixed,
//! and where they give up. Computed from the event history, and from the per-day counts
//! rolled up from walkthroughs erased since ([`walk`]).

pub mod walk;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::time::Duration;

use serde::Serialize;

use crate::ids::ThreadId;
use crate::script::Script;
use crate::store::events::Event;

pub use walk::{bucket, day_of, AtStep, Columns, Counted, Tallied, Walk, UNKNOWN_LOCALE};

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct StepRow {
    pub step: String,
    pub title: String,
    /// Walkthroughs that were shown this step.
    pub reached: usize,
    pub fixed_here: usize,
    pub handed_off_here: usize,
    /// Walkthroughs closed for inactivity while on this step.
    pub left_here: usize,
    /// Of the fixes here, those the person confirmed the next day, those that had not held
    /// (the walkthrough reopened), and those never confirmed (no answer, or no question).
    pub confirmed_here: usize,
    pub reopened_here: usize,
    pub unconfirmed_here: usize,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Outcomes {
    pub started: usize,
    pub fixed: usize,
    pub handed_off: usize,
    pub idle_closed: usize,
    /// Apple reported a problem, and the person chose to wait for Apple.
    pub waiting_for_apple: usize,
    /// Handed off, then closed by the support team (also counted in `handed_off`).
    pub closed_by_staff: usize,
    pub still_open: usize,
    /// Fixes followed up the next day (see README, "Following up a fix"): the backup ran by
    /// itself since (`confirmed`), it had not (`reopened`: the walkthrough went on, and how
    /// it ended then counts too), or nobody answered (`unconfirmed`). A fix not asked about
    /// yet is in none of them.
    pub confirmed: usize,
    pub reopened: usize,
    pub unconfirmed: usize,
}

/// What people said of their walkthroughs, 1 to 5.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct Ratings {
    pub count: usize,
    /// `None` without ratings.
    pub mean: Option<f64>,
    /// How many gave 1, 2, 3, 4 and 5.
    pub distribution: [usize; 5],
}

impl Ratings {
    /// Adds `n` ratings of `stars`; out of range (a corrupt row), none.
    fn add(&mut self, stars: u8, n: usize) {
        let Some(slot) = usize::from(stars)
            .checked_sub(1)
            .and_then(|i| self.distribution.get_mut(i))
        else {
            return;
        };
        if n == 0 {
            return;
        }
        *slot += n;
        self.count += n;
        let total: usize = self
            .distribution
            .iter()
            .enumerate()
            .map(|(i, n)| (i + 1) * n)
            .sum();
        self.mean = Some(total as f64 / self.count as f64);
    }
}

/// The ratings, overall and split by how the walkthrough ended and, for the fixed ones, by
/// the step that fixed it.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct RatingReport {
    pub all: Ratings,
    /// By outcome: `fixed`, `closed_by_staff`, ...
    pub per_outcome: BTreeMap<String, Ratings>,
    pub per_fixed_step: BTreeMap<String, Ratings>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct Report {
    pub outcomes: Outcomes,
    /// The same outcomes per locale of the script people walked through.
    pub per_locale: BTreeMap<String, Outcomes>,
    /// And per version of the script (its hash), as walkthroughs keep theirs across edits.
    pub per_version: BTreeMap<String, Outcomes>,
    /// From the first start to the fix, the median over fixes, each time [`bucket`]ed
    /// first (whole seconds under 10 minutes, minutes under 2 hours, 10 minutes beyond).
    pub median_seconds_to_fix: Option<u64>,
    /// In the script's order; steps the script no longer has come last.
    pub steps: Vec<StepRow>,
    pub ratings: RatingReport,
}

/// The report over `events` (each walkthrough's, in the order they were recorded), with
/// the `ratings` given in the same time (by thread), and the counts `rolled` up from erased
/// walkthroughs (see [`walk`]).
///
/// For `stats --since`, `events` and `ratings` are those at or after the start of the
/// period, and `rolled` the roll-up of the days that start at or after it: an erased
/// walkthrough counts whole, on the day it ended, when that day starts in the period.
pub fn report(
    events: &[Event],
    ratings: &[(ThreadId, u8)],
    rolled: &[(Counted, usize)],
    script: &Script,
) -> Report {
    let mut tally = Tally::default();
    for walk in walks(events, ratings) {
        for (counted, n) in walk.counts() {
            tally.add(&counted, n);
        }
    }
    for (counted, n) in rolled {
        tally.add(counted, *n);
    }
    tally.report(script)
}

/// The walkthroughs of `events`, with their `ratings`, by thread: a rated walkthrough
/// whose events are not among them is a walk of its ratings alone.
pub fn walks(events: &[Event], ratings: &[(ThreadId, u8)]) -> Vec<Walk> {
    let mut by_thread: BTreeMap<ThreadId, (Vec<&Event>, Vec<u8>)> = BTreeMap::new();
    for event in events {
        by_thread.entry(event.thread).or_default().0.push(event);
    }
    for (thread, stars) in ratings {
        by_thread.entry(*thread).or_default().1.push(*stars);
    }
    by_thread
        .values()
        .map(|(history, stars)| Walk::of(history, stars))
        .collect()
}

/// The counts of a report, being added up.
#[derive(Debug, Default)]
struct Tally {
    outcomes: Outcomes,
    per_locale: BTreeMap<String, Outcomes>,
    per_version: BTreeMap<String, Outcomes>,
    steps: HashMap<String, StepRow>,
    /// How many fixes took each (bucketed) number of seconds.
    fix_times: BTreeMap<u64, usize>,
    ratings: RatingReport,
}

impl Tally {
    fn add(&mut self, counted: &Counted, n: usize) {
        match counted {
            Counted::Outcome {
                locale,
                version,
                outcome,
            } => {
                *outcome.of(&mut self.outcomes) += n;
                *outcome.of(self.per_locale.entry(locale.clone()).or_default()) += n;
                *outcome.of(self.per_version.entry(version.clone()).or_default()) += n;
            }
            Counted::Step { step, at } => {
                let row = row(&mut self.steps, step);
                *match at {
                    AtStep::Reached => &mut row.reached,
                    AtStep::FixedHere => &mut row.fixed_here,
                    AtStep::HandedOffHere => &mut row.handed_off_here,
                    AtStep::LeftHere => &mut row.left_here,
                    AtStep::ConfirmedHere => &mut row.confirmed_here,
                    AtStep::ReopenedHere => &mut row.reopened_here,
                    AtStep::UnconfirmedHere => &mut row.unconfirmed_here,
                } += n;
            }
            Counted::FixTime { seconds } => *self.fix_times.entry(*seconds).or_default() += n,
            Counted::Rating {
                stars,
                outcome,
                fixed_at,
            } => {
                let rated = &mut self.ratings;
                rated.all.add(*stars, n);
                if let Some(step) = fixed_at {
                    let by_step = rated.per_fixed_step.entry(step.clone()).or_default();
                    by_step.add(*stars, n);
                }
                let by_outcome = rated.per_outcome.entry(outcome.clone()).or_default();
                by_outcome.add(*stars, n);
            }
        }
    }

    fn report(self, script: &Script) -> Report {
        let mut rows = self.steps;
        let mut steps: Vec<StepRow> = Vec::new();
        for step in &script.steps {
            let mut row = rows.remove(step.id.as_str()).unwrap_or_default();
            row.step = step.id.to_string();
            row.title = step.title.clone();
            steps.push(row);
        }
        let mut gone: Vec<StepRow> = rows.into_values().filter(|r| !r.step.is_empty()).collect();
        gone.sort_by(|a, b| a.step.cmp(&b.step));
        steps.extend(gone);
        Report {
            outcomes: self.outcomes,
            per_locale: self.per_locale,
            per_version: self.per_version,
            median_seconds_to_fix: median(&self.fix_times),
            steps,
            ratings: self.ratings,
        }
    }
}

/// The row of `step`, created empty on first use.
fn row<'a>(rows: &'a mut HashMap<String, StepRow>, step: &str) -> &'a mut StepRow {
    rows.entry(step.to_string()).or_insert_with(|| StepRow {
        step: step.to_string(),
        ..StepRow::default()
    })
}

/// The median of values counted (value → how many times): the middle one, or the mean of
/// the middle two, rounded down.
fn median(counted: &BTreeMap<u64, usize>) -> Option<u64> {
    let total: usize = counted.values().sum();
    let nth = |n: usize| {
        let mut seen = 0;
        counted.iter().find_map(|(value, count)| {
            seen += count;
            (seen > n).then_some(*value)
        })
    };
    match total {
        0 => None,
        odd if odd % 2 == 1 => nth(odd / 2),
        even => Some((nth(even / 2 - 1)? + nth(even / 2)?) / 2),
    }
}

fn outcomes_line(o: &Outcomes) -> String {
    let mut line = format!(
        "{} started, {} fixed, {} handed off, {} closed for inactivity",
        o.started, o.fixed, o.handed_off, o.idle_closed
    );
    if o.waiting_for_apple > 0 {
        line.push_str(&format!(", {} waiting for Apple", o.waiting_for_apple));
    }
    if o.closed_by_staff > 0 {
        line.push_str(&format!(", {} closed by staff", o.closed_by_staff));
    }
    if o.confirmed + o.reopened + o.unconfirmed > 0 {
        line.push_str(&format!(
            " (of the fixes: {} confirmed the next day, {} reopened, {} unconfirmed)",
            o.confirmed, o.reopened, o.unconfirmed
        ));
    }
    line.push_str(&format!(", {} still open", o.still_open));
    line
}

fn ratings_line(r: &Ratings) -> String {
    match r.mean {
        None => "none yet".to_string(),
        Some(mean) => {
            let spread: Vec<String> = r
                .distribution
                .iter()
                .enumerate()
                .map(|(i, n)| format!("{}★ {n}", i + 1))
                .collect();
            format!("{} rated, mean {mean:.1} ({})", r.count, spread.join(", "))
        }
    }
}

/// The report as a table for a terminal.
pub fn table(report: &Report, since: &str) -> String {
    let mut out = format!(
        "Walkthroughs in the last {since}: {}\n",
        outcomes_line(&report.outcomes)
    );
    if report.per_locale.len() > 1 {
        for (locale, o) in &report.per_locale {
            let _ = writeln!(out, "  {locale}: {}", outcomes_line(o));
        }
    }
    if report.per_version.len() > 1 {
        for (version, o) in &report.per_version {
            let _ = writeln!(out, "  script version {version}: {}", outcomes_line(o));
        }
    }
    match report.median_seconds_to_fix {
        Some(secs) => {
            let human = humantime::format_duration(Duration::from_secs(secs));
            let _ = writeln!(out, "Median time to a fix: {human}");
        }
        None => out.push_str("Median time to a fix: no fixes yet\n"),
    }
    let _ = writeln!(out, "Ratings: {}", ratings_line(&report.ratings.all));
    for (outcome, r) in &report.ratings.per_outcome {
        let _ = writeln!(out, "  {outcome}: {}", ratings_line(r));
    }
    for (step, r) in &report.ratings.per_fixed_step {
        let _ = writeln!(out, "  fixed at {step}: {}", ratings_line(r));
    }
    let _ = writeln!(
        out,
        "\n{:<24} {:>8} {:>11} {:>16} {:>10} {:>10} {:>9} {:>12}",
        "step",
        "reached",
        "fixed here",
        "handed off here",
        "left here",
        "confirmed",
        "reopened",
        "unconfirmed"
    );
    for row in &report.steps {
        let _ = writeln!(
            out,
            "{:<24} {:>8} {:>11} {:>16} {:>10} {:>10} {:>9} {:>12}",
            row.step,
            row.reached,
            row.fixed_here,
            row.handed_off_here,
            row.left_here,
            row.confirmed_here,
            row.reopened_here,
            row.unconfirmed_here
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::Timestamp;
    use crate::ids::{GuildId, UserId};
    use crate::store::EventKind;

    fn event(thread: u64, kind: EventKind, step: Option<&str>) -> Event {
        Event {
            at: Timestamp(0),
            guild: GuildId::new(1).expect("an id"),
            thread: ThreadId::new(thread).expect("an id"),
            owner: UserId::new(thread).expect("an id"),
            kind,
            step: step.map(str::to_string),
            locale: Some("en".into()),
            version: None,
        }
    }

    #[test]
    fn ratings_are_split_by_how_each_walkthrough_ended_and_where_it_was_fixed() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/responses/en.ron");
        let script = crate::script::load_file(path.as_ref()).expect("the shipped script");
        let events = [
            event(1, EventKind::Started, None),
            event(1, EventKind::Fixed, Some("wifi")),
            event(2, EventKind::Started, None),
            event(2, EventKind::Fixed, Some("wifi")),
            event(3, EventKind::Started, None),
            event(3, EventKind::HandedOff, Some("update")),
            event(3, EventKind::ClosedByStaff, Some("update")),
        ];
        let thread = |id| ThreadId::new(id).expect("an id");
        // Thread 9's events are older than the report: its outcome is unknown.
        let ratings = [
            (thread(1), 5),
            (thread(2), 4),
            (thread(3), 2),
            (thread(9), 3),
        ];
        let report = report(&events, &ratings, &[], &script);
        let r = &report.ratings;
        assert_eq!(r.all.count, 4);
        assert_eq!(r.all.distribution, [0, 1, 1, 1, 1]);
        assert_eq!(r.all.mean, Some(3.5));
        assert_eq!(r.per_outcome["fixed"].mean, Some(4.5));
        assert_eq!(
            r.per_outcome["closed_by_staff"].distribution,
            [0, 1, 0, 0, 0]
        );
        assert_eq!(r.per_outcome["unknown"].count, 1);
        assert_eq!(r.per_fixed_step["wifi"].count, 2);
        assert_eq!(r.per_fixed_step.len(), 1, "only fixes count by step");
        assert_eq!(report.outcomes.closed_by_staff, 1);
        assert_eq!(report.outcomes.handed_off, 1);
        let table = table(&report, "7d");
        assert!(table.contains("Ratings: 4 rated, mean 3.5"), "{table}");
        assert!(
            table.contains("fixed at wifi: 2 rated, mean 4.5"),
            "{table}"
        );
        assert!(table.contains("1 closed by staff"), "{table}");
        // Out-of-range stars (a corrupt row) are not counted.
        let mut odd = Ratings::default();
        odd.add(0, 1);
        odd.add(6, 1);
        assert_eq!((odd.count, odd.mean), (0, None));
    }
}
