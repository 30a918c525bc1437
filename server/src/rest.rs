//! The public REST API under `/api/v1`: thin handlers that parse input into domain types and
//! call the service layer. Errors use the one wire shape of `app::error::AppError`.

use crate::sse;
use app::domain::activity::{CloseOut, LeadDetail, LeadEdit, LogRequest};
use app::domain::{Actor, BoardFilter, LeadId, MoveRequest};
use app::error::AppError;
use app::ssr::auth::{self, Identity};
use app::ssr::service::work;
use app::ssr::{service, AppState};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post, MethodRouter};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

/// Largest JSON body accepted, in bytes.
pub(crate) const MAX_BODY: usize = 64 * 1024;

/// Every endpoint as (method, path, handler). The router is built from this table and the
/// authorization matrix test reads it, so an endpoint cannot be added without the test
/// noticing that its access rules are unwritten.
pub fn endpoints() -> Vec<(&'static str, &'static str, MethodRouter<AppState>)> {
    vec![
        ("GET", "/health", get(health)),
        ("POST", "/session", post(sign_in)),
        ("DELETE", "/session", delete(sign_out)),
        ("GET", "/me", get(me)),
        ("GET", "/board", get(board)),
        ("GET", "/board/columns/{stage}", get(column_page)),
        ("GET", "/leads/{id}", get(lead)),
        ("PATCH", "/leads/{id}", patch(edit_lead)),
        ("GET", "/leads/{id}/timeline", get(lead_detail)),
        ("POST", "/leads/{id}/activities", post(log_activity)),
        ("POST", "/leads/{id}/close", post(close_out)),
        ("POST", "/leads/{id}/move", post(move_lead)),
        ("POST", "/leads/{id}/assign", post(assign_lead)),
        ("GET", "/events", get(sse::events)),
        (
            "POST",
            "/intake",
            post(crate::intake::submit).options(crate::intake::preflight),
        ),
    ]
}

/// The live feed's path under `/api/v1`. It is routed outside the compression layer (see
/// `crate::router`), so [`routes`] leaves it out and [`live_routes`] serves it.
pub const LIVE_PATH: &str = "/events";

/// The API routes but the live feed, to be nested under `/api/v1`.
pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for (_, path, handler) in endpoints() {
        if path != LIVE_PATH {
            router = router.route(path, handler);
        }
    }
    router.fallback(unknown_endpoint)
}

/// The live feed at its full path.
pub fn live_routes() -> Router<AppState> {
    let mut router = Router::new();
    for (_, path, handler) in endpoints() {
        if path == LIVE_PATH {
            router = router.route(&format!("/api/v1{path}"), handler);
        }
    }
    router
}

/// The signed-in user of a request, or 401.
pub struct SignedIn(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let identity = parts.extensions.get::<Identity>();
        auth::require(identity.and_then(|i| i.actor.as_ref()))
            .cloned()
            .map(SignedIn)
    }
}

