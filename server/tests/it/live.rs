//! The live feed over HTTP: committed moves arrive on an open SSE stream, and a reconnecting
//! client is replayed what it missed.

use crate::both_backends;
use crate::support::{move_to, TestDb};
use app::ssr::service;
use app::ssr::store::events;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use std::time::Duration;
use tower::ServiceExt;

/// Reads SSE frames until one carries `event: <kind>`; returns that frame's text.
async fn next_event(body: &mut Body, kind: &str) -> String {
    let mut buf = String::new();
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), body.frame())
            .await
            .expect("an event within 10 s")
            .expect("stream still open")
            .expect("frame");
        if let Some(data) = frame.data_ref() {
            buf.push_str(&String::from_utf8_lossy(data));
        }
        while let Some(end) = buf.find("\n\n") {
            let event: String = buf.drain(..end + 2).collect();
            if event.lines().any(|l| l == format!("event: {kind}")) {
                return event;
            }
        }
    }
}

both_backends!(a_committed_move_reaches_an_open_stream);
async fn a_committed_move_reaches_an_open_stream(db: TestDb) -> TestDb {
    let db = db.with_demo(60).await;
    let state = db.state();
    let new = db.stage("new").await;
    let contacted = db.stage("contacted").await;
    let lead = db.find(|l, _| l.stage_id == new).await;

    let resp = server::router(state.clone())
        .oneshot(Request::get("/api/v1/events").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "text/event-stream");
    let mut body = resp.into_body();

    let moved = service::move_lead(&state, lead.id, move_to(contacted, lead.version))
        .await
        .unwrap();

    let frame = next_event(&mut body, "lead.moved").await;
    let data = frame
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .expect("data line");
    let event: app::api::LiveEvent = serde_json::from_str(data).unwrap();
    assert_eq!(event.lead, moved);
    assert_eq!(event.from_stage, Some(new));
    assert!(frame.contains(&format!("id: {}", event.id)));
    db
}

both_backends!(a_reconnecting_client_is_replayed_what_it_missed);
async fn a_reconnecting_client_is_replayed_what_it_missed(db: TestDb) -> TestDb {
    let db = db.with_demo(60).await;
    let state = db.state();
    let new = db.stage("new").await;
    let contacted = db.stage("contacted").await;
    let lead = db.find(|l, _| l.stage_id == new).await;
    let seen = events::last_id(&mut db.store.read().await.unwrap())
        .await
        .unwrap();

    // The move happens while the client is away.
    let moved = service::move_lead(&state, lead.id, move_to(contacted, lead.version))
        .await
        .unwrap();

    let resp = server::router(state.clone())
        .oneshot(
            Request::get("/api/v1/events")
                .header("last-event-id", seen.to_string())
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let mut body = resp.into_body();
    let frame = next_event(&mut body, "lead.moved").await;
    assert!(
        frame.contains(&format!("\"version\":{}", moved.version)),
        "{frame}"
    );
    assert!(frame.contains(&format!("id: {}", seen + 1)), "{frame}");
    db
}
