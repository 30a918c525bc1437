//! The HTTP surface through the real router (no socket): REST moves with every kind of bad
//! input, the server-rendered board, and the server function the UI calls.

use crate::both_backends;
use crate::support::TestDb;
use app::domain::{Lead, StageKind};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

/// A browser-like client of one server instance: it keeps the session cookie and marks its
/// state-changing requests as same-origin, as a browser does.
#[derive(Clone)]
pub struct Client {
    pub router: axum::Router,
    pub cookie: Option<String>,
}

impl Client {
    pub fn anonymous(db: &TestDb) -> Client {
        Client {
            router: server::router(db.state()),
            cookie: None,
        }
    }

    /// Signed in as a demo user ("dana", "morgan", …).
    pub async fn signed_in(db: &TestDb, local: &str) -> Client {
        let state = db.state();
        let cookie = db.session_cookie(&state, local).await;
        Client {
            router: server::router(state),
            cookie: Some(cookie),
        }
    }

    /// Signed in as whoever may change `lead`.
    pub async fn editor_of(db: &TestDb, lead: &Lead) -> Client {
        let editor = db.editor_of(lead).await;
        let local = editor.email.split('@').next().unwrap().to_string();
        Client::signed_in(db, &local).await
    }

    /// Signs out through `DELETE /api/v1/session` and asserts the server said 204.
    pub async fn sign_out(&self) {
        let (status, body) = self
            .send(
                Request::delete("/api/v1/session")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "sign-out: {body}");
    }

    pub async fn send(&self, mut req: Request<Body>) -> (StatusCode, String) {
        let (status, _, body) = self.send_full(&mut req).await;
        (status, body)
    }

    /// Sends and returns the status, the headers and the body (read only up to 1 MB of a
    /// stream that is still open after a second, such as the live feed).
    pub async fn send_full(
        &self,
        req: &mut Request<Body>,
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let req = std::mem::take(req);
        let (mut parts, body) = req.into_parts();
        if let Some(c) = &self.cookie {
            parts
                .headers
                .entry(header::COOKIE)
                .or_insert(c.parse().unwrap());
        }
        if parts.method != axum::http::Method::GET {
            parts
                .headers
                .entry("sec-fetch-site")
                .or_insert("same-origin".parse().unwrap());
        }
        let resp = self
            .router
            .clone()
            .oneshot(Request::from_parts(parts, body))
            .await
            .unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let is_stream = headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
        if is_stream {
            return (status, headers, String::new());
        }
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }
}

