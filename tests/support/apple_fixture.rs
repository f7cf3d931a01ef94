//! A stand-in for Apple's System Status feed on 127.0.0.1, serving each case the bot must
//! cope with at its own path, and counting the requests it gets.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;

/// When the fixture's ongoing outage began (ms since the epoch): `<t:1700000000:R>`.
pub const OUTAGE_SINCE_MS: i64 = 1_700_000_000_000;

/// JSONP, with an ongoing outage of iCloud Backup (Apple's message has markdown and a
/// mention in it) and a resolved issue of the sign-in service.
pub const OUTAGE: &str = r#"jsonCallback({"drpost":"","services":[
  {"serviceName":"iCloud Backup","redirectUrl":null,"events":[
    {"usersAffected":"Some users are affected","epochStartDate":1700000000000,"epochEndDate":null,
     "messageId":"1","statusType":"Outage","datePosted":"11/14/2023 22:13 PST",
     "startDate":"11/14/2023 22:13 PST","endDate":"","affectedServices":null,
     "eventStatus":"ongoing","message":"Users may be **unable** to back up. @everyone"}]},
  {"serviceName":"iCloud Account &amp; Sign In","events":[
    {"statusType":"Issue","eventStatus":"resolved","message":"Fixed.","epochStartDate":1699000000000}]},
  {"serviceName":"Apple Music","events":[{"statusType":"Outage","eventStatus":"ongoing","message":"x"}]}
]});"#;

/// Plain JSON, every event over.
pub const RESOLVED: &str = r#"{"services":[{"serviceName":"iCloud Backup","events":[
  {"statusType":"Issue","eventStatus":"resolved","message":"Done.","epochStartDate":1699000000000}]},
  {"serviceName":"iCloud Account &amp; Sign In","events":[]}]}"#;

/// Only the sign-in service, named HTML-escaped, has an ongoing issue.
pub const ESCAPED: &str = r#"{"services":[{"serviceName":"iCloud Account &amp; Sign In","events":[
  {"statusType":"Issue","eventStatus":"ongoing","message":"Some users can&#39;t sign in.","epochStartDate":1700000000000}]}]}"#;

pub struct Fixture {
    pub addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    /// What `/switch` serves: [`OUTAGE`] until [`Fixture::resolve`], then [`RESOLVED`].
    resolved: Arc<AtomicBool>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Fixture {
    pub async fn start() -> Fixture {
        let requests = Arc::new(AtomicUsize::new(0));
        let resolved = Arc::new(AtomicBool::new(false));
        let switch = resolved.clone();
        let app = Router::new()
            .route(
                "/switch",
                get(move || {
                    let resolved = switch.load(Ordering::SeqCst);
                    async move {
                        match resolved {
                            true => RESOLVED,
                            false => OUTAGE,
                        }
                    }
                }),
            )
            .route("/outage", get(|| async { OUTAGE }))
            .route("/resolved", get(|| async { RESOLVED }))
            .route("/escaped", get(|| async { ESCAPED }))
            .route(
                "/garbage",
                get(|| async { "<html>We'll be back soon.</html>" }),
            )
            .route(
                "/hang",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    OUTAGE
                }),
            )
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    RESOLVED
                }),
            )
            .route(
                "/error",
                get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "oops") }),
            )
            .layer(axum::middleware::from_fn_with_state(
                requests.clone(),
                count,
            ))
            .with_state(());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("its address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Fixture {
            addr,
            requests,
            resolved,
            server,
        }
    }

    pub fn url(&self, case: &str) -> String {
        format!("http://{}/{case}", self.addr)
    }

    /// From now on `/switch` reports the outage over.
    pub fn resolve(&self) {
        self.resolved.store(true, Ordering::SeqCst);
    }

    /// Requests served so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

async fn count(
    State(requests): State<Arc<AtomicUsize>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    requests.fetch_add(1, Ordering::SeqCst);
    next.run(request).await
}
