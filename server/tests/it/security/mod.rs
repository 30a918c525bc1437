//! Security through the real router: the authorization matrix (every route × every kind of
//! principal), sessions (fixation, sign-out, expiry, tampering), CSRF, sign-in throttling and
//! lockout, secrets never leaving the server, and response headers.

mod cli;
mod keys;
mod matrix;
pub(crate) use matrix::expected;
mod scoping;
mod sessions;
