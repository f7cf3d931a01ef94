//! The script's messages with their placeholders filled, one typed method a message: the
//! one place that knows which message takes which `{placeholder}`. Values go in as they
//! are to be shown (a front-end formats its own mentions and times); each template is filled
//! in one pass, so a value that itself contains `{name}` is shown as written.

use super::Messages;

/// `template` with each `{key}` of `values` replaced by its value, in one pass; unknown
/// placeholders are left as written.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let key = &after[..close];
            let (_, value) = values.iter().find(|(k, _)| *k == key)?;
            Some((value, close))
        });
        match value {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

impl Messages {
    /// The reply to `/backup-help` once the thread (`thread`, a link) is open.
    pub fn thread_opened_at(&self, thread: &str) -> String {
        fill(&self.thread_opened, &[("thread", thread)])
    }

    /// The reply to `/backup-help` from someone whose walkthrough is open in `thread`.
    pub fn already_open_at(&self, thread: &str) -> String {
        fill(&self.already_open, &[("thread", thread)])
    }

    /// The bot lacks `permissions` (a list, as Discord names them).
    pub fn missing(&self, permissions: &str) -> String {
        fill(&self.missing_permissions, &[("permissions", permissions)])
    }

    /// A click in someone else's walkthrough; `owner` names whose.
    pub fn not_yours_but(&self, owner: &str) -> String {
        fill(&self.not_yours, &[("owner", owner)])
    }

    /// A rating by someone other than `owner`.
    pub fn only_owner_rates(&self, owner: &str) -> String {
        fill(&self.rating_owner_only, &[("owner", owner)])
    }

    /// Join done: `thread` links the thread.
    pub fn joined(&self, thread: &str) -> String {
        fill(&self.staff_joined, &[("thread", thread)])
    }

    /// In the thread: `name` took the case.
    pub fn claimed_by(&self, name: &str) -> String {
        fill(&self.claimed, &[("name", name)])
    }

    /// A second claim: `name` was first.
    pub fn already_claimed_by(&self, name: &str) -> String {
        fill(&self.already_claimed, &[("name", name)])
    }

    /// In the thread: `name` of the support team closed the case.
    pub fn closed_by(&self, name: &str) -> String {
        fill(&self.closed_by_staff, &[("name", name)])
    }

    /// Under a hand-off outside the support hours: the team is back `when` (`relative`).
    pub fn away_until(&self, when: &str, relative: &str) -> String {
        fill(
            &self.support_away,
            &[("when", when), ("relative", relative)],
        )
    }

    /// The staff card's title, for `person`.
    pub fn card_title_for(&self, person: &str) -> String {
        fill(&self.card_title, &[("person", person)])
    }

    /// The staff card's first line.
    pub fn card_details_of(
        &self,
        person: &str,
        language: &str,
        took: &str,
        thread: &str,
    ) -> String {
        let values = [
            ("person", person),
            ("language", language),
            ("took", took),
            ("thread", thread),
        ];
        fill(&self.card_details, &values)
    }

    /// On the card: `name` claimed it, `wait` after the hand-off.
    pub fn card_claimed_by(&self, name: &str, wait: &str) -> String {
        fill(&self.card_claimed, &[("name", name), ("wait", wait)])
    }

    /// On the card: `name` closed it.
    pub fn card_closed_by(&self, name: &str) -> String {
        fill(&self.card_closed, &[("name", name)])
    }

    /// Where the person is among the checks on their route: `n` of `total`; `None` if the
    /// script does not say.
    pub fn position(&self, n: usize, total: usize) -> Option<String> {
        let (n, total) = (n.to_string(), total.to_string());
        let text = fill(&self.check_position, &[("n", &n), ("total", &total)]);
        (!self.check_position.is_empty()).then_some(text)
    }

    /// On the card: rated `stars` of 5.
    pub fn card_rated(&self, stars: u8) -> String {
        fill(&self.card_rating, &[("stars", &stars.to_string())])
    }

    /// After an erasure: how many walkthroughs, transcript lines and rating comments went.
    pub fn forgotten(&self, walkthroughs: usize, lines: usize, comments: usize) -> String {
        let (w, l, c) = (
            walkthroughs.to_string(),
            lines.to_string(),
            comments.to_string(),
        );
        let values = [
            ("walkthroughs", w.as_str()),
            ("lines", &l),
            ("comments", &c),
        ];
        fill(&self.forget_done, &values)
    }

    /// After an erasure, for the support team: `cases` no longer name them.
    pub fn forgotten_as_staff(&self, cases: usize) -> String {
        fill(&self.forget_done_staff, &[("cases", &cases.to_string())])
    }

    /// Someone else's click on the erase button of `owner`.
    pub fn forget_only(&self, owner: &str) -> String {
        fill(&self.forget_not_yours, &[("owner", owner)])
    }

    /// Under a hand-off's summary: the person answered in `language`.
    pub fn answered_in_language(&self, language: &str) -> String {
        fill(&self.answered_in, &[("language", language)])
    }

    /// In the status step when Apple reports no problem, read `checked`.
    pub fn status_checked(&self, checked: &str) -> String {
        fill(&self.status_none, &[("checked", checked)])
    }
}

#[cfg(test)]
mod tests {
    use super::fill;

    #[test]
    fn placeholders_are_filled_once_and_unknown_ones_left() {
        let values = [("name", "Sam {wait}"), ("wait", "2m")];
        assert_eq!(
            fill("{name} took it after {wait}", &values),
            "Sam {wait} took it after 2m"
        );
        assert_eq!(fill("{other} and {", &values), "{other} and {");
        assert_eq!(fill("no placeholders", &[]), "no placeholders");
        assert_eq!(fill("{name}{name}", &values), "Sam {wait}Sam {wait}");
    }
}
