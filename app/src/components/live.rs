//! The live feed in the browser: an `EventSource` on `/api/v1/events`, and the header's
//! connection indicator.
//!
//! The browser reconnects by itself and sends `Last-Event-ID`, so the server replays whatever
//! was missed; the first connection passes `after=` the event id the page was rendered at.

use crate::api::LiveEvent;
use leptos::prelude::*;

/// State of the live connection, shown in the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveState {
    /// No live view on this page.
    Off,
    Connecting,
    Open,
    /// Lost; the browser is retrying.
    Retrying,
}

/// Shared connection state, provided by `App`.
#[derive(Clone, Copy)]
pub struct LiveStateSignal(pub RwSignal<LiveState>);

/// The header's indicator: text and a dot, so it does not rely on colour.
#[component]
pub fn LiveStatus() -> impl IntoView {
    let state = use_context::<LiveStateSignal>()
        .map(|s| s.0)
        .unwrap_or_else(|| RwSignal::new(LiveState::Off));
    let label = move || match state.get() {
        LiveState::Off => "",
        LiveState::Connecting => "Connecting…",
        LiveState::Open => "Live",
        LiveState::Retrying => "Reconnecting…",
    };
    let class = move || match state.get() {
        LiveState::Off => "live live-off",
        LiveState::Connecting => "live live-connecting",
        LiveState::Open => "live live-open",
        LiveState::Retrying => "live live-retrying",
    };
    view! {
        <span class=class role="status" aria-live="polite" title="Live updates">
            <span class="live-dot" aria-hidden="true"></span>
            <span class="live-label">{label}</span>
        </span>
    }
}

/// Opens the live feed for the current component: `on_event` receives every committed event
/// after `after`; the connection closes when the component is cleaned up. No-op on the server.
pub fn connect(after: i64, on_event: impl Fn(LiveEvent) + 'static) {
    #[cfg(feature = "hydrate")]
    client::connect(after, on_event);
    #[cfg(not(feature = "hydrate"))]
    let _ = (after, on_event);
}

#[cfg(feature = "hydrate")]
mod client {
    use super::{LiveState, LiveStateSignal};
    use crate::api::LiveEvent;
    use leptos::prelude::*;
    use send_wrapper::SendWrapper;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{EventSource, MessageEvent};

    pub fn connect(after: i64, on_event: impl Fn(LiveEvent) + 'static) {
        let state = use_context::<LiveStateSignal>().map(|s| s.0);
        let set = move |s: LiveState| {
            if let Some(state) = state {
                state.set(s);
            }
        };
        let Ok(source) = EventSource::new(&format!("/api/v1/events?after={after}")) else {
            set(LiveState::Retrying);
            return;
        };
        set(LiveState::Connecting);

        let on_open = Closure::<dyn Fn()>::new(move || set(LiveState::Open));
        let on_error = {
            let source = source.clone();
            Closure::<dyn Fn()>::new(move || {
                // readyState 2 = CLOSED: the browser gave up (e.g. a 4xx); otherwise it retries.
                set(if source.ready_state() == 2 {
                    LiveState::Off
                } else {
                    LiveState::Retrying
                });
            })
        };
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |ev: MessageEvent| {
            if let Some(text) = ev.data().as_string() {
                match serde_json::from_str::<LiveEvent>(&text) {
                    Ok(event) => on_event(event),
                    Err(e) => leptos::logging::warn!("ignoring malformed live event: {e}"),
                }
            }
        });
        // Sent when this client fell too far behind to be replayed to: start afresh.
        let on_resync = Closure::<dyn Fn()>::new(move || {
            let _ = window().location().reload();
        });
        let _ =
            source.add_event_listener_with_callback("resync", on_resync.as_ref().unchecked_ref());
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        for kind in crate::api::LiveKind::keys() {
            let _ =
                source.add_event_listener_with_callback(kind, on_message.as_ref().unchecked_ref());
        }

        let held = SendWrapper::new((source, on_open, on_error, on_message, on_resync));
        on_cleanup(move || {
            let (source, ..) = &*held;
            source.close();
            set(LiveState::Off);
        });
    }
}
