//! Each person in their own language, chosen from their Discord locale; the support team
//! reads the hand-off in the server's.

use backup_help_bot::script::{load_dir, Script, Target};
use fake_discord::world::GUILD_ID;
use fake_discord::Options;

use crate::harness::{start, PERSON};

/// The shipped scripts, as the bot loads them.
fn shipped() -> Vec<Script> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/responses");
    load_dir(dir.as_ref(), "en").expect("the shipped scripts load")
}

fn by_locale<'a>(scripts: &'a [Script], locale: &str) -> &'a Script {
    let found = scripts.iter().find(|s| s.locale == locale);
    found.unwrap_or_else(|| panic!("no {locale} script shipped"))
}

/// The opening's "not sure" answer (the one that goes through every check), in `script`.
fn not_sure(script: &Script) -> &str {
    let start = script.start_step();
    let choice = start.choices.iter().find(|c| c.goto == Target::NextCheck);
    &choice.expect("the opening has a next-check answer").label
}

fn title_of_check(script: &Script, n: usize) -> &str {
    let step = script.step(&script.checks[n]).expect("a check is a step");
    &step.title
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_on_es_419_walks_in_latin_american_spanish_and_the_team_reads_english() {
    let scripts = shipped();
    let (es, en) = (by_locale(&scripts, "es-419"), by_locale(&scripts, "en"));
    let h = start("", Options::default()).await;
    h.fake.set_locale(PERSON, "es-419");
    let thread = h.open(PERSON).await;
    assert_eq!(h.step_title(thread), es.start_step().title);
    h.click(PERSON, thread, not_sure(es)).await;
    assert_eq!(h.step_title(thread), title_of_check(es, 0));
    // The first check asks how old the last backup is: a bare "todavía falla" is asked
    // again, the answer that says it goes on.
    h.type_text(PERSON, thread, "todavía falla").await;
    assert_eq!(h.step_title(thread), title_of_check(es, 0));
    h.type_text(
        PERSON,
        thread,
        "sigue fallando, el último respaldo es reciente",
    )
    .await;
    assert_eq!(h.step_title(thread), title_of_check(es, 1));
    h.type_text(PERSON, thread, "hablar con una persona").await;
    let (_, title, _, embeds) = h.last_bot_message(thread);
    let handoff = es.ending(&es.handoff).expect("the hand-off ending");
    assert_eq!(
        title, handoff.title,
        "the person reads their ending in Spanish"
    );
    let field = &embeds[0]["fields"][0];
    assert_eq!(field["name"], en.messages.summary_heading.as_str());
    let summary = field["value"].as_str().unwrap_or_default();
    assert!(
        summary.contains(title_of_check(en, 0)) && !summary.contains(title_of_check(es, 0)),
        "the summary is in the server's English:\n{summary}"
    );
    assert!(
        summary.contains("The person answered in Español (Latinoamérica) (es-419)."),
        "{summary}"
    );
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_german_server_reads_a_german_summary_and_pt_br_falls_back_to_english() {
    let scripts = shipped();
    let (de, en) = (by_locale(&scripts, "de"), by_locale(&scripts, "en"));
    let h = start("", Options::default()).await;
    h.fake.set_guild_locale(GUILD_ID, "de");
    h.fake.set_locale(PERSON, "pt-BR");
    let thread = h.open(PERSON).await;
    assert_eq!(
        h.step_title(thread),
        en.start_step().title,
        "no Portuguese script"
    );
    h.click(PERSON, thread, not_sure(en)).await;
    h.type_text(PERSON, thread, "human").await;
    let (_, title, _, embeds) = h.last_bot_message(thread);
    assert_eq!(title, en.ending(&en.handoff).expect("an ending").title);
    let field = &embeds[0]["fields"][0];
    assert_eq!(field["name"], de.messages.summary_heading.as_str());
    let summary = field["value"].as_str().unwrap_or_default();
    // One answer so far, the opening's, named in German.
    let opening = format!("{}: {}", de.start_step().title, not_sure(de));
    assert!(summary.contains(&opening), "{summary}");
    assert!(
        summary.contains("(en)"),
        "names the person's English: {summary}"
    );
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_german_person_answers_in_german_words() {
    let scripts = shipped();
    let de = by_locale(&scripts, "de");
    let h = start("", Options::default()).await;
    h.fake.set_guild_locale(GUILD_ID, "de");
    h.fake.set_locale(PERSON, "de");
    let thread = h.open(PERSON).await;
    h.click(PERSON, thread, not_sure(de)).await;
    // "nein" at the first check is asked again (its failing answers say how old the last
    // backup is); "gestern" says it, and "nein" is the second check's plain no.
    h.type_text(PERSON, thread, "nein").await;
    assert_eq!(h.step_title(thread), title_of_check(de, 0));
    h.type_text(PERSON, thread, "gestern").await;
    assert_eq!(h.step_title(thread), title_of_check(de, 1));
    h.type_text(PERSON, thread, "nein").await;
    assert_eq!(h.step_title(thread), title_of_check(de, 2));
    h.type_text(PERSON, thread, "zurück").await;
    assert_eq!(h.step_title(thread), title_of_check(de, 1));
    h.type_text(PERSON, thread, "mit einem menschen sprechen")
        .await;
    let (_, _, _, embeds) = h.last_bot_message(thread);
    let summary = embeds[0]["fields"][0]["value"].as_str().unwrap_or_default();
    // Back took the second check's answer away again: the opening's and the first check's
    // are left.
    let opening = format!("{}: {}", de.start_step().title, not_sure(de));
    let first = de.step(&de.checks[0]).expect("a check is a step");
    let recent = first
        .choices
        .iter()
        .find(|c| c.words.iter().any(|w| w == "gestern"))
        .expect("an answer for a recent backup");
    let first = format!("{}: {}", first.title, recent.label);
    assert_eq!(
        summary,
        format!("• {opening}\n• {first}"),
        "same language, nothing to name"
    );
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_is_described_in_each_language_and_each_check_shows_its_place() {
    let scripts = shipped();
    let h = start("", Options::default()).await;
    let registered = h.fake.world(|w| w.commands[&Some(GUILD_ID)].clone());
    let localized = &registered[0]["description_localizations"];
    let description = |locale| &by_locale(&scripts, locale).messages.command_description;
    assert_eq!(registered[0]["description"], *description("en"));
    for (discord, script) in [("es-ES", "es"), ("es-419", "es-419"), ("de", "de")] {
        assert_eq!(localized[discord], *description(script), "{registered}");
    }
    // The first check, in each language: its place among the checks, then the name.
    let locales = [
        ("en-US", "en"),
        ("es-ES", "es"),
        ("es-419", "es-419"),
        ("de", "de"),
    ];
    for (i, (discord, locale)) in locales.into_iter().enumerate() {
        let script = by_locale(&scripts, locale);
        let person = PERSON + 10 + i as u64;
        h.fake.add_member(person, "Ada", &[]);
        h.fake.set_locale(person, discord);
        let thread = h.open(person).await;
        h.click(person, thread, not_sure(script)).await;
        assert_eq!(h.step_title(thread), title_of_check(script, 0));
        let footer = h.fake.world(|w| {
            let step = h.step_message_in(w, thread).expect("a live step");
            w.messages[&step].embeds[0]["footer"]["text"].clone()
        });
        let place = script.messages.position(1, script.checks.len());
        let expected = format!("{} · {}", place.expect("a position message"), script.name);
        assert_eq!(footer, expected.as_str(), "{locale}");
    }
    h.finish().await;
}
