//! PostgreSQL for the end-to-end tests: a database of a test's own beside the one in
//! DATABASE_URL, a bot process that uses it, and an outage: the server stopping mid-walk,
//! as the bot sees it, without stopping the server the other tests share.

use std::net::SocketAddr;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::{Connection, Executor};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

use fake_discord::world::GUILD_ID;
use fake_discord::Options;

use crate::harness::{BotProcess, Harness, TestConfig, FIRST_CHECK_FAILING, PERSON, WAIT};

/// The PostgreSQL server of DATABASE_URL, or `None` after printing why the test skips. In
/// CI it must be set.
pub fn server_or_skip(what: &str) -> Option<String> {
    let base = std::env::var("DATABASE_URL").unwrap_or_default();
    if base.is_empty() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set DATABASE_URL for PostgreSQL"
        );
        eprintln!("skipped: DATABASE_URL is not set, so {what} cannot run here");
        return None;
    }
    Some(base)
}

/// A fresh database next to the one in `base`, so no other test's walkthroughs (the store
/// contract leaves some due for an idle close) reach this test's bots. Returns its URL.
pub async fn fresh_database(base: &str, name: &str) -> String {
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(base)
        .await
        .expect("PostgreSQL answers");
    admin
        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await
        .expect("drop");
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create");
    let (server, _) = base.rsplit_once('/').expect("a database URL ends in /name");
    format!("{server}/{name}")
}

pub async fn drop_database(base: &str, name: &str) {
    if let Ok(mut admin) = sqlx::AnyConnection::connect(base).await {
        let _ = admin
            .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
            .await;
    }
}

/// Starts the built bot on PostgreSQL at `database_url`, serving `guilds` (and the shards
/// `(first, count, total)`), logging at info level into the data folder.
pub fn spawn_bot(
    h: &Harness,
    name: &str,
    guilds: &[u64],
    shards: Option<(u32, u32, u32)>,
    database_url: &str,
) -> BotProcess {
    let config = TestConfig {
        guilds: guilds.to_vec(),
        shards,
        ..h.config().postgres()
    };
    let env = [("DATABASE_URL", database_url), ("RUST_LOG", "info")];
    h.spawn_bot(name, &config, &env)
}

/// A TCP relay in front of the PostgreSQL server. `stop` is the server going away as a
/// client sees it: every open connection is cut and new ones are refused; `resume` brings
/// it back on the same port.
pub struct Outage {
    addr: SocketAddr,
    server: String,
    accept: Mutex<Option<JoinHandle<()>>>,
    pipes: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

/// Splits a PostgreSQL URL into its server (`host:port`) and a function that puts another
/// server in its place.
fn server_of(database_url: &str) -> (String, impl Fn(&SocketAddr) -> String + '_) {
    let (scheme, rest) = database_url
        .split_once("://")
        .expect("DATABASE_URL is a URL");
    let (user, after) = match rest.rsplit_once('@') {
        Some((user, after)) => (format!("{user}@"), after),
        None => (String::new(), rest),
    };
    let end = after.find(['/', '?']).unwrap_or(after.len());
    let (host, tail) = after.split_at(end);
    let server = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:5432")
    };
    let elsewhere = move |addr: &SocketAddr| format!("{scheme}://{user}{addr}{tail}");
    (server, elsewhere)
}

impl Outage {
    /// A relay to the server of `database_url`; returns it and the URL to reach the same
    /// database through it.
    pub async fn relay(database_url: &str) -> (Outage, String) {
        let (server, elsewhere) = server_of(database_url);
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port for the relay");
        let addr = listener.local_addr().expect("the relay's address");
        let outage = Outage {
            addr,
            server,
            accept: Mutex::new(None),
            pipes: Arc::default(),
        };
        outage.serve(listener);
        (outage, elsewhere(&addr))
    }

