//! The review afterwards: the journal rendered for the post-incident review (Markdown, CSV,
//! JSON), reading the scribe's entries and measures and the drill scorecard as data.

pub mod charts;
pub mod export;
pub mod html;
pub mod postmortem;
pub mod replay;
