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
use app::ssr::auth::watch::Held;
use app::ssr::auth::{self, ClientInfo, Identity};
use app::ssr::store::accounts::KeyKind;
use app::ssr::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;

/// Paths anyone may request: the sign-in page, the wall and calendar feeds (each checks its
/// secret), built assets,
/// and the API (each endpoint authorizes itself and answers 401 in JSON, never a redirect).
fn is_public(path: &str) -> bool {
    path == "/signin"
        || path.starts_with("/wall/")
        || path.starts_with("/calendar/")
        || path.starts_with("/api/")
        || is_asset(path)
}

/// Web-form intake: posted cross-site by design (see `crate::intake`).
const INTAKE_PATH: &str = "/api/v1/intake";

/// The built static files (WASM, JS, CSS, icons).
fn is_asset(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.svg" || path == "/robots.txt"
}

/// The security layer, and one access-log line per request (target `access`, at info: shown
/// with `RUST_LOG=info,access=info`), with secrets in paths and queries shortened.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let target = req
        .uri()
        .path_and_query()
        .map(|pq| redact(pq.as_str()))
        .unwrap_or_default();
    let resp = guard(state, req, next).await;
    tracing::info!(
        target: "access",
        %method,
        target,
        status = resp.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
    );
    resp
}

/// Keeps the first characters of secrets a request line may carry (a wall token in the wall's
/// path, any `token`, `key` or `secret` query value): enough to tell them apart in a log, too
/// few to use. Everything else is kept as sent.
pub fn redact(path_and_query: &str) -> String {
    const KEEP: usize = 8;
    let short = |secret: &str| {
        if secret.len() <= KEEP {
            "…".to_string()
        } else {
            format!("{}…", &secret[..secret.floor_char_boundary(KEEP)])
        }
    };
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    let mut out = String::with_capacity(path_and_query.len());
    let secret_after = ["/wall/", "/api/wall/events/", "/calendar/"];
    match secret_after
        .iter()
        .find_map(|p| path.strip_prefix(p).map(|rest| (p, rest)))
    {
        Some((prefix, rest)) if !rest.is_empty() => {
            let (token, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            out.push_str(prefix);
            out.push_str(&short(token));
            out.push_str(tail);
        }
        _ => out.push_str(path),
    }
    if let Some(query) = query {
        out.push('?');
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, v))
                    if ["token", "key", "secret", "password"]
                        .iter()
                        .any(|s| k.eq_ignore_ascii_case(s)) =>
                {
                    format!("{k}={}", short(v))
                }
                _ => pair.to_string(),
            })
            .collect();
        out.push_str(&pairs.join("&"));
    }
    out
}

async fn guard(state: AppState, mut req: Request, next: Next) -> Response {
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
    let lines = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
    };
    let peer_ip = peer.map(|p| p.0.ip());
    // Behind our proxy the client is the right-most hop it did not write itself; the left of
    // the list is whatever the client sent (see `auth::proxy`).
    let ip = if settings.trust_proxy {
        auth::proxy::client_address(lines("x-forwarded-for"), &settings.trusted_proxies).or(peer_ip)
    } else {
        peer_ip
    }
    .map(|ip| ip.to_string());
    let https = settings.https
        || (settings.trust_proxy
            && auth::proxy::last_value(lines("x-forwarded-proto")) == Some("https"));
    let client = ClientInfo {
        ip,
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        device: headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|h| auth::cookie_value(h, auth::DEVICE_COOKIE))
            .map(str::to_string),
    };
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(auth::session_from_cookie_header);
    let mut credential = None;
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
                credential = Some(Held::Token(auth::secret::digest(presented.trim())));
            }
        }
    }
    if let (Some(_), Some(hash), None) = (&actor, &session_hash, &credential) {
        credential = Some(Held::Session(hash.clone()));
    }
    Ok(Identity {
        actor,
        session_hash,
        client,
        https,
        token,
        credential,
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
    fn secrets_in_request_lines_are_shortened_for_the_log() {
        let token = "clw_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd";
        assert_eq!(redact(&format!("/wall/{token}")), "/wall/clw_AbCd…");
        assert_eq!(
            redact("/calendar/clc_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd.ics"),
            "/calendar/clc_AbCd…"
        );
        assert_eq!(
            redact(&format!("/api/wall/events/{token}")),
            "/api/wall/events/clw_AbCd…"
        );
        assert_eq!(
            redact(&format!("/api/fn/x?a=1&token={token}&b=2")),
            "/api/fn/x?a=1&token=clw_AbCd…&b=2"
        );
        assert_eq!(redact("/wall/short"), "/wall/…");
        assert_eq!(redact("/board?owner=7"), "/board?owner=7");
        assert_eq!(redact("/wall/"), "/wall/");
        assert!(!redact(&format!("/wall/{token}/x?KEY={token}")).contains("EfGh"));
    }

    #[test]
    fn the_next_parameter_is_encoded() {
        assert_eq!(
            encode("/board?owner=7&x=a b"),
            "/board%3Fowner%3D7%26x%3Da%20b"
        );
    }
}
