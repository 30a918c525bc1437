//! The top bar: product mark, navigation and the live-connection indicator.

use super::live::LiveStatus;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Header() -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a class="brand" href="/board" aria-label="Closeloop home">
                <span class="brand-mark" aria-hidden="true"></span>
                <span class="brand-name">"Closeloop"</span>
            </a>
            <nav class="topnav" aria-label="Main">
                <A href="/board">"Board"</A>
            </nav>
            <div class="topbar-end">
                <LiveStatus/>
            </div>
        </header>
    }
}
