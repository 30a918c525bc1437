//! Wire and view types of the one-on-one review (`/review/:rep`) and its index
//! (`/review`).

use crate::domain::compliance::Scorecard;
use crate::domain::review::{ChangeCounts, LeadChanges};
use crate::domain::today::QueueItem;
use crate::domain::{LeadId, Timestamp};
use serde::{Deserialize, Serialize};

/// An action agreed in a review.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionView {
    pub id: i64,
    /// The lead it is about (id, company or contact).
    pub lead: Option<(LeadId, String)>,
    pub text: String,
    pub due_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// Ticked, or the lead was touched or closed since it was agreed.
    pub done_at: Option<Timestamp>,
}

/// One review: who ran it, when, its notes and actions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub id: i64,
    pub manager: String,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub notes: String,
    /// Changes with every save; a stale version is refused.
    pub version: i64,
    pub actions: Vec<ActionView>,
}

/// A past review in the history list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewSummary {
    pub id: i64,
    pub manager: String,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub actions: u32,
    pub done: u32,
}

/// The review page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewView {
    pub rep_id: i64,
    pub rep_name: String,
    /// The viewer runs this rep's reviews (their manager); everyone else reads.
    pub can_edit: bool,
    pub now: Timestamp,
    /// The review in progress.
    pub current: Option<Review>,
    /// The last finished review, whose actions this one starts from.
    pub last: Option<Review>,
    /// What changed is counted from here: the last review's end, or two weeks back.
    pub since: Timestamp,
    pub counts: ChangeCounts,
    /// What changed, one row per lead, the lead changed last first.
    pub changed_leads: Vec<LeadChanges>,
    /// More changes happened than a review reads: the counts are "at least".
    pub changes_capped: bool,
    /// The rep's follow-up scorecard over 30 days, and the weekly trend of first touch in SLA.
    pub scorecard: Option<Scorecard>,
    pub trend: Vec<(Timestamp, Option<f64>)>,
    /// The rep's quotas holding this period, with how far along they are.
    #[serde(default)]
    pub quotas: Vec<crate::domain::quota::Attainment>,
    /// Open leads in breach or gone quiet, most urgent first.
    pub attention: Vec<QueueItem>,
    /// The rep's open leads an action can be about, as the lead picker lists them.
    pub open_leads: Vec<crate::domain::lead::LeadOption>,
    pub history: Vec<ReviewSummary>,
}

/// A rep on the reviews index.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewableRep {
    pub id: i64,
    pub name: String,
    pub team: String,
    pub last_review: Option<Timestamp>,
}
