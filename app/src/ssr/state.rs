//! The application state handed to axum and, through Leptos context, to server functions.

use super::auth::Auth;
use super::{LiveHub, Store};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

/// Everything a request handler needs; cheap to clone (pools and channels are shared handles).
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub hub: LiveHub,
    /// Password hashing, throttles and session settings.
    pub auth: std::sync::Arc<Auth>,
    /// Uploaded files being checked and imported from the browser.
    pub imports: super::service::import_jobs::ImportJobs,
    /// Each source's won and closed leads, for scoring (read at most every few minutes).
    pub source_records: super::service::score::SourceRecords,
    /// How the shared mailbox is read and webhooks signed and sent (sealing key, trusted
    /// CAs, interval).
    pub mail: super::service::mailbox::MailRuntime,
}
