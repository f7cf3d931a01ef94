//! The Discord front-end. So far: the custom_id codec every button goes through, and the
//! rendering of steps into messages.

pub mod custom_id;
pub mod opening;
pub mod render;