    fn serve(&self, listener: TcpListener) {
        let server = self.server.clone();
        let pipes = self.pipes.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let server = server.clone();
                let pipe = tokio::spawn(async move {
                    if let Ok(mut upstream) = TcpStream::connect(&server).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                    }
                });
                if let Ok(mut pipes) = pipes.lock() {
                    pipes.push(pipe);
                }
            }
        });
        if let Ok(mut slot) = self.accept.lock() {
            *slot = Some(accept);
        }
    }

    /// The server goes away: the port closed first, so no connection slips in, then every
    /// connection cut.
    pub async fn stop(&self) {
        let accept = self.accept.lock().ok().and_then(|mut slot| slot.take());
        if let Some(accept) = accept {
            accept.abort();
            let _ = accept.await;
        }
        let pipes: Vec<JoinHandle<()>> = self
            .pipes
            .lock()
            .map(|mut p| p.drain(..).collect())
            .unwrap_or_default();
        for pipe in pipes {
            pipe.abort();
            let _ = pipe.await;
        }
    }

    /// The server is back on the same address.
    pub async fn resume(&self) {
        let deadline = Instant::now() + WAIT;
        let listener = loop {
            let socket = TcpSocket::new_v4().expect("a socket");
            socket.set_reuseaddr(true).expect("SO_REUSEADDR");
            match socket.bind(self.addr).and_then(|()| socket.listen(64)) {
                Ok(listener) => break listener,
                Err(err) if Instant::now() < deadline => {
                    eprintln!("rebinding {}: {err}; retrying", self.addr);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(err) => panic!("the relay could not listen on {} again: {err}", self.addr),
            }
        };
        self.serve(listener);
    }
}

impl Drop for Outage {
    fn drop(&mut self) {
        if let Some(accept) = self.accept.lock().ok().and_then(|mut slot| slot.take()) {
            accept.abort();
        }
        if let Ok(mut pipes) = self.pipes.lock() {
            for pipe in pipes.drain(..) {
                pipe.abort();
            }
        }
    }
}

#[test]
fn the_relay_takes_the_place_of_any_server_in_a_url() {
    let relay: SocketAddr = "127.0.0.1:7000".parse().expect("an address");
    for (url, server, relayed) in [
        (
            "postgres://postgres:pw@127.0.0.1:5432/db",
            "127.0.0.1:5432",
            "postgres://postgres:pw@127.0.0.1:7000/db",
        ),
        (
            "postgres://localhost/db?sslmode=disable",
            "localhost:5432",
            "postgres://127.0.0.1:7000/db?sslmode=disable",
        ),
    ] {
        let (found, elsewhere) = server_of(url);
        assert_eq!(
            (found.as_str(), elsewhere(&relay).as_str()),
            (server, relayed)
        );
    }
}

/// How many events of `kind` the database holds once it holds `expected` (events are written
/// after the reply, so they may trail the last message), checked again a moment later so
/// that one too many is seen too.
async fn count_when_due(database_url: &str, kind: &str, expected: i64) -> i64 {
    let mut db = sqlx::AnyConnection::connect(database_url)
        .await
        .expect("the test's database answers");
    let query = format!("SELECT COUNT(*) FROM events WHERE kind = '{kind}'");
    let deadline = Instant::now() + WAIT;
    loop {
        let (count,): (i64,) = sqlx::query_as(&query)
            .fetch_one(&mut db)
            .await
            .expect("events can be counted");
        if count >= expected || Instant::now() > deadline {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let (count,): (i64,) = sqlx::query_as(&query)
                .fetch_one(&mut db)
                .await
                .expect("events can be counted");
            return count;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_postgres_gets_a_clear_try_again_and_the_walk_continues_after() {
    let Some(base) = server_or_skip("a PostgreSQL outage") else {
        return;
    };
    let name = format!("backup_help_outage_{}", std::process::id());
    let direct = fresh_database(&base, &name).await;
    let (outage, through_relay) = Outage::relay(&direct).await;
    let h = Harness::for_process(Options::default()).await;
    h.fake.add_member(PERSON, "Ada", &[]);
    let bot = spawn_bot(&h, "bot", &[GUILD_ID], None, &through_relay);
    h.wait_connected(1).await;

    let thread = h.open(PERSON).await;
    let (message, not_sure) = h.button(thread, "Not sure");
    outage.stop().await;
    let click = h.fake.click(PERSON, message, &not_sure);
    let reply = h.ephemeral_reply(click).await;
    assert!(reply.contains("try again"), "{reply}");
    assert_eq!(
        h.step_titles(thread).len(),
        1,
        "nothing moved while the server was away"
    );

    // Back again: the same button works, exactly once, and the walk goes on.
    outage.resume().await;
    h.click(PERSON, thread, "Not sure").await;
    assert_eq!(h.step_title(thread), "Is iCloud Backup switched on?");
    h.type_text(PERSON, thread, FIRST_CHECK_FAILING).await;
    assert_eq!(h.step_titles(thread).len(), 3);
    assert_eq!(
        count_when_due(&direct, "answered", 2).await,
        2,
        "each answer recorded once, none half-saved during the outage"
    );

    drop(bot); // killed
    drop(outage);
    drop_database(&base, &name).await;
    h.finish().await;
}
