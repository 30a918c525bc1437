//! The public REST API under `/api/v1`: thin handlers that parse input into domain types and
//! call the service layer. Errors use the one wire shape of `app::error::AppError`.

use crate::sse;
use app::domain::account::{Campaign, Person, SourceSummary, TeamRef};
use app::domain::activity::{Activity, CloseOut, LeadEdit, LogRequest, NextStepChange};
use app::domain::filter::{LeadList, LeadQuery};
use app::domain::{Actor, BoardFilter, Lead, LeadId, MoveRequest, Pipelines};
use app::error::AppError;
use app::model::lead::LeadDetail;
use app::ssr::auth::{self, Identity};
use app::ssr::service::intake::{self, IntakeOutcome, IntakeReceipt, NewLeadRequest};
use app::ssr::service::work;
use app::ssr::{service, AppState};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post, put, MethodRouter};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

/// Largest JSON body accepted, in bytes.
pub(crate) const MAX_BODY: usize = 64 * 1024;

/// Every endpoint as (method, path, handler). The router is built from this table, the
/// authorization matrix test reads it (an endpoint cannot be added without its access rules
/// being written down), and the OpenAPI test checks the document lists exactly these.
pub fn endpoints() -> Vec<(&'static str, &'static str, MethodRouter<AppState>)> {
    vec![
        ("GET", "/health", get(health)),
        ("GET", "/ready", get(ready)),
        ("GET", "/openapi.json", get(crate::openapi::document)),
        ("POST", "/session", post(sign_in)),
        ("DELETE", "/session", delete(sign_out)),
        ("GET", "/me", get(me)),
        ("GET", "/board", get(board)),
        ("GET", "/board/columns/{stage}", get(column_page)),
        ("GET", "/leads", get(list_leads)),
        ("POST", "/leads", post(create_lead)),
        ("GET", "/leads/{id}", get(lead)),
        ("PATCH", "/leads/{id}", patch(edit_lead)),
        ("GET", "/leads/{id}/timeline", get(lead_detail)),
        ("GET", "/leads/{id}/activities", get(list_activities)),
        ("POST", "/leads/{id}/activities", post(log_activity)),
        ("PUT", "/leads/{id}/next-step", put(set_next_step)),
        ("POST", "/leads/{id}/close", post(close_out)),
        ("POST", "/leads/{id}/move", post(move_lead)),
        ("POST", "/leads/{id}/assign", post(assign_lead)),
        ("GET", "/stages", get(stages)),
        ("GET", "/sources", get(sources)),
        ("GET", "/campaigns", get(campaigns)),
        ("GET", "/users", get(users)),
        ("GET", "/teams", get(teams)),
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
        .route(
            "/api/imports/{id}/progress",
            axum::routing::get(crate::sse::import_progress),
        )
        .route(
            "/api/wall/events",
            axum::routing::get(crate::sse::wall_events),
        )
        .route(
            "/api/wall/events/{token}",
            axum::routing::get(crate::sse::wall_events_with_token),
        )
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

/// The service is up, and which database it runs on.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok` when the server answers.
    status: &'static str,
    /// `sqlite` or `postgres`.
    database: &'static str,
}

/// Liveness: answers while the server runs.
#[utoipa::path(get, path = "/health", tag = "Service", security(()),
    responses((status = 200, description = "The server is up", body = Health)))]
pub async fn health(State(state): State<AppState>) -> Json<Health> {
    let database = match state.store.backend() {
        app::ssr::store::Backend::Sqlite => "sqlite",
        app::ssr::store::Backend::Postgres => "postgres",
    };
    Json(Health {
        status: "ok",
        database,
    })
}

/// The server can serve requests now.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Ready {
    /// Always `ready` (otherwise the answer is a 503 error).
    status: &'static str,
}

/// Readiness: the database answers a query within 2 s (for a load balancer or orchestrator:
/// send traffic only while this is 200).
#[utoipa::path(get, path = "/ready", tag = "Service", security(()),
    responses((status = 200, description = "Ready to serve", body = Ready)))]
