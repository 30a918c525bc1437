//! The live hub's sequencer: passes published events on to the subscribers in event-id order.
//!
//! Writers take turns (`Store::begin`), so event ids are committed in id order; but each
//! writer publishes after its own commit, and two publishers can race. The sequencer holds an
//! event whose id leaves a gap after the last one passed on, and fills the gap from the event
//! log: every lower id has committed by then (or never will), so the log has all of them. An
//! event that arrives after the log filled its place is dropped, as the hub drops repeats.

use super::to_live;
use crate::model::{LiveEvent, LiveKind};
use crate::ssr::store::events;
use crate::ssr::AppState;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

/// Events read from the log per query while filling a gap.
const PAGE: i64 = 500;

/// Attaches the sequencer to `state.hub` and runs it in the background (until the hub is
/// dropped). A second call does nothing.
pub fn start(state: &AppState) {
    if let Some(inbox) = state.hub.attach_sequencer() {
        tokio::spawn(run(state.clone(), inbox));
    }
}

async fn run(state: AppState, mut inbox: UnboundedReceiver<LiveEvent>) {
    // The newest id passed on (or known to be of no concern): all at or below it are done.
    let mut high = loop {
        let read = async {
            let mut conn = state.store.read().await?;
            events::last_id(&mut conn).await
        };
        match read.await {
            Ok(id) => break id,
            Err(e) => {
                tracing::warn!(error = %e, "live order: cannot read the log; retrying in 1 s");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    let mut waiting: BTreeMap<i64, LiveEvent> = BTreeMap::new();
    while let Some(event) = inbox.recv().await {
        waiting.insert(event.id, event);
        // Whatever else has arrived may close a gap without reading the log.
        while let Ok(event) = inbox.try_recv() {
            waiting.insert(event.id, event);
        }
        while let Some((id, event)) = waiting.pop_first() {
            if id <= high {
                // Passed on from the log already (the hub drops the repeat), or committed just
                // before the sequencer read where the log ended: late, but not lost.
                state.hub.forward(event);
                continue;
            }
            if id > high + 1 && state.hub.watched() {
                if let Err(e) = fill(&state, high, id).await {
                    // Passing on late beats holding the feed; a browser that reconnects still
                    // replays from the log.
                    tracing::warn!(error = %e, "live order: gap before event {id} not filled");
                }
            }
            state.hub.forward(event);
            high = id;
        }
    }
}

/// Passes on the live events of the log with ids in `(after, before)`, in id order.
async fn fill(state: &AppState, after: i64, before: i64) -> Result<(), sqlx::Error> {
    let mut conn = state.store.read().await?;
    let mut cursor = after;
    loop {
        let rows = events::after(&mut conn, cursor, &LiveKind::keys(), PAGE).await?;
        let full = rows.len() as i64 == PAGE;
        for row in rows {
            if row.id >= before {
                return Ok(());
            }
            cursor = row.id;
            if let Some(event) = to_live(&mut conn, row).await? {
                state.hub.forward(event);
            }
        }
        if !full {
            return Ok(());
        }
    }
}
