//! Wire and view types of `/campaigns`: marketing's campaigns, budgets and spend
//! (typed in, or uploaded as CSV).

use crate::domain::campaign::{CampaignForm, SpendProblem};
use crate::domain::{Channel, Timestamp};
use serde::{Deserialize, Serialize};

/// A campaign as listed, with what it has cost and brought.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignLine {
    pub id: i64,
    pub name: String,
    pub source: String,
    pub channel: Channel,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    /// Formatted in the campaign's currency.
    pub budget: Option<String>,
    pub spent: String,
    /// Spent as a share of the budget, in percent.
    pub budget_used: Option<u32>,
    pub spend_entries: i64,
    pub leads: i64,
    /// The form to edit it.
    pub form: CampaignForm,
}

/// The page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignsView {
    pub campaigns: Vec<CampaignLine>,
    /// Sources to run a campaign on: (id, name).
    pub sources: Vec<(i64, String)>,
    /// The viewer may change campaigns and spend (marketing, admins).
    pub can_edit: bool,
    /// Today (UTC), `YYYY-MM-DD`: the spend form's default date.
    pub today: String,
}

/// A spend entry as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendLine {
    pub id: i64,
    pub date: String,
    pub amount: String,
    pub note: Option<String>,
}

/// What an uploaded spend file holds, or held when it was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendUploadReport {
    /// Good lines (written when `written`).
    pub good: usize,
    pub problems: Vec<SpendProblem>,
    pub written: bool,
}
