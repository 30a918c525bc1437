//! The shared mailbox's settings and progress, and the messages read from it.

use crate::domain::{LeadId, Timestamp, UserId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// The mailbox row (id 1).
#[derive(Clone, Debug)]
pub struct MailboxRow {
    pub host: String,
    pub port: i64,
    pub security: String,
    pub username: String,
    pub sealed_password: String,
    pub folder: String,
    pub keep_attachments: i64,
    pub source_id: Option<i64>,
    pub uid_validity: Option<i64>,
    pub last_uid: i64,
    pub checked_at: Option<i64>,
    pub error: Option<String>,
    pub connected_by: Option<String>,
    pub created_at: i64,
}

fn mailbox_row(r: &AnyRow) -> Result<MailboxRow, sqlx::Error> {
    Ok(MailboxRow {
        host: r.try_get("host")?,
        port: r.try_get("port")?,
        security: r.try_get("security")?,
        username: r.try_get("username")?,
        sealed_password: r.try_get("sealed_password")?,
        folder: r.try_get("folder")?,
        keep_attachments: r.try_get("keep_attachments")?,
        source_id: r.try_get("source_id")?,
        uid_validity: r.try_get("uid_validity")?,
        last_uid: r.try_get("last_uid")?,
        checked_at: r.try_get("checked_at")?,
        error: r.try_get("error")?,
        connected_by: r.try_get("connected_by")?,
        created_at: r.try_get("created_at")?,
    })
}

/// The mailbox, if one is connected.
pub async fn get(conn: &mut AnyConnection) -> Result<Option<MailboxRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT m.host, m.port, m.security, m.username, m.sealed_password, m.folder,
                m.keep_attachments, m.source_id, m.uid_validity, m.last_uid, m.checked_at,
                m.error, u.name AS connected_by, m.created_at
         FROM mailboxes m LEFT JOIN users u ON u.id = m.connected_by WHERE m.id = 1",
    )
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(mailbox_row).transpose()
}

/// What the admin's form sets.
pub struct Settings<'a> {
    pub host: &'a str,
    pub port: u16,
    pub security: &'a str,
    pub username: &'a str,
    pub sealed_password: &'a str,
    pub folder: &'a str,
    pub keep_attachments: bool,
    pub source_id: Option<i64>,
}

/// Connects the mailbox (or changes its settings). `restart` forgets where reading got to
/// (another server, account or folder); messages already filed stay filed by their keys.
pub async fn save(
    conn: &mut AnyConnection,
    s: &Settings<'_>,
    by: UserId,
    restart: bool,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mailboxes (id, host, port, security, username, sealed_password, folder,
                                keep_attachments, source_id, connected_by, created_at, updated_at)
         VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
         ON CONFLICT (id) DO UPDATE SET host = $1, port = $2, security = $3, username = $4,
             sealed_password = $5, folder = $6, keep_attachments = $7, source_id = $8,
             connected_by = $9, updated_at = $10, error = NULL",
    )
    .bind(s.host)
    .bind(i64::from(s.port))
    .bind(s.security)
    .bind(s.username)
    .bind(s.sealed_password)
    .bind(s.folder)
    .bind(i64::from(s.keep_attachments))
    .bind(s.source_id)
    .bind(by.0)
    .bind(at.0)
    .execute(&mut *conn)
    .await?;
    if restart {
        sqlx::query("UPDATE mailboxes SET uid_validity = NULL, last_uid = 0 WHERE id = 1")
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Disconnects the mailbox (the messages it filed stay).
pub async fn remove(conn: &mut AnyConnection) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM mailboxes WHERE id = 1")
        .execute(conn)
        .await?
        .rows_affected()
        > 0)
}

/// Records the outcome of a read: when it ended well, or what went wrong.
pub async fn checked(
    conn: &mut AnyConnection,
    at: Timestamp,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    match error {
        Some(e) => sqlx::query("UPDATE mailboxes SET error = $1 WHERE id = 1").bind(e),
        None => sqlx::query("UPDATE mailboxes SET checked_at = $1, error = NULL WHERE id = 1")
            .bind(at.0),
    }
    .execute(conn)
    .await?;
    Ok(())
}

