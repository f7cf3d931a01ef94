//! One turn at a time per thread, and one `/backup-help` at a time per person, in this
//! process. Across processes the store's compare-and-swap and its one-open-walkthrough index
//! still keep answers exactly once (and Discord sends a guild's events to one shard).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::OwnedMutexGuard;

/// Locks by key, created on first use and forgotten once nobody holds or waits for them.
pub struct Locks<K> {
    locks: Mutex<HashMap<K, Arc<tokio::sync::Mutex<()>>>>,
}

/// How many keys may pile up before the unused ones are forgotten.
const FORGET_ABOVE: usize = 1024;

impl<K: Hash + Eq + Clone> Locks<K> {
    pub fn new() -> Locks<K> {
        Locks {
            locks: Mutex::new(HashMap::new()),
        }
    }

    /// Takes `key`'s lock, waiting at most `wait`; `None` if it stayed busy.
    pub async fn lock(&self, key: &K, wait: Duration) -> Option<OwnedMutexGuard<()>> {
        let lock = {
            let mut locks = self
                .locks
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if locks.len() > FORGET_ABOVE {
                locks.retain(|_, lock| Arc::strong_count(lock) > 1);
            }
            locks.entry(key.clone()).or_default().clone()
        };
        tokio::time::timeout(wait, lock.lock_owned()).await.ok()
    }
}

impl<K: Hash + Eq + Clone> Default for Locks<K> {
    fn default() -> Self {
        Locks::new()
    }
}