async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    let backend = match state.store.backend() {
        app::ssr::store::Backend::Sqlite => "sqlite",
        app::ssr::store::Backend::Postgres => "postgres",
    };
    Json(json!({ "status": "ok", "database": backend }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInBody {
    email: String,
    password: String,
}

/// `POST /session`: signs in and sets the session cookie.
async fn sign_in(
    State(state): State<AppState>,
    identity: Option<axum::Extension<Identity>>,
    ApiJson(body): ApiJson<SignInBody>,
) -> Result<Response, AppError> {
    let identity = identity.map(|i| i.0).unwrap_or_default();
    let signed = auth::sign_in(&state, &body.email, &body.password, &identity.client).await?;
    let cookie = auth::session_cookie(&signed.session, signed.max_age, identity.https);
    let mut resp = Json(signed.actor).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// `DELETE /session`: ends the session server-side and clears the cookie.
async fn sign_out(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    axum::Extension(identity): axum::Extension<Identity>,
) -> Result<Response, AppError> {
    if let Some(hash) = &identity.session_hash {
        auth::sign_out(&state, &actor, hash).await?;
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::clear_session_cookie(identity.https)) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

async fn me(SignedIn(actor): SignedIn) -> Json<Actor> {
    Json(actor)
}

/// Reads the board's filter from the query string (`?owner=3&q=acme`), naming a bad field.
fn board_filter(query: &[(String, String)]) -> Result<BoardFilter, AppError> {
    BoardFilter::from_query(query.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|f| AppError::field(f.field, f.message))
}

async fn board(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<app::domain::Board>, AppError> {
    service::board(&state, &actor, board_filter(&query)?)
        .await
        .map(Json)
}

/// `GET /board/columns/{stage}?after=…` (plus the board's filter): the next page of a column.
async fn column_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(stage): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<app::domain::ColumnPage>, AppError> {
    let stage = stage
        .parse::<i64>()
        .map_err(|_| AppError::field("stage", "The stage id must be a number"))?;
    // A missing position is judged (and refused, naming `after`) after authorization.
    let after = query
        .iter()
        .find(|(k, _)| k == "after")
        .map_or("", |(_, v)| v.as_str());
    service::column_page(
        &state,
        &actor,
        app::domain::StageId(stage),
        board_filter(&query)?,
        after,
    )
    .await
    .map(Json)
}

async fn lead(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Result<Json<app::domain::Lead>, AppError> {
    service::lead(&state, &actor, parse_id(&id)?)
        .await
        .map(Json)
}

async fn lead_detail(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Result<Json<LeadDetail>, AppError> {
    work::lead_detail(&state, &actor, parse_id(&id)?)
        .await
        .map(Json)
}

async fn edit_lead(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    ApiJson(edit): ApiJson<LeadEdit>,
) -> Result<Json<app::domain::Lead>, AppError> {
    work::edit_lead(&state, &actor, parse_id(&id)?, edit)
        .await
        .map(Json)
}

async fn log_activity(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<LogRequest>,
) -> Result<Json<app::domain::Lead>, AppError> {
    work::log_activity(&state, &actor, parse_id(&id)?, request)
        .await
        .map(Json)
}

async fn close_out(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<CloseOut>,
) -> Result<Json<app::domain::Lead>, AppError> {
    work::close_out(&state, &actor, parse_id(&id)?, request)
        .await
        .map(Json)
}

async fn move_lead(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<MoveRequest>,
) -> Result<Json<app::domain::Lead>, AppError> {
    service::move_lead(&state, &actor, parse_id(&id)?, request)
        .await
        .map(Json)
}

async fn assign_lead(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<app::domain::AssignRequest>,
) -> Result<Json<app::domain::Lead>, AppError> {
    service::assign_lead(&state, &actor, parse_id(&id)?, request)
        .await
        .map(Json)
}

async fn unknown_endpoint() -> AppError {
    AppError::not_found("There is no such API endpoint; see /api/v1")
}

/// A lead id from the path: a positive integer.
fn parse_id(raw: &str) -> Result<LeadId, AppError> {
    match raw.parse::<i64>() {
        Ok(n) if n > 0 => Ok(LeadId(n)),
        _ => Err(AppError::field(
            "id",
            format!("\"{raw}\" is not a lead id; ids are positive whole numbers"),
        )),
    }
}

/// A JSON body whose errors name the offending field, e.g. `version: invalid type: string`.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                ct.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !is_json {
            return Err(AppError::field(
                "body",
                "Send the body as JSON with Content-Type: application/json",
            ));
        }
        let body = axum::body::to_bytes(req.into_body(), MAX_BODY)
            .await
            .map_err(|_| {
                AppError::field("body", format!("The body is larger than {MAX_BODY} bytes"))
            })?;
        let _ = state;
        parse_json(&body).map(ApiJson)
    }
}

pub(crate) fn parse_json<T: DeserializeOwned>(body: &Bytes) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return AppError::field("body", format!("The body is not valid JSON: {inner}"));
        }
        // A missing field is reported at its parent ("."), with the name only in the message.
        let field = match path.as_str() {
            "." | "?" => missing_field_name(&inner.to_string()).unwrap_or_else(|| "body".into()),
            _ => path,
        };
        let message = format!("{field}: {inner}");
        AppError::field(field, message)
    })
}

fn missing_field_name(msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_type_names_the_field() {
        let err =
            parse_json::<MoveRequest>(&Bytes::from(r#"{"to_stage":2,"version":"x"}"#)).unwrap_err();
        assert_eq!(err.fields()[0].field, "version");
    }

    #[test]
    fn a_missing_field_names_the_field() {
        let err = parse_json::<MoveRequest>(&Bytes::from(r#"{"to_stage":2}"#)).unwrap_err();
        assert_eq!(err.fields()[0].field, "version");
    }

    #[test]
    fn broken_json_is_reported_against_the_body() {
        let err = parse_json::<MoveRequest>(&Bytes::from("{")).unwrap_err();
        assert_eq!(err.fields()[0].field, "body");
        assert!(err.to_string().contains("not valid JSON"), "{err}");
    }

    #[test]
    fn an_unknown_close_reason_names_the_field() {
        let err = parse_json::<MoveRequest>(&Bytes::from(
            r#"{"to_stage":7,"version":1,"close_reason":"bored"}"#,
        ))
        .unwrap_err();
        assert_eq!(err.fields()[0].field, "close_reason");
    }

    #[test]
    fn ids_must_be_positive_integers() {
        assert!(parse_id("12").is_ok());
        for bad in ["0", "-3", "abc", "1.5", ""] {
            assert_eq!(parse_id(bad).unwrap_err().fields()[0].field, "id", "{bad}");
        }
    }
}
