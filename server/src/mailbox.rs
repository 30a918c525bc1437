//! The shared mailbox read on a timer (and at once when an admin connects it or asks), one
//! instance at a time: each turn first takes the `mailbox` lease, as the sweep does, so with
//! several instances on one PostgreSQL exactly one reads. Two readers at once would still file
//! nothing twice (a message is recorded by its Message-ID in the transaction that files it);
//! the lease saves the double work. Also `GET /mail/{id}/attachments/{position}`: a kept
//! attachment, for someone who may read its message.

use crate::rest::SignedIn;
use app::error::AppError;
use app::ssr::service::mailbox::{self, CheckReport};
use app::ssr::store::sweep as leases;
use app::ssr::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;

/// The lease's name.
pub const LEASE: &str = "mailbox";

/// One turn as `holder`: `None` when another instance holds the lease or no mailbox is
/// connected.
pub async fn turn(state: &AppState, holder: &str) -> Result<Option<CheckReport>, AppError> {
    let at = app::ssr::service::now();
    // A read of a large mailbox can outlast several turns; the lease outlasts the longest
    // step of one (a batch, 60 s) with room to spare.
    let ttl = (state.mail.poll.as_millis() as i64)
        .saturating_mul(3)
        .max(10 * 60_000);
    let mut tx = state.store.begin().await?;
    let held = leases::take_lease(&mut tx, LEASE, holder, at, ttl).await?;
    tx.commit().await?;
    if !held {
        return Ok(None);
    }
    mailbox::check(state).await
}

/// Reads the mailbox every `state.mail.poll`, or sooner when woken, until aborted.
pub fn spawn(state: AppState, holder: String) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = turn(&state, &holder).await {
                tracing::debug!(error = %e, "mailbox turn failed; trying again next turn");
            }
            tokio::select! {
                _ = tokio::time::sleep(state.mail.poll) => {}
                _ = state.mail.wake.notified() => {}
            }
        }
    })
}

/// Gives the lease up (on shutdown).
pub async fn release(state: &AppState, holder: &str) -> anyhow::Result<()> {
    let mut tx = state.store.begin().await?;
    leases::release_lease(&mut tx, LEASE, holder).await?;
    tx.commit().await?;
    Ok(())
}

/// A kept attachment, downloaded.
pub async fn attachment(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path((id, position)): Path<(String, String)>,
) -> Result<impl IntoResponse, AppError> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::field("id", "A message id is a number"))?;
    let position: i64 = position
        .parse()
        .map_err(|_| AppError::field("position", "An attachment position is a number"))?;
    let (name, content_type, bytes) = mailbox::attachment(&state, &actor, id, position).await?;
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            // Shown as a download, never rendered in the app's origin.
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe}\""),
            ),
            (
                header::HeaderName::from_static("x-original-content-type"),
                content_type,
            ),
        ],
        bytes,
    ))
}
