//! Downloads of the app's tables as CSV, for the signed-in user who may see them:
//! `GET /roi.csv?days=90&currency=USD&table=channels|campaigns|sources|funnel|times` (the tables of
//! `/roi`, the same figures; text cells a spreadsheet would run as formulas stay text) and
//! `GET /spend.csv` (every campaign's spend entries), `GET /forecast.csv` (the forecast).

use crate::rest::SignedIn;
use app::api::roi::RoiQuery;
use app::error::AppError;
use app::ssr::AppState;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct RoiCsv {
    days: Option<u32>,
    currency: Option<String>,
    from: Option<String>,
    to: Option<String>,
    pipeline: Option<i64>,
    table: Option<String>,
}

/// The tables of `/roi` that download.
const TABLES: [&str; 5] = ["channels", "campaigns", "sources", "funnel", "times"];

pub async fn roi_csv(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Query(q): Query<RoiCsv>,
) -> Result<impl IntoResponse, AppError> {
    let table = q.table.unwrap_or_else(|| "channels".into());
    if !TABLES.contains(&table.as_str()) {
        return Err(AppError::field(
            "table",
            "Choose channels, campaigns, sources, funnel or times",
        ));
    }
    let query = RoiQuery {
        days: q.days.unwrap_or(90),
        currency: q.currency,
        from: q.from,
        to: q.to,
        pipeline: q.pipeline,
    };
    let report = app::ssr::service::roi::report(&state, &actor, query.clone()).await?;
    let cell = app::domain::roi::csv_cell;
    let body = match table.as_str() {
        "funnel" => {
            let mut out = String::from("stage,reached,share_of_step_before\r\n");
            for s in &report.funnel {
                let share = s
                    .from_previous
                    .map(|v| format!("{v:.4}"))
                    .unwrap_or_default();
                out.push_str(&format!("{},{},{share}\r\n", cell(&s.stage), s.reached));
            }
            out
        }
        "times" => {
            let t = app::ssr::service::roi::times(&state, &actor, query).await?;
            let days = |ms: i64| format!("{:.2}", ms as f64 / 86_400_000.0);
            let mut out = String::from("stage,moves_out,median_days,p80_days\r\n");
            for s in &t.stage_times {
                out.push_str(&format!(
                    "{},{},{},{}\r\n",
                    cell(&s.stage),
                    s.spread.count,
                    days(s.spread.median_ms),
                    days(s.spread.p80_ms)
                ));
            }
            if let Some(c) = t.sales_cycle {
                out.push_str(&format!(
                    "sales cycle (inquiry to win),{},{},{}\r\n",
                    c.count,
                    days(c.median_ms),
                    days(c.p80_ms)
                ));
            }
            out
        }
        other => {
            let rows = match other {
                "campaigns" => &report.campaigns,
                "sources" => &report.sources,
                _ => &report.channels,
            };
            app::domain::roi::csv(rows, report.currency)
        }
    };
    let period = match (&report.query.from, &report.query.to) {
        (Some(from), Some(to)) => format!("{from}-to-{to}"),
        _ => format!("{}d-{}", report.query.days, report.now.date_string(0)),
    };
    let name = format!("attachment; filename=\"roi-{table}-{period}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        body,
    ))
}

/// `GET /spend.csv`: every spend entry of every campaign.
pub async fn spend_csv(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
) -> Result<impl IntoResponse, AppError> {
    let body = app::ssr::service::campaigns::spend_csv(&state, &actor).await?;
    let name = format!(
        "attachment; filename=\"spend-{}.csv\"",
        app::ssr::service::now().date_string(0)
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        body,
    ))
}

/// `GET /forecast.csv?by=team&months=6&pipeline=2`: the forecast's figures, one line per row
/// and column, for whoever may read the forecast (a rep their own).
pub async fn forecast_csv(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Query(q): Query<app::domain::forecast::ForecastQuery>,
) -> Result<impl IntoResponse, AppError> {
    let body = app::ssr::service::forecast::csv(&state, &actor, q).await?;
    let name = format!(
        "attachment; filename=\"forecast-{}.csv\"",
        app::ssr::service::now().date_string(0)
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        body,
    ))
}

#[derive(Deserialize)]
pub struct LeaderboardCsv {
    days: Option<u32>,
}

/// `GET /leaderboard.csv?days=30`: the leaderboard's figures for incentive payouts (admins).
pub async fn leaderboard_csv(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Query(q): Query<LeaderboardCsv>,
) -> Result<impl IntoResponse, AppError> {
    let days = q.days.unwrap_or(30);
    let body = app::ssr::service::recognition::export_csv(&state, &actor, days).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"closeloop-leaderboard-{days}d.csv\""),
            ),
        ],
        body,
    ))
}
