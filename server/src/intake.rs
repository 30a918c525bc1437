//! `POST /api/v1/intake`: inquiries from web forms and integrations.
//!
//! Two ways in, both per intake key (per source):
//! - integrations send the secret key as `Authorization: Bearer ck_…`, from a server;
//! - web forms send the key's public form id (`?form=cf_…` or a `form_id` field) from a
//!   browser, and only count when the browser's `Origin` is one of the key's web sites.
//!
//! Either sends JSON or a form (`application/x-www-form-urlencoded`). Each key has a rate per
//! minute; a `website` field is a honeypot; an `Idempotency-Key` header (or field) makes a
//! double submit create one lead. The answer is 202: with the secret key, the receipt (the
//! lead, whether it was new, the rep it went to); with the public form id, the same
//! `{"received": true}` whatever happened, since anyone can copy a form id from a web page and
//! must not learn from the answer who is on file. A browser that posted a plain HTML form gets
//! a thank-you page, or is sent back to the form's `redirect` address when that is on one of
//! the key's web sites.

use crate::rest::{parse_json, MAX_BODY};
use app::domain::Principal;
use app::error::AppError;
use app::ssr::auth::{self, throttle::Limit};
use app::ssr::service::intake::{self, IntakeLead, IntakeReceipt, MAX_MESSAGE};
use app::ssr::store::accounts::{self, IntakeGate, KeyKind};
use app::ssr::AppState;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use std::time::{Duration, Instant};

/// Extra fields a web form may carry beyond the known ones; they are kept in the message.
const MAX_EXTRA_FIELDS: usize = 20;

/// The answer to a submission with a public form id: always the same, so it tells nothing
/// about the people on file (or the honeypot).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FormReceipt {
    /// Always true: the submission passed its checks and was taken in.
    pub received: bool,
}

/// What `POST /intake` answers: the receipt for the secret key, the constant one for a form id.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum IntakeAnswer {
    Receipt(IntakeReceipt),
    Form(FormReceipt),
}

/// Submits an inquiry from a web form or an integration, with a per-source intake key.
/// Answers 202: with the secret key, the receipt naming the lead it is on (a repeated
/// `Idempotency-Key` answers the first submission's receipt and writes nothing); with a public
/// form id, `{"received": true}` and nothing else. A plain HTML form post gets a thank-you page
/// (or a 303 to its `redirect`) instead of JSON.
#[utoipa::path(post, path = "/intake", tag = "Intake",
    params(
        ("form" = Option<String>, Query,
         description = "The key's public form id, for web forms on the key's web sites"),
        ("Idempotency-Key" = Option<String>, Header,
         description = "The same key again answers the first submission's receipt"),
    ),
    request_body(content(
        (app::ssr::service::intake::IntakeLead = "application/json"),
        (app::ssr::service::intake::IntakeLead = "application/x-www-form-urlencoded"),
    )),
    security(("bearer" = [])),
    responses((status = 202, description = "Received: the receipt with the secret key, \
               `{\"received\": true}` with a form id", body = IntakeAnswer)))]
