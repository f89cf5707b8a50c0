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
//! The `daemon` feature (on by default) adds the networking, the state, the
//! sinks, the eval and the CLI; without it only the pure modules are built
//! (the fuzz targets in `fuzz/` use that).
//!
//! `ARCHITECTURE.md` at the repository root is the map of the whole pipeline.

pub mod canonical;
#[cfg(feature = "daemon")]
pub mod cli;
#[cfg(feature = "daemon")]
pub mod commands;
pub mod config;
#[cfg(feature = "daemon")]
pub mod daemon;
#[cfg(feature = "daemon")]
pub mod eval;
pub mod extract;
pub mod feed;
pub mod feedfix;
#[doc(hidden)]
pub mod harness;
#[cfg(feature = "daemon")]
pub mod hostqueue;
#[cfg(feature = "daemon")]
pub mod http;
pub mod netguard;
pub mod opml;
#[cfg(feature = "daemon")]
pub mod pipeline;
pub mod record;
pub mod robots;
pub mod schedule;
#[cfg(feature = "daemon")]
pub mod sink;
#[cfg(feature = "daemon")]
pub mod state;
#[cfg(feature = "daemon")]
pub mod workers;
