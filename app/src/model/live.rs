//! What the live feed carries: the kinds of change and one change as sent (`/api/v1/events`,
//! the UI's live boards, the wall).

use crate::domain::{Lead, StageId, Timestamp};
use serde::{Deserialize, Serialize};

crate::keyed! {
    /// The kinds of change the live feed carries; the key is the SSE event name and the
    /// event log's `kind`. `notification.sent` reaches only its recipient.
    #[derive(Hash, Serialize, Deserialize)]
    pub enum LiveKind {
        #[serde(rename = "lead.created")]
        Created => "lead.created", "New lead";
        #[serde(rename = "lead.inquired")]
        Inquired => "lead.inquired", "New inquiry on a lead";
        #[serde(rename = "lead.merged")]
        Merged => "lead.merged", "Leads merged";
        #[serde(rename = "lead.moved")]
        Moved => "lead.moved", "Stage changed";
        #[serde(rename = "lead.edited")]
        Edited => "lead.edited", "Details edited";
        #[serde(rename = "lead.logged")]
        Logged => "lead.logged", "Touch logged";
        #[serde(rename = "lead.next_step")]
        NextStep => "lead.next_step", "Next step planned";
        #[serde(rename = "lead.assigned")]
        Assigned => "lead.assigned", "Owner changed";
        #[serde(rename = "notification.sent")]
        NotificationSent => "notification.sent", "Notification";
    }
}

impl LiveKind {
    /// Every kind's key: the SSE event names a client listens for, the log kinds the feed
    /// replays.
    pub fn keys() -> [&'static str; LiveKind::ALL.len()] {
        LiveKind::ALL.map(LiveKind::key)
    }
}

/// A committed change, as sent on the live feed (`/api/v1/events`, SSE event name = `kind`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveEvent {
    /// The event-log id; sent as the SSE id so a reconnecting client resumes after it.
    pub id: i64,
    pub kind: LiveKind,
    pub at: Timestamp,
    /// The stage the lead left, for moves.
    pub from_stage: Option<StageId>,
    /// The lead after the change.
    pub lead: Lead,
    /// For a notification: the only user who receives it.
    #[serde(default)]
    pub recipient: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_travels_as_its_key() {
        for kind in LiveKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.key()));
            assert_eq!(serde_json::from_str::<LiveKind>(&json).unwrap(), kind);
        }
        assert!(serde_json::from_str::<LiveKind>("\"lead.deleted\"").is_err());
    }
}
