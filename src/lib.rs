//! gleaner turns feeds into clean article records.
//!
//! # Layout
//!
//! - [`extract`]: bytes of one HTML page in, one [`record::Article`] out.
//!   Pure and synchronous: no I/O, no clock, no globals.
//! - [`record`]: the output schema (the only `Serialize` types that leave the
//!   process), versioned by [`record::SCHEMA_VERSION`].
//! - [`eval`]: the quality and speed evaluation over the development sets.
//! - [`cli`]: the command-line front end; `main.rs` only calls [`cli::main`].
//!
//! `ARCHITECTURE.md` at the repository root is the map of the whole pipeline.

pub mod canonical;
pub mod cli;
pub mod commands;
pub mod config;
pub mod daemon;
pub mod eval;
pub mod extract;
pub mod feed;
pub mod feedfix;
#[doc(hidden)]
pub mod harness;
pub mod http;
pub mod netguard;
pub mod opml;
pub mod pipeline;
pub mod record;
pub mod robots;
pub mod schedule;
pub mod sink;
pub mod state;
