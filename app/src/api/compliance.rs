//! Server functions and wire types of `/compliance`: follow-up compliance per team and rep.

use crate::domain::compliance::{Period, Scorecard};
use crate::domain::{LeadId, Timestamp};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::signed_in;

/// The periods the page offers, in days.
pub const PERIODS: [u32; 4] = [7, 30, 90, 365];

/// Whose figures, over how long: the last `days` days, optionally one team or one rep.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceQuery {
    pub days: u32,
    pub team: Option<i64>,
    pub rep: Option<i64>,
}

/// The measures a number can click through to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Measure {
    FirstTouch,
    NextStep,
    NotStale,
    CloseReason,
    DataComplete,
}

impl Measure {
    pub const ALL: [Measure; 5] = [
        Measure::FirstTouch,
        Measure::NextStep,
        Measure::NotStale,
        Measure::CloseReason,
        Measure::DataComplete,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Measure::FirstTouch => "first_touch",
            Measure::NextStep => "next_step",
            Measure::NotStale => "not_stale",
            Measure::CloseReason => "close_reason",
            Measure::DataComplete => "data_complete",
        }
    }

    pub fn parse(key: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.key() == key)
    }

    /// The column heading.
    pub fn label(self) -> &'static str {
        match self {
            Measure::FirstTouch => "First touch within SLA",
            Measure::NextStep => "Next step planned",
            Measure::NotStale => "Not stale",
            Measure::CloseReason => "Losses with a reason",
            Measure::DataComplete => "Complete data",
        }
    }

    /// The metric of `card` this measure is.
    pub fn of(self, card: &Scorecard) -> &crate::domain::compliance::Metric {
        match self {
            Measure::FirstTouch => &card.first_touch_in_sla,
            Measure::NextStep => &card.next_step_planned,
            Measure::NotStale => &card.not_stale,
            Measure::CloseReason => &card.close_reason_given,
            Measure::DataComplete => &card.data_complete,
        }
    }
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

#[server(prefix = "/api/fn", endpoint = "compliance", input = GetUrl)]
pub async fn get_compliance(query: ComplianceQuery) -> Result<ComplianceView, AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::compliance::page(&state, &actor, query).await
        }
        .await,
    )
}

/// The leads that passed (`passed`) or failed a measure for the rows of `query`.
#[server(prefix = "/api/fn", endpoint = "compliance_leads", input = GetUrl)]
pub async fn compliance_leads(
    query: ComplianceQuery,
    measure: String,
    passed: bool,
) -> Result<LeadsBehind, AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            let measure = Measure::parse(&measure)
                .ok_or_else(|| AppError::field("measure", "Unknown measure"))?;
            crate::ssr::service::compliance::leads_behind(&state, &actor, query, measure, passed)
                .await
        }
        .await,
    )
}
