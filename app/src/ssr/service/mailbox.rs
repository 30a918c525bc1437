//! The shared mailbox reps BCC or forward to: an admin connects it; a background task reads
//! it (one instance at a time, see the server's `mailbox` module) and files each new message:
//!
//! - sent by a user to someone on file: an e-mail touch on that person's open lead, at the
//!   message's date, counting for the policy like a touch logged by hand;
//! - from someone on file (written to a user, copied to the mailbox, or forwarded by a user):
//!   an inquiry on their open lead;
//! - from someone unknown to a user: waiting in that user's "To file" list;
//! - anything else: skipped, with the reason.
//!
//! A message is read once by its Message-ID (a digest when it has none), in the transaction
//! that files it and moves the reading position, so a read cut off anywhere resumes without
//! loss or repeat. A message is filed only on a lead the user in it may see.

use super::{now, save, Change};
use crate::domain::access;
use crate::domain::activity::ActivityKind;
use crate::domain::contact::email_key;
use crate::domain::{Actor, Lead, LeadId, Timestamp, UserId};
use crate::error::AppError;
use crate::model::mailbox::{
    excerpt, AttachmentInfo, MailOutcome, MailToFile, MailView, MailboxForm, MailboxStatus,
    MailboxSummary, Security, SkippedMail, WaitingMail,
};
use crate::model::LiveKind;
use crate::ssr::auth::seal::{SealKey, KEY_VARIABLE};
use crate::ssr::mail::imap::{self, Account, ImapError};
use crate::ssr::mail::parse::{parse, Mail, Person};
use crate::ssr::store::{accounts, events, leads, mailbox as store, org, Tx};
use crate::ssr::AppState;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio_rustls::rustls::RootCertStore;

/// Most bytes of messages fetched in one batch.
const BATCH_BYTES: u64 = 8 << 20;
/// Most messages fetched in one batch.
const BATCH_MESSAGES: usize = 100;
/// Skipped messages the admin's page lists.
const SKIPPED_SHOWN: i64 = 20;

/// How this server reads mail: the sealing key, the certificate authorities, how often, and
/// the largest message it reads.
#[derive(Clone)]
pub struct MailRuntime {
    pub key: Option<SealKey>,
    pub roots: Arc<RootCertStore>,
    pub poll: Duration,
    pub max_bytes: u32,
    /// Wakes the reader now (an admin's "Check now", a new connection).
    pub wake: Arc<tokio::sync::Notify>,
}

impl Default for MailRuntime {
    fn default() -> Self {
        MailRuntime {
            key: None,
            roots: imap::tls_roots(&[]),
            poll: Duration::from_secs(30),
            max_bytes: 25 << 20,
            wake: Arc::default(),
        }
    }
}

/// What one read of the mailbox did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// New messages seen.
    pub read: usize,
    pub touches: usize,
    pub inquiries: usize,
    pub to_file: usize,
    pub skipped: usize,
    /// Messages read before (same Message-ID), not filed again.
    pub repeats: usize,
}

impl CheckReport {
    fn count(&mut self, filed: Option<MailOutcome>) {
        self.read += 1;
        match filed {
            Some(MailOutcome::Touch) => self.touches += 1,
            Some(MailOutcome::Inquiry) => self.inquiries += 1,
            Some(MailOutcome::ToFile) => self.to_file += 1,
            Some(MailOutcome::Skipped | MailOutcome::Filed) => self.skipped += 1,
            None => self.repeats += 1,
        }
    }
}

// ---- the admin's settings ----

/// The mailbox page: settings, counts, what was skipped.
pub async fn status(state: &AppState, actor: &Actor) -> Result<MailboxStatus, AppError> {
    access::manage_mailbox(actor)?;
    let mut conn = state.store.read().await?;
    let row = store::get(&mut conn).await?;
    let counted = store::counts(&mut conn).await?;
    let skipped = store::skipped(&mut conn, SKIPPED_SHOWN).await?;
    let sources = accounts::sources(&mut conn).await?;
    Ok(MailboxStatus {
        key_configured: state.mail.key.is_some(),
        mailbox: row.map(summary),
        counts: MailOutcome::ALL
            .iter()
            .map(|o| {
                let n = counted
                    .iter()
                    .find(|(k, _)| k == o.key())
                    .map_or(0, |(_, n)| *n);
                (*o, n)
            })
            .collect(),
        skipped: skipped
            .into_iter()
            .map(|(at, from, subject, reason)| SkippedMail {
                received_at: Timestamp(at),
                from,
                subject,
                reason: reason.unwrap_or_default(),
            })
            .collect(),
        sources: sources.into_iter().map(|s| (s.id, s.name)).collect(),
        poll_seconds: state.mail.poll.as_secs(),
    })
}

