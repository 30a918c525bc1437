//! A banner on every page while the server cannot save: whenever an answer comes back
//! `unavailable` (503: the disk is full, the database is read-only or not answering), its
//! reason shows under the header, so a rep knows that nothing is being saved instead of
//! finding out one refused action at a time. It goes away a while after the last such
//! answer, or when dismissed.
//!
//! Every server function's error passes through `AppError`'s deserializer in the browser,
//! which calls [`saw_unavailable`] (registered by the banner with `error::on_unavailable`);
//! the banner needs no help from the pages.

use leptos::prelude::*;

/// How long the banner stays after the last `unavailable` answer.
#[cfg(feature = "hydrate")]
const SHOW_MS: u32 = 30_000;

#[cfg(feature = "hydrate")]
mod client {
    use leptos::prelude::*;
    use std::cell::{Cell, RefCell};

    thread_local! {
        pub static REASON: Cell<Option<RwSignal<Option<String>>>> = const { Cell::new(None) };
        pub static HIDE: RefCell<Option<gloo_timers::callback::Timeout>> =
            const { RefCell::new(None) };
    }
}

/// Called by the browser's error decoding for each `unavailable` answer (the banner registers
/// it with [`crate::error::on_unavailable`]). No-op on the server, and before the banner is on
/// the page.
pub fn saw_unavailable(message: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(reason) = client::REASON.with(|r| r.get()) {
        reason.set(Some(message.to_string()));
        let hide = gloo_timers::callback::Timeout::new(SHOW_MS, move || reason.set(None));
        client::HIDE.with(|h| *h.borrow_mut() = Some(hide));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = message;
}

/// The banner; `App` puts it under the header.
#[component]
pub fn OutageBanner() -> impl IntoView {
    let reason = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    {
        client::REASON.with(|r| r.set(Some(reason)));
        crate::error::on_unavailable(saw_unavailable);
    }
    view! {
        <div class="outage-slot" aria-live="assertive">
            {move || reason.get().map(|m| view! {
                <div class="outage" role="alert">
                    <p>
                        <strong>"Changes are not being saved right now. "</strong>
                        {m}
                    </p>
                    <button type="button" class="button button-small"
                        on:click=move |_| reason.set(None)>"Dismiss"</button>
                </div>
            })}
        </div>
    }
}
