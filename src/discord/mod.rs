//! The Discord front-end: a thin serenity adapter around the walkthrough service, in two
//! halves. Inbound, a gateway event is decoded and handed to the service, which alone reads
//! and writes the store; outbound, the outlet carries out one effect from the data it
//! carries.
//!
//! - `bot`: the client (with the buttons-only fallback when Message Content is refused), the
//!   sweep and the idle ticker, and shutdown; `purger`: the retention purge beside them;
//!   `state`: what every handler shares.
//! - `handler`: the gateway events; `commands` (`/backup-help`) and `components` (clicks);
//!   `staff`: the support team's buttons, the rating and its comment, and the staff card's
//!   drawing; `card`: the card's builders; `respond`: a click's one response; `forget`: a
//!   person erasing their own data (`/backup-help forget: True`, and its button).
//! - `act`: the outlet that carries out a turn's effects (see [`crate::walkthrough`]);
//!   `rest`: the way to Discord's REST API every request takes, and what its failures mean.
//! - `render`: every message as serenity builders; `custom_id`: the one button-id codec.
//! - `opening`: permission and thread-name decisions.
//! - `ratelimits`: forgetting serenity's rate-limit buckets of threads long quiet.

/// Logs a turn's reply at INFO as plain fields, `step`, `to_step`, `via`, `outcome` and
/// `ending` (those that apply), then whatever else is given (fields, then the message): a
/// JSON log can be filtered by them, `jq 'select(.to_step == "wifi")'`.
macro_rules! info_reply {
    ($reply:expr, $($rest:tt)+) => {{
        let reply: &$crate::conversation::Reply = $reply;
        tracing::info!(
            step = reply.step(),
            to_step = reply.to_step(),
            via = reply.via(),
            outcome = reply.outcome(),
            ending = reply.ending(),
            $($rest)+
        )
    }};
}

mod act;
mod bot;
mod card;
mod catch_up;
mod commands;
mod components;
pub mod custom_id;
mod drain;
mod forget;
mod gate;
mod handler;
pub mod opening;
mod purger;
mod ratelimits;
pub mod render;
mod respond;
mod rest;
mod round_trip;
mod staff;
mod state;
mod typed;

pub use bot::{http, run};
pub use handler::COMMAND;
pub use state::Bot;
