//! The public REST API under `/api/v1`: thin handlers that parse input into domain types and
//! call the service layer. Errors use the one wire shape of `app::error::AppError`.

use crate::sse;
use app::domain::{LeadId, MoveRequest};
use app::error::AppError;
use app::ssr::{service, AppState};
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::header;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde_json::json;

/// Largest JSON body accepted, in bytes.
const MAX_BODY: usize = 64 * 1024;

/// The API routes, to be nested under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/board", get(board))
        .route("/leads/{id}", get(lead))
        .route("/leads/{id}/move", post(move_lead))
        .route("/events", get(sse::events))
        .fallback(unknown_endpoint)
}

async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    let backend = match state.store.backend() {
        app::ssr::store::Backend::Sqlite => "sqlite",
        app::ssr::store::Backend::Postgres => "postgres",
    };
    Json(json!({ "status": "ok", "database": backend }))
}

async fn board(State(state): State<AppState>) -> Result<Json<app::domain::Board>, AppError> {
    service::board(&state).await.map(Json)
}

async fn lead(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<app::domain::Lead>, AppError> {
    service::lead(&state, parse_id(&id)?).await.map(Json)
}

async fn move_lead(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<MoveRequest>,
) -> Result<Json<app::domain::Lead>, AppError> {
    service::move_lead(&state, parse_id(&id)?, request)
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

fn parse_json<T: DeserializeOwned>(body: &Bytes) -> Result<T, AppError> {
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
