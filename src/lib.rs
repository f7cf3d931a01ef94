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
//! - [`discord`]: the Discord front-end, a serenity adapter of two thin halves: inbound, a
//!   gateway event is decoded and handed to the service; outbound, its outlet carries out
//!   one effect from the data the effect carries (it never reads the store nor calls the
//!   service), through `rest`, the one way to Discord's REST API. [`chat`]: the terminal
//!   front-end, the same turns on the memory store.
//! - [`walkthrough`]: the only code that changes what is stored. One turn for every input,
//!   the person's and the support team's (claim, close, join, rating): lock, settle what is
//!   owed, decide (a pure `decide`, beside `plan`), save, carry out, record. What a
//!   walkthrough owes Discord (a step, a notice, the staff card drawn again) is owed on its
//!   row and settled by the one sweep; effects go out through an `Outlet` a front-end
//!   implements.
//! - [`store`]: walkthroughs in SQLite or PostgreSQL, saved with compare-and-swap, with
//!   what each still owes the person (the outbox). [`stats`]: the drop-off report.
//! - [`config`]: the operator's `config.ron`, checked once (the support hours parsed into
//!   [`hours`]), and the token from the environment. [`ops`]: the operators' HTTP endpoint;
//!   [`metrics`]: what it serves at `/metrics`; [`doctor`]: the deployment self-check;
//!   [`erasure`]: `purge` and `forget`, erasing what is personal through the service.
//! - [`graph`]: the script as a Mermaid flowchart. [`view`]: what a step and a summary
//!   render into, shared by every front-end. [`hours`]: the support team's working hours as
//!   the config writes them, and when the team is next in (depends on nothing above it).
//!   [`transcript`]: a walkthrough written out for the support team.
//! - [`conversation`]: **the core**, a pure state machine
//!   `Engine::apply(&mut session, input, now) -> Reply` ("next" follows the person's
//!   symptom route, then the article's checks); `conversation::walk` counts every path of
//!   a script, `conversation::causes` walks each cause of the catalogue to its fix.
//! - [`matcher`]: understanding typed answers. [`script`]: the script model, loaded and
//!   validated from `responses/<locale>.ron` (routes, step lengths, answers that must not
//!   say more than the person did), the cause catalogue `responses/causes.ron`, and the
//!   messages filled through typed methods.
//! - Leaves: [`layout`] (Discord's limits and the texts measured against them), [`text`]
//!   (the normal form of typed text), [`ids`] (typed, non-zero Discord ids), [`clock`] (the
//!   one clock, injected; tests move it), [`ticker`] (the sweep's and the idle check's rounds,
//!   on that clock), [`timing`] (where an answer's time goes, logged for the load bench),
//!   [`crash`] (crash points for tests), [`personal`] (e-mail
//!   addresses, phone numbers and serials taken out of typed text before it is kept).

pub mod chat;
pub mod cli;
pub mod clock;
pub mod config;
pub mod conversation;
pub mod crash;
pub mod discord;
pub mod doctor;
pub mod erasure;
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
pub mod ticker;
pub mod timing;
pub mod transcript;
pub mod view;
pub mod walkthrough;
