//! Server-only code shared by the server functions and the axum binary: the store (both
//! databases), authentication, the service layer that performs each operation, and the
//! live-event hub.
//!
//! This is the one place business operations live. A REST handler in `server` and a server
//! function in `app::api` both parse their input, then call a `service` function; neither holds
//! rules of its own.

pub mod auth;
pub mod charts;
pub mod live;
pub mod mail;
pub mod outbound;
pub mod service;
pub mod state;
pub mod store;

pub use live::LiveHub;
pub use state::AppState;
pub use store::Store;