pub async fn submit(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let headers = parts.headers;
    let form_in_query = query_value(parts.uri.query(), "form");
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return AppError::field("body", format!("The body is larger than {MAX_BODY} bytes"))
                .into_response()
        }
    };
    let parsed = parse_body(&headers, &body);
    let form_id = form_in_query.or_else(|| parsed.as_ref().ok().and_then(|s| s.form_id.clone()));
    let (principal, gate) = match gate(&state, &headers, form_id.as_deref()).await {
        Ok(g) => g,
        Err(e) => return e.into_response(),
    };
    let origin = match check_origin(&headers, &gate, form_id.is_some()) {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    let navigation = parsed.as_ref().is_ok_and(|s| s.form) && accepts_html(&headers);
    let answer = async {
        let limit = Limit {
            attempts: u32::try_from(gate.per_minute).unwrap_or(u32::MAX),
            window: Duration::from_secs(60),
        };
        if let Err(secs) = state.auth.per_intake_key.hit_limit(
            &format!("intake:{}", gate.key_id),
            limit,
            Instant::now(),
        ) {
            return Err(AppError::RateLimited {
                message: format!(
                    "Too many submissions with this key: it takes {} a minute. Try again in {secs} s",
                    gate.per_minute
                ),
                retry_after_secs: secs,
            });
        }
        let submission = parsed?;
        let idempotency = match headers.get("idempotency-key") {
            Some(v) => Some(v.to_str().map(str::to_string).map_err(|_| {
                AppError::field("Idempotency-Key", "An Idempotency-Key is visible ASCII")
            })?),
            None => submission.idempotency_key.clone(),
        };
        let receipt = intake::receive(
            &state,
            &principal,
            submission.lead.clone(),
            idempotency.as_deref(),
        )
        .await?;
        Ok((receipt, submission))
    }
    .await;
    // The public form id gets the same answer whatever became of the inquiry.
    let public = form_id.is_some() && !has_bearer(&headers);
    let mut resp = match answer {
        Ok((_, submission)) if navigation => thank_you(&submission, &gate),
        Ok(_) if public => (
            StatusCode::ACCEPTED,
            Json(IntakeAnswer::Form(FormReceipt { received: true })),
        )
            .into_response(),
        Ok((receipt, _)) => {
            (StatusCode::ACCEPTED, Json(IntakeAnswer::Receipt(receipt))).into_response()
        }
        Err(e) if navigation && matches!(e, AppError::Validation { .. }) => not_sent(e),
        Err(e) => e.into_response(),
    };
    if let Some(origin) = origin {
        allow_origin(resp.headers_mut(), &origin);
    }
    resp
}

/// `OPTIONS /intake?form=…`: the CORS preflight of a web page's `fetch`.
pub async fn preflight(State(state): State<AppState>, req: Request) -> Response {
    let form_id = query_value(req.uri().query(), "form");
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let gate = match &form_id {
        Some(f) => lookup(&state, None, Some(f)).await.ok().flatten(),
        None => None,
    };
    match (gate, origin) {
        (Some(gate), Some(origin)) if gate.allowed_origins.contains(&origin) => {
            let mut resp = StatusCode::NO_CONTENT.into_response();
            let h = resp.headers_mut();
            allow_origin(h, &origin);
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("POST"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("content-type, idempotency-key"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
            resp
        }
        _ => AppError::Forbidden {
            message: "This web site may not submit to this form: add it to the key's web sites"
                .into(),
        }
        .into_response(),
    }
}

fn allow_origin(h: &mut HeaderMap, origin: &str) {
    if let Ok(v) = HeaderValue::from_str(origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("retry-after"),
        );
    }
}

fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

async fn lookup(
    state: &AppState,
    id: Option<i64>,
    form_id: Option<&str>,
) -> Result<Option<IntakeGate>, AppError> {
    let mut conn = state.store.read().await.map_err(|e| {
        tracing::error!(error = %e, "intake: acquire");
        AppError::internal()
    })?;
    accounts::intake_gate(&mut conn, id, form_id)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "intake: gate");
            AppError::internal()
        })
}

/// Whether the request carries a secret (`Authorization: Bearer …`).
fn has_bearer(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "))
}

/// The key a submission comes with: the secret in `Authorization`, else the form id.
async fn gate(
    state: &AppState,
    headers: &HeaderMap,
    form_id: Option<&str>,
) -> Result<(Principal, IntakeGate), AppError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let unauthorized = || AppError::Unauthorized {
        message: "Send a valid, unrevoked intake key as `Authorization: Bearer <key>`, or from a \
                  web form its form id as `?form=<form id>`"
            .into(),
    };
    let gate = match (bearer, form_id) {
        (Some(secret), _) => match auth::key_principal(state, KeyKind::Intake, secret).await? {
            Some(Principal::Intake { key_id, .. }) => lookup(state, Some(key_id), None).await?,
            _ => None,
        },
        (None, Some(form)) => lookup(state, None, Some(form)).await?,
        (None, None) => None,
    }
    .ok_or_else(unauthorized)?;
    let principal = Principal::Intake {
        key_id: gate.key_id,
        source_id: gate.source_id,
    };
    Ok((principal, gate))
}

