//! What the live feed carries: the kinds of change and one change as sent (`/api/v1/events`,
//! the UI's live boards, the wall).

use crate::domain::{Lead, StageId, Timestamp};
use serde::{Deserialize, Serialize};

/// Event kinds the live feed carries (SSE event names). `notification.sent` reaches only its
/// recipient.
pub const LIVE_KINDS: [&str; 9] = [
    "lead.created",
    "lead.inquired",
    "lead.merged",
    "lead.moved",
    "lead.edited",
    "lead.logged",
    "lead.next_step",
    "lead.assigned",
    "notification.sent",
];

/// A committed change, as sent on the live feed (`/api/v1/events`, SSE event name = `kind`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveEvent {
    /// The event-log id; sent as the SSE id so a reconnecting client resumes after it.
    pub id: i64,
    pub kind: String,
    pub at: Timestamp,
    /// The stage the lead left, for moves.
    pub from_stage: Option<StageId>,
    /// The lead after the change.
    pub lead: Lead,
    /// For a notification: the only user who receives it.
    #[serde(default)]
    pub recipient: Option<i64>,
}
