//! libsqlite3-sys 0.30's name over libsqlite3-sys 0.40 (SQLite 3.54.1); see Cargo.toml.
#![allow(clippy::all)]
pub use sqlite::*;
