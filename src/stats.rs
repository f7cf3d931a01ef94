//! The drop-off report for the support team: where people get to, where they are fixed,
//! and where they give up. Computed from the event history alone.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::time::Duration;

use serde::Serialize;

use crate::ids::ThreadId;
use crate::script::Script;
use crate::store::{Event, EventKind};

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
}

impl Outcomes {
    fn add(&mut self, other: &Outcomes) {
        self.started += other.started;
        self.fixed += other.fixed;
        self.handed_off += other.handed_off;
        self.idle_closed += other.idle_closed;
        self.waiting_for_apple += other.waiting_for_apple;
        self.closed_by_staff += other.closed_by_staff;
        self.still_open += other.still_open;
    }
}

/// The locale (or version) of walkthroughs whose events were recorded before it was kept.
pub const UNKNOWN_LOCALE: &str = "unknown";

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
    fn add(&mut self, stars: u8) {
        let Some(slot) = usize::from(stars)
            .checked_sub(1)
            .and_then(|i| self.distribution.get_mut(i))
        else {
            return;
        };
        *slot += 1;
        self.count += 1;
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
    /// From the first start to the fix, the median over fixed walkthroughs.
    pub median_seconds_to_fix: Option<u64>,
    /// In the script's order; steps the script no longer has come last.
    pub steps: Vec<StepRow>,
    pub ratings: RatingReport,
}

/// The report over `events`, with the `ratings` given in the same time (by thread).
pub fn report(events: &[Event], ratings: &[(ThreadId, u8)], script: &Script) -> Report {
    let mut by_thread: BTreeMap<ThreadId, Vec<&Event>> = BTreeMap::new();
    for event in events {
        by_thread.entry(event.thread).or_default().push(event);
    }
    let mut rows: HashMap<String, StepRow> = HashMap::new();
    let mut outcomes = Outcomes::default();
    let mut per_locale: BTreeMap<String, Outcomes> = BTreeMap::new();
    let mut per_version: BTreeMap<String, Outcomes> = BTreeMap::new();
    let mut fix_times = Vec::new();
    // How each walkthrough ended (its last outcome), and where the fixed ones were fixed.
    let mut ended_as: HashMap<ThreadId, (EventKind, Option<String>)> = HashMap::new();
    for (thread, history) in &by_thread {
        if let Some(last) = history.iter().rev().find(|e| e.kind.is_outcome()) {
            ended_as.insert(*thread, (last.kind, last.step.clone()));
        }
    }
    let mut rated = RatingReport::default();
    for (thread, stars) in ratings {
        rated.all.add(*stars);
        let (outcome, step) = match ended_as.get(thread) {
            Some((kind, step)) => (kind.as_str().to_string(), step.clone()),
            None => ("unknown".to_string(), None),
        };
        if outcome == EventKind::Fixed.as_str() {
            let step = step.unwrap_or_else(|| "unknown".into());
            rated.per_fixed_step.entry(step).or_default().add(*stars);
        }
        rated.per_outcome.entry(outcome).or_default().add(*stars);
    }
    for history in by_thread.values() {
        let mut mine = Outcomes::default();
        let mut reached: Vec<&str> = Vec::new();
        let mut started = None;
        let mut ended = false;
        for event in history {
            let step = event.step.as_deref().unwrap_or("");
            match event.kind {
                EventKind::Started => {
                    started.get_or_insert(event.at);
                    mine.started += 1;
                }
                EventKind::StepShown if !reached.contains(&step) => {
                    reached.push(step);
                    row(&mut rows, step).reached += 1;
                }
                EventKind::Fixed => {
                    ended = true;
                    mine.fixed += 1;
                    row(&mut rows, step).fixed_here += 1;
                    if let Some(start) = started {
                        fix_times.push(event.at.since(start));
                    }
                }
                EventKind::HandedOff => {
                    ended = true;
                    mine.handed_off += 1;
                    row(&mut rows, step).handed_off_here += 1;
                }
                EventKind::IdleClosed => {
                    ended = true;
                    mine.idle_closed += 1;
                    row(&mut rows, step).left_here += 1;
                }
                EventKind::WaitingForApple => {
                    ended = true;
                    mine.waiting_for_apple += 1;
                }
                EventKind::ClosedByStaff => {
                    ended = true;
                    mine.closed_by_staff += 1;
                }
                // Not an outcome of the walk itself; only no longer open.
                EventKind::ThreadDeleted | EventKind::NotDelivered => ended = true,
                _ => {}
            }
        }
        if started.is_some() && !ended {
            mine.still_open += 1;
        }
        let locale = history.iter().find_map(|e| e.locale.as_deref());
        let locale = locale.unwrap_or(UNKNOWN_LOCALE).to_string();
        per_locale.entry(locale).or_default().add(&mine);
        let version = history.iter().find_map(|e| e.version.as_deref());
        let version = version.unwrap_or(UNKNOWN_LOCALE).to_string();
        per_version.entry(version).or_default().add(&mine);
        outcomes.add(&mine);
    }
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
        outcomes,
        per_locale,
        per_version,
        median_seconds_to_fix: median(&mut fix_times).map(|d| d.as_secs()),
        steps,
        ratings: rated,
    }
}

/// The row of `step`, created empty on first use.
fn row<'a>(rows: &'a mut HashMap<String, StepRow>, step: &str) -> &'a mut StepRow {
    rows.entry(step.to_string()).or_insert_with(|| StepRow {
        step: step.to_string(),
        ..StepRow::default()
    })
}

fn median(values: &mut [Duration]) -> Option<Duration> {
    if values.is_empty() {
        return None;
    }
    values.sort();
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 0 {
        (values[mid - 1] + values[mid]) / 2
    } else {
        values[mid]
    })
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
        "\n{:<24} {:>8} {:>11} {:>16} {:>10}",
        "step", "reached", "fixed here", "handed off here", "left here"
    );
    for row in &report.steps {
        let _ = writeln!(
            out,
            "{:<24} {:>8} {:>11} {:>16} {:>10}",
            row.step, row.reached, row.fixed_here, row.handed_off_here, row.left_here
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::Timestamp;
    use crate::ids::{GuildId, UserId};

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
        let report = report(&events, &ratings, &script);
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
        odd.add(0);
        odd.add(6);
        assert_eq!((odd.count, odd.mean), (0, None));
    }
}
