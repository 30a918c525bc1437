//! The security middleware every request passes through, in this order:
//!
//! 1. Identify: the session cookie becomes an `Identity` (the signed-in actor, or nobody) in
//!    the request's extensions, where handlers and server functions read it.
//! 2. CSRF: a state-changing request (anything but GET/HEAD/OPTIONS) must prove it comes from
//!    our own pages: `Sec-Fetch-Site: same-origin`, or an `Origin` equal to our host. Requests
//!    with an API key in `Authorization` and no cookie are not browser requests and are exempt,
//!    and so is web-form intake, which ignores cookies and checks `Origin` per key itself.
//! 3. Sign-in gate: an anonymous request for a page goes to `/signin?next=…`.
//! 4. Response headers: CSP (pages set their own, with the render's nonce), nosniff,
//!    Referrer-Policy, no framing.

use app::error::AppError;
use app::ssr::auth::{self, ClientInfo, Identity};
use app::ssr::store::accounts::KeyKind;
use app::ssr::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;

/// Paths anyone may request: the sign-in page, the wall (it checks its token), built assets,
/// and the API (each endpoint authorizes itself and answers 401 in JSON, never a redirect).
fn is_public(path: &str) -> bool {
    path == "/signin" || path.starts_with("/wall/") || path.starts_with("/api/") || is_asset(path)
}

/// Web-form intake: posted cross-site by design (see `crate::intake`).
const INTAKE_PATH: &str = "/api/v1/intake";

/// The built static files (WASM, JS, CSS, icons).
fn is_asset(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.svg" || path == "/robots.txt"
}

pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // Built assets are the same for everyone: no session lookup for them.
    if is_asset(req.uri().path()) && *req.method() == Method::GET {
        return with_headers(next.run(req).await);
    }
    let path = req.uri().path().to_string();
    let identity = match identify(&state, req.headers(), req.extensions().get(), &path).await {
        Ok(identity) => identity,
        Err(e) => return e.into_response(),
    };
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // A read-only API token reads; it never writes, whatever its owner may do.
    if identity
        .token
        .is_some_and(|scope| !scope.allows(req.method().as_str()))
    {
        return with_headers(
            AppError::Forbidden {
                message: "This API token is read-only; issue a read-and-write token to change \
                          data"
                    .into(),
            }
            .into_response(),
        );
    }
    // Intake ignores cookies and checks the browser's Origin against its key's web sites.
    if unsafe_method && path != INTAKE_PATH {
        if let Err(e) = check_csrf(req.headers()) {
            tracing::warn!(path, "refused a cross-site request");
            return e.into_response();
        }
    }
    if identity.actor.is_none() && !is_public(&path) && *req.method() == Method::GET {
        let target = match req.uri().path_and_query() {
            Some(pq) if pq.as_str() != "/" => format!("/signin?next={}", encode(pq.as_str())),
            _ => "/signin".to_string(),
        };
        return with_headers(Redirect::to(&target).into_response());
    }
    let https = identity.https;
    req.extensions_mut().insert(identity);
    let wall_token = path.strip_prefix("/wall/").map(str::to_string);
    let mut resp = next.run(req).await;
    // The wall page explains an invalid token itself; the status says it too.
    if let Some(token) = wall_token {
        let valid = auth::key_principal(&state, KeyKind::Wall, &token).await;
        if matches!(valid, Ok(None)) && resp.status().is_success() {
            *resp.status_mut() = StatusCode::UNAUTHORIZED;
        }
    }
    // A server function whose arguments do not decode never reaches its body (which sets the
    // status of its errors): the framework answers 500 with our validation error. It is the
    // caller's mistake, so it says 422.
    if path.starts_with("/api/fn/") && resp.status() == StatusCode::INTERNAL_SERVER_ERROR {
        resp = malformed_is_unprocessable(resp).await;
    }
    if https {
        resp.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    with_headers(resp)
}

