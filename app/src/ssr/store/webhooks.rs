//! Outbound webhooks: the endpoints, and one delivery row per event and endpoint.

use crate::domain::{LeadId, Timestamp, UserId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// An endpoint as the dispatcher reads it.
#[derive(Clone, Debug)]
pub struct HookRow {
    pub id: i64,
    pub url: String,
    /// Comma-separated keys of `WebhookKind`.
    pub kinds: String,
    pub description: String,
    pub sealed_secret: String,
    pub allow_private: bool,
    /// Events up to this id are enqueued (or were before the endpoint existed).
    pub after_event: i64,
    pub created_at: i64,
    pub created_by: Option<String>,
}

fn hook_row(r: &AnyRow) -> Result<HookRow, sqlx::Error> {
    Ok(HookRow {
        id: r.try_get("id")?,
        url: r.try_get("url")?,
        kinds: r.try_get("kinds")?,
        description: r.try_get("description")?,
        sealed_secret: r.try_get("sealed_secret")?,
        allow_private: r.try_get::<i64, _>("allow_private")? == 1,
        after_event: r.try_get("after_event")?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
    })
}

/// Endpoints not deleted, oldest first.
pub async fn live(conn: &mut AnyConnection) -> Result<Vec<HookRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT w.id, w.url, w.kinds, w.description, w.sealed_secret, w.allow_private,
                w.after_event, w.created_at, u.name AS created_by
         FROM webhooks w LEFT JOIN users u ON u.id = w.created_by
         WHERE w.deleted_at IS NULL ORDER BY w.id",
    )
    .fetch_all(conn)
    .await?;
    rows.iter().map(hook_row).collect()
}

/// What a new endpoint is made of.
pub struct NewHook<'a> {
    pub url: &'a str,
    pub kinds: &'a str,
    pub description: &'a str,
    pub sealed_secret: &'a str,
    pub allow_private: bool,
    pub after_event: i64,
}

pub async fn insert(
    conn: &mut AnyConnection,
    h: &NewHook<'_>,
    by: UserId,
    at: Timestamp,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO webhooks (url, kinds, description, sealed_secret, allow_private,
                               after_event, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(h.url)
    .bind(h.kinds)
    .bind(h.description)
    .bind(h.sealed_secret)
    .bind(i64::from(h.allow_private))
    .bind(h.after_event)
    .bind(by.0)
    .bind(at.0)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Deletes an endpoint (its log stays): whether it was live.
pub async fn delete(conn: &mut AnyConnection, id: i64, at: Timestamp) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("UPDATE webhooks SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL")
            .bind(id)
            .bind(at.0)
            .execute(conn)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Moves an endpoint's event cursor forward.
pub async fn advance(conn: &mut AnyConnection, id: i64, to: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE webhooks SET after_event = $2 WHERE id = $1 AND after_event < $2")
        .bind(id)
        .bind(to)
        .execute(conn)
        .await?;
    Ok(())
}

/// Queues a delivery (once per endpoint and event).
pub async fn enqueue(
    conn: &mut AnyConnection,
    hook: i64,
    event: i64,
    lead: Option<i64>,
    kind: &str,
    body: &str,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhook_deliveries (webhook_id, event_id, lead_id, kind, body, status,
                                         next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6)
         ON CONFLICT (webhook_id, event_id) DO NOTHING",
    )
    .bind(hook)
    .bind(event)
    .bind(lead)
    .bind(kind)
    .bind(body)
    .bind(at.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// A delivery row.
#[derive(Clone, Debug)]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: i64,
    pub lead_id: Option<i64>,
    pub kind: String,
    pub body: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_code: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
    pub created_at: i64,
}

fn delivery_row(r: &AnyRow) -> Result<DeliveryRow, sqlx::Error> {
    Ok(DeliveryRow {
        id: r.try_get("id")?,
        webhook_id: r.try_get("webhook_id")?,
        event_id: r.try_get("event_id")?,
        lead_id: r.try_get("lead_id")?,
        kind: r.try_get("kind")?,
        body: r.try_get("body")?,
        status: r.try_get("status")?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        last_code: r.try_get("last_code")?,
        last_error: r.try_get("last_error")?,
        delivered_at: r.try_get("delivered_at")?,
        created_at: r.try_get("created_at")?,
    })
}

const DELIVERY_COLUMNS: &str = "d.id, d.webhook_id, d.event_id, d.lead_id, d.kind, d.body,
    d.status, d.attempts, d.next_attempt_at, d.last_code, d.last_error, d.delivered_at,
    d.created_at";

/// Deliveries due at `at` to live endpoints, in order: for each endpoint and lead only the
/// oldest pending one (a lead's later events wait for its earlier ones).
pub async fn due(
    conn: &mut AnyConnection,
    at: Timestamp,
    limit: i64,
) -> Result<Vec<DeliveryRow>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d
         JOIN webhooks w ON w.id = d.webhook_id AND w.deleted_at IS NULL
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
                           WHERE e.webhook_id = d.webhook_id AND e.lead_id = d.lead_id
                             AND e.status = 'pending' AND e.id < d.id)
         ORDER BY d.id LIMIT $2"
    ))
    .bind(at.0)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(delivery_row).collect()
}

/// The newest deliveries of an endpoint.
pub async fn recent(
    conn: &mut AnyConnection,
    hook: i64,
    limit: i64,
) -> Result<Vec<DeliveryRow>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE d.webhook_id = $1
         ORDER BY d.id DESC LIMIT $2"
    ))
    .bind(hook)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(delivery_row).collect()
}

/// (pending, failed) deliveries of an endpoint.
pub async fn counts(conn: &mut AnyConnection, hook: i64) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS BIGINT)
         FROM webhook_deliveries WHERE webhook_id = $1",
    )
    .bind(hook)
    .fetch_one(conn)
    .await
}

/// Records an attempt: delivered, retried at `next`, or given up.
#[allow(clippy::too_many_arguments)]
pub async fn attempted(
    conn: &mut AnyConnection,
    id: i64,
    status: &str,
    code: Option<i64>,
    error: Option<&str>,
    next: Timestamp,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, last_code = $3,
                last_error = $4, next_attempt_at = $5, last_attempt_at = $6,
                delivered_at = CASE WHEN $2 = 'delivered' THEN $6 ELSE delivered_at END
         WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(code)
    .bind(error)
    .bind(next.0)
    .bind(at.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Queues a delivery again, now (the admin's *Re-send*): whether it exists.
pub async fn resend(conn: &mut AnyConnection, id: i64, at: Timestamp) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $2, created_at = $2
         WHERE id = $1",
    )
    .bind(id)
    .bind(at.0)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// The lead of a delivery, for a test or a page.
pub fn lead_of(row: &DeliveryRow) -> Option<LeadId> {
    row.lead_id.map(LeadId)
}
