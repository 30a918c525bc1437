//! Closeloop's shared crate: compiled for the server (`ssr`) and for the browser (`hydrate`).
//!
//! - `domain`: pure types and rules, no IO (unit-tested natively, also runs in WASM).
//! - `model`: the wire and view types shared by every layer (serde only).
//! - `api`: server functions (thin edges over `ssr::service`).
//! - `pages`, `components`: the UI.
//! - `ssr` (server only): store, service layer, live hub.

#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod domain;
pub mod error;
mod layers;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, Lazy,
};
use pages::lazy;

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
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

/// Sends this page's Content-Security-Policy: scripts only from our origin or carrying this
/// render's nonce (Leptos's hydration and streaming scripts), WebAssembly compilation allowed,
/// styles only from our stylesheet, nothing may frame the page.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    use axum::http::{header, HeaderValue};
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let nonce = leptos::nonce::use_nonce()
        .map(|n| format!(" 'nonce-{n}'"))
        .unwrap_or_default();
    let policy = format!(
        "default-src 'self'; script-src 'self'{nonce} 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&policy) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, v);
    }
}

/// The application: header and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    components::guard::provide_me();
    provide_context(components::live::LiveStateSignal(RwSignal::new(
        components::live::LiveState::Off,
    )));
    provide_context(components::bell::Ring(RwSignal::new(0)));
    view! {
        <Stylesheet id="leptos" href="/pkg/closeloop.css"/>
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml"/>
        <Meta name="description" content="Closeloop: every inquiry followed up."/>
        <Title formatter=|t: String| if t.is_empty() { "Closeloop".to_string() } else { format!("{t} · Closeloop") }/>
        <Router>
            <components::header::Header/>
            <components::outage::OutageBanner/>
            <main id="main">
                <Routes fallback=pages::not_found::NotFound>
                    // The board is in the initial WASM; every other page loads its code on
                    // first visit (pages/lazy.rs).
                    <Route path=path!("/board") view=pages::board::BoardPage/>
                    <Route path=path!("/") view={Lazy::<lazy::HomeRoute>::new()}/>
                    <Route path=path!("/signin") view={Lazy::<lazy::SignInRoute>::new()}/>
                    <Route path=path!("/today") view={Lazy::<lazy::TodayRoute>::new()}/>
                    <Route path=path!("/review") view={Lazy::<lazy::ReviewsRoute>::new()}/>
                    <Route path=path!("/leaderboard") view={Lazy::<lazy::LeaderboardRoute>::new()}/>
                    <Route path=path!("/review/:rep") view={Lazy::<lazy::ReviewRoute>::new()}/>
                    <Route path=path!("/leads/new") view={Lazy::<lazy::NewLeadRoute>::new()}/>
                    <Route path=path!("/leads/:id") view={Lazy::<lazy::LeadRoute>::new()}/>
                    <Route path=path!("/wall") view={Lazy::<lazy::WallRoute>::new()}/>
                    <Route path=path!("/wall/:token") view={Lazy::<lazy::WallRoute>::new()}/>
                    <Route path=path!("/admin/users") view={Lazy::<lazy::UsersRoute>::new()}/>
                    <Route path=path!("/admin/teams") view={Lazy::<lazy::TeamsRoute>::new()}/>
                    <Route path=path!("/admin/settings") view={Lazy::<lazy::SettingsRoute>::new()}/>
                    <Route path=path!("/admin/mailbox") view={Lazy::<lazy::MailboxAdminRoute>::new()}/>
                    <Route path=path!("/admin/webhooks") view={Lazy::<lazy::WebhooksRoute>::new()}/>
                    <Route path=path!("/settings/pipelines") view={Lazy::<lazy::PipelinesRoute>::new()}/>
                    <Route path=path!("/settings/fields") view={Lazy::<lazy::FieldsRoute>::new()}/>
                    <Route path=path!("/mail") view={Lazy::<lazy::MailToFileRoute>::new()}/>
                    <Route path=path!("/mail/:id") view={Lazy::<lazy::MailMessageRoute>::new()}/>
                    <Route path=path!("/admin/products") view={Lazy::<lazy::ProductsRoute>::new()}/>
                    <Route path=path!("/quotes/:id") view={Lazy::<lazy::QuoteRoute>::new()}/>
                    <Route path=path!("/admin/wall-tokens") view={Lazy::<lazy::WallTokensRoute>::new()}/>
                    <Route path=path!("/settings/intake-keys") view={Lazy::<lazy::IntakeKeysRoute>::new()}/>
                    <Route path=path!("/settings/api-tokens") view={Lazy::<lazy::ApiTokensRoute>::new()}/>
                    <Route path=path!("/settings/policy") view={Lazy::<lazy::PolicyRoute>::new()}/>
                    <Route path=path!("/settings/routing") view={Lazy::<lazy::RoutingRoute>::new()}/>
                    <Route path=path!("/import") view={Lazy::<lazy::ImportRoute>::new()}/>
                    <Route path=path!("/duplicates") view={Lazy::<lazy::DuplicatesRoute>::new()}/>
                    <Route path=path!("/contacts/:id") view={Lazy::<lazy::ContactRoute>::new()}/>
                    <Route path=path!("/companies/:id") view={Lazy::<lazy::CompanyRoute>::new()}/>
                    <Route path=path!("/compliance") view={Lazy::<lazy::ComplianceRoute>::new()}/>
                    <Route path=path!("/compliance/leads") view={Lazy::<lazy::ComplianceLeadsRoute>::new()}/>
                    <Route path=path!("/roi") view={Lazy::<lazy::RoiRoute>::new()}/>
                    <Route path=path!("/forecast") view={Lazy::<lazy::ForecastRoute>::new()}/>
                    <Route path=path!("/quotas") view={Lazy::<lazy::QuotasRoute>::new()}/>
                    <Route path=path!("/campaigns") view={Lazy::<lazy::CampaignsRoute>::new()}/>
                </Routes>
            </main>
        </Router>
    }
}
