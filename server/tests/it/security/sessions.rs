//! Sessions and sign-in: fixation, sign-out, expiry and tampering, CSRF, throttling and
//! lockout, secrets never leaving the server, response headers.

use crate::both_backends;
use crate::http::{json_of, post_json, Client};
use crate::support::TestDb;
use app::ssr::service;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::json;

fn session_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string()
}

pub(super) fn sign_in_request(email: &str, password: &str, cookie: Option<&str>) -> Request<Body> {
    let mut req = post_json(
        "/api/v1/session",
        &json!({"email": email, "password": password}).to_string(),
    );
    if let Some(c) = cookie {
        req.headers_mut().insert(header::COOKIE, c.parse().unwrap());
    }
    req
}

both_backends!(signing_in_issues_a_new_session_and_signing_out_ends_it_on_the_server);
async fn signing_in_issues_a_new_session_and_signing_out_ends_it_on_the_server(
    db: TestDb,
) -> TestDb {
    let db = db.with_demo(30).await;
    let client = Client::anonymous(&db);
    // An attacker plants a session id before the victim signs in.
    let planted = "closeloop_session=cls_AAAAAAAAAAAAAAAAAAAAAA";
    let mut req = sign_in_request(
        "dana@closeloop.example",
        server::seed::DEMO_PASSWORD,
        Some(planted),
    );
    let (status, headers, body) = client.send_full(&mut req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let set = headers[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"),
        "{set}"
    );
    assert!(!set.contains("Secure"), "plain http in tests: {set}");
    let first = session_value(&set);
    assert_ne!(
        format!("closeloop_session={first}"),
        planted,
        "a new id on sign-in"
    );
    assert_eq!(first.len(), 4 + 22, "128 random bits, base64url: {first}");

    // The planted id is worth nothing.
    let attacker = Client {
        router: client.router.clone(),
        cookie: Some(planted.into()),
    };
    let (status, _) = attacker
        .send(Request::get("/api/v1/me").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Signing in again gives yet another id; both sessions work until ended.
    let mut again = sign_in_request("dana@closeloop.example", server::seed::DEMO_PASSWORD, None);
    let (_, headers, _) = client.send_full(&mut again).await;
    let second = session_value(headers[header::SET_COOKIE].to_str().unwrap());
    assert_ne!(first, second);

    let victim = Client {
        router: client.router.clone(),
        cookie: Some(format!("closeloop_session={first}")),
    };
    let (status, body) = victim
        .send(Request::get("/api/v1/me").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json_of(&body)["email"], "dana@closeloop.example");
    victim.sign_out().await;
    // A copy of the cookie is dead after sign-out.
    let (status, body) = victim
        .send(Request::get("/api/v1/me").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(json_of(&body)["error"]["code"], "unauthorized");
    // A tampered cookie (its last character changed, to one it is not) is simply not a
    // session.
    let last = if second.ends_with('x') { 'y' } else { 'x' };
    let tampered = Client {
        router: client.router.clone(),
        cookie: Some(format!(
            "closeloop_session={}{last}",
            &second[..second.len() - 1]
        )),
    };
    let (status, _) = tampered
        .send(Request::get("/api/v1/me").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // An idle session expires.
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - $1")
        .bind(13 * 3_600_000_i64)
        .execute(&mut *db.store.read().await.unwrap())
        .await
        .unwrap();
    let idle = Client {
        router: client.router.clone(),
        cookie: Some(format!("closeloop_session={second}")),
    };
    let (status, _) = idle
        .send(Request::get("/api/v1/me").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // And an anonymous visit to the board lands on the sign-in page.
    let (status, headers, _) = client
        .send_full(&mut Request::get("/board").body(Body::empty()).unwrap())
        .await;
    assert!(status.is_redirection());
    assert_eq!(headers[header::LOCATION], "/signin?next=/board");
    db
}

both_backends!(cross_site_writes_are_refused_and_change_nothing);
async fn cross_site_writes_are_refused_and_change_nothing(db: TestDb) -> TestDb {
    let db = db.with_demo(60).await;
    let new = db.stage("new").await;
    let contacted = db.stage("contacted").await;
    let lead = db.find(|l, _| l.stage_id == new && l.owner.is_some()).await;
    let client = Client::editor_of(&db, &lead).await;
    let events = db.event_count().await;
    let body = json!({"to_stage": contacted, "version": lead.version}).to_string();
    let uri = format!("/api/v1/leads/{}/move", lead.id);
    let fn_body =
        json!({"lead_id": lead.id, "request": {"to_stage": contacted, "version": lead.version}})
            .to_string();
    for (name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("origin", "http://evil.example"),
    ] {
        for path in [uri.as_str(), "/api/fn/move_lead"] {
            let mut req = post_json(path, if path == uri { &body } else { &fn_body });
            req.headers_mut().insert(name, value.parse().unwrap());
            req.headers_mut()
                .insert(header::HOST, "127.0.0.1:3000".parse().unwrap());
            let (status, text) = send_without_defaults(&client, req).await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{path} with {name}: {value}: {text}"
            );
            assert_eq!(json_of(&text)["error"]["code"], "forbidden");
        }
    }
    // No proof at all is refused too.
    let (status, _) = send_without_defaults(&client, post_json(&uri, &body)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(db.lead(lead.id).await, lead, "nothing changed");
    assert_eq!(db.event_count().await, events, "nothing logged");

    // The same request from our own origin goes through.
    let mut ok = post_json(&uri, &body);
    ok.headers_mut()
        .insert(header::HOST, "127.0.0.1:3000".parse().unwrap());
    ok.headers_mut()
        .insert(header::ORIGIN, "http://127.0.0.1:3000".parse().unwrap());
    let (status, text) = send_without_defaults(&client, ok).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    db
}

/// Sends with the client's cookie but without the same-origin marker `Client::send` adds.
async fn send_without_defaults(client: &Client, mut req: Request<Body>) -> (StatusCode, String) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    if let Some(c) = &client.cookie {
        req.headers_mut().insert(header::COOKIE, c.parse().unwrap());
    }
    let resp = client.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

both_backends!(guessing_passwords_is_throttled_then_pauses_the_account_until_lifted);
async fn guessing_passwords_is_throttled_then_pauses_the_account_until_lifted(
    db: TestDb,
) -> TestDb {
    let db = db.with_demo(20).await;
    let email = "kim@closeloop.example";
    let wrong = |client: &Client| {
        let client = client.clone();
        async move {
            client
                .send(sign_in_request(email, "not the password", None))
                .await
        }
    };
    // Unknown account and wrong password look the same.
    let client = Client::anonymous(&db);
    let (s1, unknown) = client
        .send(sign_in_request(
            "nobody@closeloop.example",
            "whatever1",
            None,
        ))
        .await;
    let (s2, bad) = wrong(&client).await;
    assert_eq!(
        (s1, s2),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert_eq!(
        json_of(&unknown)["error"]["message"],
        json_of(&bad)["error"]["message"]
    );

    // Per account: after 5 failures in 15 minutes, 429 with Retry-After, even for the right
    // password.
    for _ in 0..4 {
        assert_eq!(wrong(&client).await.0, StatusCode::UNAUTHORIZED);
    }
    let mut right = sign_in_request(email, server::seed::DEMO_PASSWORD, None);
    let (status, headers, body) = client.send_full(&mut right).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let retry: u64 = headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    assert_eq!(json_of(&body)["error"]["code"], "rate_limited");

    // Another instance (or the same, later) lets guessing continue until the pause at 10.
    let other = Client::anonymous(&db);
    for _ in 0..5 {
        assert_eq!(wrong(&other).await.0, StatusCode::UNAUTHORIZED);
    }
    let third = Client::anonymous(&db);
    let (status, body) = third
        .send(sign_in_request(email, server::seed::DEMO_PASSWORD, None))
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "paused: the right password no longer works from a stranger's browser: {body}"
    );

    // Every attempt is in the event log, without the password.
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT kind, payload FROM events WHERE kind LIKE 'auth.%' ORDER BY id")
            .fetch_all(&mut *db.store.read().await.unwrap())
            .await
            .unwrap();
    let failed = rows
        .iter()
        .filter(|(k, _)| k == "auth.sign_in_failed")
        .count();
    assert!(failed >= 11, "{rows:?}");
    assert!(
        rows.iter()
            .any(|(_, p)| p.contains("\"paused_until\":") && !p.contains("\"paused_until\":null")),
        "{rows:?}"
    );
    assert!(rows
        .iter()
        .all(|(_, p)| !p.contains("not the password") && !p.contains(server::seed::DEMO_PASSWORD)));

    // An admin lifts the pause; the right password works again.
    let admin = db.actor("admin").await;
    let kim = db.actor("kim").await;
    service::accounts::unlock_user(&db.state(), &admin, kim.id)
        .await
        .unwrap();
    let fresh = Client::anonymous(&db);
    let (status, body) = fresh
        .send(sign_in_request(email, server::seed::DEMO_PASSWORD, None))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let signed: Vec<(String,)> =
        sqlx::query_as("SELECT kind FROM events WHERE kind = 'auth.signed_in'")
            .fetch_all(&mut *db.store.read().await.unwrap())
            .await
            .unwrap();
    assert_eq!(signed.len(), 1);
    db
}

both_backends!(sign_ins_from_one_address_are_throttled);
async fn sign_ins_from_one_address_are_throttled(db: TestDb) -> TestDb {
    let db = db.with_demo(10).await;
    let client = Client::anonymous(&db);
    let mut statuses = Vec::new();
    for i in 0..31 {
        let (status, _) = client
            .send(sign_in_request(
                &format!("guess{i}@closeloop.example"),
                "whatever1",
                None,
            ))
            .await;
        statuses.push(status.as_u16());
    }
    assert!(statuses[..30].iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(
        statuses[30], 429,
        "the 31st attempt in a minute from one address"
    );
    db
}

both_backends!(password_hashes_never_leave_the_server);
async fn password_hashes_never_leave_the_server(db: TestDb) -> TestDb {
    let db = db.with_demo(10).await;
    let admin = Client::signed_in(&db, "admin").await;
    let (status, users) = admin
        .send(Request::get("/api/fn/users").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK, "{users}");
    assert!(users.contains("dana@closeloop.example"));
    assert!(
        !users.contains("argon2") && !users.contains("password"),
        "{users}"
    );
    let (_, me) = admin
        .send(Request::get("/api/v1/me").body(Body::empty()).unwrap())
        .await;
    assert!(!me.contains("argon2") && !me.contains("password"), "{me}");
    let hashes: Vec<(String,)> = sqlx::query_as("SELECT password_hash FROM users")
        .fetch_all(&mut *db.store.read().await.unwrap())
        .await
        .unwrap();
    assert!(hashes
        .iter()
        .all(|(h,)| h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$")));
    let new_user = app::domain::account::NewUser {
        name: "N".into(),
        email: "n@example.com".into(),
        role: app::domain::Role::Rep,
        team_id: None,
        password: "secret passphrase".into(),
    };
    assert!(!format!("{new_user:?}").contains("secret passphrase"));
    db
}

both_backends!(pages_carry_security_headers_and_a_nonce_based_csp);
async fn pages_carry_security_headers_and_a_nonce_based_csp(db: TestDb) -> TestDb {
    let db = db.with_demo(20).await;
    let client = Client::signed_in(&db, "dana").await;
    let (status, headers, html) = client
        .send_full(&mut Request::get("/board").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .expect("a nonce in the CSP");
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"));
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    // Every inline script carries the nonce.
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "{html}"
    );
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    assert!(headers.contains_key(header::REFERRER_POLICY));
    db
}