/// Turns a 500 whose body is a validation error into a 422 with the same body.
async fn malformed_is_unprocessable(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    // Error bodies are small; anything larger is not one of ours.
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return AppError::internal().into_response();
    };
    let validation = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .is_some_and(|v| v["error"]["code"] == "validation");
    if validation {
        parts.status = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

async fn identify(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<&ConnectInfo<SocketAddr>>,
    path: &str,
) -> Result<Identity, AppError> {
    let settings = &state.auth.settings;
    let forwarded = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_string())
    };
    let ip = if settings.trust_proxy {
        forwarded("x-forwarded-for").or_else(|| peer.map(|p| p.0.ip().to_string()))
    } else {
        peer.map(|p| p.0.ip().to_string())
    };
    let https = settings.https
        || (settings.trust_proxy && forwarded("x-forwarded-proto").as_deref() == Some("https"));
    let client = ClientInfo {
        ip,
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    };
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(auth::session_from_cookie_header);
    let (actor, session_hash) = match cookie {
        Some(value) => match auth::session_actor(state, value).await? {
            Some((actor, hash)) => (Some(actor), Some(hash)),
            None => (None, None),
        },
        None => (None, None),
    };
    // Personal API tokens open the REST API only (not pages or server functions), and only
    // without a cookie: a browser request is judged by its session.
    let mut token = None;
    let mut actor = actor;
    if cookie.is_none() && path.starts_with("/api/v1/") {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .filter(|v| v.starts_with(auth::API_TOKEN_PREFIX));
        if let Some(presented) = bearer {
            if let Some((a, scope)) = auth::token_actor(state, presented.trim()).await? {
                actor = Some(a);
                token = Some(scope);
            }
        }
    }
    Ok(Identity {
        actor,
        session_hash,
        client,
        https,
        token,
    })
}

/// Fetch metadata first (every current browser sends it), then Origin against Host.
fn check_csrf(headers: &HeaderMap) -> Result<(), AppError> {
    let get = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let has_cookie = headers.contains_key(header::COOKIE);
    let has_bearer = get(header::AUTHORIZATION).is_some_and(|a| a.starts_with("Bearer "));
    if has_bearer && !has_cookie {
        return Ok(());
    }
    let refuse = |why: &str| {
        Err(AppError::Forbidden {
            message: format!("Refused: {why}. Reload the page and try again."),
        })
    };
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some("same-origin") | Some("none") => return Ok(()),
        Some(_) => return refuse("the request came from another site"),
        None => {}
    }
    let Some(origin) = get(header::ORIGIN) else {
        return refuse("the request carries no proof of where it came from");
    };
    let host = get(header::HOST).unwrap_or_default();
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .unwrap_or("");
    if !host.is_empty() && origin_host.eq_ignore_ascii_case(host) {
        Ok(())
    } else {
        refuse("the request came from another site")
    }
}

/// Headers for every response. Pages set a CSP with their render's nonce (see `app::shell`);
/// everything else (JSON, files) gets one that allows nothing to run.
fn with_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
    resp
}

/// Percent-encodes a path and query for use as a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn same_origin_requests_pass_and_cross_site_ones_are_refused() {
        assert!(check_csrf(&headers(&[("sec-fetch-site", "same-origin")])).is_ok());
        assert!(check_csrf(&headers(&[("sec-fetch-site", "cross-site")])).is_err());
        assert!(check_csrf(&headers(&[("sec-fetch-site", "same-site")])).is_err());
        let ok = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000"),
        ]);
        assert!(check_csrf(&ok).is_ok());
        let evil = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://evil.example"),
        ]);
        assert!(check_csrf(&evil).is_err());
        assert!(check_csrf(&headers(&[("host", "127.0.0.1:3000")])).is_err());
    }

    #[test]
    fn api_keys_without_cookies_are_not_browser_requests() {
        assert!(check_csrf(&headers(&[("authorization", "Bearer cli_x")])).is_ok());
        let both = headers(&[("authorization", "Bearer cli_x"), ("cookie", "a=b")]);
        assert!(check_csrf(&both).is_err());
    }

    #[test]
    fn the_next_parameter_is_encoded() {
        assert_eq!(
            encode("/board?owner=7&x=a b"),
            "/board%3Fowner%3D7%26x%3Da%20b"
        );
    }
}
