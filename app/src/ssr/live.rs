//! The in-process live hub: committed changes are published here after commit and fanned out
//! to every subscribed SSE stream, in event-id order.
//!
//! Two writes that commit one after the other may publish in the other order (each publishes
//! after its own commit). Once the sequencer (`service::live_order`) is attached, publishing
//! goes through it: it passes events on in id order, and fills a gap below an event from the
//! event log, since writers take turns (`Store::begin`) and so every lower id has committed (or
//! never will). A browser that resumes after id `n` therefore has missed nothing below `n`.
//!
//! A slow subscriber that falls more than `CAPACITY` events behind is dropped by the channel; its
//! browser reconnects with `Last-Event-ID` and catches up from the event log, so nothing is lost.
//!
//! With several server instances on PostgreSQL, each write also sends `NOTIFY` with its event
//! id inside the transaction (so it is delivered only if the change commits); every instance's
//! relay (`server::relay`) hears it and publishes the event here unless this instance already
//! did, which `is_local` tells.

use crate::model::LiveEvent;
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::{broadcast, mpsc, watch};

const CAPACITY: usize = 1024;
/// How many of this instance's own event ids are remembered for deduplication.
const REMEMBERED: usize = 8192;

/// Fan-out of committed events to live subscribers.
#[derive(Clone)]
pub struct LiveHub {
    tx: broadcast::Sender<LiveEvent>,
    published: Arc<Mutex<Published>>,
    /// The sequencer's inbox, once attached.
    sequencer: Arc<OnceLock<mpsc::UnboundedSender<LiveEvent>>>,
    /// True once the server is shutting down: live streams end, so connections drain.
    closing: Arc<watch::Sender<bool>>,
}

#[derive(Default)]
struct Published {
    order: VecDeque<i64>,
    ids: HashSet<i64>,
}

impl Published {
    /// Records `id`; false when it was already there.
    fn insert(&mut self, id: i64) -> bool {
        if !self.ids.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > REMEMBERED {
            if let Some(old) = self.order.pop_front() {
                self.ids.remove(&old);
            }
        }
        true
    }
}

impl Default for LiveHub {
    fn default() -> Self {
        Self::new()
    }
}

impl LiveHub {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(CAPACITY);
        LiveHub {
            tx,
            published: Arc::default(),
            sequencer: Arc::default(),
            closing: Arc::new(watch::channel(false).0),
        }
    }

    /// Ends every live stream (now and later): the server is shutting down, and browsers
    /// reconnect to whichever instance serves next.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves once [`close`](Self::close) has been called.
    pub fn closed(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.closing.subscribe();
        async move {
            let _ = rx.wait_for(|closing| *closing).await;
        }
    }

    /// Hands an already committed event to the sequencer (or, with none attached, straight to
    /// the subscribers).
    pub fn publish(&self, event: LiveEvent) {
        let event = match self.sequencer.get() {
            Some(inbox) => match inbox.send(event) {
                Ok(()) => return,
                Err(mpsc::error::SendError(event)) => event,
            },
            None => event,
        };
        self.forward(event);
    }

    /// Routes [`publish`](Self::publish) through a sequencer from now on; returns its inbox's
    /// receiving end, or `None` when one is attached already.
    pub fn attach_sequencer(&self) -> Option<mpsc::UnboundedReceiver<LiveEvent>> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.sequencer.set(tx).ok().map(|()| rx)
    }

    /// Sends an already committed event to every current subscriber, once: an id published
    /// before (locally or by the relay) is not sent again. The sequencer calls this in id
    /// order.
    pub fn forward(&self, event: LiveEvent) {
        let fresh = self
            .published
            .lock()
            .map(|mut p| p.insert(event.id))
            .unwrap_or(true);
        if fresh {
            // No subscribers is not an error: nobody is watching.
            let _ = self.tx.send(event);
        }
    }

    /// Whether any live stream is subscribed (so publishing has someone to reach).
    pub fn watched(&self) -> bool {
        self.tx.receiver_count() > 0
    }

    /// Whether this hub has already published event `id` (recently).
    pub fn is_published(&self, id: i64) -> bool {
        self.published
            .lock()
            .map(|p| p.ids.contains(&id))
            .unwrap_or(false)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.tx.subscribe()
    }

    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }
}