pub async fn ready(State(state): State<AppState>) -> Result<Json<Ready>, AppError> {
    let probe = state.store.ping();
    let unavailable = |message: &str| AppError::Unavailable {
        message: message.into(),
    };
    match tokio::time::timeout(std::time::Duration::from_secs(2), probe).await {
        Ok(Ok(_)) => Ok(Json(Ready { status: "ready" })),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database");
            Err(unavailable("The database does not answer"))
        }
        Err(_) => Err(unavailable("The database did not answer within 2 s")),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInBody {
    email: String,
    password: String,
}

/// Signs in with e-mail and password and sets the session cookie (for the app itself;
/// integrations use API tokens).
#[utoipa::path(post, path = "/session", tag = "Session", security(()),
    request_body = SignInBody,
    responses((status = 200, description = "Signed in; the cookie is set", body = Actor)))]
pub async fn sign_in(
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
    if let Some(device) = &signed.device {
        if let Ok(v) = HeaderValue::from_str(&auth::device_cookie(device, identity.https)) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(resp)
}

/// Ends the session server-side and clears the cookie.
#[utoipa::path(delete, path = "/session", tag = "Session",
    responses((status = 204, description = "Signed out")))]
pub async fn sign_out(
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

/// Who is asking: the signed-in person or the owner of the API token.
#[utoipa::path(get, path = "/me", tag = "Session",
    responses((status = 200, description = "The person behind the request", body = Actor)))]
pub async fn me(SignedIn(actor): SignedIn) -> Json<Actor> {
    Json(actor)
}

/// The board's filter keys, as documented query parameters (parsed by the domain).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct BoardParams {
    /// Pipeline id (`GET /stages` lists them); the asker's team's first pipeline when absent.
    pipeline: Option<i64>,
    /// Owner's user id.
    owner: Option<i64>,
    /// Team id.
    team: Option<i64>,
    /// Source id.
    source: Option<i64>,
    /// Campaign id.
    campaign: Option<i64>,
    /// Lowest value in whole currency units, e.g. `5000`.
    min: Option<String>,
    /// Highest value in whole currency units.
    max: Option<String>,
    /// Text in the contact's name, company or e-mail (at most 100 characters).
    q: Option<String>,
    /// Card order: `attention`, `value` or `newest`.
    sort: Option<String>,
}

/// The lead list's own keys beside the board's filter.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListParams {
    /// Only leads in this stage.
    stage: Option<i64>,
    /// `open`, `closed` or `all` (default).
    status: Option<String>,
    /// The previous page's `next`: leads after it.
    after: Option<String>,
    /// Leads per page, 1–200 (default 50).
    limit: Option<i64>,
}

/// The position to continue a board column from.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ColumnParams {
    /// The column's `next` from the board or the previous page.
    after: String,
}

/// Reads the board's filter from the query string (`?owner=3&q=acme`), naming a bad field.
fn board_filter(query: &[(String, String)]) -> Result<BoardFilter, AppError> {
    BoardFilter::from_query(query.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|f| AppError::field(f.field, f.message))
}

/// The board: every stage with its count and value over all matching leads the asker may
/// see, and the first page of cards per stage.
#[utoipa::path(get, path = "/board", tag = "Board", params(BoardParams),
    responses((status = 200, description = "The board", body = app::model::board::Board)))]
pub async fn board(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    ApiQuery(query): ApiQuery,
) -> Result<Json<app::model::board::Board>, AppError> {
    service::board(&state, &actor, board_filter(&query)?)
        .await
        .map(Json)
}

/// The next page of one board column.
#[utoipa::path(get, path = "/board/columns/{stage}", tag = "Board",
    params(("stage" = i64, Path, description = "Stage id"), ColumnParams, BoardParams),
    responses((status = 200, description = "The next cards", body = app::domain::ColumnPage)))]
pub async fn column_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    ApiPath(stage): ApiPath,
    ApiQuery(query): ApiQuery,
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

/// The leads the asker may see, oldest first, a page at a time: pass `next` as `after`.
#[utoipa::path(get, path = "/leads", tag = "Leads", params(ListParams, BoardParams),
    responses((status = 200, description = "One page of leads", body = LeadList)))]
