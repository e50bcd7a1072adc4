//! The commands, each the wiring of one: which world or account it watches, which executor
//! it may build, and which loop drives it. `cli` parses and dispatches to them.

pub mod approve;
pub mod check;
pub mod demo;
pub mod drill;
pub mod export;
pub mod follow;
pub mod incidents;
pub mod join;
pub mod live;
pub mod replay;
pub mod run_step;
pub mod snapshot;
pub mod store;
