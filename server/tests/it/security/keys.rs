//! Intake keys: leads only in the key's own source, and nothing once it is revoked.

use crate::both_backends;
use crate::http::{json_of, Client};
use crate::support::TestDb;
use app::ssr::service;
use app::ssr::store::accounts::KeyKind;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::json;

both_backends!(an_intake_key_creates_leads_in_its_source_only_until_revoked);
async fn an_intake_key_creates_leads_in_its_source_only_until_revoked(db: TestDb) -> TestDb {
    let db = db.with_demo(20).await;
    let state = db.state();
    let riley = db.actor("riley").await;
    let source = service::keys::sources(&state, &riley)
        .await
        .unwrap()
        .remove(2);
    let issued = service::keys::issue(
        &state,
        &riley,
        KeyKind::Intake,
        "Website form",
        Some(source.id),
    )
    .await
    .unwrap();
    let client = Client::anonymous(&db);
    let post = |body: serde_json::Value, key: &str| {
        Request::post("/api/v1/intake")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let before = db.all_leads().await.len();
    // Bad input names the field and creates nothing.
    for (body, field) in [
        (json!({"email": "ada@example.com"}), "contact_name"),
        (
            json!({"contact_name": "Ada", "email": "not an address"}),
            "email",
        ),
        (json!({"contact_name": "Ada"}), "email"),
        (
            json!({"contact_name": "Ada", "phone": "+1 415 555 0123", "value_cents": -5}),
            "value_cents",
        ),
        (
            json!({"contact_name": "Ada", "phone": "+1 415 555 0123", "owner_id": 3}),
            "owner_id",
        ),
    ] {
        let (status, text) = client.send(post(body, &issued.secret)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
        assert_eq!(
            json_of(&text)["error"]["fields"][0]["field"],
            field,
            "{text}"
        );
    }
    assert_eq!(db.all_leads().await.len(), before);

    let (status, text) = client
        .send(post(
            json!({"contact_name": "Ada Byron", "email": "Ada@Example.com", "company": "Engines Ltd"}),
            &issued.secret,
        ))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    let id = app::domain::LeadId(json_of(&text)["lead_id"].as_i64().unwrap());
    let lead = db.lead(id).await;
    assert_eq!(lead.source_name, source.name);
    assert_eq!(lead.email.as_deref(), Some("ada@example.com"));
    assert_eq!(lead.stage_id, db.stage("new").await);
    assert!(lead.owner.is_some(), "routed by the demo's catch-all rule");

    // The key opens nothing else, and stops working once revoked.
    let (status, _) = client
        .send(
            Request::get("/api/v1/board")
                .header(header::AUTHORIZATION, format!("Bearer {}", issued.secret))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    service::keys::revoke(&state, &riley, KeyKind::Intake, issued.id)
        .await
        .unwrap();
    let (status, _) = client
        .send(post(
            json!({"contact_name": "Late", "phone": "+1 415 555 0199"}),
            &issued.secret,
        ))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let stored: Vec<(String,)> = sqlx::query_as("SELECT key_hash FROM intake_keys")
        .fetch_all(&mut *db.store.read().await.unwrap())
        .await
        .unwrap();
    assert!(stored
        .iter()
        .all(|(h,)| h.len() == 64 && !h.contains(&issued.secret)));
    db
}
