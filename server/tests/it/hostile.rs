//! Hostile input through the real router (issue 9): oversized bodies, deeply nested JSON and
//! invalid UTF-8 sent to the REST API, the server functions and the intake endpoint get a
//! client error (4xx, never a 5xx), change nothing, and the server answers normally after.

use crate::both_backends;
use crate::http::Client;
use crate::security::expected;
use crate::support::TestDb;
use axum::body::Body;
use axum::http::{header, Request};

/// Every kind of bad body, by name.
fn bodies() -> Vec<(&'static str, Vec<u8>)> {
    let huge = format!("{{\"contact_name\":\"{}\"}}", "A".repeat(8 * 1024 * 1024));
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let nested_object = format!("{}1{}", "{\"a\":".repeat(50_000), "}".repeat(50_000));
    vec![
        ("8 MiB", huge.into_bytes()),
        ("100k-deep array", nested.into_bytes()),
        ("50k-deep object", nested_object.into_bytes()),
        (
            "invalid UTF-8",
            b"{\"contact_name\":\"\xff\xfe\xfd\"}".to_vec(),
        ),
        ("truncated", b"{\"contact_name\":".to_vec()),
        ("empty", Vec::new()),
    ]
}

both_backends!(bad_bodies_get_a_client_error_and_change_nothing);
async fn bad_bodies_get_a_client_error_and_change_nothing(db: TestDb) -> TestDb {
    let db = db.with_demo(60).await;
    let client = Client::signed_in(&db, "dana").await;
    let lead = db
        .find(|l, _| l.owner.as_ref().is_some_and(|o| o.name == "Dana Whitfield"))
        .await;
    let intake_key = db.intake_key("Website").await;
    let events = db.event_count().await;
    let targets = [
        ("POST", "/api/v1/leads".to_string()),
        ("PATCH", format!("/api/v1/leads/{}", lead.id)),
        ("POST", format!("/api/v1/leads/{}/move", lead.id)),
        ("POST", "/api/v1/intake".to_string()),
        ("POST", "/api/fn/edit_lead".to_string()),
        ("POST", "/api/fn/save_quote".to_string()),
        ("POST", "/api/fn/upload_import".to_string()),
    ];
    let mut answered = Vec::new();
    for (method, path) in &targets {
        for (kind, body) in bodies() {
            let mut req = Request::builder()
                .method(*method)
                .uri(path.as_str())
                .header(header::CONTENT_TYPE, "application/json")
                .header("sec-fetch-site", "same-origin");
            if path.ends_with("/intake") {
                req = req.header(header::AUTHORIZATION, format!("Bearer {intake_key}"));
            }
            let req = req.body(Body::from(body)).unwrap();
            let (status, text) = client.send(req).await;
            assert!(
                status.is_client_error(),
                "{method} {path} with {kind}: {status} {}",
                &text[..text.len().min(200)]
            );
            answered.push(status.as_u16());
        }
    }
    assert_eq!(db.event_count().await, events, "nothing was written");
    assert_eq!(db.lead(lead.id).await, lead, "the lead is unchanged");
    // And the server goes on answering.
    let (status, _) = client
        .send(Request::get("/api/v1/health").body(Body::empty()).unwrap())
        .await;
    assert!(status.is_success());
    let mut seen: Vec<u16> = answered.clone();
    seen.sort_unstable();
    seen.dedup();
    println!(
        "hostile bodies: {} requests, statuses {seen:?}",
        answered.len()
    );
    db
}

/// Server functions that take no arguments, so any body is ignored.
const NO_ARGUMENTS: [&str; 4] = [
    "/api/fn/mark_inbox_read",
    "/api/fn/turn_off_calendar_feed",
    "/api/fn/disconnect_mailbox",
    "/api/fn/check_mailbox_now",
];

both_backends!(every_server_function_refuses_bad_bodies);
/// The app's own calls (`/api/fn/…`, not in the OpenAPI document, so not fuzzed by
/// schemathesis): every one that takes a body gets every bad body, from someone it allows.
async fn every_server_function_refuses_bad_bodies(db: TestDb) -> TestDb {
    let db = db.with_demo(30).await;
    let mut clients = std::collections::BTreeMap::new();
    for local in ["dana", "morgan", "riley", "eleanor", "admin"] {
        clients.insert(local, Client::signed_in(&db, local).await);
    }
    let events = db.event_count().await;
    let mut requests = 0;
    for ((method, path), who) in expected() {
        // Signing out (no arguments) would end the session the others go on with.
        if method != "POST" || !path.starts_with("/api/fn/") || path == "/api/fn/sign_out" {
            continue;
        }
        let local = who.iter().find_map(|p| p.user()).unwrap_or("admin");
        let client = &clients[local];
        for (kind, body) in bodies() {
            let req = Request::builder()
                .method("POST")
                .uri(path)
                .header(header::CONTENT_TYPE, "application/json")
                .header("sec-fetch-site", "same-origin")
                .body(Body::from(body))
                .unwrap();
            let (status, text) = client.send(req).await;
            // A function without arguments never reads the body.
            let refused =
                status.is_client_error() || (NO_ARGUMENTS.contains(&path) && status.is_success());
            assert!(
                refused,
                "{path} as {local} with {kind}: {status} {}",
                &text[..text.len().min(200)]
            );
            requests += 1;
        }
    }
    assert_eq!(db.event_count().await, events, "nothing was written");
    // Still signed in: the refusals were about the bodies, not a lost session.
    for (local, client) in &clients {
        let (status, _) = client
            .send(Request::get("/api/fn/me").body(Body::empty()).unwrap())
            .await;
        assert!(status.is_success(), "{local} is still signed in");
    }
    println!("hostile bodies on server functions: {requests} requests, all refused");
    assert!(
        requests > 200,
        "only {requests} requests: the matrix lost its server functions"
    );
    db
}
