//! Pipelines and their stages: reading the organisation's set, and the writes of the pipeline
//! settings (a saved form, a retired stage), each inside the caller's transaction.

use super::decode_key;
use crate::domain::{
    Criterion, Pipeline, PipelineId, Pipelines, Stage, StageId, StageKind, TeamId, Timestamp,
};
use sqlx::AnyConnection;

/// Every pipeline and stage, retired ones included.
pub async fn read(conn: &mut AnyConnection) -> Result<Pipelines, sqlx::Error> {
    let rows: Vec<(i64, String, i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, name, position, version, retired_at FROM pipelines ORDER BY position, id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let members: Vec<(i64, i64)> =
        sqlx::query_as("SELECT pipeline_id, team_id FROM team_pipelines ORDER BY team_id")
            .fetch_all(&mut *conn)
            .await?;
    let pipelines = rows
        .into_iter()
        .map(|(id, name, position, version, retired_at)| Pipeline {
            id: PipelineId(id),
            name,
            position,
            version,
            retired: retired_at.is_some(),
            teams: members
                .iter()
                .filter(|(p, _)| *p == id)
                .map(|(_, t)| TeamId(*t))
                .collect(),
        })
        .collect();
    type Row = (
        i64,
        String,
        String,
        i64,
        String,
        String,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, key, name, position, kind, entry_criteria, pipeline_id, probability,
                stale_days, retired_at
         FROM stages ORDER BY position",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut stages = Vec::with_capacity(rows.len());
    for (id, key, name, position, kind, criteria, pipeline, probability, stale, retired) in rows {
        stages.push(Stage {
            id: StageId(id),
            key,
            name,
            position,
            kind: decode_key("kind", &kind, StageKind::parse)?,
            entry_criteria: decode_criteria(&criteria)?,
            pipeline_id: PipelineId(pipeline),
            probability: probability.and_then(|p| u8::try_from(p).ok()),
            stale_days: stale.and_then(|d| u32::try_from(d).ok()),
            retired: retired.is_some(),
        });
    }
    let fields = super::fields::definitions(conn).await?;
    Ok(Pipelines::new(pipelines, stages).with_fields(fields))
}

fn decode_criteria(json: &str) -> Result<Vec<Criterion>, sqlx::Error> {
    let keys: Vec<String> = serde_json::from_str(json).map_err(|e| sqlx::Error::ColumnDecode {
        index: "entry_criteria".into(),
        source: Box::new(e),
    })?;
    keys.iter()
        .map(|k| decode_key("entry_criteria", k, Criterion::parse))
        .collect()
}

fn encode_criteria(criteria: &[Criterion]) -> String {
    let keys: Vec<&str> = criteria.iter().map(|c| c.key()).collect();
    serde_json::to_string(&keys).unwrap_or_else(|_| "[]".into())
}

/// A stage as written: everything but its id, key and position, which the store assigns.
pub struct StageRow<'a> {
    pub name: &'a str,
    pub kind: StageKind,
    pub entry_criteria: &'a [Criterion],
    pub probability: Option<u8>,
    pub stale_days: Option<u32>,
}

/// Adds a stage at the end of `pipeline` under a key made from its name (unique across
/// pipelines: `renewals`, then `renewals-2`, …).
pub async fn insert_stage(
    conn: &mut AnyConnection,
    pipeline: PipelineId,
    stage: &StageRow<'_>,
) -> Result<StageId, sqlx::Error> {
    let key = free_key(&mut *conn, stage.name).await?;
    let (position,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(position), 0) + 10 FROM stages")
        .fetch_one(&mut *conn)
        .await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO stages (key, name, position, kind, entry_criteria, pipeline_id,
                             probability, stale_days)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(key)
    .bind(stage.name)
    .bind(position)
    .bind(stage.kind.key())
    .bind(encode_criteria(stage.entry_criteria))
    .bind(pipeline.0)
    .bind(stage.probability.map(i64::from))
    .bind(stage.stale_days.map(i64::from))
    .fetch_one(conn)
    .await?;
    Ok(StageId(id))
}

async fn free_key(conn: &mut AnyConnection, name: &str) -> Result<String, sqlx::Error> {
    let base = slug(name);
    let taken: Vec<(String,)> = sqlx::query_as("SELECT key FROM stages")
        .fetch_all(conn)
        .await?;
    let taken = |k: &str| taken.iter().any(|(t,)| t == k);
    if !taken(&base) {
        return Ok(base);
    }
    Ok((2..)
        .map(|n| format!("{base}-{n}"))
        .find(|k| !taken(k))
        .unwrap_or(base))
}

/// `Closed – won!` → `closed-won`; a name without letters or digits → `stage`.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "stage".into()
    } else {
        out
    }
}

