//! A loopback Discord for backup-help-bot's tests and benchmarks.
//!
//! So far: [`spec::Spec`], which checks request bodies against Discord's own OpenAPI
//! description (vendored in `spec/` with its MIT license). The REST and gateway server that
//! uses it comes next.

pub mod spec;
