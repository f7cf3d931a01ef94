//! The scripts in service: the current version of each language, and older versions that
//! open walkthroughs still run, kept in the store so any process can finish them.

use std::sync::{Arc, RwLock};

use tracing::{info, warn};

use super::library::{Library, Reloaded};
use crate::conversation::Timestamp;
use crate::script::Script;
use crate::store::{Record, SessionStore, StoreError};

/// A script as the store keeps it.
fn stored(script: &Script) -> crate::store::StoredScript {
    crate::store::StoredScript {
        hash: script.hash,
        locale: script.locale.clone(),
        source: script.source.to_string(),
    }
}

pub struct Scripts {
    store: Arc<dyn SessionStore>,
    /// Swapped whole by a reload.
    library: RwLock<Arc<Library>>,
    /// The language of a walkthrough or a server without a script of its own.
    default_locale: String,
}

impl Scripts {
    /// `scripts` must not be empty (`load_dir` never returns an empty list).
    pub fn new(
        store: Arc<dyn SessionStore>,
        scripts: Vec<Script>,
        default_locale: String,
    ) -> Scripts {
        Scripts {
            store,
            library: RwLock::new(Arc::new(Library::new(scripts, default_locale.clone()))),
            default_locale,
        }
    }

    fn library(&self) -> Arc<Library> {
        match self.library.read() {
            Ok(library) => library.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The current script for a Discord locale ("en-US" → "en"), else the default one: what
    /// a new walkthrough starts on.
    pub fn current(&self, locale: &str) -> Arc<Script> {
        self.library().current(locale)
    }

    /// The script version `record`'s walkthrough runs: the one it started on, from memory
    /// or else from the store (kept there by whichever process loaded it); the current one
    /// for its locale if that version is nowhere (a walkthrough from before versions were
    /// kept), which says so if its step is gone. A store that cannot be read is an error, not
    /// a reason to apply an answer to another version than the one it was given to.
    pub async fn of(&self, record: &Record) -> Result<Arc<Script>, StoreError> {
        let hash = record.session.script.hash;
        if let Some(script) = self.library().version(hash) {
            return Ok(script);
        }
        if let Some(stored) = self.store.script(hash).await? {
            let name = format!("{}.ron as of version {hash}", stored.locale);
            match crate::script::load_str(&stored.source, &name, Some(&stored.locale)) {
                Ok(script) if script.hash == hash => {
                    let script = Arc::new(script);
                    self.add_older(script.clone());
                    info!(%hash, locale = %stored.locale, "an older script version is back in service for its walkthroughs");
                    return Ok(script);
                }
                Ok(_) => warn!(%hash, "a stored script version does not hash to its name"),
                Err(err) => warn!(%hash, "a stored script version no longer loads: {err}"),
            }
        }
        Ok(self.library().current(&record.locale))
    }

    /// Adds an older version to the library in service, under one lock: a reload meanwhile
    /// is never undone.
    fn add_older(&self, script: Arc<Script>) {
        let mut slot = match self.library.write() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        if slot.version(script.hash).is_none() {
            *slot = Arc::new(slot.with_older(script));
        }
    }

    /// The script the support team reads `record`'s hand-off in: the server's language, and
    /// when that is the person's, the very version they answered (their answers are step and
    /// choice numbers of it). Another language's current version names the same steps and
    /// choices (parity), unless an edit since changed them; answers to steps it lacks are
    /// listed by id.
    pub async fn staff(&self, record: &Record) -> Result<Arc<Script>, StoreError> {
        let locale = record
            .staff_locale
            .as_deref()
            .unwrap_or(&self.default_locale);
        let staff = self.current(locale);
        let theirs = self.of(record).await?;
        Ok(if theirs.locale == staff.locale {
            theirs
        } else {
            staff
        })
    }

    /// Keeps the current scripts' text in the store, so walkthroughs started on them can
    /// finish on them after an edit, in any process.
    pub async fn keep_current(&self, now: Timestamp) -> Result<(), StoreError> {
        for script in self.library().current_scripts() {
            self.store.keep_script(&stored(script), now).await?;
        }
        Ok(())
    }

    /// Puts `scripts` (validated by the caller) in service for new walkthroughs; open ones
    /// stay on the version they started with. The new versions are kept in the store first:
    /// a walkthrough never starts on a version that could be lost.
    pub async fn reload(
        &self,
        scripts: Vec<Script>,
        now: Timestamp,
    ) -> Result<Reloaded, StoreError> {
        for script in &scripts {
            self.store.keep_script(&stored(script), now).await?;
        }
        let in_use = self.store.scripts_in_use().await?;
        let mut slot = match self.library.write() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        let (library, reloaded) = slot.reloaded(scripts, &in_use);
        *slot = Arc::new(library);
        Ok(reloaded)
    }

    /// How many open walkthroughs run a version other than the current one.
    pub async fn on_older_versions(&self) -> Result<usize, StoreError> {
        let library = self.library();
        let in_use = self.store.scripts_in_use().await?;
        let current = |hash| library.current_scripts().iter().any(|s| s.hash == hash);
        Ok(in_use
            .iter()
            .filter(|(h, _)| !current(*h))
            .map(|(_, n)| n)
            .sum())
    }
}
