//! The forecast's reads: the open leads in scope summed by owner, team, stage, currency,
//! expected close date and commitment (one row per combination, so 100k leads are a few
//! thousand rows), the leads won since a day, and the names of reps and teams.

use super::leads::Condition;
use crate::domain::{LeadScope, PipelineId, Timestamp};
use sqlx::AnyConnection;

/// Open leads of one owner, team, stage, currency, close date and commitment:
/// (owner, team, stage, currency, expected close, committed, leads, value).
pub type OpenRow = (
    Option<i64>,
    Option<i64>,
    i64,
    String,
    Option<String>,
    i64,
    i64,
    i64,
);

/// A won lead: (owner, team, stage, currency, value, closed at).
pub type WonRow = (Option<i64>, Option<i64>, i64, String, Option<i64>, i64);

fn condition(scope: &LeadScope, pipeline: Option<PipelineId>, first: usize) -> Condition {
    let mut cond = Condition::new(first);
    cond.scope(scope);
    if let Some(p) = pipeline {
        let mark = cond.bind(super::leads::Param::Int(p.0));
        cond.push(format!("s.pipeline_id = {mark}"));
    }
    cond
}

/// The open leads `scope` covers (of one pipeline, if given), summed.
pub async fn open(
    conn: &mut AnyConnection,
    scope: &LeadScope,
    pipeline: Option<PipelineId>,
) -> Result<Vec<OpenRow>, sqlx::Error> {
    let cond = condition(scope, pipeline, 1);
    let sql = format!(
        "SELECT l.owner_id, l.team_id, l.stage_id, l.currency, l.expected_close,
                CAST(l.committed AS BIGINT), COUNT(*),
                CAST(COALESCE(SUM(l.value_cents), 0) AS BIGINT)
         FROM leads l JOIN stages s ON s.id = l.stage_id
         WHERE s.kind = 'open' AND l.closed_at IS NULL AND {}
         GROUP BY l.owner_id, l.team_id, l.stage_id, l.currency, l.expected_close, l.committed",
        cond.sql()
    );
    cond.apply(sqlx::query_as(&sql)).fetch_all(conn).await
}

/// The leads `scope` covers won at or after `since`.
pub async fn won_since(
    conn: &mut AnyConnection,
    scope: &LeadScope,
    pipeline: Option<PipelineId>,
    since: Timestamp,
) -> Result<Vec<WonRow>, sqlx::Error> {
    let mut cond = condition(scope, pipeline, 1);
    let mark = cond.bind(super::leads::Param::Int(since.0));
    cond.push(format!("l.closed_at >= {mark}"));
    let sql = format!(
        "SELECT l.owner_id, l.team_id, l.stage_id, l.currency, l.value_cents, l.closed_at
         FROM leads l JOIN stages s ON s.id = l.stage_id
         WHERE s.kind = 'won' AND {}",
        cond.sql()
    );
    cond.apply(sqlx::query_as(&sql)).fetch_all(conn).await
}

/// Every user's and every team's name, for the rows' labels.
pub async fn names(
    conn: &mut AnyConnection,
) -> Result<(Vec<(i64, String)>, Vec<(i64, String)>), sqlx::Error> {
    let users = sqlx::query_as("SELECT id, name FROM users")
        .fetch_all(&mut *conn)
        .await?;
    let teams = sqlx::query_as("SELECT id, name FROM teams")
        .fetch_all(&mut *conn)
        .await?;
    Ok((users, teams))
}
