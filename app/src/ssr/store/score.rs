//! What lead scores are computed from, and where they are kept.

use super::{id_list, Cell};
use crate::domain::Timestamp;
use sqlx::AnyConnection;

/// Each source's record: (source, won, closed) over the closed leads.
pub async fn source_records(conn: &mut AnyConnection) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.source_id,
                CAST(SUM(CASE WHEN st.kind = 'won' THEN 1 ELSE 0 END) AS BIGINT),
                CAST(COUNT(*) AS BIGINT)
         FROM leads l JOIN stages st ON st.id = l.stage_id
         WHERE l.closed_at IS NOT NULL GROUP BY l.source_id",
    )
    .fetch_all(conn)
    .await
}

/// (lead, value, currency, product interest, territory known, source name, source, stage,
/// team, created, closed).
pub type Facts = (
    i64,
    Option<i64>,
    String,
    Option<String>,
    i64,
    String,
    i64,
    i64,
    Option<i64>,
    i64,
    Option<i64>,
);

/// What scores these leads (at most [`super::ROWS_PER_STATEMENT`] at a time).
pub async fn facts(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<Facts>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT l.id, l.value_cents, l.currency, l.product_interest,
                CAST(CASE WHEN l.country IS NULL AND l.region IS NULL
                          AND l.postcode IS NULL THEN 0 ELSE 1 END AS BIGINT),
                s.name, l.source_id, l.stage_id, l.team_id, l.created_at, l.closed_at
         FROM leads l JOIN sources s ON s.id = l.source_id WHERE l.id IN ({})",
        id_list(ids.iter().copied())
    ))
    .persistent(false)
    .fetch_all(conn)
    .await
}

/// These leads' activities, oldest first per lead: (lead, kind, outcome, when).
pub async fn activities(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<Vec<(i64, String, Option<String>, i64)>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT lead_id, kind, outcome, occurred_at FROM activities
         WHERE lead_id IN ({}) ORDER BY lead_id, occurred_at, id",
        id_list(ids.iter().copied())
    ))
    .persistent(false)
    .fetch_all(conn)
    .await
}

/// A lead's stored score: (lead, score, reasons as JSON, dead-lead suggestion).
pub type ScoreRow = (i64, Option<i64>, Option<String>, Option<String>);

/// Writes scores, computed at `now`.
pub async fn write(
    conn: &mut AnyConnection,
    rows: &[ScoreRow],
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let (values, texts) = super::value_rows(
        rows.iter().map(|(id, score, reasons, suggest)| {
            vec![
                Cell::Int(Some(*id)),
                Cell::Int(*score),
                Cell::OptText(reasons.as_deref()),
                Cell::OptText(suggest.as_deref()),
            ]
        }),
        1,
        true,
    );
    let sql = format!(
        "WITH v (id, score, reasons, suggest) AS (VALUES {values})
         UPDATE leads SET score = v.score, score_reasons = v.reasons,
                          suggest_close = v.suggest, scored_at = {}
         FROM v WHERE leads.id = v.id AND leads.id IN ({})",
        now.0,
        id_list(rows.iter().map(|r| r.0))
    );
    super::execute_with(conn, &sql, texts).await
}

/// Open leads whose score is missing or older than `scored_before`, oldest first (at most
/// `limit`).
pub async fn due(
    conn: &mut AnyConnection,
    scored_before: Timestamp,
    limit: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let due: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM leads WHERE closed_at IS NULL AND (scored_at IS NULL OR scored_at < $1)
         ORDER BY scored_at IS NOT NULL, scored_at, id LIMIT $2",
    )
    .bind(scored_before.0)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(due.into_iter().map(|(id,)| id).collect())
}
