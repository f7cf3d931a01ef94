//! The engine's speed targets: one transition ≤ 5 µs; loading + validating the script ≤ 5 ms;
//! and what counting a click into the metrics adds to it.
//!
//! Run: `cargo bench --bench engine`. Figures go to BENCHMARKS.md.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

use backup_help_bot::conversation::{Engine, IdlePolicy, Input, Session, Timestamp, UserId};
use backup_help_bot::script::{load_dir, load_str, Script, StepId, Target};

fn english() -> (String, Script) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses/en.ron");
    let source = std::fs::read_to_string(&path).expect("responses/en.ron is readable");
    let script = load_str(&source, "en.ron", Some("en")).expect("responses/en.ron is valid");
    (source, script)
}

/// A session three answers into the walk, at the power check, whose plain no is "still
/// failing": "Not sure" at the opening, then at each check the answer that goes on to the
/// next one without a route (the first check's is "last backup is recent").
fn mid_walk(engine: &Engine, script: &Script) -> Session {
    let now = Timestamp(0);
    let mut session = engine.new_session(UserId::new(1).expect("ids are not 0"), now);
    engine.apply(&mut session, Input::Start, now);
    for _ in 0..3 {
        let step = session.current_step().cloned().expect("an open step");
        let choice = script
            .step(&step)
            .and_then(|s| {
                s.choices
                    .iter()
                    .position(|c| c.goto == Target::NextCheck && c.route.is_none())
            })
            .expect("an answer that goes on to the next check");
        engine.apply(&mut session, Input::Choose { step, choice }, now);
    }
    assert_eq!(
        session.current_step().map(StepId::as_str),
        Some("power"),
        "the transitions are measured at the power check"
    );
    session
}

fn transitions(c: &mut Criterion) {
    let (_, script) = english();
    let engine = Engine::new(&script, IdlePolicy::default());
    let session = mid_walk(&engine, &script);
    let step = session
        .current_step()
        .cloned()
        .unwrap_or_else(|| StepId::new("?"));
    let mut group = c.benchmark_group("transition");
    group.bench_function("button", |b| {
        b.iter_batched_ref(
            || session.clone(),
            |s| {
                let input = Input::Choose {
                    step: step.clone(),
                    choice: 0,
                };
                black_box(engine.apply(s, input, Timestamp(1)))
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("typed_with_typo", |b| {
        b.iter_batched_ref(
            || session.clone(),
            |s| black_box(engine.apply(s, Input::Text("stil failing".into()), Timestamp(1))),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("typed_gibberish_reask", |b| {
        b.iter_batched_ref(
            || session.clone(),
            |s| {
                let text = "my phone is being weird today, no idea".to_string();
                black_box(engine.apply(s, Input::Text(text), Timestamp(1)))
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn loading(c: &mut Criterion) {
    let (source, _) = english();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
    let mut group = c.benchmark_group("script");
    group.bench_function("parse_validate_build", |b| {
        b.iter(|| black_box(load_str(&source, "en.ron", Some("en")).is_ok()))
    });
    group.bench_function("load_dir_from_disk", |b| {
        b.iter(|| black_box(load_dir(&dir, "en").is_ok()))
    });
    group.finish();
}

/// What the metrics add to a click: its events counted, its acknowledgement timed; and one
/// scrape of `/metrics` (without the store's count).
fn metrics(c: &mut Criterion) {
    use backup_help_bot::ids::{GuildId, ThreadId};
    use backup_help_bot::metrics::{Metrics, Via};
    use backup_help_bot::store::{Event, EventKind};
    let event = |kind| Event {
        at: Timestamp(0),
        guild: GuildId::new(1).expect("not 0"),
        thread: ThreadId::new(2).expect("not 0"),
        owner: UserId::new(3).expect("not 0"),
        kind,
        step: Some("wifi".into()),
        locale: Some("en".into()),
        version: None,
    };
    let click = [event(EventKind::Answered), event(EventKind::StepShown)];
    let m = Metrics::new();
    m.set_build("0123456789abcdef".into());
    let mut group = c.benchmark_group("metrics");
    group.bench_function("count_a_click", |b| {
        b.iter(|| {
            m.record(black_box(&click), Some(Via::Button));
            m.acknowledged(black_box(std::time::Duration::from_millis(40)));
        })
    });
    group.bench_function("encode_a_scrape", |b| {
        b.iter(|| black_box(m.encode(Some(12))))
    });
    group.finish();
}

/// Apple's status as a click on the status step asks for it once the feed has been read
/// (the cached path every walkthrough shares), and what a reload costs besides reading the
/// folder: swapping the library.
fn live(c: &mut Criterion) {
    use backup_help_bot::status_feed::StatusFeed;
    use backup_help_bot::walkthrough::{Library, LiveStatus};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let feed = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("its address");
        let app = axum::Router::new().route(
            "/feed",
            axum::routing::get(|| async {
                r#"{"services":[{"serviceName":"iCloud Backup","events":[{"statusType":"Outage","eventStatus":"ongoing","message":"Some users","epochStartDate":1700000000000}]}]}"#
            }),
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let feed = StatusFeed::new(
            format!("http://{addr}/feed"),
            std::time::Duration::from_secs(2),
            std::time::Duration::from_secs(3600),
            vec!["iCloud Backup".into()],
            std::sync::Arc::new(backup_help_bot::clock::SystemClock),
        );
        assert!(feed.report().await.is_some_and(|r| r.has_problem()));
        feed
    });
    let mut group = c.benchmark_group("live");
    group.bench_function("apple_status_cached", |b| {
        b.iter(|| black_box(runtime.block_on(feed.report())))
    });
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
    let scripts = load_dir(&dir, "en").expect("the scripts load");
    let library = Library::new(scripts, "en".into());
    let in_use: Vec<_> = library
        .current_scripts()
        .iter()
        .map(|s| (s.hash, 10))
        .collect();
    group.bench_function("reload_swap_library", |b| {
        b.iter_batched(
            || load_dir(&dir, "en").expect("the scripts load"),
            |fresh| black_box(library.reloaded(fresh, &in_use)),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = transitions, loading, metrics, live
}
criterion_main!(benches);
