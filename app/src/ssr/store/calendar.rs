//! Calendar feeds: one live feed per user, found by the digest of its secret.

use crate::domain::{Actor, Timestamp, UserId};
use crate::model::calendar::CalendarFeedSummary;
use sqlx::AnyConnection;

/// Issues `user` a new feed, ending the one they had: the feed's id.
pub async fn replace(
    conn: &mut AnyConnection,
    user: UserId,
    hash: &str,
    prefix: &str,
    include_team: bool,
    at: Timestamp,
) -> Result<i64, sqlx::Error> {
    revoke(&mut *conn, user, at).await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO calendar_feeds (user_id, token_hash, prefix, include_team, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user.0)
    .bind(hash)
    .bind(prefix)
    .bind(i64::from(include_team))
    .bind(at.0)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Ends `user`'s live feed (turned off, password reset, deactivation): how many ended.
pub async fn revoke(
    conn: &mut AnyConnection,
    user: UserId,
    at: Timestamp,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE calendar_feeds SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(at.0)
    .bind(user.0)
    .execute(conn)
    .await?
    .rows_affected())
}

/// `user`'s live feed, if they have one.
pub async fn live_of(
    conn: &mut AnyConnection,
    user: UserId,
) -> Result<Option<CalendarFeedSummary>, sqlx::Error> {
    let row: Option<(String, i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT prefix, include_team, created_at, last_used_at FROM calendar_feeds
         WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(user.0)
    .fetch_optional(conn)
    .await?;
    Ok(
        row.map(|(prefix, team, created, used)| CalendarFeedSummary {
            prefix,
            include_team: team != 0,
            created_at: Timestamp(created),
            last_used_at: used.map(Timestamp),
        }),
    )
}

/// A live feed by the digest of its secret: (feed id, its owner while still active, whether it
/// includes the team's overdue items, last fetched).
pub async fn by_hash(
    conn: &mut AnyConnection,
    hash: &str,
) -> Result<Option<(i64, Actor, bool, Option<Timestamp>)>, sqlx::Error> {
    let row: Option<(i64, i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, user_id, include_team, last_used_at FROM calendar_feeds
         WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(hash)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, user, team, used)) = row else {
        return Ok(None);
    };
    Ok(super::accounts::actor(conn, UserId(user))
        .await?
        .map(|a| (id, a, team != 0, used.map(Timestamp))))
}

/// Records that a feed was fetched.
pub async fn touch(conn: &mut AnyConnection, id: i64, at: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE calendar_feeds SET last_used_at = $1 WHERE id = $2")
        .bind(at.0)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
