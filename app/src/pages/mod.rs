//! One module per screen.

pub mod board;
pub mod not_found;
