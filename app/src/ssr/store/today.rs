//! My day's reads (the rep's breaches and wins) and the organisation settings row.

use crate::domain::Timestamp;
use sqlx::AnyConnection;

/// Breaches on `owner`'s leads that were open at any time since `since`: (began, resolved).
/// "At risk" is a warning, not a breach, and a missing close reason is about closed leads.
pub async fn breaches(
    conn: &mut AnyConnection,
    owner: i64,
    since: Timestamp,
) -> Result<Vec<(Timestamp, Option<Timestamp>)>, sqlx::Error> {
    let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT f.began_at, f.resolved_at FROM findings f JOIN leads l ON l.id = f.lead_id
         WHERE l.owner_id = $1 AND f.kind NOT IN ('sla_at_risk', 'close_reason_missing')
           AND (f.resolved_at IS NULL OR f.resolved_at > $2)",
    )
    .bind(owner)
    .bind(since.0)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(b, r)| (Timestamp(b), r.map(Timestamp)))
        .collect())
}

/// `owner`'s wins closed since `since`, per currency: (currency, leads, value in minor units).
pub async fn wins_since(
    conn: &mut AnyConnection,
    owner: i64,
    since: Timestamp,
) -> Result<Vec<(String, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.currency, COUNT(*), CAST(COALESCE(SUM(l.value_cents), 0) AS BIGINT)
         FROM leads l JOIN stages s ON s.id = l.stage_id
         WHERE l.owner_id = $1 AND s.kind = 'won' AND l.closed_at >= $2
         GROUP BY l.currency ORDER BY 3 DESC",
    )
    .bind(owner)
    .bind(since.0)
    .fetch_all(conn)
    .await
}

/// The commission rate in basis points, if an admin set one.
pub async fn commission_bp(conn: &mut AnyConnection) -> Result<Option<u32>, sqlx::Error> {
    let row: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT commission_bp FROM org_settings WHERE id = 1")
            .fetch_optional(conn)
            .await?;
    Ok(row
        .and_then(|(bp,)| bp)
        .and_then(|bp| u32::try_from(bp).ok()))
}

/// Sets (or clears) the commission rate.
pub async fn set_commission_bp(
    conn: &mut AnyConnection,
    bp: Option<u32>,
    by: Option<i64>,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE org_settings SET commission_bp = $1, updated_by = $2, updated_at = $3
         WHERE id = 1",
    )
    .bind(bp.map(i64::from))
    .bind(by)
    .bind(at.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Who sees the leaderboard (`team`, `organisation` or `off`).
pub async fn leaderboard_visibility(conn: &mut AnyConnection) -> Result<String, sqlx::Error> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT leaderboard FROM org_settings WHERE id = 1")
            .fetch_optional(conn)
            .await?;
    Ok(row.map_or_else(|| "team".to_string(), |(v,)| v))
}

pub async fn set_leaderboard_visibility(
    conn: &mut AnyConnection,
    visibility: &str,
    by: i64,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE org_settings SET leaderboard = $1, updated_by = $2, updated_at = $3 WHERE id = 1",
    )
    .bind(visibility)
    .bind(by)
    .bind(at.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Wins per owner closed in `[from, to)` in `currency`: (owner, wins, value in minor units).
pub async fn wins_by_owner(
    conn: &mut AnyConnection,
    (from, to): (Timestamp, Timestamp),
    currency: &str,
) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.owner_id, COUNT(*),
                CAST(COALESCE(SUM(CASE WHEN l.currency = $3 THEN l.value_cents ELSE 0 END), 0) AS BIGINT)
         FROM leads l JOIN stages s ON s.id = l.stage_id
         WHERE s.kind = 'won' AND l.closed_at >= $1 AND l.closed_at < $2 AND l.owner_id IS NOT NULL
         GROUP BY l.owner_id",
    )
    .bind(from.0)
    .bind(to.0)
    .bind(currency)
    .fetch_all(conn)
    .await
}
