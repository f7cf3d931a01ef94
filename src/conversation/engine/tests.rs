//! How "next" follows a route: the route's steps first, then the article's checks.

use super::super::{Input, Reply, Session, Timestamp, LOCAL_OWNER};
use super::{position, route_of, Engine};
use crate::script::{load_str, Script, StepId};

const MINI: &str = include_str!("../../../tests/fixtures/valid/en.ron");

/// The test fixture (checks: first, second) with a symptom-only step "extra" and a route
/// "partway" = [extra, second], chosen by a third opening answer; and a route "other" =
/// [first] chosen at "extra".
fn routed() -> Script {
    let source = MINI
        .replacen(
            r#"    checks: ["first", "second"],"#,
            r#"    checks: ["first", "second"],
    routes: { "partway": ["extra", "second"], "other": ["first"] },"#,
            1,
        )
        .replacen(
            r#"(label: "Not sure", words: ["dunno"], goto: "next"),"#,
            r#"(label: "Not sure", words: ["dunno"], goto: "next"),
                (label: "It fails partway", words: ["partway"], route: "partway", goto: "next"),"#,
            1,
        )
        .replacen(
            "    steps: [\n",
            r#"    steps: [
        (
            id: "extra",
            title: "Extra check",
            explanation: "Only for a backup failing partway.",
            question: "Does it work now?",
            choices: [
                (label: "Fixed", means: Yes, confirms: ICloud, goto: "fixed"),
                (label: "Still failing", goto: "next"),
                (label: "Something else", words: ["else"], route: "other", goto: "next"),
            ],
        ),
"#,
            1,
        );
    match load_str(&source, "routed.ron", Some("en")) {
        Ok(script) => script,
        Err(err) => panic!("the routed fixture is valid: {err}"),
    }
}

fn at(session: &Session) -> &str {
    session.current_step().map_or("(ended)", StepId::as_str)
}

/// Answers each text in turn and lists the steps shown after each.
fn walk(engine: &Engine, session: &mut Session, answers: &[&str]) -> Vec<String> {
    let now = Timestamp(0);
    answers
        .iter()
        .map(|text| {
            let reply = engine.apply(session, Input::Text((*text).into()), now);
            match reply {
                Reply::Show { step, .. } => step.to_string(),
                Reply::HandedOff { ending, .. } => format!("ending {ending}"),
                other => format!("{other:?}"),
            }
        })
        .collect()
}

fn started(engine: &Engine) -> Session {
    let mut session = engine.new_session(LOCAL_OWNER, Timestamp(0));
    engine.apply(&mut session, Input::Start, Timestamp(0));
    session
}

#[test]
fn a_route_walks_its_steps_first_then_every_unseen_check() {
    let script = routed();
    let engine = Engine::new(&script, Default::default());
    let mut session = started(&engine);
    let shown = walk(
        &engine,
        &mut session,
        &[
            "partway",
            "still failing",
            "face id",
            "still failing",
            "still failing",
        ],
    );
    // extra and second from the route, then "first" (the check not yet seen), then the end.
    assert_eq!(
        shown,
        ["extra", "second", "second-new", "first", "ending handoff"]
    );
}

#[test]
fn without_a_route_next_walks_the_checks_in_order() {
    let script = routed();
    let engine = Engine::new(&script, Default::default());
    let mut session = started(&engine);
    let shown = walk(&engine, &mut session, &["not sure", "still failing"]);
    assert_eq!(shown, ["first", "second"]);
    assert_eq!(route_of(&script, &session.history), None);
}

#[test]
fn back_undoes_the_route_with_the_answer() {
    let script = routed();
    let engine = Engine::new(&script, Default::default());
    let mut session = started(&engine);
    walk(&engine, &mut session, &["partway"]);
    assert_eq!(route_of(&script, &session.history), Some("partway"));
    walk(&engine, &mut session, &["back"]);
    assert_eq!(at(&session), "opening");
    assert_eq!(route_of(&script, &session.history), None);
    assert_eq!(walk(&engine, &mut session, &["dunno"]), ["first"]);
}

#[test]
fn the_most_recent_route_decides_and_seen_steps_are_skipped() {
    let script = routed();
    let engine = Engine::new(&script, Default::default());
    let mut session = started(&engine);
    // On "partway", then "other" = [first]; then the checks: first is seen, second is next.
    let shown = walk(&engine, &mut session, &["partway", "else", "still failing"]);
    assert_eq!(shown, ["extra", "first", "second"]);
    assert_eq!(route_of(&script, &session.history), Some("other"));
}

#[test]
fn start_over_forgets_the_route() {
    let script = routed();
    let engine = Engine::new(&script, Default::default());
    let mut session = started(&engine);
    walk(&engine, &mut session, &["partway", "start over"]);
    assert_eq!(route_of(&script, &session.history), None);
    assert_eq!(walk(&engine, &mut session, &["dunno"]), ["first"]);
}

/// Where the session's current step stands among the checks of its route.
fn place(script: &Script, session: &Session) -> Option<(usize, usize)> {
    let step = session.current_step()?;
    position(script, &session.history, step)
}

#[test]
fn a_check_shows_its_place_among_the_checks_of_the_route() {
    let script = routed();
    let engine = Engine::new(&script, Default::default());
    let mut session = started(&engine);
    assert_eq!(place(&script, &session), None, "the opening is not a check");
    // Without a route: the article's two checks.
    walk(&engine, &mut session, &["not sure"]);
    assert_eq!(place(&script, &session), Some((1, 2)));
    walk(&engine, &mut session, &["still failing"]);
    assert_eq!(place(&script, &session), Some((2, 2)));
    // On "partway" = [extra, second], then the checks: extra, second, first.
    walk(&engine, &mut session, &["start over", "partway"]);
    assert_eq!(at(&session), "extra");
    assert_eq!(place(&script, &session), Some((1, 3)));
    walk(&engine, &mut session, &["still failing"]);
    assert_eq!(at(&session), "second");
    assert_eq!(place(&script, &session), Some((2, 3)));
    walk(&engine, &mut session, &["back"]);
    assert_eq!(place(&script, &session), Some((1, 3)), "Back steps back");
}