/// Where reading starts: the last UID read, after adopting the folder's UIDVALIDITY (a new
/// one starts over from 0).
pub async fn start(conn: &mut AnyConnection, uid_validity: i64) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "UPDATE mailboxes SET uid_validity = $1, last_uid = 0
         WHERE id = 1 AND (uid_validity IS NULL OR uid_validity <> $1)",
    )
    .bind(uid_validity)
    .execute(&mut *conn)
    .await?;
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT last_uid FROM mailboxes WHERE id = 1 AND uid_validity = $1")
            .bind(uid_validity)
            .fetch_optional(conn)
            .await?;
    Ok(row.map_or(0, |(u,)| u))
}

/// Moves the reading position past `uid` (in the same transaction as the message's filing).
pub async fn advance(
    conn: &mut AnyConnection,
    uid_validity: i64,
    uid: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE mailboxes SET last_uid = $2 WHERE id = 1 AND uid_validity = $1 AND last_uid < $2",
    )
    .bind(uid_validity)
    .bind(uid)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether a message with this key was read before.
pub async fn seen(conn: &mut AnyConnection, key: &str) -> Result<bool, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM mail_messages WHERE message_key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

/// A message as it is recorded.
pub struct NewMail<'a> {
    pub key: &'a str,
    pub uid_validity: Option<i64>,
    pub uid: Option<i64>,
    pub outcome: &'a str,
    pub reason: Option<&'a str>,
    pub from_address: Option<&'a str>,
    pub from_name: Option<&'a str>,
    pub to_addresses: &'a str,
    pub subject: &'a str,
    pub sent_at: Option<Timestamp>,
    pub body: &'a str,
    pub attachments: &'a str,
    pub size: i64,
    pub lead_id: Option<LeadId>,
    pub user_id: Option<UserId>,
    pub activity_id: Option<i64>,
    pub received_at: Timestamp,
}

/// Records a message: its id.
pub async fn insert(conn: &mut AnyConnection, m: &NewMail<'_>) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO mail_messages (message_key, uid_validity, uid, outcome, reason,
             from_address, from_name, to_addresses, subject, sent_at, body, attachments, size,
             lead_id, user_id, activity_id, received_at, filed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                 $18)
         RETURNING id",
    )
    .bind(m.key)
    .bind(m.uid_validity)
    .bind(m.uid)
    .bind(m.outcome)
    .bind(m.reason)
    .bind(m.from_address)
    .bind(m.from_name)
    .bind(m.to_addresses)
    .bind(m.subject)
    .bind(m.sent_at.map(|t| t.0))
    .bind(m.body)
    .bind(m.attachments)
    .bind(m.size)
    .bind(m.lead_id.map(|l| l.0))
    .bind(m.user_id.map(|u| u.0))
    .bind(m.activity_id)
    .bind(m.received_at.0)
    .bind(m.lead_id.map(|_| m.received_at.0))
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Keeps an attachment's contents (base64).
pub async fn insert_attachment(
    conn: &mut AnyConnection,
    message: i64,
    position: i64,
    name: &str,
    content_type: &str,
    size: i64,
    data: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mail_attachments (message_id, position, name, content_type, size, data)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(message)
    .bind(position)
    .bind(name)
    .bind(content_type)
    .bind(size)
    .bind(data)
    .execute(conn)
    .await?;
    Ok(())
}

/// How many messages came to each outcome.
pub async fn counts(conn: &mut AnyConnection) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT outcome, COUNT(*) FROM mail_messages GROUP BY outcome")
        .fetch_all(conn)
        .await
}

/// The latest skipped messages: (received, from, subject, reason).
pub async fn skipped(
    conn: &mut AnyConnection,
    limit: i64,
) -> Result<Vec<(i64, Option<String>, String, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT received_at, from_address, subject, reason FROM mail_messages
         WHERE outcome = 'skipped' ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// A recorded message.
#[derive(Clone, Debug)]
pub struct MailRow {
    pub id: i64,
    pub outcome: String,
    pub from_address: Option<String>,
    pub from_name: Option<String>,
    pub to_addresses: String,
    pub subject: String,
    pub sent_at: Option<i64>,
    pub body: String,
    pub attachments: String,
    pub lead_id: Option<i64>,
    pub user_id: Option<i64>,
    pub received_at: i64,
    /// The team of the user it waits for.
    pub user_team: Option<i64>,
    pub user_name: Option<String>,
}

fn mail_row(r: &AnyRow) -> Result<MailRow, sqlx::Error> {
    Ok(MailRow {
        id: r.try_get("id")?,
        outcome: r.try_get("outcome")?,
        from_address: r.try_get("from_address")?,
        from_name: r.try_get("from_name")?,
        to_addresses: r.try_get("to_addresses")?,
        subject: r.try_get("subject")?,
        sent_at: r.try_get("sent_at")?,
        body: r.try_get("body")?,
        attachments: r.try_get("attachments")?,
        lead_id: r.try_get("lead_id")?,
        user_id: r.try_get("user_id")?,
        received_at: r.try_get("received_at")?,
        user_team: r.try_get("user_team")?,
        user_name: r.try_get("user_name")?,
    })
}

const MAIL_COLUMNS: &str = "m.id, m.outcome, m.from_address, m.from_name, m.to_addresses,
    m.subject, m.sent_at, m.body, m.attachments, m.lead_id, m.user_id, m.received_at,
    u.team_id AS user_team, u.name AS user_name";

/// One message.
pub async fn message(conn: &mut AnyConnection, id: i64) -> Result<Option<MailRow>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {MAIL_COLUMNS} FROM mail_messages m LEFT JOIN users u ON u.id = m.user_id
         WHERE m.id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(mail_row).transpose()
}

