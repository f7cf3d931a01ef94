//! backup-help-bot: a Discord support bot that walks a person, one check at a time, through
//! fixing an iPhone that won't back up to iCloud.
//!
//! # Layout
//!
//! Dependencies point down only; the two bottom layers are pure (no I/O, no clock).
//!
//! - `main.rs` / [`cli`]: the command line, one subcommand a front-end.
//! - [`chat`]: the terminal front-end, the same walk as the Discord thread.
//! - [`config`]: the operator's `config.ron`, and the token from the environment.
//! - [`discord`]: the Discord front-end (custom_id codec so far).
//! - [`graph`]: the script as a Mermaid flowchart.
//! - [`logging`]: the log subscriber, which keeps every credential out of the logs.
//! - [`stats`]: the drop-off report from the event history.
//! - [`store`]: walkthroughs in SQLite or PostgreSQL, saved with compare-and-swap.
//! - [`view`]: what a step renders into, shared by the validator and every front-end.
//! - [`conversation`]: **the core**, a pure state machine
//!   `Engine::apply(&mut session, input, now) -> Reply`.
//! - [`matcher`]: understanding typed answers.
//! - [`script`]: the script model, loaded and validated from `responses/<locale>.ron`.

pub mod chat;
pub mod cli;
pub mod clock;
pub mod config;
pub mod conversation;
pub mod crash;
pub mod discord;
pub mod graph;
pub mod ids;
pub mod logging;
pub mod matcher;
pub mod script;
pub mod stats;
pub mod store;
pub mod view;
pub mod walkthrough;
