//! The in-process live hub: committed changes are published here after commit and fanned out
//! to every subscribed SSE stream.
//!
//! A slow subscriber that falls more than `CAPACITY` events behind is dropped by the channel; its
//! browser reconnects with `Last-Event-ID` and catches up from the event log, so nothing is lost.

use crate::api::LiveEvent;
use tokio::sync::broadcast;

const CAPACITY: usize = 1024;

/// Fan-out of committed events to live subscribers.
#[derive(Clone)]
pub struct LiveHub {
    tx: broadcast::Sender<LiveEvent>,
}

impl Default for LiveHub {
    fn default() -> Self {
        Self::new()
    }
}

impl LiveHub {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(CAPACITY);
        LiveHub { tx }
    }

    /// Sends an already committed event to every current subscriber.
    pub fn publish(&self, event: LiveEvent) {
        // No subscribers is not an error: nobody is watching.
        let _ = self.tx.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.tx.subscribe()
    }
}
