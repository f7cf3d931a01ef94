//! What this process knows of the threads of walkthroughs without asking the store: which
//! hold an open walkthrough (and whose), and which a handed-off case the support team still
//! works in. Loaded at start-up and kept by every turn that saves; a thread another process
//! opened is found in the store instead.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use crate::conversation::Phase;
use crate::ids::{ThreadId, UserId};
use crate::store::Record;

/// Whose an open walkthrough is, and in which language (neither ever changes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub owner: UserId,
    /// The locale of the script it runs.
    pub locale: String,
}

#[derive(Default)]
pub struct KnownThreads {
    /// Threads of open walkthroughs: the only channels where typed text can be an answer,
    /// so other channels' messages never reach the store.
    open: Mutex<HashMap<ThreadId, Holder>>,
    /// Threads of handed-off walkthroughs not closed yet: whatever is written there goes into
    /// the transcript.
    cases: Mutex<HashSet<ThreadId>>,
}

impl KnownThreads {
    /// Learns open walkthroughs (thread, owner, locale) and open cases.
    pub fn learn(&self, open: Vec<(ThreadId, UserId, String)>, cases: Vec<ThreadId>) {
        if let Ok(mut known) = self.open.lock() {
            let holders = open
                .into_iter()
                .map(|(thread, owner, locale)| (thread, Holder { owner, locale }));
            known.extend(holders);
        }
        if let Ok(mut known) = self.cases.lock() {
            known.extend(cases);
        }
    }

    /// Whether `thread` holds a handed-off walkthrough the support team has not closed.
    pub fn is_case(&self, thread: ThreadId) -> bool {
        self.cases.lock().is_ok_and(|cases| cases.contains(&thread))
    }

    /// The threads of the open cases known.
    pub fn cases(&self) -> Vec<ThreadId> {
        let cases = self.cases.lock();
        cases
            .map(|c| c.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Whose the open walkthrough in `thread` is, if one is known.
    pub fn holder(&self, thread: ThreadId) -> Option<Holder> {
        self.open
            .lock()
            .ok()
            .and_then(|open| open.get(&thread).cloned())
    }

    /// Keeps up with `record` as just saved.
    pub fn track(&self, record: &Record) {
        if let Ok(mut cases) = self.cases.lock() {
            if matches!(record.session.phase, Phase::HandedOff(_)) {
                cases.insert(record.thread);
            } else {
                cases.remove(&record.thread);
            }
        }
        if let Ok(mut open) = self.open.lock() {
            if record.session.phase.is_open() {
                open.entry(record.thread).or_insert_with(|| Holder {
                    owner: record.session.owner,
                    locale: record.locale.clone(),
                });
            } else {
                open.remove(&record.thread);
            }
        }
    }

    /// Forgets `thread` (its walkthrough was erased): nothing written there is an answer,
    /// or goes into a transcript, any more.
    pub fn forget(&self, thread: ThreadId) {
        if let Ok(mut cases) = self.cases.lock() {
            cases.remove(&thread);
        }
        if let Ok(mut open) = self.open.lock() {
            open.remove(&thread);
        }
    }
}
