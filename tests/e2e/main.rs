//! End to end: the real bot against a fake Discord on 127.0.0.1. Each test starts its own
//! fake and bot, and ends by asserting that Discord would have accepted everything.

mod apple;
mod binary;
mod cases;
mod catch_up;
mod chaos;
mod crashes;
mod doctor;
mod edges;
mod erase;
mod faults;
mod follow_up;
mod harness;
mod locales;
mod logs;
mod ops;
mod postgres;
mod races;
mod responses;
mod retention;
mod scale;
mod staff;
mod versions;
mod walks;
