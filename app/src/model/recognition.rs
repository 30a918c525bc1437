//! Wire and view types of the leaderboard (`/leaderboard`).

use crate::domain::compliance::Period;
use crate::domain::recognition::{Standing, Visibility};
use serde::{Deserialize, Serialize};

/// The periods the leaderboard offers, in days.
pub const LEADERBOARD_DAYS: [u32; 3] = [7, 30, 90];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Leaderboard {
    pub days: u32,
    pub period: Period,
    pub visibility: Visibility,
    /// Whose reps these are: "Enterprise East", "Everyone".
    pub scope: String,
    /// Admins download the figures for incentive payouts.
    pub can_export: bool,
    pub rows: Vec<Standing>,
}
