//! Transcript lines on their way to the store, written in batches.
//!
//! Every turn adds a line or two; writing them with the turn would cost every answer one
//! more statement (a fifth of its trips to the database, and measured at a quarter more CPU
//! per answer under load). So they wait here and go in one multi-row INSERT: when
//! [`BATCH`] have gathered, at every sweep (every 2 s), before a transcript is read, and at
//! shutdown. A crash loses at most the lines of the last sweep period; the walkthrough
//! itself (its answers, what it owes) is never in here.

use std::sync::Mutex;

use tracing::warn;

use crate::store::{Line, SessionStore};

/// Lines that trigger a write at once (a burst of answers).
pub const BATCH: usize = 200;

#[derive(Default)]
pub struct Pending {
    lines: Mutex<Vec<Line>>,
    /// One write at a time, so batches reach the store in the order they were taken.
    writing: tokio::sync::Mutex<()>,
}

impl Pending {
    /// Adds `lines`; `true` when a batch is ready to write.
    pub fn add(&self, lines: Vec<Line>) -> bool {
        let mut pending = match self.lines.lock() {
            Ok(pending) => pending,
            Err(poisoned) => poisoned.into_inner(),
        };
        pending.extend(lines);
        pending.len() >= BATCH
    }

    /// Writes every line gathered so far. A failure loses them, with a warning: the
    /// transcript is a record, and must never hold up an answer.
    pub async fn flush(&self, store: &dyn SessionStore) {
        let _writing = self.writing.lock().await;
        let lines = match self.lines.lock() {
            Ok(mut pending) => std::mem::take(&mut *pending),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        };
        if lines.is_empty() {
            return;
        }
        if let Err(err) = store.transcribe(&lines).await {
            warn!(
                lines = lines.len(),
                "could not write transcript lines: {err}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::Timestamp;
    use crate::ids::ThreadId;
    use crate::store::{CaseStore, LineKind, MemoryStore};

    fn line(thread: u64, at: i64) -> Line {
        Line {
            thread: ThreadId::new(thread).expect("an id"),
            at: Timestamp(at),
            kind: LineKind::Shown,
            author: None,
            text: format!("line {at}"),
        }
    }

    #[tokio::test]
    async fn lines_wait_for_a_batch_or_a_flush_and_keep_their_order() {
        let store = MemoryStore::new();
        let pending = Pending::default();
        let thread = ThreadId::new(1).expect("an id");
        assert!(!pending.add(vec![line(1, 1), line(1, 2)]));
        assert!(store.transcript(thread).await.expect("read").is_empty());
        pending.flush(&store).await;
        let full = (3..3 + BATCH as i64).map(|at| line(1, at)).collect();
        assert!(pending.add(full), "a full batch asks to be written");
        pending.flush(&store).await;
        let at: Vec<i64> = store
            .transcript(thread)
            .await
            .expect("read")
            .iter()
            .map(|l| l.at.0)
            .collect();
        assert_eq!(at, (1..3 + BATCH as i64).collect::<Vec<_>>());
    }
}
