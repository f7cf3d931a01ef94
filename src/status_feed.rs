//! Reading Apple's System Status feed: one shared, cached copy for every walkthrough, one
//! request in flight at a time, and never longer than the configured timeout. The reqwest
//! client is the crate serenity already brings, with the same TLS stack.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tracing::{debug, warn};

use crate::clock::Clock;
use crate::status::{parse, Report};
use crate::walkthrough::LiveStatus;

/// After a failed read, how long before the feed is tried again: often enough to notice it
/// is back, rarely enough not to keep a slow feed busy.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(15);

/// A feed body larger than this is not Apple's status (it is a few tens of kilobytes).
const MAX_BODY: usize = 2 * 1024 * 1024;

pub struct StatusFeed {
    client: reqwest::Client,
    url: String,
    timeout: Duration,
    refresh: Duration,
    services: Vec<String>,
    clock: Arc<dyn Clock>,
    cached: Mutex<Option<Cached>>,
    /// Held while a request is in flight, so there is only ever one.
    fetching: tokio::sync::Mutex<()>,
}

#[derive(Clone)]
struct Cached {
    read_at: Instant,
    /// `None`: the last read failed.
    report: Option<Report>,
}

impl StatusFeed {
    /// A feed at `url` for `services`, read at most every `refresh`, each read given up after
    /// `timeout`.
    pub fn new(
        url: String,
        timeout: Duration,
        refresh: Duration,
        services: Vec<String>,
        clock: Arc<dyn Clock>,
    ) -> StatusFeed {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("backup-help-bot/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        StatusFeed {
            client,
            url,
            timeout,
            refresh,
            services,
            clock,
            cached: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    /// The cached report if it is still fresh: `Some(None)` for a fresh failure.
    fn fresh(&self) -> Option<Option<Report>> {
        let cached = self.cached.lock().ok()?.clone()?;
        let ttl = if cached.report.is_some() {
            self.refresh
        } else {
            RETRY_AFTER_FAILURE.min(self.refresh)
        };
        (cached.read_at.elapsed() < ttl).then_some(cached.report)
    }

    async fn fetch(&self) -> Result<Report, String> {
        let mut response = self
            .client
            .get(&self.url)
            .send()
            .await
            .map_err(|err| format!("cannot reach it: {err}"))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("it answered HTTP {status}"));
        }
        let too_large = || format!("its answer is over {MAX_BODY} bytes, too large");
        if response
            .content_length()
            .is_some_and(|n| n > MAX_BODY as u64)
        {
            return Err(too_large());
        }
        // Read in pieces, so a body larger than announced never fills memory either.
        let mut body = Vec::new();
        while let Some(piece) = response
            .chunk()
            .await
            .map_err(|err| format!("its answer broke off: {err}"))?
        {
            if body.len() + piece.len() > MAX_BODY {
                return Err(too_large());
            }
            body.extend_from_slice(&piece);
        }
        let text = String::from_utf8_lossy(&body);
        parse(&text, &self.services, self.clock.now()).map_err(|err| err.to_string())
    }
}

#[async_trait]
impl LiveStatus for StatusFeed {
    async fn report(&self) -> Option<Report> {
        if let Some(fresh) = self.fresh() {
            return fresh;
        }
        let started = Instant::now();
        // Someone else may be reading it: wait for them (within the timeout), then use theirs.
        let Ok(_reading) = tokio::time::timeout(self.timeout, self.fetching.lock()).await else {
            return None;
        };
        if let Some(fresh) = self.fresh() {
            return fresh;
        }
        let left = self.timeout.saturating_sub(started.elapsed());
        let read = match tokio::time::timeout(left, self.fetch()).await {
            Ok(read) => read,
            Err(_) => Err(format!("no answer within {:?}", self.timeout)),
        };
        // A failed read shows the step as written, never an older report: that could say
        // "no problem" about one that has begun since.
        let report = match read {
            Ok(report) => {
                debug!(
                    problems = report.problems.len(),
                    "Apple's System Status read"
                );
                Some(report)
            }
            Err(why) => {
                warn!(url = %self.url, "Apple's System Status feed is not usable: {why}; the status step shows Apple's page instead");
                None
            }
        };
        if let Ok(mut cached) = self.cached.lock() {
            *cached = Some(Cached {
                read_at: Instant::now(),
                report: report.clone(),
            });
        }
        report
    }
}
