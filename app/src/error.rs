//! `AppError`: the one error type that crosses the wire, as
//! `{ "error": { "code", "message", "fields" } }` (plus `current` on a conflict).
//!
//! The UI matches on its variants; the REST API maps them to status codes (422, 409, 404, …);
//! internal causes are logged on the server and never sent.

use crate::domain::{Lead, MoveRejection};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A problem with one input field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Everything that can go wrong in a request, as the client sees it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    /// The input breaks a rule; nothing was changed.
    #[error("{message}")]
    Validation {
        message: String,
        fields: Vec<FieldError>,
    },
    /// The lead changed since the client read it; `current` is how it stands now.
    #[error("{message}")]
    Conflict { message: String, current: Box<Lead> },
    #[error("{message}")]
    NotFound { message: String },
    #[error("{message}")]
    Unauthorized { message: String },
    #[error("{message}")]
    Forbidden { message: String },
    /// Too many attempts; retry after the given number of seconds.
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after_secs: u64,
    },
    /// A write to a lead came without the version it was based on (no `version` in the body,
    /// no `If-Match` header): the API will not guess.
    #[error("{message}")]
    PreconditionRequired { message: String },
    /// The server cannot serve this now (its database does not answer); try again later.
    #[error("{message}")]
    Unavailable { message: String },
    /// Something failed on the server; details are in the server log only.
    #[error("{message}")]
    Internal { message: String },
}

impl AppError {
    /// A validation error against one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::Validation {
            fields: vec![FieldError {
                field: field.into(),
                message: message.clone(),
            }],
            message,
        }
    }

    /// A validation error against several fields, (field, message) each; the first message
    /// is the error's own.
    pub fn fields_of(problems: Vec<(&'static str, String)>) -> Self {
        let message = problems.first().map_or_else(
            || "Check the highlighted fields".to_string(),
            |p| p.1.clone(),
        );
        AppError::Validation {
            message,
            fields: problems
                .into_iter()
                .map(|(field, message)| FieldError {
                    field: field.to_string(),
                    message,
                })
                .collect(),
        }
    }

    /// A validation error from field problems found by the domain; the first message is the
    /// error's own.
    pub fn invalid(fields: Vec<FieldError>) -> Self {
        let message = fields
            .first()
            .map(|f| f.message.clone())
            .unwrap_or_else(|| "Check the highlighted fields".into());
        AppError::Validation { message, fields }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        AppError::NotFound {
            message: message.into(),
        }
    }

    /// The opaque error a client sees for a server-side failure.
    pub fn internal() -> Self {
        AppError::Internal {
            message: "Something went wrong on our side; please try again".into(),
        }
    }

    /// The stable machine-readable code of the variant.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation { .. } => "validation",
            AppError::Conflict { .. } => "conflict",
            AppError::NotFound { .. } => "not_found",
            AppError::Unauthorized { .. } => "unauthorized",
            AppError::Forbidden { .. } => "forbidden",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::PreconditionRequired { .. } => "precondition_required",
            AppError::Unavailable { .. } => "unavailable",
            AppError::Internal { .. } => "internal",
        }
    }

    /// The HTTP status this error is sent with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Validation { .. } => 422,
            AppError::Conflict { .. } => 409,
            AppError::NotFound { .. } => 404,
            AppError::Unauthorized { .. } => 401,
            AppError::Forbidden { .. } => 403,
            AppError::RateLimited { .. } => 429,
            AppError::PreconditionRequired { .. } => 428,
            AppError::Unavailable { .. } => 503,
            AppError::Internal { .. } => 500,
        }
    }

    /// The field errors, empty for errors not about input.
    pub fn fields(&self) -> &[FieldError] {
        match self {
            AppError::Validation { fields, .. } => fields,
            _ => &[],
        }
    }

    /// What is wrong with `field`, if this error names it.
    pub fn message_for(&self, field: &str) -> Option<String> {
        self.fields()
            .iter()
            .find(|f| f.field == field)
            .map(|f| f.message.clone())
    }
}

impl From<MoveRejection> for AppError {
    fn from(r: MoveRejection) -> Self {
        AppError::field(r.field, r.message)
    }
}

/// The JSON body of every error response.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(as = ErrorBody))]
pub struct Wire {
    error: WireDetail,
}

