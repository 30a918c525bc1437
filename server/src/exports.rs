//! Downloads of the app's tables as CSV, for the signed-in user who may see them:
//! `GET /roi.csv?days=90&currency=USD&table=channels|campaigns|sources` (the tables of
//! `/roi`, the same figures; text cells a spreadsheet would run as formulas stay text) and
//! `GET /spend.csv` (every campaign's spend entries).

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
    table: Option<String>,
}

pub async fn roi_csv(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Query(q): Query<RoiCsv>,
) -> Result<impl IntoResponse, AppError> {
    let table = q.table.unwrap_or_else(|| "channels".into());
    if !["channels", "campaigns", "sources"].contains(&table.as_str()) {
        return Err(AppError::field(
            "table",
            "Choose channels, campaigns or sources",
        ));
    }
    let query = RoiQuery {
        days: q.days.unwrap_or(90),
        currency: q.currency,
        from: q.from,
        to: q.to,
    };
    let report = app::ssr::service::roi::report(&state, &actor, query).await?;
    let rows = match table.as_str() {
        "campaigns" => &report.campaigns,
        "sources" => &report.sources,
        _ => &report.channels,
    };
    let body = app::domain::roi::csv(rows, report.currency);
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
