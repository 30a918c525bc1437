//! Server functions for the header's notification bell.

use crate::domain::{LeadId, Timestamp};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::signed_in;

/// An in-app notification (an escalation step of the follow-up sweep).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    pub lead_id: Option<LeadId>,
    /// `reminder`, `alert` or `reassigned`.
    pub kind: String,
    pub message: String,
    pub at: Timestamp,
    pub read: bool,
}

/// The newest notifications of the signed-in person and how many are unread.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    pub items: Vec<Notification>,
    pub unread: i64,
}

#[server(prefix = "/api/fn", endpoint = "inbox", input = GetUrl)]
pub async fn get_inbox() -> Result<Inbox, AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::sweep::inbox(&state, &actor).await
        }
        .await,
    )
}

/// Marks every notification of the signed-in person read.
#[server(prefix = "/api/fn", endpoint = "mark_inbox_read", input = Json)]
pub async fn mark_inbox_read() -> Result<Inbox, AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::sweep::mark_read(&state, &actor).await
        }
        .await,
    )
}