/// What went wrong: a stable `code`, a message for people, the fields at fault.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(as = ErrorDetail))]
pub struct WireDetail {
    /// validation, conflict, not_found, unauthorized, forbidden, rate_limited,
    /// precondition_required, unavailable or internal.
    code: String,
    message: String,
    #[serde(default)]
    fields: Vec<FieldError>,
    /// On a conflict: the lead as it stands now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    current: Option<Box<Lead>>,
    /// When rate limited: seconds to wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retry_after_secs: Option<u64>,
}

/// Who hears of each `unavailable` answer the browser decodes: the outage banner registers
/// itself (`components::outage`), so this layer names nothing of the UI. Unset on the server.
static ON_UNAVAILABLE: std::sync::OnceLock<fn(&str)> = std::sync::OnceLock::new();

/// Registers the one listener for `unavailable` answers (later calls change nothing).
pub fn on_unavailable(hear: fn(&str)) {
    let _ = ON_UNAVAILABLE.set(hear);
}

impl Serialize for AppError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (current, retry_after_secs) = match self {
            AppError::Conflict { current, .. } => (Some(current.clone()), None),
            AppError::RateLimited {
                retry_after_secs, ..
            } => (None, Some(*retry_after_secs)),
            _ => (None, None),
        };
        Wire {
            error: WireDetail {
                code: self.code().to_string(),
                message: self.to_string(),
                fields: self.fields().to_vec(),
                current,
                retry_after_secs,
            },
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for AppError {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let Wire { error: w } = Wire::deserialize(d)?;
        let message = w.message;
        Ok(match (w.code.as_str(), w.current) {
            ("validation", _) => AppError::Validation {
                message,
                fields: w.fields,
            },
            ("conflict", Some(current)) => AppError::Conflict { message, current },
            ("not_found", _) => AppError::NotFound { message },
            ("unauthorized", _) => AppError::Unauthorized { message },
            ("forbidden", _) => AppError::Forbidden { message },
            ("precondition_required", _) => AppError::PreconditionRequired { message },
            ("rate_limited", _) => AppError::RateLimited {
                message,
                retry_after_secs: w.retry_after_secs.unwrap_or(1),
            },
            ("unavailable", _) => {
                if let Some(hear) = ON_UNAVAILABLE.get() {
                    hear(&message);
                }
                AppError::Unavailable { message }
            }
            _ => AppError::Internal { message },
        })
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The request body did not decode into the function's arguments (URL-encoded
            // arguments report `Args`, JSON ones `Deserialization`).
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::Deserialization(m) => {
                AppError::Validation {
                    message: format!("The request was malformed: {m}"),
                    fields: Vec::new(),
                }
            }
            ServerFnErrorErr::MissingArg(arg) => {
                AppError::field(arg.clone(), format!("{arg} is required"))
            }
            ServerFnErrorErr::Request(_) => AppError::Internal {
                message: "Could not reach the server; check your connection".into(),
            },
            _ => AppError::internal(),
        }
    }
}

#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        use axum::http::{header, HeaderValue, StatusCode};
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry = match &self {
            AppError::RateLimited {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            // The database is busy, full or read-only: worth another try in a while.
            AppError::Unavailable { .. } => Some(5),
            _ => None,
        };
        let mut resp = (status, axum::Json(self)).into_response();
        if let Some(secs) = retry {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_validation_error_has_the_documented_wire_shape() {
        let e = AppError::field("close_reason", "Lost needs a close-out reason");
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"error": {
                "code": "validation",
                "message": "Lost needs a close-out reason",
                "fields": [{"field": "close_reason", "message": "Lost needs a close-out reason"}]
            }})
        );
        assert_eq!(serde_json::from_value::<AppError>(v).unwrap(), e);
    }

    #[test]
    fn every_variant_survives_the_round_trip() {
        let lead = crate::domain::lead::tests::sample_lead();
        for e in [
            AppError::Conflict {
                message: "changed".into(),
                current: Box::new(lead),
            },
            AppError::not_found("no lead 9"),
            AppError::Unauthorized {
                message: "sign in".into(),
            },
            AppError::Forbidden {
                message: "not yours".into(),
            },
            AppError::RateLimited {
                message: "slow down".into(),
                retry_after_secs: 30,
            },
            AppError::internal(),
        ] {
            let json = serde_json::to_string(&e).unwrap();
            assert_eq!(
                serde_json::from_str::<AppError>(&json).unwrap(),
                e,
                "{json}"
            );
        }
    }
}
