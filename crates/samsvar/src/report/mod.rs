//! Reporters that subscribe to the runner's events.

pub mod terminal;
