//! Live events across instances (PostgreSQL only): a task that LISTENs for the event ids other
//! instances NOTIFY on commit, loads each event and publishes it to this instance's hub.
//!
//! If the listening connection drops, notifications sent meanwhile are lost; on reconnect the
//! relay replays the event log after the newest id it saw, so subscribers miss nothing (the hub
//! drops ids it already published).

use app::ssr::store::events::NOTIFY_CHANNEL;
use app::ssr::{service, AppState};
use sqlx::postgres::PgListener;
use std::time::Duration;

/// Starts the relay for `database_url` in the background.
pub fn spawn(state: AppState, database_url: String) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut newest: Option<i64> = None;
        loop {
            match run(&state, &database_url, &mut newest).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "live relay: connection lost; retrying in 1 s");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    })
}

async fn run(state: &AppState, url: &str, newest: &mut Option<i64>) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(NOTIFY_CHANNEL).await?;
    // Listening before catching up: anything committed from here on is either heard or in
    // the replay (both is fine: the hub deduplicates).
    match *newest {
        Some(after) => catch_up(state, after, newest).await,
        None => {
            let mut conn = state.store.read().await?;
            *newest = Some(app::ssr::store::events::last_id(&mut conn).await?);
        }
    }
    tracing::info!("live relay: listening on {NOTIFY_CHANNEL}");
    loop {
        match listener.try_recv().await? {
            Some(n) => {
                let Ok(id) = n.payload().parse::<i64>() else {
                    tracing::warn!(payload = n.payload(), "live relay: ignoring a bad id");
                    continue;
                };
                *newest = Some(newest.map_or(id, |m| m.max(id)));
                if let Err(e) = service::relay_event(state, id).await {
                    tracing::warn!(error = %e, id, "live relay: event not relayed");
                }
            }
            // The connection dropped and sqlx reconnected: replay what was missed.
            None => {
                if let Some(after) = *newest {
                    catch_up(state, after, newest).await;
                }
            }
        }
    }
}

async fn catch_up(state: &AppState, after: i64, newest: &mut Option<i64>) {
    match service::relay_since(state, after).await {
        Ok(id) => *newest = Some(id),
        Err(e) => tracing::warn!(error = %e, "live relay: catch-up failed"),
    }
}
