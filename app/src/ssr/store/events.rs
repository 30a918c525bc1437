//! The append-only event log: written in the same transaction as the change it records.

use crate::domain::{LeadId, Timestamp};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow, Row};

/// An event to append.
#[derive(Clone, Debug)]
pub struct NewEvent<'a> {
    pub at: Timestamp,
    pub actor_id: Option<i64>,
    /// Dotted kind, e.g. `lead.moved`.
    pub kind: &'a str,
    pub lead_id: Option<LeadId>,
    /// JSON object `{"before": …, "after": …}`.
    pub payload: serde_json::Value,
}

/// A stored event.
#[derive(Clone, Debug)]
pub struct EventRow {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub kind: String,
    pub lead_id: Option<i64>,
    pub payload: String,
}

impl FromRow<'_, AnyRow> for EventRow {
    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(EventRow {
            id: r.try_get("id")?,
            at: r.try_get("at")?,
            actor_id: r.try_get("actor_id")?,
            kind: r.try_get("kind")?,
            lead_id: r.try_get("lead_id")?,
            payload: r.try_get("payload")?,
        })
    }
}

/// Appends an event and returns its id (ids only ever grow).
pub async fn append(conn: &mut AnyConnection, e: &NewEvent<'_>) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO events (at, actor_id, kind, lead_id, payload)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(e.at.0)
    .bind(e.actor_id)
    .bind(e.kind)
    .bind(e.lead_id.map(|l| l.0))
    .bind(e.payload.to_string())
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Appends events under ids reserved for them (`store::reserve_ids`), with multi-row INSERTs.
pub async fn append_with_ids(
    conn: &mut AnyConnection,
    events: &[(i64, NewEvent<'_>)],
) -> Result<(), sqlx::Error> {
    for chunk in events.chunks(super::ROWS_PER_STATEMENT) {
        use super::Cell::{Int, Text};
        let payloads: Vec<String> = chunk.iter().map(|(_, e)| e.payload.to_string()).collect();
        let (values, texts) = super::value_rows_for(
            conn,
            chunk.iter().zip(&payloads).map(|((id, e), payload)| {
                vec![
                    Int(Some(*id)),
                    Int(Some(e.at.0)),
                    Int(e.actor_id),
                    Text(e.kind),
                    Int(e.lead_id.map(|l| l.0)),
                    Text(payload),
                ]
            }),
            false,
        );
        // PostgreSQL generates event ids ALWAYS: these were drawn from its sequence.
        let overriding = if conn.backend_name() == "SQLite" {
            ""
        } else {
            "OVERRIDING SYSTEM VALUE"
        };
        let sql = format!(
            "INSERT INTO events (id, at, actor_id, kind, lead_id, payload) {overriding}
             VALUES {values}"
        );
        super::execute_with(&mut *conn, &sql, texts).await?;
    }
    Ok(())
}

/// Appends events with multi-row INSERTs and returns their ids in the order given (ids
/// only ever grow; events identical in every column may swap ids, which nobody can tell).
pub async fn append_many(
    conn: &mut AnyConnection,
    events: &[NewEvent<'_>],
) -> Result<Vec<i64>, sqlx::Error> {
    let mut ids = Vec::with_capacity(events.len());
    for chunk in events.chunks(super::ROWS_PER_STATEMENT) {
        use super::Cell::{Int, Text};
        let payloads: Vec<String> = chunk.iter().map(|e| e.payload.to_string()).collect();
        let (values, texts) = super::value_rows(
            chunk.iter().zip(&payloads).map(|(e, payload)| {
                vec![
                    Int(Some(e.at.0)),
                    Int(e.actor_id),
                    Text(e.kind),
                    Int(e.lead_id.map(|l| l.0)),
                    Text(payload),
                ]
            }),
            1,
            false,
        );
        let sql = format!(
            "INSERT INTO events (at, actor_id, kind, lead_id, payload) VALUES {values}
             RETURNING id, kind, lead_id, payload"
        );
        let mut q = sqlx::query_as::<_, (i64, String, Option<i64>, String)>(&sql).persistent(false);
        for t in texts {
            q = q.bind(t);
        }
        // RETURNING promises no order: match rows back by what they hold.
        let mut returned: std::collections::HashMap<(String, Option<i64>, String), Vec<i64>> =
            std::collections::HashMap::new();
        for (id, kind, lead, payload) in q.fetch_all(&mut *conn).await? {
            returned.entry((kind, lead, payload)).or_default().push(id);
        }
        for (e, payload) in chunk.iter().zip(payloads) {
            let key = (e.kind.to_string(), e.lead_id.map(|l| l.0), payload);
            let id = returned.get_mut(&key).and_then(Vec::pop).ok_or_else(|| {
                sqlx::Error::Protocol("an appended event was not returned".into())
            })?;
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Events of the given kinds with id greater than `after`, oldest first, at most `limit`.
pub async fn after(
    conn: &mut AnyConnection,
    after: i64,
    kinds: &[&str],
    limit: i64,
) -> Result<Vec<EventRow>, sqlx::Error> {
    // Kinds are compile-time constants of this crate, never user input; they are still bound.
    let placeholders: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "SELECT id, at, actor_id, kind, lead_id, payload FROM events
         WHERE id > $1 AND kind IN ({}) ORDER BY id LIMIT $2",
        placeholders.join(", ")
    );
    let mut q = sqlx::query_as::<_, EventRow>(&sql).bind(after).bind(limit);
    for k in kinds {
        q = q.bind(*k);
    }
    q.fetch_all(conn).await
}

/// Every event with id greater than `after`, oldest first, at most `limit`.
pub async fn after_any(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, at, actor_id, kind, lead_id, payload FROM events
         WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Events about one lead, oldest first.
pub async fn for_lead(
    conn: &mut AnyConnection,
    lead: LeadId,
) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, at, actor_id, kind, lead_id, payload FROM events
         WHERE lead_id = $1 ORDER BY id",
    )
    .bind(lead.0)
    .fetch_all(conn)
    .await
}

/// The newest `limit` events about one lead with their actors' names, newest first.
pub async fn recent_for_lead(
    conn: &mut AnyConnection,
    lead: LeadId,
    limit: i64,
) -> Result<Vec<(EventRow, Option<String>)>, sqlx::Error> {
    type Row = (
        i64,
        i64,
        Option<i64>,
        String,
        Option<i64>,
        String,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT e.id, e.at, e.actor_id, e.kind, e.lead_id, e.payload, u.name
             FROM events e LEFT JOIN users u ON u.id = e.actor_id
             WHERE e.lead_id IN (SELECT id FROM leads WHERE id = $1 OR merged_into = $1)
             ORDER BY e.id DESC LIMIT $2",
    )
    .bind(lead.0)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, at, actor_id, kind, lead_id, payload, name)| {
            (
                EventRow {
                    id,
                    at,
                    actor_id,
                    kind,
                    lead_id,
                    payload,
                },
                name,
            )
        })
        .collect())
}

/// The channel other instances listen on for committed event ids (PostgreSQL).
pub const NOTIFY_CHANNEL: &str = "closeloop_events";

/// Tells other instances about event `id`. Called inside the writing transaction: PostgreSQL
/// delivers a NOTIFY only when (and if) the transaction commits, so listeners never hear of a
/// change that was rolled back. A no-op on SQLite, which has one instance by design.
pub async fn notify(tx: &mut super::Tx, id: i64) -> Result<(), sqlx::Error> {
    if tx.is_postgres() {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(NOTIFY_CHANNEL)
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// `notify` for many events in one statement.
pub async fn notify_many(tx: &mut super::Tx, ids: &[i64]) -> Result<(), sqlx::Error> {
    if !tx.is_postgres() {
        return Ok(());
    }
    for chunk in ids.chunks(super::ROWS_PER_STATEMENT) {
        // Event ids are numbers from our own table, written into the text.
        let values: Vec<String> = chunk.iter().map(|id| format!("('{id}')")).collect();
        let sql = format!(
            "SELECT pg_notify($1, v) FROM (VALUES {}) AS t (v)",
            values.join(", ")
        );
        let q = sqlx::query(&sql).persistent(false).bind(NOTIFY_CHANNEL);
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// One event by id.
pub async fn by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<EventRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, at, actor_id, kind, lead_id, payload FROM events WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The id of the newest event, 0 when the log is empty.
pub async fn last_id(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM events")
        .fetch_one(conn)
        .await?;
    Ok(id)
}
