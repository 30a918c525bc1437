//! A lead with its history, as the drawer, the lead page and `GET /leads/{id}` show it.

use crate::domain::{Actor, Lead, Pipelines, Policy, Timestamp};
use serde::{Deserialize, Serialize};

/// One line of a lead's history, oldest to newest as the drawer shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    pub at: Timestamp,
    /// Who did it; `None` for the system (intake, sweeps).
    pub who: Option<String>,
    /// `activity` for touches, `change` for edits, moves and assignments.
    pub kind: String,
    pub title: String,
    pub detail: Option<String>,
    /// The e-mail it was filed from (the shared mailbox), readable at `/mail/<id>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_id: Option<i64>,
}

/// A lead with its history, as the drawer and `/leads/:id` show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LeadDetail {
    pub lead: Lead,
    pub pipeline: Pipelines,
    /// Newest first.
    pub timeline: Vec<TimelineEntry>,
    pub now: Timestamp,
    pub viewer: Actor,
    /// The follow-up policy of the lead's team, so the drawer judges drafts as the server will.
    pub policy: Policy,
    /// The lead's contact and company records, for links to their pages.
    #[serde(default)]
    pub contact_id: Option<i64>,
    #[serde(default)]
    pub company_id: Option<i64>,
    /// The people a user custom field may name (empty when the lead has no such field).
    #[serde(default)]
    pub people: Vec<crate::domain::UserRef>,
}
