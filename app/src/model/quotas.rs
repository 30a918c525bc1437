//! Wire and view types of the quotas page (`/quotas`): each person's quotas, how far along
//! they are this period, and what is set to start later.

pub use crate::domain::quota::*;
use crate::domain::Role;
use serde::{Deserialize, Serialize};

/// One rep or manager on the quotas page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuotaPerson {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub team: Option<String>,
    /// Whether the reader may set this person's quotas.
    pub can_edit: bool,
    /// The quotas holding now, with this period's attainment (won value, wins, score order).
    pub current: Vec<Attainment>,
    /// Quotas set to start after this month (a zero target ends one).
    pub upcoming: Vec<Quota>,
}

/// The quotas page's data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuotasView {
    /// This month in the organisation's zone, `2026-12` (the earliest a monthly quota starts).
    pub this_month: String,
    /// Whose quotas these are, in words.
    pub scope: String,
    pub people: Vec<QuotaPerson>,
    /// The latest quotas set, newest first (at most 20): (for whom, the quota).
    pub recent: Vec<(String, Quota)>,
}
