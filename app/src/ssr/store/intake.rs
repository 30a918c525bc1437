//! The idempotency records of inquiries: which `Idempotency-Key` filed which lead.

use super::Tx;
use crate::domain::{LeadId, Timestamp};
use sqlx::AnyConnection;

/// Whose `Idempotency-Key`s a request's key is one of: an intake key's (web forms,
/// integrations) or a signed-in user's (`POST /api/v1/leads`).
#[derive(Clone, Copy, Debug)]
pub enum Requester {
    Key(i64),
    User(i64),
}

impl Requester {
    /// The table remembering its keys, the column naming it, and its id.
    fn table(self) -> (&'static str, &'static str, i64) {
        match self {
            Requester::Key(id) => ("intake_requests", "key_id", id),
            Requester::User(id) => ("lead_requests", "user_id", id),
        }
    }
}

/// Records that `key` of `who` filed `lead` with `outcome`. A key recorded already (a
/// simultaneous request committed first) is the database's unique violation.
pub async fn remember(
    tx: &mut Tx,
    who: Requester,
    key: &str,
    lead: LeadId,
    outcome: &str,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    let (table, column, id) = who.table();
    sqlx::query(&format!(
        "INSERT INTO {table} ({column}, idempotency_key, lead_id, outcome, created_at)
         VALUES ($1, $2, $3, $4, $5)"
    ))
    .bind(id)
    .bind(key)
    .bind(lead.0)
    .bind(outcome)
    .bind(at.0)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The lead and outcome an earlier submission with this key filed.
pub async fn recall(
    conn: &mut AnyConnection,
    who: Requester,
    key: &str,
) -> Result<Option<(LeadId, String)>, sqlx::Error> {
    let (table, column, id) = who.table();
    let row: Option<(i64, String)> = sqlx::query_as(&format!(
        "SELECT lead_id, outcome FROM {table} WHERE {column} = $1 AND idempotency_key = $2"
    ))
    .bind(id)
    .bind(key)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(lead, outcome)| (LeadId(lead), outcome)))
}
