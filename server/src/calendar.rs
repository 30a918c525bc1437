//! `GET /calendar/<secret>.ics`: a person's private calendar feed (see
//! `app::ssr::service::calendar`). The secret in the address is the only credential: a calendar
//! program fetches it without a session.

use app::ssr::auth::Identity;
use app::ssr::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;

pub async fn feed(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let not_found = || {
        (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "No such calendar feed: it was turned off or replaced, or never existed. \
             Turn it on again under API tokens and calendar in Closeloop.",
        )
            .into_response()
    };
    let Some(secret) = file.strip_suffix(".ics") else {
        return not_found();
    };
    let base = app::ssr::auth::public_base(&headers, identity.https);
    match app::ssr::service::calendar::feed(&state, secret, &base).await {
        Ok(Some(text)) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "private, no-cache"),
                (
                    header::CONTENT_DISPOSITION,
                    "inline; filename=\"closeloop.ics\"",
                ),
            ],
            text,
        )
            .into_response(),
        Ok(None) => not_found(),
        Err(e) => e.into_response(),
    }
}