pub async fn list_leads(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    ApiQuery(query): ApiQuery,
) -> Result<Json<LeadList>, AppError> {
    let q = LeadQuery::from_query(query.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|f| AppError::field(f.field, f.message))?;
    service::lists::leads(&state, &actor, q).await.map(Json)
}

/// Enters a lead by hand (reps keep theirs; managers' go through the assignment rules).
/// Runs the same dedupe as every intake path: a known person with an open lead gets the
/// inquiry added to it (200) instead of a new lead (201).
#[utoipa::path(post, path = "/leads", tag = "Leads", request_body = NewLeadRequest,
    params(("Idempotency-Key" = Option<String>, Header,
            description = "Makes a retry safe: a request repeating an earlier key of yours answers with that request's lead (`replayed: true`)")),
    responses(
        (status = 201, description = "A new lead", body = IntakeReceipt,
         headers(("Location" = String, description = "The new lead"))),
        (status = 200, description = "Added to the person's open lead", body = IntakeReceipt)))]
pub async fn create_lead(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    headers: HeaderMap,
    ApiJson(request): ApiJson<NewLeadRequest>,
) -> Result<Response, AppError> {
    let key = match headers.get("idempotency-key") {
        Some(v) => Some(v.to_str().map_err(|_| {
            AppError::field("Idempotency-Key", "An Idempotency-Key is visible ASCII")
        })?),
        None => None,
    };
    let receipt = intake::create(&state, &actor, request, key).await?;
    let created = receipt.outcome == IntakeOutcome::Created;
    let location = receipt.lead_id.map(|id| format!("/api/v1/leads/{id}"));
    let mut resp = Json(receipt).into_response();
    if created {
        *resp.status_mut() = StatusCode::CREATED;
        if let Some(v) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
    }
    Ok(resp)
}

/// One lead, with its version as the `ETag` (send it back as `If-Match`).
#[utoipa::path(get, path = "/leads/{id}", tag = "Leads", params(("id" = i64, Path)),
    responses((status = 200, description = "The lead", body = Lead,
               headers(("ETag" = String, description = "The lead's version, e.g. \"v3\"")))))]
pub async fn lead(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    ApiPath(id): ApiPath,
) -> Result<Tagged, AppError> {
    service::lead(&state, &actor, parse_id(&id)?)
        .await
        .map(Tagged)
}

/// The lead with its pipeline, history and the policy it is judged by (the app's drawer).
#[utoipa::path(get, path = "/leads/{id}/timeline", tag = "Leads", params(("id" = i64, Path)),
    responses((status = 200, description = "The lead and its history", body = LeadDetail)))]
pub async fn lead_detail(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    ApiPath(id): ApiPath,
) -> Result<Json<LeadDetail>, AppError> {
    work::lead_detail(&state, &actor, parse_id(&id)?)
        .await
        .map(Json)
}

/// Changes a lead's details; send only the fields to change. Needs the version the change
/// is based on: `version` in the body or `If-Match: "v<version>"`.
#[utoipa::path(patch, path = "/leads/{id}", tag = "Leads",
    params(("id" = i64, Path), IfMatch), request_body = LeadEdit,
    responses((status = 200, description = "The lead as changed", body = Lead)))]
pub async fn edit_lead(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    ApiPath(id): ApiPath,
    Versioned(edit): Versioned<LeadEdit>,
) -> Result<Tagged, AppError> {
    work::edit_lead(&state, &actor, parse_id(&id)?, edit)
        .await
        .map(Tagged)
}

/// A lead's activities (calls, e-mails, meetings, notes, inquiries), newest first.
#[utoipa::path(get, path = "/leads/{id}/activities", tag = "Activities",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Newest first, at most 200", body = Vec<Activity>)))]
pub async fn list_activities(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    ApiPath(id): ApiPath,
) -> Result<Json<Vec<Activity>>, AppError> {
    work::activities(&state, &actor, parse_id(&id)?, 200)
        .await
        .map(Json)
}

