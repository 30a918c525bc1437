//! What the wall reads besides the ROI report: the newest wins and the month's won value.

use crate::domain::money::{Currency, Money};
use crate::domain::wall::WallWin;
use crate::domain::Timestamp;
use sqlx::AnyConnection;

/// The `limit` most recent wins, newest first, each with the event that recorded it.
pub async fn newest_wins(
    conn: &mut AnyConnection,
    limit: i64,
) -> Result<Vec<WallWin>, sqlx::Error> {
    type Row = (
        Option<i64>,
        i64,
        String,
        Option<String>,
        Option<String>,
        Option<i64>,
        String,
        String,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT (SELECT MAX(e.id) FROM events e WHERE e.lead_id = l.id AND e.kind = 'lead.moved'),
                l.closed_at, l.contact_name, l.company, u.name, l.value_cents, l.currency,
                src.name
         FROM leads l
         JOIN stages s ON s.id = l.stage_id
         JOIN sources src ON src.id = l.source_id
         LEFT JOIN users u ON u.id = l.owner_id
         WHERE s.kind = 'won' AND l.closed_at IS NOT NULL
         ORDER BY l.closed_at DESC, l.id DESC
         LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(event, at, contact, company, owner, cents, currency, source)| WallWin {
                event_id: event.unwrap_or(0),
                at: Timestamp(at),
                name: company.filter(|c| !c.trim().is_empty()).unwrap_or(contact),
                owner,
                value: cents.and_then(|c| {
                    Currency::parse(&currency)
                        .ok()
                        .map(|cur| Money::new(c, cur))
                }),
                source: Some(source),
            },
        )
        .collect())
}

/// Wins closed since `since`: how many, and their value per currency (largest first).
pub async fn wins_since(
    conn: &mut AnyConnection,
    since: Timestamp,
) -> Result<(i64, Vec<Money>), sqlx::Error> {
    let rows: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT l.currency, COUNT(*), CAST(SUM(l.value_cents) AS BIGINT)
         FROM leads l JOIN stages s ON s.id = l.stage_id
         WHERE s.kind = 'won' AND l.closed_at >= $1
         GROUP BY l.currency",
    )
    .bind(since.0)
    .fetch_all(conn)
    .await?;
    let count = rows.iter().map(|(_, n, _)| n).sum();
    let mut totals: Vec<Money> = rows
        .into_iter()
        .filter_map(|(cur, _, cents)| {
            let cents = cents.filter(|c| *c != 0)?;
            Currency::parse(&cur).ok().map(|c| Money::new(cents, c))
        })
        .collect();
    totals.sort_by_key(|m| std::cmp::Reverse(m.cents));
    Ok((count, totals))
}