/// Messages waiting to be filed by `user` or, for a manager, by the people of the teams
/// they manage; oldest first.
pub async fn waiting(
    conn: &mut AnyConnection,
    user: UserId,
    limit: i64,
) -> Result<Vec<MailRow>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {MAIL_COLUMNS} FROM mail_messages m JOIN users u ON u.id = m.user_id
         WHERE m.outcome = 'to_file'
           AND (m.user_id = $1 OR u.team_id IN (SELECT id FROM teams WHERE manager_id = $1))
         ORDER BY m.received_at, m.id LIMIT $2"
    ))
    .bind(user.0)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(mail_row).collect()
}

/// How many messages wait for `user` (and a manager's teams).
pub async fn waiting_count(conn: &mut AnyConnection, user: UserId) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM mail_messages m JOIN users u ON u.id = m.user_id
         WHERE m.outcome = 'to_file'
           AND (m.user_id = $1 OR u.team_id IN (SELECT id FROM teams WHERE manager_id = $1))",
    )
    .bind(user.0)
    .fetch_one(conn)
    .await?;
    Ok(n)
}

/// Marks a waiting message filed on `lead`; false if it no longer waits.
pub async fn mark_filed(
    conn: &mut AnyConnection,
    id: i64,
    lead: LeadId,
    activity_id: Option<i64>,
    by: UserId,
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE mail_messages SET outcome = 'filed', lead_id = $2, activity_id = $3,
                filed_by = $4, filed_at = $5
         WHERE id = $1 AND outcome = 'to_file'",
    )
    .bind(id)
    .bind(lead.0)
    .bind(activity_id)
    .bind(by.0)
    .bind(at.0)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// A kept attachment: (name, content type, base64 data).
pub async fn attachment(
    conn: &mut AnyConnection,
    message: i64,
    position: i64,
) -> Result<Option<(String, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT name, content_type, data FROM mail_attachments
         WHERE message_id = $1 AND position = $2",
    )
    .bind(message)
    .bind(position)
    .fetch_optional(conn)
    .await
}

/// Positions of the kept attachments of a message.
pub async fn kept(conn: &mut AnyConnection, message: i64) -> Result<Vec<i64>, sqlx::Error> {
    let rows: Vec<(i64,)> =
        sqlx::query_as("SELECT position FROM mail_attachments WHERE message_id = $1")
            .bind(message)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(|(p,)| p).collect())
}

/// The active user with this e-mail address.
pub async fn user_by_email(
    conn: &mut AnyConnection,
    address: &str,
) -> Result<Option<UserId>, sqlx::Error> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM users WHERE lower(email) = $1 AND deactivated_at IS NULL")
            .bind(address)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|(id,)| UserId(id)))
}

/// The leads of the person with this e-mail key (not merged away), open ones first, then the
/// most recently active: (lead, open).
pub async fn leads_by_email(
    conn: &mut AnyConnection,
    email_key: &str,
) -> Result<Vec<(LeadId, bool)>, sqlx::Error> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT l.id, CAST(CASE WHEN l.closed_at IS NULL THEN 1 ELSE 0 END AS BIGINT) AS open
         FROM contacts c JOIN leads l ON l.contact_id = c.id
         WHERE c.email_key = $1 AND c.erased_at IS NULL AND l.merged_into IS NULL
         ORDER BY open DESC, l.updated_at DESC, l.id DESC LIMIT 50",
    )
    .bind(email_key)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, open)| (LeadId(id), open == 1))
        .collect())
}
