//! Likely duplicates flagged at intake, and the writes of a merge.

use super::Tx;
use crate::domain::{LeadId, Timestamp};
use sqlx::AnyConnection;

/// An open pair: (id, lead, other lead, score, reasons as JSON, found at).
pub type CandidateRow = (i64, i64, i64, i64, String, i64);

/// Open pairs, newest first (at most `limit`).
pub async fn open_candidates(
    conn: &mut AnyConnection,
    limit: i64,
) -> Result<Vec<CandidateRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT id, lead_id, other_lead_id, score, reasons, found_at FROM duplicate_candidates
         WHERE resolved_at IS NULL ORDER BY found_at DESC, id DESC LIMIT {limit}"
    ))
    .fetch_all(conn)
    .await
}

/// The two leads of an open pair.
pub async fn open_pair(tx: &mut Tx, id: i64) -> Result<Option<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT lead_id, other_lead_id FROM duplicate_candidates
         WHERE id = $1 AND resolved_at IS NULL",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Records how a pair was decided, and by whom.
pub async fn resolve(
    tx: &mut Tx,
    id: i64,
    outcome: &str,
    by: i64,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE duplicate_candidates SET resolved_at = $1, resolution = $2, resolved_by = $3
         WHERE id = $4",
    )
    .bind(at.0)
    .bind(outcome)
    .bind(by)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Settles every other open pair of a lead merged away.
pub async fn settle_pairs_of(
    tx: &mut Tx,
    lead: LeadId,
    by: i64,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE duplicate_candidates SET resolved_at = $1, resolution = 'merged', resolved_by = $2
         WHERE resolved_at IS NULL AND (lead_id = $3 OR other_lead_id = $3)",
    )
    .bind(at.0)
    .bind(by)
    .bind(lead.0)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The contact and company of two leads, `first`'s first.
pub async fn people_of(
    tx: &mut Tx,
    first: LeadId,
    second: LeadId,
) -> Result<Vec<(Option<i64>, Option<i64>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT contact_id, company_id FROM leads WHERE id IN ($1, $2) ORDER BY
         CASE WHEN id = $1 THEN 0 ELSE 1 END",
    )
    .bind(first.0)
    .bind(second.0)
    .fetch_all(&mut **tx)
    .await
}

/// Moves every lead of contact `gone` to contact `keep` (and to its company, where the lead
/// has none).
pub async fn move_leads_to_contact(
    tx: &mut Tx,
    keep: i64,
    keep_company: Option<i64>,
    gone: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE leads SET contact_id = $1, company_id = COALESCE(company_id, $2)
         WHERE contact_id = $3",
    )
    .bind(keep)
    .bind(keep_company)
    .bind(gone)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What a merged-away lead leaves to the lead kept: its activities and quotes move, and it
/// points at the kept lead. Returns how many activities moved.
pub async fn absorb(tx: &mut Tx, kept: LeadId, absorbed: LeadId) -> Result<u64, sqlx::Error> {
    let moved = sqlx::query("UPDATE activities SET lead_id = $1 WHERE lead_id = $2")
        .bind(kept.0)
        .bind(absorbed.0)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    sqlx::query("UPDATE quotes SET lead_id = $1 WHERE lead_id = $2")
        .bind(kept.0)
        .bind(absorbed.0)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE leads SET merged_into = $1 WHERE id = $2")
        .bind(kept.0)
        .bind(absorbed.0)
        .execute(&mut **tx)
        .await?;
    Ok(moved)
}

/// The leads flagged as likely duplicates of `lead`, best match first.
pub async fn flagged_with(
    conn: &mut AnyConnection,
    lead: LeadId,
) -> Result<Vec<LeadId>, sqlx::Error> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT other_lead_id FROM duplicate_candidates WHERE lead_id = $1 ORDER BY score DESC, id",
    )
    .bind(lead.0)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(id,)| LeadId(id)).collect())
}
