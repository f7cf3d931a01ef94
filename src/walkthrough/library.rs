//! The scripts in service: the current version for each locale, which new walkthroughs
//! start on, and the older versions that open walkthroughs still run. A reload swaps in new
//! current versions; a walkthrough keeps the version it started with until it ends.

use std::collections::HashMap;
use std::sync::Arc;

use crate::script::{Script, ScriptHash};

pub struct Library {
    current: Vec<Arc<Script>>,
    older: HashMap<ScriptHash, Arc<Script>>,
    default_locale: String,
}

/// What a reload changed, for its log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reloaded {
    /// Per locale whose text changed: the old hash (if it had a script) and the new one.
    pub changed: Vec<(String, Option<ScriptHash>, ScriptHash)>,
    /// Open walkthroughs that stay on an older version until they end.
    pub on_older: usize,
}

impl Library {
    /// `current` must not be empty (`load_dir` never returns an empty list).
    pub fn new(current: Vec<Script>, default_locale: String) -> Library {
        Library {
            current: current.into_iter().map(Arc::new).collect(),
            older: HashMap::new(),
            default_locale,
        }
    }

    /// The current script for a Discord locale ("en-US" → "en"), else the default one.
    pub fn current(&self, locale: &str) -> Arc<Script> {
        let language = locale.split('-').next().unwrap_or(locale);
        let find = |l: &str| self.current.iter().find(|s| s.locale == l);
        let found = find(locale)
            .or_else(|| find(language))
            .or_else(|| find(&self.default_locale));
        // `current` is never empty (see `new`).
        found.unwrap_or(&self.current[0]).clone()
    }

    /// The version with `hash`, current or older, if this library has it.
    pub fn version(&self, hash: ScriptHash) -> Option<Arc<Script>> {
        self.current
            .iter()
            .find(|s| s.hash == hash)
            .or_else(|| self.older.get(&hash))
            .cloned()
    }

    pub fn current_scripts(&self) -> &[Arc<Script>] {
        &self.current
    }

    /// This library with `script` (read back from the store) among the older versions.
    pub fn with_older(&self, script: Arc<Script>) -> Library {
        let mut older = self.older.clone();
        older.insert(script.hash, script);
        Library {
            current: self.current.clone(),
            older,
            default_locale: self.default_locale.clone(),
        }
    }

    /// The library after a reload to `scripts`: they become current; every version open
    /// walkthroughs run (`in_use`, by hash) stays as an older version, the rest is dropped.
    pub fn reloaded(
        &self,
        scripts: Vec<Script>,
        in_use: &[(ScriptHash, usize)],
    ) -> (Library, Reloaded) {
        let current: Vec<Arc<Script>> = scripts.into_iter().map(Arc::new).collect();
        let is_current = |hash: ScriptHash| current.iter().any(|s| s.hash == hash);
        let mut older = HashMap::new();
        for script in self.current.iter().chain(self.older.values()) {
            let used = in_use.iter().any(|(hash, _)| *hash == script.hash);
            if used && !is_current(script.hash) {
                older.insert(script.hash, script.clone());
            }
        }
        let changed = current
            .iter()
            .filter_map(|new| {
                let old = self.current.iter().find(|s| s.locale == new.locale);
                match old {
                    Some(old) if old.hash == new.hash => None,
                    old => Some((new.locale.clone(), old.map(|o| o.hash), new.hash)),
                }
            })
            .collect();
        let on_older = in_use
            .iter()
            .filter(|(hash, _)| !is_current(*hash))
            .map(|(_, n)| n)
            .sum();
        let library = Library {
            current,
            older,
            default_locale: self.default_locale.clone(),
        };
        (library, Reloaded { changed, on_older })
    }
}