/// A browser's `Origin` must be one of the key's web sites; a form id works only from them.
/// Returns the origin to allow in the CORS headers.
fn check_origin(
    headers: &HeaderMap,
    gate: &IntakeGate,
    by_form_id: bool,
) -> Result<Option<String>, AppError> {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    match origin {
        Some(o) if gate.allowed_origins.iter().any(|a| a == o) => Ok(Some(o.to_string())),
        Some(o) => Err(AppError::Forbidden {
            message: format!(
                "Submissions from {o} are not allowed with this key: add the web site to the \
                 key in Settings → Intake keys"
            ),
        }),
        None if by_form_id => Err(AppError::Forbidden {
            message: "A form id works only from a browser on one of the key's web sites; \
                      servers send the secret key as `Authorization: Bearer <key>`"
                .into(),
        }),
        None => Ok(None),
    }
}

/// A submission as parsed from its body.
#[derive(Clone, Debug)]
struct Submission {
    lead: IntakeLead,
    /// Posted as a form (not JSON).
    form: bool,
    form_id: Option<String>,
    idempotency_key: Option<String>,
    /// Where to send the browser afterwards (forms only; checked against the web sites).
    redirect: Option<String>,
}

/// Reads and checks a submission's body of the given content type as `POST /api/v1/intake`
/// does, short of the database. Never panics, whatever the bytes (the fuzz target `intake`
/// holds it to that).
pub fn check_submission(content_type: &str, body: &[u8]) -> Result<(), AppError> {
    let mut headers = HeaderMap::new();
    if let Ok(v) = header::HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    let sub = parse_body(&headers, &Bytes::copy_from_slice(body))?;
    app::ssr::service::intake::validate(&sub.lead)
}

fn parse_body(headers: &HeaderMap, body: &Bytes) -> Result<Submission, AppError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| ct.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match content_type.as_str() {
        "application/json" => Ok(Submission {
            lead: parse_json(body)?,
            form: false,
            form_id: None,
            idempotency_key: None,
            redirect: None,
        }),
        "application/x-www-form-urlencoded" => parse_form(body),
        _ => Err(AppError::field(
            "body",
            "Send JSON (Content-Type: application/json) or a form \
             (application/x-www-form-urlencoded)",
        )),
    }
}

/// A form's fields: the known ones by name (`name` for `contact_name`), the control fields
/// (`form_id`, `idempotency_key`, `redirect`), and up to 20 others kept in the message as
/// "field: value" lines, since marketing forms ask their own questions.
fn parse_form(body: &Bytes) -> Result<Submission, AppError> {
    if std::str::from_utf8(body).is_err() {
        return Err(AppError::field("body", "The form is not valid UTF-8"));
    }
    let mut lead = IntakeLead::default();
    let mut sub = Submission {
        lead: IntakeLead::default(),
        form: true,
        form_id: None,
        idempotency_key: None,
        redirect: None,
    };
    let mut extra = Vec::new();
    let mut value_cents = None;
    for (k, v) in form_urlencoded::parse(body) {
        let value = Some(v.to_string());
        match k.as_ref() {
            "contact_name" | "name" => lead.contact_name = v.into_owned(),
            "email" => lead.email = value,
            "phone" => lead.phone = value,
            "company" => lead.company = value,
            "product_interest" => lead.product_interest = value,
            "value_cents" => value_cents = Some(v.into_owned()),
            "currency" => lead.currency = value,
            "message" => lead.message = value,
            "country" => lead.country = value,
            "region" | "state" => lead.region = value,
            "postcode" | "zip" => lead.postcode = value,
            "website" => lead.website = value,
            "form_id" => sub.form_id = value,
            "idempotency_key" => sub.idempotency_key = value.filter(|v| !v.is_empty()),
            "redirect" => sub.redirect = value.filter(|v| !v.is_empty()),
            other => {
                if v.trim().is_empty() {
                    continue;
                }
                if extra.len() == MAX_EXTRA_FIELDS {
                    return Err(AppError::field(
                        "body",
                        format!(
                            "A form has at most {MAX_EXTRA_FIELDS} fields besides the known ones"
                        ),
                    ));
                }
                let name: String = other.chars().take(60).collect();
                let value: String = v.trim().chars().take(1_000).collect();
                extra.push(format!("{name}: {value}"));
            }
        }
    }
    if let Some(raw) = value_cents.filter(|v| !v.trim().is_empty()) {
        lead.value_cents = Some(raw.trim().parse::<i64>().map_err(|_| {
            AppError::field(
                "value_cents",
                format!("\"{raw}\" is not a whole number of cents"),
            )
        })?);
    }
    if !extra.is_empty() {
        let mut message = lead.message.take().unwrap_or_default();
        if !message.trim().is_empty() {
            message.push_str("\n\n");
        }
        message.push_str(&extra.join("\n"));
        lead.message = Some(message.chars().take(MAX_MESSAGE).collect());
    }
    sub.lead = lead;
    Ok(sub)
}