pub async fn update_stage(
    conn: &mut AnyConnection,
    id: StageId,
    stage: &StageRow<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE stages SET name = $1, kind = $2, entry_criteria = $3, probability = $4,
                stale_days = $5
         WHERE id = $6",
    )
    .bind(stage.name)
    .bind(stage.kind.key())
    .bind(encode_criteria(stage.entry_criteria))
    .bind(stage.probability.map(i64::from))
    .bind(stage.stale_days.map(i64::from))
    .bind(id.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Puts `order` (stages of one pipeline) in that order. Positions are unique across all
/// stages, so the stages keep the set of positions they hold and are dealt them in order
/// (through negative ones, which no stage holds at rest).
pub async fn reorder(conn: &mut AnyConnection, order: &[StageId]) -> Result<(), sqlx::Error> {
    let mut positions = Vec::with_capacity(order.len());
    for id in order {
        let (p,): (i64,) = sqlx::query_as("SELECT position FROM stages WHERE id = $1")
            .bind(id.0)
            .fetch_one(&mut *conn)
            .await?;
        positions.push(p);
    }
    positions.sort_unstable();
    for id in order {
        sqlx::query("UPDATE stages SET position = -id WHERE id = $1")
            .bind(id.0)
            .execute(&mut *conn)
            .await?;
    }
    for (id, p) in order.iter().zip(positions) {
        sqlx::query("UPDATE stages SET position = $1 WHERE id = $2")
            .bind(p)
            .bind(id.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Whether any lead is, or ever was, in the stage (then it can only be retired).
pub async fn stage_used(conn: &mut AnyConnection, id: StageId) -> Result<bool, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM leads WHERE stage_id = $1)
              + (SELECT COUNT(*) FROM stage_stays WHERE stage_id = $1)",
    )
    .bind(id.0)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// How many leads are in the stage now.
pub async fn leads_in(conn: &mut AnyConnection, id: StageId) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM leads WHERE stage_id = $1")
        .bind(id.0)
        .fetch_one(conn)
        .await?;
    Ok(n)
}

/// The ids of the leads in the stage, oldest first.
pub async fn lead_ids_in(
    conn: &mut AnyConnection,
    id: StageId,
) -> Result<Vec<crate::domain::LeadId>, sqlx::Error> {
    let rows: Vec<(i64,)> = sqlx::query_as("SELECT id FROM leads WHERE stage_id = $1 ORDER BY id")
        .bind(id.0)
        .fetch_all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id,)| crate::domain::LeadId(id))
        .collect())
}

pub async fn delete_stage(conn: &mut AnyConnection, id: StageId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM stages WHERE id = $1")
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn retire_stage(
    conn: &mut AnyConnection,
    id: StageId,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE stages SET retired_at = $1 WHERE id = $2")
        .bind(at.0)
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Adds a pipeline after the others.
pub async fn insert_pipeline(
    conn: &mut AnyConnection,
    name: &str,
    at: Timestamp,
) -> Result<PipelineId, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO pipelines (name, position, version, created_at)
         VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 10 FROM pipelines), 1, $2)
         RETURNING id",
    )
    .bind(name)
    .bind(at.0)
    .fetch_one(conn)
    .await?;
    Ok(PipelineId(id))
}

/// Renames the pipeline and advances its version, if it is still at `based_on`; false when
/// someone saved it in between.
pub async fn bump(
    conn: &mut AnyConnection,
    id: PipelineId,
    name: &str,
    based_on: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE pipelines SET name = $1, version = version + 1 WHERE id = $2 AND version = $3",
    )
    .bind(name)
    .bind(id.0)
    .bind(based_on)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Retires the pipeline and advances its version, if it is still at `based_on`; false when
