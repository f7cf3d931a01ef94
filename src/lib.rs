//! backup-help-bot: a Discord support bot that walks a person, one check at a time, through
//! fixing an iPhone that won't back up to iCloud.
//!
//! # Layout
//!
//! Dependencies point down only; everything from [`walkthrough`] down is free of Discord,
//! and from [`conversation`] down also of I/O and the clock.
//!
//! - `main.rs` / [`cli`]: the command line, one subcommand a front-end; [`logging`]: log
//!   lines with every credential redacted.
//! - [`discord`]: the Discord front-end, a serenity adapter: gateway events in, a turn's
//!   effects out through its outlet. [`chat`]: the terminal front-end, the same turns on
//!   the memory store.
//! - [`walkthrough`]: one turn for every input (lock, settle what is owed, apply, save,
//!   carry out, record), the sweep, and opening a walkthrough; effects go out through an
//!   `Outlet` a front-end implements.
//! - [`store`]: walkthroughs in SQLite or PostgreSQL, saved with compare-and-swap, with
//!   what each still owes the person (the outbox). [`stats`]: the drop-off report.
//! - [`config`]: the operator's `config.ron`, and the token from the environment.
//!   [`ops`]: the operators' HTTP endpoint; [`metrics`]: what it serves at `/metrics`;
//!   [`doctor`]: the deployment self-check.
//! - [`graph`]: the script as a Mermaid flowchart. [`view`]: what a step and a summary
//!   render into, shared by every front-end. [`hours`]: the support team's working hours.
//!   [`transcript`]: a walkthrough written out for the support team.
//! - [`conversation`]: **the core**, a pure state machine
//!   `Engine::apply(&mut session, input, now) -> Reply`.
//! - [`matcher`]: understanding typed answers. [`script`]: the script model, loaded and
//!   validated from `responses/<locale>.ron`.
//! - Leaves: [`layout`] (Discord's limits and the texts measured against them), [`text`]
//!   (the normal form of typed text), [`ids`] (typed, non-zero Discord ids), [`clock`] (the
//!   one clock, injected), [`crash`] (crash points for tests), [`personal`] (e-mail
//!   addresses, phone numbers and serials taken out of typed text before it is kept).

pub mod chat;
pub mod cli;
pub mod clock;
pub mod config;
pub mod conversation;
pub mod crash;
pub mod discord;
pub mod doctor;
pub mod graph;
pub mod hours;
pub mod ids;
pub mod layout;
pub mod logging;
pub mod matcher;
pub mod metrics;
pub mod ops;
pub mod personal;
pub mod script;
pub mod stats;
pub mod status;
pub mod status_feed;
pub mod store;
pub mod text;
pub mod transcript;
pub mod view;
pub mod walkthrough;
