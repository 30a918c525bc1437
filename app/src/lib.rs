//! Closeloop's shared crate: compiled for the server (`ssr`) and for the browser (`hydrate`).
//!
//! - `domain`: pure types and rules, no IO (unit-tested natively, also runs in WASM).
//! - `api`: server functions (thin edges) and wire types.
//! - `pages`, `components`: the UI.
//! - `ssr` (server only): store, service layer, live hub.

#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod domain;
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Redirect, Route, Router, Routes},
    path,
};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The application: header and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(components::live::LiveStateSignal(RwSignal::new(
        components::live::LiveState::Off,
    )));
    view! {
        <Stylesheet id="leptos" href="/pkg/closeloop.css"/>
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml"/>
        <Meta name="description" content="Closeloop: every inquiry followed up."/>
        <Title formatter=|t: String| if t.is_empty() { "Closeloop".to_string() } else { format!("{t} · Closeloop") }/>
        <Router>
            <components::header::Header/>
            <main id="main">
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=|| view! { <Redirect path="/board"/> }/>
                    <Route path=path!("/board") view=pages::board::BoardPage/>
                </Routes>
            </main>
        </Router>
    }
}