fn summary(r: store::MailboxRow) -> MailboxSummary {
    MailboxSummary {
        host: r.host,
        port: u16::try_from(r.port).unwrap_or(993),
        security: Security::parse(&r.security).unwrap_or(Security::Tls),
        username: r.username,
        folder: r.folder,
        keep_attachments: r.keep_attachments == 1,
        source_id: r.source_id,
        connected_by: r.connected_by,
        connected_at: Timestamp(r.created_at),
        checked_at: r.checked_at.map(Timestamp),
        error: r.error,
    }
}

/// The form checked field by field: the account to try, or every problem.
fn check_form(form: &MailboxForm, stored_password: Option<String>) -> Result<Account, AppError> {
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    let host = form.host.trim().to_string();
    if host.is_empty() {
        problems.push(("host", "Enter the IMAP server's host name".into()));
    } else if host.len() > 253 || host.contains(|c: char| c.is_whitespace() || c == '/' || c == '@')
    {
        problems.push(("host", "Enter a host name such as imap.example.com".into()));
    }
    let security = Security::parse(form.security.trim());
    if security.is_none() {
        problems.push(("security", "Choose TLS, STARTTLS or None".into()));
    }
    let port = match form.port.trim() {
        "" => security.map_or(993, Security::default_port),
        p => match p.parse::<u16>() {
            Ok(n) if n > 0 => n,
            _ => {
                problems.push(("port", "The port is a number from 1 to 65535".into()));
                0
            }
        },
    };
    let username = form.username.trim().to_string();
    if username.is_empty() || username.len() > 320 {
        problems.push(("username", "Enter the mailbox's user name".into()));
    }
    let password = if form.password.is_empty() {
        stored_password.unwrap_or_default()
    } else {
        form.password.clone()
    };
    if password.is_empty() {
        problems.push(("password", "Enter the password or app password".into()));
    } else if password.len() > 1000 {
        problems.push(("password", "The password is too long".into()));
    }
    let folder = match form.folder.trim() {
        "" => "INBOX".to_string(),
        f if f.len() > 200 || f.contains(['\r', '\n', '"']) => {
            problems.push(("folder", "That is not a folder name".into()));
            String::new()
        }
        f => f.to_string(),
    };
    if let (Some(Security::None), false) = (security, imap::is_loopback(&host)) {
        if !host.is_empty() {
            problems.push((
                "security",
                "Without TLS the password would cross the network in clear: choose TLS or STARTTLS"
                    .into(),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(AppError::fields_of(problems));
    }
    Ok(Account {
        host,
        port,
        security: security.unwrap_or(Security::Tls),
        username,
        password,
        folder,
    })
}

/// Connects the mailbox, or changes its settings, after logging in to it with them: a form
/// that does not work is refused (naming the field) and changes nothing. An empty password
/// keeps the stored one.
pub async fn connect(
    state: &AppState,
    actor: &Actor,
    form: MailboxForm,
) -> Result<MailboxStatus, AppError> {
    access::manage_mailbox(actor)?;
    let Some(key) = state.mail.key.clone() else {
        return Err(AppError::field(
            "password",
            format!("This server has no {KEY_VARIABLE} to keep the password encrypted with: set it (openssl rand -base64 32) and restart"),
        ));
    };
    let mut conn = state.store.read().await?;
    let current = store::get(&mut conn).await?;
    if let Some(source) = form.source_id {
        if !accounts::sources(&mut conn)
            .await?
            .iter()
            .any(|s| s.id == source)
        {
            return Err(AppError::field("source_id", "Choose one of the sources"));
        }
    }
    drop(conn);
    let stored = current
        .as_ref()
        .filter(|c| c.host == form.host.trim() && c.username == form.username.trim())
        .and_then(|c| key.open(&c.sealed_password));
    let account = check_form(&form, stored)?;
    let mailbox = imap::open(&account, &state.mail.roots)
        .await
        .map_err(|e| AppError::field(e.field, e.message))?;
    mailbox.close().await;
    let restart = current.as_ref().is_none_or(|c| {
        c.host != account.host || c.username != account.username || c.folder != account.folder
    });
    let sealed = key.seal(&account.password);
    let mut tx = state.store.begin().await?;
    store::save(
        &mut tx,
        &store::Settings {
            host: &account.host,
            port: account.port,
            security: account.security.key(),
            username: &account.username,
            sealed_password: &sealed,
            folder: &account.folder,
            keep_attachments: form.keep_attachments,
            source_id: form.source_id,
        },
        actor.id,
        restart,
        now(),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(host = %account.host, user = %account.username, by = actor.id.0, "mailbox connected");
    state.mail.wake.notify_one();
    status(state, actor).await
}

/// Disconnects the mailbox: nothing more is read (what was filed stays).
pub async fn disconnect(state: &AppState, actor: &Actor) -> Result<MailboxStatus, AppError> {
    access::manage_mailbox(actor)?;
    let mut tx = state.store.begin().await?;
    store::remove(&mut tx).await?;
    tx.commit().await?;
    tracing::info!(by = actor.id.0, "mailbox disconnected");
    status(state, actor).await
}

/// Asks the reader to read the mailbox now rather than at its next turn.
pub async fn check_soon(state: &AppState, actor: &Actor) -> Result<(), AppError> {
    access::manage_mailbox(actor)?;
    state.mail.wake.notify_one();
    Ok(())
}

// ---- reading ----

/// Reads the mailbox once: every message above the reading position, filed one by one, each
/// in its own transaction. `None` when no mailbox is connected. Any failure is recorded on the
/// mailbox for the admin and returned; what was filed before it stays filed.
pub async fn check(state: &AppState) -> Result<Option<CheckReport>, AppError> {
    let row = {
        let mut conn = state.store.read().await?;
        store::get(&mut conn).await?
    };
    let Some(row) = row else {
        return Ok(None);
    };
    let result = read_new(state, &row).await;
    let mut tx = state.store.begin().await?;
    match &result {
        Ok(report) => {
            store::checked(&mut tx, now(), None).await?;
            if report.read > 0 {
                tracing::info!(
                    read = report.read,
                    touches = report.touches,
                    inquiries = report.inquiries,
                    to_file = report.to_file,
                    skipped = report.skipped,
                    repeats = report.repeats,
                    "mailbox read"
                );
            }
        }
        Err(e) => {
            let error = e.to_string();
            // Said once when it starts failing (or fails differently), not every turn.
            if row.error.as_deref() == Some(error.as_str()) {
                tracing::debug!(%error, "reading the mailbox failed again");
            } else {
                tracing::warn!(%error, "reading the mailbox failed");
            }
            store::checked(&mut tx, now(), Some(&error)).await?;
        }
    }
    tx.commit().await?;
    result.map(Some)
}

async fn read_new(state: &AppState, row: &store::MailboxRow) -> Result<CheckReport, AppError> {
    let key = state
        .mail
        .key
        .as_ref()
        .ok_or_else(|| AppError::Unavailable {
            message: format!("{KEY_VARIABLE} is not set: the mailbox password cannot be read"),
        })?;
    let password = key
        .open(&row.sealed_password)
        .ok_or_else(|| AppError::Unavailable {
            message: format!(
                "The stored password does not open with this {KEY_VARIABLE}: enter it again"
            ),
        })?;
    let account = Account {
        host: row.host.clone(),
        port: u16::try_from(row.port).unwrap_or(993),
        security: Security::parse(&row.security).unwrap_or(Security::Tls),
        username: row.username.clone(),
        password,
        folder: row.folder.clone(),
    };
    let unavailable = |e: ImapError| AppError::Unavailable { message: e.message };
    let mut mailbox = imap::open(&account, &state.mail.roots)
        .await
        .map_err(unavailable)?;
    let validity = i64::from(mailbox.uid_validity);
    let last = {
        let mut tx = state.store.begin().await?;
        let last = store::start(&mut tx, validity).await?;
        tx.commit().await?;
        last
    };
    let listed = mailbox
        .list_after(u32::try_from(last).unwrap_or(0))
        .await
        .map_err(unavailable)?;
    let keep = row.keep_attachments == 1;
    let mut report = CheckReport::default();
    let mut batch: Vec<u32> = Vec::new();
    let mut bytes = 0u64;
    let mut pending = listed.into_iter().peekable();
    while let Some((uid, size)) = pending.next() {
        if size > state.mail.max_bytes {
            let reason = format!(
                "too large: {:.1} MB (the limit is {} MB)",
                f64::from(size) / 1_048_576.0,
                state.mail.max_bytes >> 20
            );
            let filed = skip_unread(state, validity, uid, size, &reason).await?;
            report.count(filed);
        } else {
            batch.push(uid);
            bytes += u64::from(size);
        }
        let full = batch.len() >= BATCH_MESSAGES
            || pending
                .peek()
                .is_none_or(|(_, next)| bytes + u64::from(*next) > BATCH_BYTES);
        if full && !batch.is_empty() {
            for (uid, raw) in mailbox.fetch(&batch).await.map_err(unavailable)? {
                let filed = file_raw(state, &raw, Some((validity, i64::from(uid))), keep).await?;
                report.count(filed);
            }
            batch.clear();
            bytes = 0;
        }
    }
    mailbox.close().await;
    Ok(report)
}

/// Records a message too large to read, without reading it.
async fn skip_unread(
    state: &AppState,
    validity: i64,
    uid: u32,
    size: u32,
    reason: &str,
) -> Result<Option<MailOutcome>, AppError> {
    let key = format!("uid:{validity}:{uid}");
    let mut tx = state.store.begin().await?;
    store::advance(&mut tx, validity, i64::from(uid)).await?;
    if store::seen(&mut tx, &key).await? {
        tx.commit().await?;
        return Ok(None);
    }
    tracing::info!(uid, size, reason, "mail message skipped");
    store::insert(
        &mut tx,
        &store::NewMail {
            key: &key,
            uid_validity: Some(validity),
            uid: Some(i64::from(uid)),
            outcome: MailOutcome::Skipped.key(),
            reason: Some(reason),
            from_address: None,
            from_name: None,
            to_addresses: "",
            subject: "",
            sent_at: None,
            body: "",
            attachments: "[]",
            size: i64::from(size),
            lead_id: None,
            user_id: None,
            activity_id: None,
            received_at: now(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Some(MailOutcome::Skipped))
}

/// What a message comes to.
enum Plan {
    /// An e-mail touch by `by` on `lead`.
    Touch {
        lead: Lead,
        by: Actor,
    },
    /// An inquiry from `from` on `lead`.
    Inquiry {
        lead: Lead,
        from: Person,
    },
    /// Waits for `user` to file it.
    ToFile {
        user: UserId,
    },
    Skip(String),
}

/// Files one raw message (read from the mailbox at `uid`, when it was): its outcome, or
/// `None` if it was read before.
pub async fn file_raw(
    state: &AppState,
    raw: &[u8],
    uid: Option<(i64, i64)>,
    keep_attachments: bool,
) -> Result<Option<MailOutcome>, AppError> {
    let mail = match parse(raw) {
        Ok(m) => m,
        Err(reason) => {
            tracing::warn!(uid = uid.map(|u| u.1), %reason, "mail message skipped");
            let key = format!("sha256:{}", crate::ssr::auth::secret::digest_bytes(raw));
            return record_skip(state, &key, uid, raw.len(), None, &reason).await;
        }
    };
    // Up to three tries: a lead written between the plan and the write is planned again.
    for _ in 0..3 {
        {
            let mut conn = state.store.read().await?;
            if store::seen(&mut conn, &mail.key).await? {
                drop(conn);
                if let Some((v, u)) = uid {
                    let mut tx = state.store.begin().await?;
                    store::advance(&mut tx, v, u).await?;
                    tx.commit().await?;
                }
                return Ok(None);
            }
        }
        let plan = plan(state, &mail).await?;
        match write(state, &mail, raw.len(), uid, keep_attachments, plan).await {
            Err(AppError::Conflict { .. }) => continue,
            other => return other,
        }
    }
    Err(AppError::internal())
}

async fn record_skip(
    state: &AppState,
    key: &str,
    uid: Option<(i64, i64)>,
    size: usize,
    mail: Option<&Mail>,
    reason: &str,
) -> Result<Option<MailOutcome>, AppError> {
    let mut tx = state.store.begin().await?;
    if let Some((v, u)) = uid {
        store::advance(&mut tx, v, u).await?;
    }
    if store::seen(&mut tx, key).await? {
        tx.commit().await?;
        return Ok(None);
    }
    let new = new_mail(
        key,
        uid,
        MailOutcome::Skipped,
        Some(reason),
        mail,
        size,
        "[]",
    );
    store::insert(&mut tx, &new).await?;
    tx.commit().await?;
    Ok(Some(MailOutcome::Skipped))
}

fn new_mail<'a>(
    key: &'a str,
    uid: Option<(i64, i64)>,
    outcome: MailOutcome,
    reason: Option<&'a str>,
    mail: Option<&'a Mail>,
    size: usize,
    attachments: &'a str,
) -> store::NewMail<'a> {
    let from = mail.and_then(|m| m.from.as_ref());
    store::NewMail {
        key,
        uid_validity: uid.map(|u| u.0),
        uid: uid.map(|u| u.1),
        outcome: outcome.key(),
        reason,
        from_address: from.map(|p| p.address.as_str()),
        from_name: from.and_then(|p| p.name.as_deref()),
        to_addresses: "",
        subject: mail.map_or("", |m| m.subject.as_str()),
        sent_at: mail.and_then(|m| m.date),
        body: mail.map_or("", |m| m.body.as_str()),
        attachments,
        size: i64::try_from(size).unwrap_or(i64::MAX),
        lead_id: None,
        user_id: None,
        activity_id: None,
        received_at: now(),
    }
}

/// Decides what a message comes to (read-only).
async fn plan(state: &AppState, mail: &Mail) -> Result<Plan, AppError> {
    let mut conn = state.store.read().await?;
    let Some(from) = mail.from.clone() else {
        return Ok(Plan::Skip("malformed: no sender".into()));
    };
    if mail.automatic {
        return Ok(Plan::Skip(
            "sent by a machine (an auto-reply, a bounce or a list)".into(),
        ));
    }
    let user_of = |p: &Person| p.address.clone();
    let sender = store::user_by_email(&mut conn, &user_of(&from)).await?;
    // The users it was written to.
    let mut recipients = Vec::new();
    for p in mail.recipients() {
        if let Some(u) = store::user_by_email(&mut conn, &p.address).await? {
            if Some(u) != sender && !recipients.contains(&u) {
                recipients.push(u);
            }
        }
    }
    if let Some(user) = sender {
        let Some(by) = accounts::actor(&mut conn, user).await? else {
            return Ok(Plan::Skip("the sender's account is not active".into()));
        };
        // A reply the user forwarded: the inquiry of the person who wrote it.
        if let Some(inner) = &mail.forwarded {
            let Some(writer) = inner.from.clone() else {
                return Ok(Plan::Skip("forwarded message without a sender".into()));
            };
            if store::user_by_email(&mut conn, &writer.address)
                .await?
                .is_some()
            {
                return Ok(Plan::Skip("a colleague's message forwarded".into()));
            }
            return Ok(
                match open_lead_for(&mut conn, &writer.address, Some(&by)).await? {
                    Found::Open(lead) => Plan::Inquiry {
                        lead: *lead,
                        from: writer,
                    },
                    Found::Unseen => Plan::Skip(
                        "from someone on file whose open lead the forwarder may not see".into(),
                    ),
                    Found::NoneOpen | Found::Unknown => Plan::ToFile { user: by.id },
                },
            );
        }
        let mut unseen = false;
        for p in mail.recipients() {
            if store::user_by_email(&mut conn, &p.address).await?.is_some() {
                continue;
            }
            match open_lead_for(&mut conn, &p.address, Some(&by)).await? {
                Found::Open(lead) => return Ok(Plan::Touch { lead: *lead, by }),
                Found::Unseen => unseen = true,
                Found::NoneOpen | Found::Unknown => {}
            }
        }
        return Ok(Plan::Skip(if unseen {
            "sent to someone on file whose open lead the sender may not see".into()
        } else {
            "sent by a user to no one with an open lead".into()
        }));
    }
    // From someone outside.
    let reader = match recipients.first() {
        Some(u) => accounts::actor(&mut conn, *u).await?,
        None => None,
    };
    Ok(
        match open_lead_for(&mut conn, &from.address, reader.as_ref()).await? {
            Found::Open(lead) => Plan::Inquiry { lead: *lead, from },
            Found::Unseen => {
                Plan::Skip("from someone on file whose open lead the recipient may not see".into())
            }
            Found::NoneOpen | Found::Unknown => match reader {
                Some(r)
                    if matches!(
                        r.role,
                        crate::domain::Role::Rep | crate::domain::Role::Manager
                    ) =>
                {
                    Plan::ToFile { user: r.id }
                }
                _ => Plan::Skip("from someone unknown, to no one who works leads".into()),
            },
        },
    )
}

/// The open lead of the person with this address.
enum Found {
    Open(Box<Lead>),
    /// They have open leads, none of which the reader may see.
    Unseen,
    /// They are on file with closed leads only.
    NoneOpen,
    /// Not on file.
    Unknown,
}

/// The open lead of the person at `address` that `reader` may see (theirs first, then the
/// most recently active); with no reader, their most recently active open lead.
async fn open_lead_for(
    conn: &mut sqlx::AnyConnection,
    address: &str,
    reader: Option<&Actor>,
) -> Result<Found, AppError> {
    let Some(key) = email_key(address) else {
        return Ok(Found::Unknown);
    };
    let found = store::leads_by_email(conn, &key).await?;
    if found.is_empty() {
        return Ok(Found::Unknown);
    }
    let mut seen = Vec::new();
    let mut any_open = false;
    for (id, open) in found {
        if !open {
            continue;
        }
        any_open = true;
        let Some(lead) = leads::lead(conn, id).await? else {
            continue;
        };
        if reader.is_none_or(|r| access::view_lead(r, &lead).is_ok()) {
            seen.push(lead);
        }
    }
    if let Some(r) = reader {
        if let Some(i) = seen
            .iter()
            .position(|l| l.owner.as_ref().is_some_and(|o| o.id == r.id.0))
        {
            return Ok(Found::Open(Box::new(seen.swap_remove(i))));
        }
    }
    Ok(match seen.into_iter().next() {
        Some(lead) => Found::Open(Box::new(lead)),
        None if any_open => Found::Unseen,
        None => Found::NoneOpen,
    })
}

/// The note of an e-mail on a lead's history: subject and first lines.
fn mail_note(subject: &str, body: &str) -> String {
    let lines = excerpt(body, 3, 280);
    match (subject.is_empty(), lines.is_empty()) {
        (false, false) => format!("{subject} — {lines}"),
        (false, true) => subject.to_string(),
        (true, _) => lines,
    }
}

/// Writes the plan: the activity, the lead, the event and the message, in one transaction
/// that also moves the reading position.
async fn write(
    state: &AppState,
    mail: &Mail,
    size: usize,
    uid: Option<(i64, i64)>,
    keep_attachments: bool,
    plan: Plan,
) -> Result<Option<MailOutcome>, AppError> {
    let at = now();
    let attachments = serde_json::to_string(
        &mail
            .attachments
            .iter()
            .map(|a| json!({"name": a.name, "content_type": a.content_type, "size": a.data.len()}))
            .collect::<Vec<_>>(),
    )
    .unwrap_or_else(|_| "[]".into());
    let to = mail
        .recipients()
        .map(Person::display)
        .collect::<Vec<_>>()
        .join(", ");
    let mut tx = state.store.begin().await?;
    if let Some((v, u)) = uid {
        store::advance(&mut tx, v, u).await?;
    }
    if store::seen(&mut tx, &mail.key).await? {
        tx.commit().await?;
        return Ok(None);
    }
    let (outcome, reason, lead_id, user_id) = match &plan {
        Plan::Touch { lead, by } => (MailOutcome::Touch, None, Some(lead.id), Some(by.id)),
        Plan::Inquiry { lead, .. } => (MailOutcome::Inquiry, None, Some(lead.id), None),
        Plan::ToFile { user } => (MailOutcome::ToFile, None, None, Some(*user)),
        Plan::Skip(r) => (MailOutcome::Skipped, Some(r.clone()), None, None),
    };
    // An inquiry keeps what the person wrote; a forwarded one, the forwarded text.
    let shown = match (&plan, &mail.forwarded) {
        (Plan::Inquiry { .. } | Plan::ToFile { .. }, Some(inner)) => inner.as_ref(),
        _ => mail,
    };
    let mut new = new_mail(
        &mail.key,
        uid,
        outcome,
        reason.as_deref(),
        Some(mail),
        size,
        &attachments,
    );
    new.to_addresses = &to;
    new.lead_id = lead_id;
    new.user_id = user_id;
    if let Some(p) = shown.from.as_ref().filter(|_| !std::ptr::eq(shown, mail)) {
        new.from_address = Some(p.address.as_str());
        new.from_name = p.name.as_deref();
        new.body = &shown.body;
        if !shown.subject.is_empty() {
            new.subject = &shown.subject;
        }
    }
    // When it happened, as far as the lead's history goes: the message's date, not in the
    // future and not before the lead.
    let when = |lead: &Lead| {
        Timestamp(
            shown
                .date
                .or(mail.date)
                .unwrap_or(at)
                .0
                .min(at.0)
                .max(lead.created_at.0),
        )
    };
    let note = mail_note(new.subject, new.body);
    match plan {
        Plan::Skip(_) => {
            tracing::info!(key = %mail.key, reason = new.reason, "mail message skipped");
            let id = store::insert(&mut tx, &new).await?;
            keep(&mut tx, id, mail, keep_attachments).await?;
            tx.commit().await?;
        }
        Plan::ToFile { .. } => {
            let id = store::insert(&mut tx, &new).await?;
            keep(&mut tx, id, mail, keep_attachments).await?;
            tx.commit().await?;
        }
        Plan::Touch { lead, by } => {
            let current = leads::lead(&mut tx, lead.id)
                .await?
                .ok_or_else(AppError::internal)?;
            if current.version != lead.version {
                return Err(super::conflict(current));
            }
            let sent = when(&current);
            let activity_id = org::insert_activity(
                &mut tx,
                current.id,
                Some(by.id.0),
                ActivityKind::Email.key(),
                None,
                Some(&note),
                sent,
            )
            .await?;
            new.activity_id = Some(activity_id);
            let id = store::insert(&mut tx, &new).await?;
            keep(&mut tx, id, mail, keep_attachments).await?;
            let mut next = current.clone();
            next.first_touched_at = Some(current.first_touched_at.map_or(sent, |t| t.min(sent)));
            next.last_touched_at = Some(current.last_touched_at.map_or(sent, |t| t.max(sent)));
            next.version += 1;
            next.updated_at = at;
            let payload = json!({
                "activity_id": activity_id,
                "kind": ActivityKind::Email.key(),
                "outcome": null,
                "mail_id": id,
                "before": {"version": current.version},
                "after": {"version": next.version},
            });
            save(
                state,
                tx,
                &by,
                &current,
                next,
                Change {
                    kind: LiveKind::Logged,
                    payload,
                    at,
                },
            )
            .await?;
        }
        Plan::Inquiry { lead, from } => {
            let sent = when(&lead);
            let activity_id = org::insert_activity(
                &mut tx,
                lead.id,
                None,
                ActivityKind::Inquiry.key(),
                None,
                Some(&note),
                sent,
            )
            .await?;
            new.activity_id = Some(activity_id);
            let id = store::insert(&mut tx, &new).await?;
            keep(&mut tx, id, mail, keep_attachments).await?;
            leads::bump(&mut tx, lead.id, at).await?;
            let event_id = events::append(
                &mut tx,
                &events::NewEvent {
                    at,
                    actor_id: None,
                    kind: "lead.inquired",
                    lead_id: Some(lead.id),
                    payload: json!({"activity_id": activity_id, "kind": "inquiry",
                                    "source_id": lead.source_id, "mail_id": id}),
                },
            )
            .await?;
            super::score::rescore(state, &mut tx, &[lead.id.0], at).await?;
            let mut live = Vec::new();
            if let Some(owner) = &lead.owner {
                let who = from.name.clone().unwrap_or_else(|| from.address.clone());
                let message = format!("{who} wrote by e-mail about {}", lead.title());
                super::sweep::notify(&mut tx, owner.id, &lead, "inquiry", &message, at, &mut live)
                    .await?;
            }
            events::notify(&mut tx, event_id).await?;
            tx.commit().await?;
            super::intake::publish(state, event_id, LiveKind::Inquired, lead.id, at).await;
            for notice in live {
                state.hub.publish(notice);
            }
        }
    }
    Ok(Some(outcome))
}

/// Keeps the attachments' contents when the mailbox is set to.
async fn keep(tx: &mut Tx, id: i64, mail: &Mail, keep_attachments: bool) -> Result<(), AppError> {
    if !keep_attachments {
        return Ok(());
    }
    for (i, a) in mail.attachments.iter().enumerate() {
        store::insert_attachment(
            tx,
            id,
            i64::try_from(i).unwrap_or(i64::MAX),
            &a.name,
            &a.content_type,
            i64::try_from(a.data.len()).unwrap_or(i64::MAX),
            &STANDARD.encode(&a.data),
        )
        .await?;
    }
    Ok(())
}

// ---- the rep's side: messages waiting, one message ----

/// The messages waiting for `actor` to file them (a manager: their teams' too), and the open
/// leads of the people they wait for.
pub async fn waiting(state: &AppState, actor: &Actor) -> Result<MailToFile, AppError> {
    access::create_lead(actor)?;
    let crate::ssr::store::Reading {
        mut conn, pipeline, ..
    } = state.store.reading().await?;
    let rows = store::waiting(&mut conn, actor.id, 200).await?;
    let mut owners = vec![actor.id];
    for r in &rows {
        if let Some(u) = r.user_id.map(UserId) {
            if !owners.contains(&u) {
                owners.push(u);
            }
        }
    }
    let mut open = Vec::new();
    for u in owners {
        open.extend(
            leads::open_owned_by(&mut conn, u.0)
                .await?
                .into_iter()
                .filter(|l| access::view_lead(actor, l).is_ok()),
        );
    }
    let leads =
        crate::domain::lead::lead_options(&open, |id| pipeline.get(id).map(|s| s.name.clone()));
    let messages = rows
        .into_iter()
        .map(|r| WaitingMail {
            id: r.id,
            from_name: r.from_name,
            from_address: r.from_address.unwrap_or_default(),
            excerpt: excerpt(&r.body, 3, 240),
            subject: r.subject,
            sent_at: Timestamp(r.sent_at.unwrap_or(r.received_at)),
            for_user: r.user_name.unwrap_or_default(),
        })
        .collect();
    Ok(MailToFile { messages, leads })
}

/// How many messages wait for `actor`; 0 for roles that file none.
pub async fn waiting_count(state: &AppState, actor: &Actor) -> Result<i64, AppError> {
    if access::create_lead(actor).is_err() {
        return Ok(0);
    }
    let mut conn = state.store.read().await?;
    Ok(store::waiting_count(&mut conn, actor.id).await?)
}

fn no_message(id: i64) -> AppError {
    AppError::not_found(format!("There is no message {id} that you can read"))
}

/// A message `actor` may read: one filed on a lead they see, or one waiting for them (or for
/// a rep of a team they manage). Anything else reads as missing.
async fn readable(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    id: i64,
) -> Result<(store::MailRow, Option<Lead>, bool), AppError> {
    let row = store::message(conn, id)
        .await?
        .ok_or_else(|| no_message(id))?;
    if let Some(lead_id) = row.lead_id {
        let lead = leads::lead(conn, LeadId(lead_id))
            .await?
            .filter(|l| access::view_lead(actor, l).is_ok())
            .ok_or_else(|| no_message(id))?;
        return Ok((row, Some(lead), false));
    }
    match (row.outcome.as_str(), row.user_id) {
        ("to_file", Some(user))
            if access::file_mail(
                actor,
                UserId(user),
                row.user_team.map(crate::domain::TeamId),
            )
            .is_ok() =>
        {
            Ok((row, None, true))
        }
        _ => Err(no_message(id)),
    }
}

/// One message in full.
pub async fn view(state: &AppState, actor: &Actor, id: i64) -> Result<MailView, AppError> {
    let mut conn = state.store.read().await?;
    let (row, lead, may_file) = readable(&mut conn, actor, id).await?;
    let kept = store::kept(&mut conn, id).await?;
    let listed: Vec<serde_json::Value> = serde_json::from_str(&row.attachments).unwrap_or_default();
    let attachments = listed
        .iter()
        .enumerate()
        .map(|(i, a)| AttachmentInfo {
            name: a["name"].as_str().unwrap_or("attachment").to_string(),
            content_type: a["content_type"].as_str().unwrap_or("").to_string(),
            size: a["size"].as_i64().unwrap_or(0),
            kept: kept.contains(&i64::try_from(i).unwrap_or(-1)),
        })
        .collect();
    let from = match (&row.from_name, &row.from_address) {
        (Some(n), Some(a)) => format!("{n} <{a}>"),
        (None, Some(a)) => a.clone(),
        _ => String::new(),
    };
    Ok(MailView {
        id: row.id,
        from,
        to: row.to_addresses,
        subject: row.subject,
        sent_at: row.sent_at.map(Timestamp),
        body: row.body,
        attachments,
        outcome: MailOutcome::parse(&row.outcome).unwrap_or(MailOutcome::Skipped),
        lead: lead.map(|l| (l.id, l.title().to_string())),
        may_file,
    })
}

/// A kept attachment of a message `actor` may read: (file name, content type, bytes).
pub async fn attachment(
    state: &AppState,
    actor: &Actor,
    id: i64,
    position: i64,
) -> Result<(String, String, Vec<u8>), AppError> {
    let mut conn = state.store.read().await?;
    readable(&mut conn, actor, id).await?;
    let (name, content_type, data) = store::attachment(&mut conn, id, position)
        .await?
        .ok_or_else(|| AppError::not_found("That attachment was not kept"))?;
    let bytes = STANDARD.decode(data).map_err(|_| AppError::internal())?;
    Ok((name, content_type, bytes))
}

/// A waiting message `actor` may file, with whom it waits for.
async fn waiting_one(state: &AppState, actor: &Actor, id: i64) -> Result<store::MailRow, AppError> {
    access::create_lead(actor)?;
    let mut conn = state.store.read().await?;
    let (row, _, may_file) = readable(&mut conn, actor, id).await?;
    if !may_file {
        return Err(AppError::field("id", "That message is filed already"));
    }
    Ok(row)
}

/// Files a waiting message as a new lead through the one intake path (validation, dedupe,
/// assignment, first-call deadline), kept by the person it was written to: the lead's id.
pub async fn file_as_lead(state: &AppState, actor: &Actor, id: i64) -> Result<LeadId, AppError> {
    let row = waiting_one(state, actor, id).await?;
    let source_id = {
        let mut conn = state.store.read().await?;
        match store::get(&mut conn).await?.and_then(|m| m.source_id) {
            Some(s) => s,
            None => accounts::sources(&mut conn)
                .await?
                .first()
                .map(|s| s.id)
                .ok_or_else(|| AppError::field("source_id", "There is no lead source yet"))?,
        }
    };
    let address = row.from_address.clone().unwrap_or_default();
    let name = row
        .from_name
        .clone()
        .unwrap_or_else(|| address.split('@').next().unwrap_or("").to_string());
    let mut message = mail_note(&row.subject, &row.body);
    message.truncate(
        message
            .char_indices()
            .nth(crate::model::intake::MAX_MESSAGE)
            .map_or(message.len(), |(i, _)| i),
    );
    let owner = row.user_id.filter(|u| *u != actor.id.0);
    let request = crate::model::intake::NewLeadRequest {
        source_id,
        contact_name: name,
        email: Some(address),
        message: Some(message),
        owner_id: owner,
        ..Default::default()
    };
    let receipt = super::intake::create(state, actor, request, Some(&format!("mail-{id}"))).await?;
    let lead = receipt.lead_id.ok_or_else(AppError::internal)?;
    let mut tx = state.store.begin().await?;
    store::mark_filed(&mut tx, id, lead, None, actor.id, now()).await?;
    tx.commit().await?;
    Ok(lead)
}

/// Files a waiting message as an inquiry on a lead `actor` may see and add to.
pub async fn file_on_lead(
    state: &AppState,
    actor: &Actor,
    id: i64,
    lead_id: LeadId,
) -> Result<LeadId, AppError> {
    let row = waiting_one(state, actor, id).await?;
    let at = now();
    let mut tx = state.store.begin().await?;
    let lead = leads::lead(&mut tx, lead_id)
        .await?
        .filter(|l| access::view_lead(actor, l).is_ok())
        .ok_or_else(|| {
            AppError::field(
                "lead_id",
                format!("There is no lead {lead_id} that you can see"),
            )
        })?;
    access::add_inquiry(actor, &lead)?;
    if lead.closed_at.is_some() {
        return Err(AppError::field(
            "lead_id",
            "That lead is closed: file the message as a new lead instead",
        ));
    }
    let sent = Timestamp(row.sent_at.unwrap_or(at.0).min(at.0).max(lead.created_at.0));
    let activity_id = org::insert_activity(
        &mut tx,
        lead.id,
        Some(actor.id.0),
        ActivityKind::Inquiry.key(),
        None,
        Some(&mail_note(&row.subject, &row.body)),
        sent,
    )
    .await?;
    if !store::mark_filed(&mut tx, id, lead.id, Some(activity_id), actor.id, at).await? {
        return Err(AppError::field("id", "That message is filed already"));
    }
    leads::bump(&mut tx, lead.id, at).await?;
    let event_id = events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: "lead.inquired",
            lead_id: Some(lead.id),
            payload: json!({"activity_id": activity_id, "kind": "inquiry",
                            "source_id": lead.source_id, "mail_id": id}),
        },
    )
    .await?;
    super::score::rescore(state, &mut tx, &[lead.id.0], at).await?;
    events::notify(&mut tx, event_id).await?;
    tx.commit().await?;
    super::intake::publish(state, event_id, LiveKind::Inquired, lead.id, at).await;
    Ok(lead.id)
}
