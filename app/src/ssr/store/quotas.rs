//! Quotas as set (a history: one row per person, measure and first month), and the people
//! a quota may be set for.

use crate::domain::forecast::Month;
use crate::domain::quota::{parse_month, Cadence, Measure, Quota, QuotaChange};
use crate::domain::{Currency, Timestamp};
use sqlx::AnyConnection;

type Row = (
    i64,
    i64,
    String,
    String,
    String,
    i64,
    String,
    Option<String>,
    i64,
);

/// Every quota of `users` (none: everyone's), oldest start first. Rows whose keys this build
/// does not know are left out.
pub async fn of(
    conn: &mut AnyConnection,
    users: Option<&[i64]>,
) -> Result<Vec<Quota>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT q.id, q.user_id, q.measure, q.cadence, q.starts, q.target, q.currency,
                u.name, q.set_at
         FROM quotas q LEFT JOIN users u ON u.id = q.set_by
         ORDER BY q.starts, q.id",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|r| users.is_none_or(|us| us.contains(&r.1)))
        .filter_map(
            |(id, user_id, measure, cadence, starts, target, currency, set_by, set_at)| {
                Some(Quota {
                    id,
                    user_id,
                    measure: Measure::parse(&measure)?,
                    cadence: Cadence::parse(&cadence)?,
                    starts: parse_month(&starts)?,
                    target,
                    currency: Currency::parse(&currency).ok()?,
                    set_by,
                    set_at: Timestamp(set_at),
                })
            },
        )
        .collect())
}

/// The quota starting in `change.starts` for that person and measure, if one was set.
pub async fn at_start(
    conn: &mut AnyConnection,
    user: i64,
    measure: Measure,
    starts: Month,
) -> Result<Option<(String, i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT cadence, target, currency FROM quotas
         WHERE user_id = $1 AND measure = $2 AND starts = $3",
    )
    .bind(user)
    .bind(measure.key())
    .bind(starts.key())
    .fetch_optional(conn)
    .await
}

/// Sets (or replaces) the quota `change` describes.
pub async fn set(
    conn: &mut AnyConnection,
    change: &QuotaChange,
    by: Option<i64>,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO quotas (user_id, measure, cadence, starts, target, currency, set_by, set_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (user_id, measure, starts) DO UPDATE SET cadence = $3, target = $5,
             currency = $6, set_by = $7, set_at = $8",
    )
    .bind(change.user_id)
    .bind(change.measure.key())
    .bind(change.cadence.key())
    .bind(change.starts.key())
    .bind(change.target)
    .bind(change.currency.code())
    .bind(by)
    .bind(at.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Active reps and managers: (id, name, role key, team id, team name), by name.
pub async fn people(
    conn: &mut AnyConnection,
) -> Result<Vec<(i64, String, String, Option<i64>, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.name, u.role, u.team_id, t.name
         FROM users u LEFT JOIN teams t ON t.id = u.team_id
         WHERE u.deactivated_at IS NULL AND u.role IN ('rep', 'manager')
         ORDER BY u.name, u.id",
    )
    .fetch_all(conn)
    .await
}

/// Won leads per owner in `[from, to)`: (owner, wins, value in `currency`).
pub async fn wins(
    conn: &mut AnyConnection,
    span: (Timestamp, Timestamp),
    currency: Currency,
) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    super::today::wins_by_owner(conn, span, currency.code()).await
}
