//! `purge` and `forget` on the command line: the retention purge now, and one person erased
//! on request, each through the walkthrough service on the configured store, printing what
//! was removed in plain words.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context};

use crate::clock::SystemClock;
use crate::config::Config;
use crate::ids::UserId;
use crate::script::load_dir;
use crate::store::{Erased, ErasedCard, Forgotten};
use crate::walkthrough::Walkthroughs;

/// Erases what is personal about walkthroughs that ended more than `older_than` (else the
/// config's `retention`) ago.
pub fn purge(config_path: &Path, older_than: Option<&str>) -> anyhow::Result<ExitCode> {
    let config = Config::load(config_path)?;
    let retention = match older_than {
        Some(text) => humantime::parse_duration(text).map_err(|err| {
            anyhow!("--older-than \"{text}\" is not a duration ({err}); write e.g. 30d, 90d")
        })?,
        None => config.retention.map(|r| r.0).ok_or_else(|| {
            anyhow!(
                "{} keeps everything (retention: None): say how old with --older-than, e.g. 90d",
                config_path.display()
            )
        })?,
    };
    let erased = with_service(&config, |walks| async move { walks.purge(retention).await })?;
    print!("{}", purged(&erased, retention));
    Ok(ExitCode::SUCCESS)
}

/// Erases everything personal about one person.
pub fn forget(config_path: &Path, user: u64) -> anyhow::Result<ExitCode> {
    let config = Config::load(config_path)?;
    let user = UserId::new(user).ok_or_else(|| {
        anyhow!("a user id is a number above 0 (Developer Mode → right-click → Copy User ID)")
    })?;
    let forgotten = with_service(&config, |walks| async move { walks.forget(user).await })?;
    print!("{}", forgot(user, &forgotten));
    Ok(ExitCode::SUCCESS)
}

/// Runs `work` on the walkthrough service over the configured store and scripts, with no
/// front-end: an open walkthrough it ends is closed as if its thread were gone, and
/// nothing is posted anywhere.
fn with_service<T, F, Fut>(config: &Config, work: F) -> anyhow::Result<T>
where
    F: FnOnce(Arc<Walkthroughs>) -> Fut,
    Fut: std::future::Future<Output = Result<T, crate::store::StoreError>>,
{
    let scripts = load_dir(&config.responses, &config.default_locale)
        .with_context(|| format!("loading the scripts in {}", config.responses.display()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let done = runtime.block_on(async {
        let store = crate::store::open(&config.storage).await?;
        let idle = config.timing();
        let walks = Walkthroughs::new(
            store,
            scripts,
            config.default_locale.clone(),
            idle,
            Arc::new(SystemClock),
        );
        work(Arc::new(walks)).await
    })?;
    Ok(done)
}

/// What a purge removed, in plain words.
fn purged(erased: &Erased, retention: Duration) -> String {
    let age = age(retention);
    if erased.walkthroughs == 0 {
        return format!("Nothing to erase: no walkthrough ended more than {age} ago still holds personal data.\n");
    }
    format!(
        "Erased the personal data of {} that ended more than {age} ago: {}, {} and every \
         row with the person's or the thread's id. What `stats` counts of them is kept, as \
         counts per day.\n",
        plural(erased.walkthroughs, "walkthrough"),
        plural(erased.lines, "transcript line"),
        plural(erased.comments, "rating comment"),
    )
}

/// What forgetting a person removed, in plain words.
fn forgot(user: UserId, forgotten: &Forgotten) -> String {
    let erased = &forgotten.erased;
    if erased.walkthroughs == 0 && forgotten.as_staff == 0 {
        return format!("Nothing is stored about user {user}.\n");
    }
    let mut out = format!(
        "Erased everything stored about user {user}: {} ({} of them still open, now ended; \
         their threads are left as they are), {} and {}",
        plural(erased.walkthroughs, "walkthrough"),
        forgotten.ended,
        plural(erased.lines, "transcript line"),
        plural(erased.comments, "rating comment"),
    );
    if forgotten.as_staff > 0 {
        out.push_str(&format!(
            ", and their name on {} as the staff member who claimed or closed it",
            plural(forgotten.as_staff, "case")
        ));
    }
    out.push_str(".\n");
    out.push_str(&cards_left(&erased.cards));
    out
}

/// The staff cards an erasure from here leaves as they were (the command line does not talk
/// to Discord), for someone to delete by hand.
fn cards_left(cards: &[ErasedCard]) -> String {
    if cards.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "{} in the staff channel still show their name and answers (this command cannot \
         edit Discord messages); delete them there:\n",
        plural(cards.len(), "staff card")
    );
    for card in cards {
        out.push_str(&format!(
            "  message {} in channel {}\n",
            card.message, card.channel
        ));
    }
    out
}

/// A retention as people say it: "90 days", "12 hours", else humantime's "1h 30m".
fn age(retention: Duration) -> String {
    let secs = retention.as_secs();
    match (secs % 86_400, secs % 3_600) {
        (0, _) if secs > 0 => plural(usize::try_from(secs / 86_400).unwrap_or(usize::MAX), "day"),
        (_, 0) if secs > 0 => plural(usize::try_from(secs / 3_600).unwrap_or(usize::MAX), "hour"),
        _ => humantime::format_duration(retention).to_string(),
    }
}

fn plural(count: usize, what: &str) -> String {
    if count == 1 {
        format!("1 {what}")
    } else {
        format!("{count} {what}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_say_what_went_in_plain_words() {
        let erased = Erased {
            threads: Vec::new(),
            walkthroughs: 2,
            lines: 1,
            comments: 0,
            cards: Vec::new(),
        };
        let day = Duration::from_secs(24 * 60 * 60);
        assert_eq!(
            purged(&erased, 30 * day),
            "Erased the personal data of 2 walkthroughs that ended more than 30 days ago: \
             1 transcript line, 0 rating comments and every row with the person's or the \
             thread's id. What `stats` counts of them is kept, as counts per day.\n"
        );
        assert_eq!(
            purged(&Erased::default(), day),
            "Nothing to erase: no walkthrough ended more than 1 day ago still holds personal \
             data.\n"
        );
        assert_eq!(age(Duration::from_secs(7_200)), "2 hours");
        assert_eq!(age(Duration::from_secs(90)), "1m 30s");
        let user = UserId::new(5).expect("an id");
        let forgotten = Forgotten {
            erased,
            ended: 1,
            as_staff: 1,
        };
        let text = forgot(user, &forgotten);
        assert!(
            text.contains("user 5: 2 walkthroughs (1 of them still open"),
            "{text}"
        );
        assert!(text.ends_with("on 1 case as the staff member who claimed or closed it.\n"));
        let card = |message| ErasedCard {
            channel: crate::ids::ChannelId::new(77).expect("an id"),
            message: crate::ids::MessageId::new(message).expect("an id"),
            locale: None,
        };
        let carded = Forgotten {
            erased: Erased {
                walkthroughs: 1,
                cards: vec![card(78), card(79)],
                ..Erased::default()
            },
            ..Forgotten::default()
        };
        let text = forgot(user, &carded);
        assert!(
            text.ends_with(
                "2 staff cards in the staff channel still show their name and answers (this \
                 command cannot edit Discord messages); delete them there:\n  message 78 in \
                 channel 77\n  message 79 in channel 77\n"
            ),
            "{text}"
        );
        assert_eq!(
            forgot(user, &Forgotten::default()),
            "Nothing is stored about user 5.\n"
        );
    }
}