/// Logs a touch (call, e-mail, meeting, social message, note), optionally with the next
/// step. Needs the lead's version (body or `If-Match`).
#[utoipa::path(post, path = "/leads/{id}/activities", tag = "Activities",
    params(("id" = i64, Path), IfMatch), request_body = LogRequest,
    responses((status = 200, description = "The lead after the touch", body = Lead)))]
pub async fn log_activity(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    ApiPath(id): ApiPath,
    Versioned(request): Versioned<LogRequest>,
) -> Result<Tagged, AppError> {
    work::log_activity(&state, &actor, parse_id(&id)?, request)
        .await
        .map(Tagged)
}

/// Plans the lead's next step without logging a touch. Needs the lead's version.
#[utoipa::path(put, path = "/leads/{id}/next-step", tag = "Activities",
    params(("id" = i64, Path), IfMatch), request_body = NextStepChange,
    responses((status = 200, description = "The lead with its next step", body = Lead)))]
pub async fn set_next_step(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    ApiPath(id): ApiPath,
    Versioned(change): Versioned<NextStepChange>,
) -> Result<Tagged, AppError> {
    work::set_next_step(&state, &actor, parse_id(&id)?, change)
        .await
        .map(Tagged)
}

/// Closes a lead out: won with the value, or lost with a reason. Needs the lead's version.
#[utoipa::path(post, path = "/leads/{id}/close", tag = "Leads",
    params(("id" = i64, Path), IfMatch), request_body = CloseOut,
    responses((status = 200, description = "The closed lead", body = Lead)))]
pub async fn close_out(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    ApiPath(id): ApiPath,
    Versioned(request): Versioned<CloseOut>,
) -> Result<Tagged, AppError> {
    work::close_out(&state, &actor, parse_id(&id)?, request)
        .await
        .map(Tagged)
}

/// Moves a lead to another stage, judged by the stage's entry rules and the follow-up
/// policy. Needs the lead's version.
#[utoipa::path(post, path = "/leads/{id}/move", tag = "Leads",
    params(("id" = i64, Path), IfMatch), request_body = MoveRequest,
    responses((status = 200, description = "The moved lead", body = Lead)))]
pub async fn move_lead(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    ApiPath(id): ApiPath,
    Versioned(request): Versioned<MoveRequest>,
) -> Result<Tagged, AppError> {
    service::move_lead(&state, &actor, parse_id(&id)?, request)
        .await
        .map(Tagged)
}

/// Gives a lead to another rep (managers, within their teams). Needs the lead's version.
#[utoipa::path(post, path = "/leads/{id}/assign", tag = "Leads",
    params(("id" = i64, Path), IfMatch), request_body = app::domain::AssignRequest,
    responses((status = 200, description = "The reassigned lead", body = Lead)))]
pub async fn assign_lead(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    ApiPath(id): ApiPath,
    Versioned(request): Versioned<app::domain::AssignRequest>,
) -> Result<Tagged, AppError> {
    service::assign_lead(&state, &actor, parse_id(&id)?, request)
        .await
        .map(Tagged)
}

/// The pipelines, each with the teams working in it, and every stage (its pipeline, board
/// order, kind, entry rules, win probability, stale limit, retired or not).
#[utoipa::path(get, path = "/stages", tag = "Reference",
    responses((status = 200, description = "The pipeline", body = Pipelines)))]
pub async fn stages(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
) -> Result<Json<Pipelines>, AppError> {
    service::lists::stages(&state, &actor).await.map(Json)
}

/// Lead sources (where inquiries come from) and their channels.
#[utoipa::path(get, path = "/sources", tag = "Reference",
    responses((status = 200, description = "Every source", body = Vec<SourceSummary>)))]
pub async fn sources(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
) -> Result<Json<Vec<SourceSummary>>, AppError> {
    service::lists::sources(&state, &actor).await.map(Json)
}

/// Marketing campaigns, newest first.
#[utoipa::path(get, path = "/campaigns", tag = "Reference",
    responses((status = 200, description = "Every campaign", body = Vec<Campaign>)))]
