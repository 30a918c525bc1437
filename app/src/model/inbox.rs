//! Wire types of the header's notification bell.

use crate::domain::{LeadId, Timestamp};
use serde::{Deserialize, Serialize};

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
