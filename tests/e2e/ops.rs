//! The operators' endpoint and logs: `/metrics` after a walk, `/readyz` following the
//! gateway, and JSON log lines that parse and carry their span's fields.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use fake_discord::Options;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{start, Harness, PERSON, WAIT};

/// A loopback port that was free a moment ago.
fn free_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address")
}

/// `GET path` on `addr`: the status code and the body.
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = tokio::time::timeout(WAIT, tokio::net::TcpStream::connect(addr))
        .await
        .expect("connects in time")
        .expect("the endpoint listens");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("sent");
    let mut response = String::new();
    tokio::time::timeout(WAIT, stream.read_to_string(&mut response))
        .await
        .expect("answers in time")
        .expect("a response");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, body.to_string())
}

/// The value of the sample line `name` (with its labels) in a metrics text.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

/// Polls `/readyz` until it answers `status`.
async fn ready_becomes(addr: SocketAddr, status: u16, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let (got, body) = get(addr, "/readyz").await;
        if got == status {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "/readyz stayed {got} ({body:?}), not {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_a_walk_and_readyz_follows_the_gateway() {
    let addr = free_port();
    let h = start(
        &format!("http: (listen: Some(\"{addr}\")),"),
        Options::default(),
    )
    .await;
    assert_eq!(get(addr, "/healthz").await.0, 200);
    ready_becomes(addr, 200, WAIT).await;
    let thread = h.open(PERSON).await;
    h.click(PERSON, thread, "Not sure").await; // a button
    h.type_text(PERSON, thread, "2").await; // text: still failing at the first check
    h.type_text(PERSON, thread, "purple elephants").await; // not understood: asked again
    h.wait("the re-ask", |w| w.messages_in(thread).len() >= 5)
        .await;
    let second = h.open(crate::harness::STAFF).await; // a second person, still open

    let (status, text) = get(addr, "/metrics").await;
    assert_eq!(status, 200);
    let value = |name: &str| sample(&text, name).unwrap_or_else(|| panic!("no {name} in\n{text}"));
    assert_eq!(value("backup_help_walkthroughs_started_total"), 2.0);
    assert_eq!(value("backup_help_answers_total{via=\"button\"}"), 1.0);
    assert_eq!(value("backup_help_answers_total{via=\"text\"}"), 1.0);
    assert_eq!(value("backup_help_reasks_total"), 1.0);
    assert_eq!(value("backup_help_walkthroughs_open"), 2.0);
    // Two commands and a click, each acknowledged once.
    assert_eq!(value("backup_help_ack_seconds_count"), 3.0);
    assert_eq!(value("backup_help_ack_seconds_bucket{le=\"3.0\"}"), 3.0);
    assert_eq!(value("backup_help_store_errors_total"), 0.0);
    assert!(text.contains("backup_help_build_info{version=\""), "{text}");
    // Labels only: a sample's value (a sum of seconds) may hold any digits.
    let labels: Vec<&str> = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            line.split_once('{')
                .and_then(|(_, rest)| rest.split_once('}'))
        })
        .map(|(labels, _)| labels)
        .collect();
    let labelled = |id: u64| labels.iter().any(|l| l.contains(&id.to_string()));
    assert!(!labelled(PERSON), "no user ids in labels");
    assert!(!labelled(thread), "no thread ids in labels");

    // The person asks for a human: the walkthrough ends, handed off (counted once the turn
    // is done, a moment after the hand-off shows).
    h.type_text(PERSON, thread, "human").await;
    let ended = "backup_help_walkthroughs_ended_total{outcome=\"handed_off\"}";
    let mut text = get(addr, "/metrics").await.1;
    for _ in 0..100 {
        if sample(&text, ended).is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        text = get(addr, "/metrics").await.1;
    }
    assert_eq!(
        sample(
            &text,
            "backup_help_walkthroughs_ended_total{outcome=\"handed_off\"}"
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(sample(&text, "backup_help_walkthroughs_open"), Some(1.0));

    // Discord out of reach: not ready, saying why; back: ready again, one reconnect more.
    h.fake.go_offline();
    let why = ready_becomes(addr, 503, WAIT).await;
    assert!(why.contains("gateway"), "{why}");
    assert_eq!(get(addr, "/healthz").await.0, 200, "alive all the same");
    h.fake.go_online().await.expect("the fake serves again");
    ready_becomes(addr, 200, Duration::from_secs(60)).await;
    let text = get(addr, "/metrics").await.1;
    assert!(
        sample(&text, "backup_help_gateway_reconnects_total").is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert_eq!(get(addr, "/anything-else").await.0, 404);
    let _ = second;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_already_taken_is_a_clear_start_up_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = taken.local_addr().expect("its address");
    let h = Harness::for_process(Options::default()).await;
    let mut config = h.config();
    config.extra = format!("http: (listen: Some(\"{addr}\")),");
    let mut bot = h.spawn_bot("taken", &config, &[]);
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = bot.try_wait().expect("the bot's status") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the bot kept running on a taken port"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(!status.success());
    let log = std::fs::read_to_string(h.data_dir().join("bot-taken.log")).unwrap_or_default();
    assert!(log.contains(&format!("cannot listen on {addr}")), "{log}");
    assert!(log.contains("http.listen"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_log_lines_parse_and_carry_the_span_fields() {
    let h = Harness::for_process(Options::default()).await;
    h.fake.add_member(PERSON, "Ada", &[]);
    let mut config = h.config();
    config.extra = "log_format: Json,".into();
    let bot = h.spawn_bot("json", &config, &[("RUST_LOG", "debug")]);
    h.wait_connected(1).await;
    let thread = h.open(PERSON).await;
    h.click(PERSON, thread, "Not sure").await;
    h.type_text(PERSON, thread, "2").await;
    // The line is written once the turn is done, just after the answer is posted.
    let path = h.data_dir().join("bot-json.log");
    let deadline = Instant::now() + WAIT;
    let log = loop {
        let log = std::fs::read_to_string(&path).unwrap_or_default();
        if log.contains("\"typed answer\"") || Instant::now() > deadline {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    drop(bot);
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|err| panic!("{err}: not JSON: {line}"))
        })
        .collect();
    assert!(lines.len() > 10, "{log}");
    let typed = lines
        .iter()
        .find(|l| l["message"] == "typed answer")
        .unwrap_or_else(|| panic!("no typed answer line in {log}"));
    let span = &typed["span"];
    assert_eq!(span["name"], "typed", "{typed}");
    assert_eq!(span["user"], PERSON, "{typed}");
    assert!(plain_id(&span["guild"]), "{typed}");
    assert!(plain_id(&span["thread"]), "{typed}");
    // The line itself says what the answer did, as plain fields: "2" at the second step.
    assert_eq!(typed["step"], "backup-switch", "{typed}");
    assert_eq!(typed["via"], "text", "{typed}");
    assert_eq!(typed["outcome"], "answered", "{typed}");
    let click = lines
        .iter()
        .find(|l| l["message"] == "click")
        .unwrap_or_else(|| panic!("no click line in {log}"));
    assert_eq!(click["to_step"], "backup-switch", "{click}");
    assert_eq!(click["via"], "button", "{click}");
    assert!(plain_id(&click["span"]["thread"]), "{click}");
    assert_eq!(click["span"]["thread"], span["thread"], "{click}");
    // Every id, wherever a line carries one, is a plain number: never a Debug dump.
    for line in &lines {
        let scopes = line["spans"].as_array().into_iter().flatten();
        for fields in std::iter::once(line).chain(scopes) {
            for key in ["guild", "user", "thread"] {
                let id = &fields[key];
                assert!(id.is_null() || plain_id(id), "{key} in {line}");
            }
        }
    }
    // serenity's HTTP spans, whose fields are the client's and the request's Debug, are
    // left out; the lines logged inside them carry the bot's span instead.
    assert!(!log.contains("ratelimiter"), "{log}");
    assert!(!log.contains("Ratelimiter"), "{log}");
    assert!(
        lines
            .iter()
            .filter_map(|l| l["spans"].as_array())
            .flatten()
            .all(
                |s| !["request", "perform", "pre_hook", "post_hook", "build"]
                    .contains(&s["name"].as_str().unwrap_or_default())
            ),
        "{log}"
    );
    // What `jq 'select(.step == "backup-switch")'` and `select(.to_step == "wifi")` do: the
    // lines of a walk are found by its steps.
    let at = |key: &str, step: &str| -> Vec<&serde_json::Value> {
        lines.iter().filter(|l| l[key] == step).collect()
    };
    let from_switch = at("step", "backup-switch");
    assert_eq!(from_switch.len(), 1, "{log}");
    assert_eq!(from_switch[0]["message"], "typed answer");
    let shown = at("to_step", "backup-switch");
    assert_eq!(shown.len(), 1, "{log}");
    assert_eq!(shown[0]["message"], "click");
    let to_wifi = at("to_step", "wifi");
    assert_eq!(to_wifi.len(), 1, "{log}");
    assert_eq!(to_wifi[0]["message"], "typed answer");
    assert!(lines
        .iter()
        .all(|l| l["level"].is_string() && l["timestamp"].is_string()));
    assert!(!log.contains(h.fake.token()), "the token is never logged");
}

/// A Discord id as a log field: a number, or a string of digits.
fn plain_id(value: &serde_json::Value) -> bool {
    value.is_u64()
        || value
            .as_str()
            .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
}
