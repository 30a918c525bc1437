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

/// The local part of a demo user's address, which `TestDb::session_cookie` takes.
fn local(actor: &app::domain::Actor) -> &str {
    actor.email.split('@').next().unwrap()
}

/// Opens an SSE stream as the holder of `cookie`, resuming after `after`.
async fn subscribe(state: &app::ssr::AppState, cookie: &str, after: i64) -> Body {
    let resp = server::router(state.clone())
        .oneshot(
            Request::get(format!("/api/v1/events?after={after}"))
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.into_body()
}

both_backends!(a_committed_move_reaches_an_open_stream);
async fn a_committed_move_reaches_an_open_stream(db: TestDb) -> TestDb {
    let db = db.with_demo(60).await;
    let state = db.state();
    let new = db.stage("new").await;
    let contacted = db.stage("contacted").await;
    let lead = db.find(|l, _| l.stage_id == new).await;
    let editor = db.editor_of(&lead).await;
    let cookie = db.session_cookie(&state, local(&editor)).await;

    let resp = server::router(state.clone())
        .oneshot(
            Request::get("/api/v1/events")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "text/event-stream");
    let mut body = resp.into_body();

    let moved = service::move_lead(&state, &editor, lead.id, move_to(contacted, lead.version))
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
    let editor = db.editor_of(&lead).await;
    let cookie = db.session_cookie(&state, local(&editor)).await;
    let seen = events::last_id(&mut db.store.read().await.unwrap())
        .await
        .unwrap();

    // The move happens while the client is away.
    let moved = service::move_lead(&state, &editor, lead.id, move_to(contacted, lead.version))
        .await
        .unwrap();

    let resp = server::router(state.clone())
        .oneshot(
            Request::get("/api/v1/events")
                .header(header::COOKIE, &cookie)
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

both_backends!(subscribers_receive_only_moves_of_leads_they_may_see);
async fn subscribers_receive_only_moves_of_leads_they_may_see(db: TestDb) -> TestDb {
    let db = db.with_demo(120).await;
    let state = db.state();
    let new = db.stage("new").await;
    let contacted = db.stage("contacted").await;
    let dana = db.actor("dana").await; // rep, Enterprise East
    let sam = db.actor("sam").await; // rep, Mid-Market West
    let owned_by = |who: i64| {
        move |l: &app::domain::Lead, _: &app::domain::Pipelines| {
            l.stage_id == new
                && l.next_step.is_some()
                && l.owner.as_ref().is_some_and(|o| o.id == who)
        }
    };
    let danas = db.find(owned_by(dana.id.0)).await;
    let sams = db.find(owned_by(sam.id.0)).await;
    let start = events::last_id(&mut db.store.read().await.unwrap())
        .await
        .unwrap();
    let sam_cookie = db.session_cookie(&state, "sam").await;
    let priya_cookie = db.session_cookie(&state, "priya").await; // Sam's manager
    let mut sam_stream = subscribe(&state, &sam_cookie, start).await;
    let mut priya_stream = subscribe(&state, &priya_cookie, start).await;

    // Dana's move must not reach Sam or Priya; Sam's move, made after it, reaches both.
    service::move_lead(&state, &dana, danas.id, move_to(contacted, danas.version))
        .await
        .unwrap();
    let sams_moved = service::move_lead(&state, &sam, sams.id, move_to(contacted, sams.version))
        .await
        .unwrap();
    for stream in [&mut sam_stream, &mut priya_stream] {
        let frame = next_event(stream, "lead.moved").await;
        assert!(
            frame.contains(&format!(
                "\"id\":{},\"version\":{}",
                sams.id, sams_moved.version
            )),
            "the first move a subscriber sees is the one they may see: {frame}"
        );
    }

    // Replay after a reconnect filters the same way.
    let mut replayed = subscribe(&state, &sam_cookie, start).await;
    let frame = next_event(&mut replayed, "lead.moved").await;
    assert!(frame.contains(&format!("\"id\":{}", sams.id)), "{frame}");
    assert!(!frame.contains(&format!("\"id\":{},", danas.id)), "{frame}");
    db
}

both_backends!(the_hub_passes_events_on_in_id_order_filling_gaps_from_the_log);
async fn the_hub_passes_events_on_in_id_order_filling_gaps_from_the_log(db: TestDb) -> TestDb {
    let db = db.with_demo(20).await;
    let state = db.state();
    let lead = db.find(|l, _| l.owner.is_some()).await;
    let mut feed = state.hub.subscribe();
    // Two committed edits of the lead, written straight to the log and published by hand in
    // the wrong order, the way two racing writers can: the later one first.
    let mut ids = Vec::new();
    for note in ["first", "second"] {
        let mut tx = db.store.begin().await.unwrap();
        let id = events::append(
            &mut tx,
            &events::NewEvent {
                at: app::domain::Timestamp(1),
                actor_id: None,
                kind: "lead.edited",
                lead_id: Some(lead.id),
                payload: serde_json::json!({"after": {"note": note}}),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        ids.push(id);
    }
    let live = |id| app::api::LiveEvent {
        id,
        kind: app::model::LiveKind::Edited,
        at: app::domain::Timestamp(1),
        from_stage: None,
        lead: lead.clone(),
        recipient: None,
    };
    state.hub.publish(live(ids[1]));
    let heard = |feed: &mut tokio::sync::broadcast::Receiver<app::api::LiveEvent>| {
        let mut out = Vec::new();
        while let Ok(e) = feed.try_recv() {
            out.push(e.id);
        }
        out
    };
    let mut got = Vec::new();
    for _ in 0..100 {
        got.extend(heard(&mut feed));
        if got.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(got, ids, "the earlier event comes first, read from the log");
    // The earlier one's own publish, arriving late, is not sent again.
    state.hub.publish(live(ids[0]));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(heard(&mut feed), Vec::<i64>::new(), "no repeat");
    db
}
