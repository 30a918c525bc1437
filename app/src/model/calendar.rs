//! A person's private calendar feed, as their settings page shows it.

use crate::domain::Timestamp;
use serde::{Deserialize, Serialize};

/// A live feed (its address is shown once, when it is turned on).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarFeedSummary {
    /// The first characters of the secret, to tell feeds apart.
    pub prefix: String,
    /// A manager's feed also lists the overdue next steps of the teams they manage.
    pub include_team: bool,
    pub created_at: Timestamp,
    /// When a calendar last fetched it.
    pub last_used_at: Option<Timestamp>,
}

/// The feed settings of the signed-in person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarFeedSettings {
    pub feed: Option<CalendarFeedSummary>,
    /// Whether the person manages a team (and may include its overdue items).
    pub manages_team: bool,
}

/// A feed just turned on: its address, shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedFeed {
    pub url: String,
}
