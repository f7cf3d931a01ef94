//! A small chaos run (the bench runs the big one): people walk while the bot is killed and
//! restarted, with a gateway resume, an invalid session and bursts of 429 and 502 between.

#[path = "../../benches/load/chaos.rs"]
mod run;

use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_walking_through_kills_and_faults_end_where_their_answers_imply() {
    let chaos = run::Chaos {
        people: 12,
        kills: 4,
        seed: 7,
        bin: env!("CARGO_BIN_EXE_backup-help-bot").into(),
        responses: concat!(env!("CARGO_MANIFEST_DIR"), "/responses").into(),
        limit: Duration::from_secs(120),
    };
    let outcome = run::run(&chaos).await;
    println!("{outcome:#?}");
    assert!(
        outcome.retries > 0 || outcome.unanswered_at_kills > 0,
        "the kills met nobody"
    );
    assert_eq!(outcome.restarts, 4);
    assert!(
        outcome.wrong.is_empty() && outcome.fine == outcome.people,
        "{outcome:#?}"
    );
    assert!(outcome.problems.is_empty(), "{:#?}", outcome.problems);
}