/// After a plain HTML form post: back to the form's `redirect` page when it is on one of the
/// key's web sites, else a short thank-you page, the same whatever became of the inquiry.
fn thank_you(sub: &Submission, gate: &IntakeGate) -> Response {
    let back = sub.redirect.as_deref().filter(|r| {
        gate.allowed_origins.iter().any(|o| {
            r.strip_prefix(o.as_str()).is_some_and(|rest| {
                rest.is_empty() || rest.starts_with('/') || rest.starts_with('?')
            })
        })
    });
    if let Some(url) = back {
        if let Ok(v) = HeaderValue::from_str(url) {
            let mut resp = StatusCode::SEE_OTHER.into_response();
            resp.headers_mut().insert(header::LOCATION, v);
            return resp;
        }
    }
    page(
        StatusCode::ACCEPTED,
        "Thank you",
        "<h1>Thank you</h1><p>We received your inquiry. Someone will be in touch soon.</p>",
    )
}

/// A plain HTML form post that failed its checks: the reasons, and a way back.
fn not_sent(e: AppError) -> Response {
    let items: String = e
        .fields()
        .iter()
        .map(|f| format!("<li>{}</li>", escape(&f.message)))
        .collect();
    page(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Not sent",
        &format!(
            "<h1>Your inquiry was not sent</h1><ul>{items}</ul>\
             <p>Go back, correct the form and send it again.</p>"
        ),
    )
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    (
        status,
        Html(format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title>\
             </head><body>{body}</body></html>"
        )),
    )
        .into_response()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_maps_known_fields_and_keeps_the_rest_in_the_message() {
        let body = Bytes::from(
            "name=Ada+Byron&email=ada%40example.com&message=Hi&budget=5000&website=\
             &idempotency_key=abc&value_cents=120000&submit=",
        );
        let s = parse_form(&body).unwrap();
        assert_eq!(s.lead.contact_name, "Ada Byron");
        assert_eq!(s.lead.email.as_deref(), Some("ada@example.com"));
        assert_eq!(s.lead.message.as_deref(), Some("Hi\n\nbudget: 5000"));
        assert_eq!(s.lead.value_cents, Some(120_000));
        assert_eq!(s.lead.website.as_deref(), Some(""));
        assert_eq!(s.idempotency_key.as_deref(), Some("abc"));
    }

    #[test]
    fn a_form_with_a_bad_number_or_too_many_fields_is_refused_by_field() {
        let e = parse_form(&Bytes::from("name=A&value_cents=12.5")).unwrap_err();
        assert_eq!(e.fields()[0].field, "value_cents");
        let many: Vec<String> = (0..21).map(|i| format!("q{i}=x")).collect();
        let e = parse_form(&Bytes::from(many.join("&"))).unwrap_err();
        assert_eq!(e.fields()[0].field, "body");
        let e = parse_form(&Bytes::from_static(b"name=\xff")).unwrap_err();
        assert_eq!(e.fields()[0].field, "body");
    }
}
