//! Wire and view types of `/forecast`: the open pipeline by expected close month, weighted,
//! committed and best case, beside the past months' wins.

pub use crate::domain::forecast::*;
use serde::{Deserialize, Serialize};

/// The forecast page's data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForecastView {
    /// The query as asked (for the page's links).
    pub query: ForecastQuery,
    pub grouping: Grouping,
    /// Months ahead, this month included.
    pub ahead: u32,
    pub forecast: Forecast,
    /// The months as bars (won, committed, weighted, best case), drawn on the server.
    pub chart: String,
    /// The pipelines to pick from (id, name), when there are several.
    pub pipelines: Vec<(i64, String)>,
    /// Whose leads these are, in words: "Your leads", "Your teams' leads", "Every team".
    pub scope: String,
    /// Currencies of leads left out of the amounts (counted elsewhere).
    pub other_currencies: Vec<String>,
    /// Open leads in scope without an expected close date.
    pub undated: u32,
    /// Today in the organisation's time zone, `YYYY-MM-DD`.
    pub today: String,
    /// Monthly won-value quotas in the forecast's currency, per row (a rep's own, a team's
    /// people's summed), when the forecast is by rep or team across every pipeline.
    #[serde(default)]
    pub quotas: Vec<(Option<i64>, crate::domain::quota::Attainment)>,
    /// The rows' quotas summed.
    #[serde(default)]
    pub quota_total: Option<crate::domain::quota::Attainment>,
}
