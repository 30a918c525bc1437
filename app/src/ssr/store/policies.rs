//! Follow-up policies: one row per saved version of each scope (the organisation default, or
//! one team's override). See migrations/*/0004_policies.sql.

use crate::domain::access::{TeamId, UserId};
use crate::domain::{Policy, Timestamp};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// The newest version of every scope, organisation default (`None`) included when saved.
pub async fn latest(
    conn: &mut AnyConnection,
) -> Result<Vec<(Option<TeamId>, Policy)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT p.team_id, p.version, p.rules FROM policies p
         WHERE p.version = (SELECT MAX(q.version) FROM policies q
                            WHERE COALESCE(q.team_id, 0) = COALESCE(p.team_id, 0))
         ORDER BY p.team_id",
    )
    .fetch_all(conn)
    .await?;
    rows.iter().map(scope_and_rules).collect()
}

/// A row's scope and rules (`team_id`, `version`, `rules`); the row's version is
/// authoritative over the one inside the JSON.
fn scope_and_rules(r: &AnyRow) -> Result<(Option<TeamId>, Policy), sqlx::Error> {
    let rules: String = r.try_get("rules")?;
    let mut policy: Policy =
        serde_json::from_str(&rules).map_err(|e| sqlx::Error::ColumnDecode {
            index: "rules".into(),
            source: Box::new(e),
        })?;
    policy.version = r.try_get("version")?;
    let team: Option<i64> = r.try_get("team_id")?;
    Ok((team.map(TeamId), policy))
}

/// Saves `policy` as the next version of its scope and returns that version.
pub async fn insert(
    conn: &mut AnyConnection,
    team: Option<TeamId>,
    policy: &Policy,
    author: Option<UserId>,
    at: Timestamp,
) -> Result<i64, sqlx::Error> {
    let (version,): (i64,) = sqlx::query_as(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM policies
         WHERE COALESCE(team_id, 0) = COALESCE(CAST($1 AS BIGINT), 0)",
    )
    .bind(team.map(|t| t.0))
    .fetch_one(&mut *conn)
    .await?;
    let mut saved = policy.clone();
    saved.version = version;
    // Derived from the pipeline when the policy is read, not saved.
    saved.lost_stages.clear();
    saved.stage_idle_days.clear();
    saved.stage_fields.clear();
    let rules = serde_json::to_string(&saved).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO policies (team_id, version, rules, author_id, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(team.map(|t| t.0))
    .bind(version)
    .bind(rules)
    .bind(author.map(|u| u.0))
    .bind(at.0)
    .execute(conn)
    .await?;
    Ok(version)
}

/// A saved version with its author, as the history lists it.
pub struct VersionRow {
    pub team: Option<TeamId>,
    pub version: i64,
    pub policy: Policy,
    pub author: Option<String>,
    pub at: Timestamp,
}

/// Every saved version, oldest first within each scope.
pub async fn history(conn: &mut AnyConnection) -> Result<Vec<VersionRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT p.team_id, p.version, p.rules, u.name AS author, p.created_at
         FROM policies p LEFT JOIN users u ON u.id = p.author_id
         ORDER BY COALESCE(p.team_id, 0), p.version",
    )
    .fetch_all(conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let (team, policy) = scope_and_rules(r)?;
        out.push(VersionRow {
            team,
            version: policy.version,
            policy,
            author: r.try_get("author")?,
            at: Timestamp(r.try_get("created_at")?),
        });
    }
    Ok(out)
}