pub async fn campaigns(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
) -> Result<Json<Vec<Campaign>>, AppError> {
    service::lists::campaigns(&state, &actor).await.map(Json)
}

/// The people the asker works with: everyone for leadership and admins, their teams' for
/// managers and reps.
#[utoipa::path(get, path = "/users", tag = "Reference",
    responses((status = 200, description = "People by name", body = Vec<Person>)))]
pub async fn users(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
) -> Result<Json<Vec<Person>>, AppError> {
    service::lists::people(&state, &actor).await.map(Json)
}

/// The teams the asker may see.
#[utoipa::path(get, path = "/teams", tag = "Reference",
    responses((status = 200, description = "Teams by name", body = Vec<TeamRef>)))]
pub async fn teams(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
) -> Result<Json<Vec<TeamRef>>, AppError> {
    service::lists::teams(&state, &actor).await.map(Json)
}

/// A lead answered with its version as the `ETag`.
pub struct Tagged(pub Lead);

impl IntoResponse for Tagged {
    fn into_response(self) -> Response {
        let etag = format!("\"v{}\"", self.0.version);
        let mut resp = Json(self.0).into_response();
        if let Ok(v) = HeaderValue::from_str(&etag) {
            resp.headers_mut().insert(header::ETAG, v);
        }
        resp
    }
}

/// The optional `If-Match` header of a versioned write, documented once.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IfMatch {
    /// The lead's `ETag` from a read, e.g. `"v3"`: the write is refused with 409 if the lead
    /// changed since. Needed unless the body carries `version`.
    #[param(rename = "If-Match")]
    if_match: Option<String>,
}

/// Reads a version from an `If-Match` value: `"v3"`, `W/"v3"` or `"3"`.
fn parse_if_match(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    let raw = raw.strip_prefix("W/").unwrap_or(raw);
    let raw = raw.strip_prefix('"')?.strip_suffix('"')?;
    let raw = raw.strip_prefix('v').unwrap_or(raw);
    raw.parse::<i64>().ok().filter(|v| *v > 0)
}

/// A JSON body of a write that must say which version of the lead it is based on: its
/// `version` field, or the `If-Match` header (which fills `version` in). Neither → 428;
/// both and different → 422 naming `version`.
pub struct Versioned<T>(pub T);

impl<T, S> FromRequest<S> for Versioned<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let if_match = match req.headers().get(header::IF_MATCH) {
            None => None,
            Some(v) => Some(v.to_str().ok().and_then(parse_if_match).ok_or_else(|| {
                AppError::field(
                    "If-Match",
                    "If-Match must be the lead's ETag, e.g. \"v3\" (one version, no lists or *)",
                )
            })?),
        };
        let ApiJson(mut body) = ApiJson::<serde_json::Value>::from_request(req, state).await?;
        let Some(fields) = body.as_object_mut() else {
            return Err(AppError::field("body", "The body must be a JSON object"));
        };
        match (fields.get("version"), if_match) {
            (None, None) => {
                return Err(AppError::PreconditionRequired {
                    message: "Say which version of the lead this change is based on: the \
                              lead's ETag as If-Match, or version in the body"
                        .into(),
                })
            }
            (None, Some(v)) => {
                fields.insert("version".into(), json!(v));
            }
            (Some(b), Some(v)) if b.as_i64() != Some(v) => {
                return Err(AppError::field(
                    "version",
                    format!("The body's version ({b}) and If-Match (v{v}) disagree"),
                ))
            }
            _ => {}
        }
        let bytes = Bytes::from(serde_json::to_vec(&body).map_err(|_| AppError::internal())?);
        parse_json(&bytes).map(Versioned)
    }
}

/// The query string as pairs. Never refuses: undecodable text is replaced, and the domain's
/// parsers name the key whose value is wrong.
pub struct ApiQuery(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for ApiQuery {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let pairs = form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Ok(ApiQuery(pairs))
    }
}

/// The one path parameter of a route, as text; a bad encoding is a field error in JSON.
pub struct ApiPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ApiPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(_) => Err(AppError::field("id", "The id in the path is not valid")),
        }
    }
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
