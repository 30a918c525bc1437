//! Wire and view types of `/compliance`: follow-up compliance per team and rep.

use crate::domain::compliance::{Period, Scorecard};
use crate::domain::{LeadId, Timestamp};
use serde::{Deserialize, Serialize};

pub use crate::domain::compliance::Measure;

/// The periods the page offers, in days.
pub const PERIODS: [u32; 4] = [7, 30, 90, 365];

/// Whose figures, over how long: the last `days` days, optionally one team or one rep.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceQuery {
    pub days: u32,
    pub team: Option<i64>,
    pub rep: Option<i64>,
    /// Only leads of this pipeline (none: every pipeline).
    #[serde(default)]
    pub pipeline: Option<i64>,
}

/// One row of a table: a team or a rep with their scorecard (lead id lists emptied: the
/// numbers click through to [`compliance_leads`] instead).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoreRow {
    pub id: i64,
    pub name: String,
    pub team: Option<String>,
    pub card: Scorecard,
}

/// The page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComplianceView {
    pub query: ComplianceQuery,
    pub period: Period,
    pub now: Timestamp,
    pub formula: String,
    pub teams: Vec<ScoreRow>,
    pub reps: Vec<ScoreRow>,
    /// The scope's weekly trend, oldest first: (week start, first touch within SLA, losses
    /// with a reason).
    pub trend: Vec<(Timestamp, Option<f64>, Option<f64>)>,
    /// The rep shown alone (`query.rep`), by name.
    pub rep_name: Option<String>,
    /// Teams the viewer may pick.
    pub team_choices: Vec<(i64, String)>,
    /// The pipelines to narrow to (id, name), when there are several.
    #[serde(default)]
    pub pipelines: Vec<(i64, String)>,
    /// The viewer sees only their own figures (a rep).
    pub own_only: bool,
}

/// A lead behind a number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadLine {
    pub id: LeadId,
    pub title: String,
    pub owner: Option<String>,
    pub stage: String,
    pub created_at: Timestamp,
    /// When it was first touched and how that stood against its SLA.
    pub first_touch: String,
    pub next_step: Option<String>,
}

/// The leads behind one number, with what they are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadsBehind {
    pub title: String,
    pub leads: Vec<LeadLine>,
}
