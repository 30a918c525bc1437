//! Closeloop's server: axum wiring around the shared `app` crate.
//!
//! - `config`: flags and environment; `import_cli`: the `import-leads` command.
//! - `rest`, `sse`: the public API under `/api/v1` (thin edges over `app::ssr::service`).
//! - `exports`: tables as CSV downloads (`/roi.csv`, `/forecast.csv`).
//! - `openapi`: its OpenAPI document (`/api/v1/openapi.json`) and reference page (`/api/docs`).
//! - `listen`: the HTTP/1.1 accept loop with graceful shutdown.
//! - `relay`: live events from other instances (PostgreSQL LISTEN/NOTIFY).
//! - `seed`: the default pipeline and the demo organisation.
//! - `sweeper`: the follow-up sweep on a timer (one instance at a time) and its e-mails.
//! - `mailbox`: the shared mailbox read on a timer (one instance at a time), attachments.
//! - `webhooks`: outbound webhooks queued and sent in the background (one instance at a time).
//!
//! `router` builds the whole HTTP surface so tests can drive it without a socket.

pub mod calendar;
pub mod config;
pub mod exports;
pub mod import_cli;
pub mod intake;
pub mod listen;
pub mod mailbox;
pub mod openapi;
pub mod relay;
pub mod rest;
pub mod security;
pub mod seed;
pub mod sse;
pub mod sweeper;
pub mod webhooks;

use app::ssr::auth::{Auth, AuthSettings};
use app::ssr::{AppState, LiveHub, Store};
use app::{shell, App};
use axum::Router;
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use std::path::Path;
use tower_http::compression::CompressionLayer;

/// Leptos options for a site built into `site_root` (`scripts/lib.sh`, `build_site`).
pub fn leptos_options(site_root: &Path, addr: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("closeloop")
        .site_root(site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .env(leptos::config::Env::PROD)
        .build()
}

/// The application state over an open store.
pub fn state(store: Store, leptos_options: LeptosOptions, auth: AuthSettings) -> AppState {
    let state = AppState {
        leptos_options,
        store,
        hub: LiveHub::new(),
        auth: std::sync::Arc::new(Auth::new(auth)),
        imports: Default::default(),
        source_records: Default::default(),
        mail: Default::default(),
    };
    app::ssr::service::live_order::start(&state);
    state
}

/// The sample spreadsheet of `docs/`, offered on the import screen.
async fn sample_csv() -> impl axum::response::IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"sample-leads.csv\"",
            ),
        ],
        include_str!("../../docs/sample-leads.csv"),
    )
}

/// Every route: the REST API and live feed, server functions, server-rendered pages, and the
/// built static files; all behind the security middleware (identity, CSRF, sign-in gate,
/// security headers).
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    Router::new()
        .nest("/api/v1", rest::routes())
        .route("/api/docs", axum::routing::get(openapi::page))
        .route("/sample-leads.csv", axum::routing::get(sample_csv))
        .route("/calendar/{file}", axum::routing::get(calendar::feed))
        .route("/roi.csv", axum::routing::get(exports::roi_csv))
        .route("/forecast.csv", axum::routing::get(exports::forecast_csv))
        .route(
            "/mail/{id}/attachments/{position}",
            axum::routing::get(mailbox::attachment),
        )
        .route("/spend.csv", axum::routing::get(exports::spend_csv))
        .route(
            "/leaderboard.csv",
            axum::routing::get(exports::leaderboard_csv),
        )
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(CompressionLayer::new())
        // The live feed is never compressed (the layer skips event streams anyway), and
        // keeping it out of the layer saves each open feed the ~3 kB compressor wrapper.
        .merge(rest::live_routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::layer,
        ))
        .with_state(state)
}
