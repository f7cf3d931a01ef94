//! The Discord front-end. So far: the custom_id codec every button goes through.

pub mod custom_id;
