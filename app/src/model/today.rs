//! Wire and view types of My day (`/today`): the rep's queue and own numbers,
//! snoozing a lead, and the organisation settings behind the numbers (the commission rate).

use crate::domain::today::{QueueItem, Streak};
use crate::domain::{Money, Timestamp};
use serde::{Deserialize, Serialize};

/// One open stage of the rep's pipeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageValue {
    pub stage: String,
    pub leads: u32,
    /// The leads' values, one sum per currency (biggest first).
    pub value: Vec<Money>,
}

/// My day: what to do next, and how the month is going.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Today {
    /// The rep's first name, for the greeting.
    pub first_name: String,
    pub now: Timestamp,
    /// Days on the queue and in the streak are counted in the organisation's zone, this many
    /// minutes east of UTC now.
    pub offset_minutes: i32,
    pub month_name: String,
    /// Leads the rep won this month, and their value per currency.
    pub wins: u32,
    pub won: Vec<Money>,
    pub pipeline: Vec<StageValue>,
    pub open_leads: u32,
    /// The commission rate (basis points) and the estimate on this month's wins; none until
    /// an admin sets a rate.
    pub commission: Option<(u32, Vec<Money>)>,
    /// The rep's follow-up score over the last 30 days (0–100), as on /compliance.
    pub compliance: Option<f64>,
    pub streak: Streak,
    /// The rep's quotas holding this period, with how far along they are.
    #[serde(default)]
    pub quotas: Vec<crate::domain::quota::Attainment>,
    pub queue: Vec<QueueItem>,
    /// The event log's last id when this was read: the live feed resumes after it.
    pub last_event_id: i64,
}

/// The organisation's settings an admin keeps on `/admin/settings`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSettings {
    /// Basis points; none: no commission estimate on My day.
    pub commission_bp: Option<u32>,
    /// Who sees the leaderboard.
    pub leaderboard: crate::domain::recognition::Visibility,
}
