//! Outbound webhooks sent in the background, one instance at a time (the `webhooks` lease, as
//! the sweep's): every turn queues the new events of the log for the endpoints that want them,
//! then sends what is due. Users' writes never wait for it.

use app::error::AppError;
use app::ssr::service::webhooks::{self, SendReport};
use app::ssr::store::sweep as leases;
use app::ssr::AppState;
use std::time::Duration;

/// The lease's name.
pub const LEASE: &str = "webhooks";
/// Time between turns.
pub const EVERY: Duration = Duration::from_secs(2);

/// One turn as `holder`: `None` when another instance holds the lease.
pub async fn turn(state: &AppState, holder: &str) -> Result<Option<(usize, SendReport)>, AppError> {
    let at = app::ssr::service::now();
    let mut tx = state.store.begin().await?;
    // Longer than a turn with every endpoint timing out.
    let held = leases::take_lease(&mut tx, LEASE, holder, at, 120_000).await?;
    tx.commit().await?;
    if !held {
        return Ok(None);
    }
    let queued = webhooks::enqueue(state, at).await?;
    let sent = webhooks::send_due(state, at, 200).await?;
    Ok(Some((queued, sent)))
}

/// Runs [`turn`] every [`EVERY`] until aborted.
pub fn spawn(state: AppState, holder: String) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match turn(&state, &holder).await {
                Ok(Some((queued, r))) if queued + r.delivered + r.failed + r.gave_up > 0 => {
                    tracing::info!(
                        queued,
                        delivered = r.delivered,
                        failed = r.failed,
                        gave_up = r.gave_up,
                        "webhooks"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "webhooks turn failed; trying again"),
            }
            tokio::time::sleep(EVERY).await;
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
