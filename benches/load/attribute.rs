//! LOAD_ATTRIBUTE=1: what the slowest answers were made of.
//!
//! The bot is run with its timing lines on (`backup_help_bot::timing` at debug, as JSON on
//! its stderr, kept in a file): one per answer, with what it waited for by phase (the
//! thread's lock, the store, the REST gate, requests to Discord), and one per periodic round
//! (the sweep with the transcript flush, the idle check, the purge). Each answer the bench
//! made is matched to its line by interaction or message id; from when the bench sent it and
//! when the bot began on it comes the time it spent on the way in (the gateway, serenity's
//! dispatch, the runtime's queue). The slowest 1% are then laid beside the middle ones.

use std::collections::HashMap;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// Whether this run attributes its answers.
pub fn enabled() -> bool {
    std::env::var("LOAD_ATTRIBUTE").is_ok_and(|v| v == "1")
}

/// The log filter the bot runs with when attributing.
pub const FILTER: &str = "error,backup_help_bot::timing=debug";

/// Microseconds since the Unix epoch, now.
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// One answer as the bench made it.
#[derive(Clone, Copy)]
pub struct Made {
    /// "click" or "typed".
    pub kind: &'static str,
    /// The interaction's id, or the typed message's.
    pub id: u64,
    pub sent_us: u64,
    /// Seconds until the next step was in the thread.
    pub seen: f64,
}

/// One answer as the bot timed it.
#[derive(Default, Clone, Copy)]
struct Timed {
    began_us: u64,
    total_us: u64,
    responded_us: Option<u64>,
    phases: [u64; PHASES.len()],
}

const PHASES: [&str; 6] = ["lock", "load", "save", "record", "gate", "request"];

struct Round {
    task: String,
    began_us: u64,
    took_us: u64,
}

fn read(log: &Path) -> (HashMap<(String, u64), Timed>, Vec<Round>) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut answers = HashMap::new();
    let mut rounds = Vec::new();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let n = |k: &str| v[k].as_u64();
        if let (Some(task), Some(began_us), Some(took_us)) =
            (v["task"].as_str(), n("began_us"), n("took_us"))
        {
            rounds.push(Round {
                task: task.to_string(),
                began_us,
                took_us,
            });
        } else if let (Some(kind), Some(id), Some(began_us)) =
            (v["kind"].as_str(), n("id"), n("began_us"))
        {
            let mut timed = Timed {
                began_us,
                total_us: n("total_us").unwrap_or(0),
                responded_us: n("responded_us"),
                ..Timed::default()
            };
            for (i, phase) in PHASES.iter().enumerate() {
                timed.phases[i] = n(&format!("{phase}_us")).unwrap_or(0);
            }
            answers.insert((kind.to_string(), id), timed);
        }
    }
    (answers, rounds)
}

/// Prints what the slowest 1% of `made` (by the time to the next step) were made of, beside
/// the middle tenth, from the bot's timing lines in `log`.
pub fn report(made: &[Made], log: &Path) {
    let (timed, rounds) = read(log);
    let mut matched: Vec<(Made, Timed)> = made
        .iter()
        .filter_map(|m| timed.get(&(m.kind.to_string(), m.id)).map(|t| (*m, *t)))
        .collect();
    println!(
        "\nattribution: {} of {} answers timed by the bot, {} periodic rounds",
        matched.len(),
        made.len(),
        rounds.len()
    );
    if matched.len() < 20 {
        println!("  too few to attribute (is the bot a build with timing lines?)");
        return;
    }
    matched.sort_by(|a, b| a.0.seen.total_cmp(&b.0.seen));
    let n = matched.len();
    let middle = &matched[n * 45 / 100..n * 55 / 100];
    let slowest = &matched[n * 99 / 100..];
    let tasks: Vec<String> = {
        let mut t: Vec<String> = rounds.iter().map(|r| r.task.clone()).collect();
        t.sort();
        t.dedup();
        t
    };
    print!("\n| answers | n | seen | on the way in |");
    for p in PHASES {
        print!(" {p} |");
    }
    print!(" response left | bot total |");
    for t in &tasks {
        print!(" during a {t} round |");
    }
    println!();
    println!("|{}", "---|".repeat(6 + PHASES.len() + tasks.len()));
    for (name, band) in [("middle tenth", middle), ("slowest 1%", slowest)] {
        row(name, band, &rounds, &tasks);
    }
    for kind in ["click", "typed"] {
        let band: Vec<(Made, Timed)> = slowest
            .iter()
            .filter(|(m, _)| m.kind == kind)
            .copied()
            .collect();
        row(&format!("slowest 1%, {kind}s"), &band, &rounds, &tasks);
    }
    println!("\nthe ten slowest, one by one:");
    for one in matched.iter().rev().take(10) {
        row(one.0.kind, std::slice::from_ref(one), &rounds, &tasks);
    }
    println!(
        "\n(mean ms per answer; phases may overlap; \"on the way in\" is the gateway, serenity's \
         dispatch and the runtime's queue; a round counts when it overlapped the answer)"
    );
}

fn row(name: &str, band: &[(Made, Timed)], rounds: &[Round], tasks: &[String]) {
    let k = band.len().max(1) as f64;
    let mean = |f: &dyn Fn(&(Made, Timed)) -> f64| band.iter().map(f).sum::<f64>() / k;
    let ms = |us: u64| us as f64 / 1000.0;
    print!(
        "| {name} | {} | {:.1} | {:.1} |",
        band.len(),
        mean(&|(m, _)| m.seen * 1000.0),
        mean(&|(m, t)| ms(t.began_us.saturating_sub(m.sent_us)))
    );
    for i in 0..PHASES.len() {
        print!(" {:.1} |", mean(&|(_, t)| ms(t.phases[i])));
    }
    let responded: Vec<f64> = band
        .iter()
        .filter_map(|(_, t)| t.responded_us.map(ms))
        .collect();
    let left = if responded.is_empty() {
        "-".to_string()
    } else {
        format!(
            "{:.1}",
            responded.iter().sum::<f64>() / responded.len() as f64
        )
    };
    print!(" {left} | {:.1} |", mean(&|(_, t)| ms(t.total_us)));
    for task in tasks {
        let during = band
            .iter()
            .filter(|(m, _)| {
                let end = m.sent_us + (m.seen * 1e6) as u64;
                rounds.iter().any(|r| {
                    &r.task == task && r.began_us < end && r.began_us + r.took_us > m.sent_us
                })
            })
            .count();
        print!(" {:.0}% |", 100.0 * during as f64 / k);
    }
    println!();
}