pub fn post_json(uri: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

pub fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// `POST /api/v1/intake` with an intake key's secret and a JSON body.
pub fn intake_request(secret: &str, body: Value) -> Request<Body> {
    Request::post("/api/v1/intake")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// Sends an inquiry that must be accepted (202) and returns its receipt.
pub async fn inquire(client: &Client, secret: &str, body: Value) -> Value {
    let (status, text) = client.send(intake_request(secret, body)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    json_of(&text)
}

both_backends!(the_move_endpoint_accepts_rejects_and_reports_conflicts);
async fn the_move_endpoint_accepts_rejects_and_reports_conflicts(db: TestDb) -> TestDb {
    let db = db.with_demo(120).await;
    let new = db.stage("new").await;
    let contacted = db.stage("contacted").await;
    let lost = db.stage("lost").await;
    let lead = db.find(|l, _| l.stage_id == new).await;
    let uri = format!("/api/v1/leads/{}/move", lead.id);
    let client = Client::editor_of(&db, &lead).await;

    // Valid.
    let (status, body) = client
        .send(post_json(
            &uri,
            &json!({"to_stage": contacted, "version": lead.version}).to_string(),
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let moved: Lead = serde_json::from_str(&body).unwrap();
    assert_eq!(moved.stage_id, contacted);
    assert_eq!(moved.version, lead.version + 1);

    // Rejected by a rule: 422 naming the field, nothing changes.
    let (status, body) = client
        .send(post_json(
            &uri,
            &json!({"to_stage": lost, "version": moved.version}).to_string(),
        ))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let err = json_of(&body);
    assert_eq!(err["error"]["code"], "validation");
    assert_eq!(err["error"]["fields"][0]["field"], "close_reason");
    assert_eq!(err["error"]["message"], "Lost needs a close-out reason");
    assert_eq!(db.lead(lead.id).await, moved);

    // Stale version: 409 with the current lead.
    let (status, body) = client
        .send(post_json(
            &uri,
            &json!({"to_stage": new, "version": lead.version}).to_string(),
        ))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let err = json_of(&body);
    assert_eq!(err["error"]["code"], "conflict");
    assert_eq!(err["error"]["current"]["version"], moved.version);
    assert_eq!(err["error"]["current"]["stage_id"], contacted.0);
    assert_eq!(db.lead(lead.id).await, moved);

    // Lost with a reason goes through.
    let (status, body) = client
        .send(post_json(
            &uri,
            &json!({"to_stage": lost, "version": moved.version, "close_reason": "no_response"})
                .to_string(),
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json_of(&body)["close_reason"], "no_response");
    db
}

both_backends!(bad_input_gets_a_clear_error_naming_the_field_and_changes_nothing);
async fn bad_input_gets_a_clear_error_naming_the_field_and_changes_nothing(db: TestDb) -> TestDb {
    let db = db.with_demo(40).await;
    let new = db.stage("new").await;
    let contacted = db.stage("contacted").await;
    let lead = db.find(|l, _| l.stage_id == new).await;
    let client = Client::editor_of(&db, &lead).await;
    let events_before = db.event_count().await;
    let uri = format!("/api/v1/leads/{}/move", lead.id);
    let v = lead.version;

    let cases: Vec<(Request<Body>, StatusCode, &str)> = vec![
        (
            post_json(&uri, "{"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
        ),
        (
            post_json(&uri, "[]"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
        ),
        (
            post_json(
                &uri,
                &json!({"to_stage": "contacted", "version": v}).to_string(),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "to_stage",
        ),
        (
            post_json(&uri, &json!({"to_stage": 424242, "version": v}).to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "to_stage",
        ),
        (
            post_json(
                &uri,
                &json!({"to_stage": contacted, "version": v, "colour": "red"}).to_string(),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "colour",
        ),
        (
            post_json(
                &uri,
                &json!({"to_stage": contacted, "version": v, "close_reason": "meh"}).to_string(),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "close_reason",
        ),
        (
            Request::post(&uri)
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from(
                    json!({"to_stage": contacted, "version": v}).to_string(),
                ))
                .unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
        ),
        (
            post_json(
                "/api/v1/leads/abc/move",
                &json!({"to_stage": contacted, "version": v}).to_string(),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "id",
        ),
    ];
    // No version at all (and no If-Match): 428, not a guess.
    let (status, body) = client
        .send(post_json(&uri, &json!({"to_stage": contacted}).to_string()))
        .await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{body}");
    assert_eq!(json_of(&body)["error"]["code"], "precondition_required");
    for (req, want_status, want_field) in cases {
        let label = format!("{} {}", req.method(), req.uri());
        let (status, body) = client.send(req).await;
        assert_eq!(status, want_status, "{label}: {body}");
        let err = json_of(&body);
        assert_eq!(err["error"]["code"], "validation", "{label}: {body}");
        assert!(
            err["error"]["fields"][0]["field"]
                .as_str()
                .unwrap_or("")
                .contains(want_field)
                || err["error"]["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains(want_field),
            "{label}: expected the error to name {want_field}: {body}"
        );
    }

    // A huge body is refused before it is parsed.
    let big = format!(
        "{{\"to_stage\": 2, \"version\": 1, \"close_note\": \"{}\"}}",
        "x".repeat(100_000)
    );
    let (status, body) = client.send(post_json(&uri, &big)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(json_of(&body)["error"]["fields"][0]["field"], "body");

    // Unknown lead: 404 in the error shape.
    let (status, body) = client
        .send(post_json(
            "/api/v1/leads/987654/move",
            &json!({"to_stage": contacted, "version": 1}).to_string(),
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(json_of(&body)["error"]["code"], "not_found");

    // Unknown endpoint under the API: 404 JSON, not an HTML page.
    let (status, body) = client
        .send(Request::get("/api/v1/nope").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(json_of(&body)["error"]["code"], "not_found");

    assert_eq!(db.lead(lead.id).await, lead, "nothing changed");
    assert_eq!(db.event_count().await, events_before, "nothing logged");
    db
}

both_backends!(the_board_page_is_rendered_on_the_server_with_columns_and_cards);
async fn the_board_page_is_rendered_on_the_server_with_columns_and_cards(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    let client = Client::signed_in(&db, "eleanor").await;
    let (status, html) = client
        .send(Request::get("/board").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    for stage in [
        "New",
        "Contacted",
        "Qualified",
        "Quoted",
        "Negotiating",
        "Won",
        "Lost",
    ] {
        assert!(
            html.contains(&format!(">{stage}</h2>")),
            "column {stage} missing"
        );
    }
    let board =
        app::ssr::service::board(&db.state(), &db.actor("eleanor").await, Default::default())
            .await
            .unwrap();
    let first = &board.columns[0].cards[0];
    assert!(
        html.contains(&format!("data-lead-id=\"{}\"", first.id)),
        "first card rendered"
    );
    assert!(
        html.contains("/pkg/closeloop.js"),
        "hydration script linked"
    );
    assert_eq!(
        html.matches("data-lead-id=").count(),
        board.columns.iter().map(|c| c.cards.len()).sum::<usize>(),
        "one card element per loaded lead"
    );

    // The JSON board agrees with the page.
    let (status, body) = client
        .send(Request::get("/api/v1/board").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    let api: app::model::board::Board = serde_json::from_str(&body).unwrap();
    assert_eq!(api.columns.len(), 7);
    assert_eq!(
        api.columns.iter().map(|c| c.summary.count).sum::<i64>(),
        150
    );

    let (status, _) = client
        .send(Request::get("/no-such-page").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    db
}

both_backends!(the_server_function_moves_through_the_same_service);
async fn the_server_function_moves_through_the_same_service(db: TestDb) -> TestDb {
    let db = db.with_demo(120).await;
    let qualified = db.stage("qualified").await;
    let lead = db
        .find(|l, p| {
            p.get(l.stage_id).unwrap().kind == StageKind::Open
                && l.stage_id != qualified
                && l.value.is_none()
        })
        .await;
    let client = Client::editor_of(&db, &lead).await;
    let body =
        json!({"lead_id": lead.id, "request": {"to_stage": qualified, "version": lead.version}});
    let (status, text) = client
        .send(post_json("/api/fn/move_lead", &body.to_string()))
        .await;
    assert!(
        !status.is_success(),
        "a lead without a value cannot be qualified"
    );
    let err: app::error::AppError = serde_json::from_str(&text).unwrap();
    assert_eq!(err.to_string(), "Qualified needs an estimated value");
    assert_eq!(db.lead(lead.id).await, lead);
    db
}

both_backends!(a_plain_sign_in_form_is_redirected_and_the_page_script_is_not);
async fn a_plain_sign_in_form_is_redirected_and_the_page_script_is_not(db: TestDb) -> TestDb {
    let db = db.with_demo(20).await;
    let client = Client::anonymous(&db);
    let form = format!(
        "email=dana%40closeloop.example&password={}&next=%2Fboard%3Fowner%3D1",
        server::seed::DEMO_PASSWORD
    );
    for (accept, redirected) in [
        ("text/html,application/xhtml+xml", true),
        ("application/json", false),
    ] {
        let mut req = Request::post("/api/fn/sign_in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, accept)
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(form.clone()))
            .unwrap();
        let (status, headers, _) = client.send_full(&mut req).await;
        assert!(
            headers.contains_key(header::SET_COOKIE),
            "{accept}: signed in"
        );
        if redirected {
            // Without JavaScript the browser follows the redirect to where it was heading.
            assert_eq!(status, StatusCode::FOUND, "{accept}");
            assert_eq!(headers[header::LOCATION], "/board?owner=1");
        } else {
            // The page's script navigates once by itself; no second navigation is requested.
            assert_eq!(status, StatusCode::OK, "{accept}");
            assert!(!headers.contains_key("serverfnredirect"), "{accept}");
            assert!(!headers.contains_key(header::LOCATION), "{accept}");
        }
    }
    db
}
