//! warroom: a terminal dashboard for commanding a live multi-region incident on AWS.
//!
//! Data flows one way: pollers (`sources`) send `Update`s to the app loop (`demo` for now),
//! which folds them into the `model::Snapshot` owned by `app::App`; `ui::draw` renders the
//! app. See `docs/architecture.md`.

pub mod actions;
pub mod app;
pub mod assess;
pub mod aws;
pub mod cli;
pub mod config;
pub mod drill;
pub mod model;
pub mod modes;
pub mod review;
pub mod runbook;
pub mod runtime;
pub mod scribe;
pub mod sim;
pub mod sources;
#[cfg(test)]
mod testkit;
pub mod text;
pub mod theme;
pub mod toml_source;
pub mod ui;
