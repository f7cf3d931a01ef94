//! The Discord front-end: a thin serenity adapter around the engine.
//!
//! - `bot`: the client (with the buttons-only fallback when Message Content is refused), the
//!   idle ticker, and shutdown.
//! - `handler`: the gateway events; `commands` (`/backup-help`) and `components` (clicks).
//! - `effects`: what to do for each engine reply, decided without Discord; `act` does it.
//! - `render`: steps as embeds and buttons; `custom_id`: the one button-id codec.
//! - `opening`: permission and thread-name decisions; `sessions`: open walkthroughs.
//! - `ratelimits`: forgetting serenity's rate-limit buckets of threads long quiet.

mod act;
mod bot;
mod commands;
mod components;
pub mod custom_id;
pub mod effects;
mod handler;
pub mod opening;
mod ratelimits;
pub mod render;
mod sessions;

pub use bot::{now, run, Bot};
