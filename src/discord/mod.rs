//! The Discord front-end. So far, the pieces that need no connection: the custom_id codec
//! every button goes through, the rendering of steps into messages, the checks made before a
//! thread is opened, and the plan of effects for each engine reply.

pub mod custom_id;
pub mod effects;
pub mod opening;
pub mod render;