/// someone saved it in between.
pub async fn retire_pipeline(
    conn: &mut AnyConnection,
    id: PipelineId,
    based_on: i64,
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE pipelines SET retired_at = $1, version = version + 1
         WHERE id = $2 AND version = $3 AND retired_at IS NULL",
    )
    .bind(at.0)
    .bind(id.0)
    .bind(based_on)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How many open leads are in the pipeline's stages.
pub async fn open_leads_in(conn: &mut AnyConnection, id: PipelineId) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM leads l JOIN stages s ON s.id = l.stage_id
         WHERE s.pipeline_id = $1 AND l.closed_at IS NULL",
    )
    .bind(id.0)
    .fetch_one(conn)
    .await?;
    Ok(n)
}

/// Whether another pipeline already has this name (compared without case).
pub async fn name_taken(
    conn: &mut AnyConnection,
    name: &str,
    except: Option<PipelineId>,
) -> Result<bool, sqlx::Error> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM pipelines WHERE LOWER(name) = LOWER($1) AND id <> $2")
            .bind(name)
            .bind(except.map_or(0, |p| p.0))
            .fetch_one(conn)
            .await?;
    Ok(n > 0)
}

/// Makes `teams` exactly the teams working in the pipeline.
pub async fn set_teams(
    conn: &mut AnyConnection,
    id: PipelineId,
    teams: &[TeamId],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM team_pipelines WHERE pipeline_id = $1")
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    for t in teams {
        sqlx::query("INSERT INTO team_pipelines (team_id, pipeline_id) VALUES ($1, $2)")
            .bind(t.0)
            .bind(id.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Lets a new team work in the first pipeline.
pub async fn join_default(conn: &mut AnyConnection, team: TeamId) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO team_pipelines (team_id, pipeline_id)
         SELECT $1, id FROM pipelines WHERE retired_at IS NULL ORDER BY position, id LIMIT 1",
    )
    .bind(team.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// One saved change of a pipeline, as the history lists it.
pub struct VersionRow {
    pub pipeline: PipelineId,
    pub version: i64,
    pub changes: Vec<String>,
    pub author: Option<String>,
    pub at: Timestamp,
}

pub async fn insert_version(
    conn: &mut AnyConnection,
    v: &VersionRow,
    snapshot: &serde_json::Value,
    author: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO pipeline_versions (pipeline_id, version, snapshot, changes, author_id,
                                        created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(v.pipeline.0)
    .bind(v.version)
    .bind(snapshot.to_string())
    .bind(serde_json::to_string(&v.changes).unwrap_or_else(|_| "[]".into()))
    .bind(author)
    .bind(v.at.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// The latest saved changes of every pipeline, newest first.
pub async fn versions(
    conn: &mut AnyConnection,
    limit: i64,
) -> Result<Vec<VersionRow>, sqlx::Error> {
    let rows: Vec<(i64, i64, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT v.pipeline_id, v.version, v.changes, u.name, v.created_at
         FROM pipeline_versions v LEFT JOIN users u ON u.id = v.author_id
         ORDER BY v.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(p, version, changes, author, at)| VersionRow {
            pipeline: PipelineId(p),
            version,
            changes: serde_json::from_str(&changes).unwrap_or_default(),
            author,
            at: Timestamp(at),
        })
        .collect())
}

/// Whether managers may change the stages of their teams' pipelines (an admin's choice).
pub async fn managers_may_edit(conn: &mut AnyConnection) -> Result<bool, sqlx::Error> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT managers_edit_pipelines FROM org_settings WHERE id = 1")
            .fetch_optional(conn)
            .await?;
    Ok(row.is_some_and(|(v,)| v != 0))
}

pub async fn set_managers_may_edit(
    conn: &mut AnyConnection,
    allowed: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE org_settings SET managers_edit_pipelines = $1 WHERE id = 1")
        .bind(i64::from(allowed))
        .execute(conn)
        .await?;
    Ok(())
}

/// How many leads each stage holds now.
pub async fn leads_per_stage(conn: &mut AnyConnection) -> Result<Vec<(StageId, i64)>, sqlx::Error> {
    let rows: Vec<(i64, i64)> =
        sqlx::query_as("SELECT stage_id, COUNT(*) FROM leads GROUP BY stage_id")
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(|(s, n)| (StageId(s), n)).collect())
}
