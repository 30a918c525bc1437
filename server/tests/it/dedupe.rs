//! The merge screen's decisions on both databases: merging two open leads keeps the history of
//! both, a stale view is refused, "different people" dismisses, and only those who may see and
//! change the leads decide.

use crate::both_backends;
use crate::http::{inquire, Client};
use crate::support::TestDb;
use app::api::dedupe::Resolution;
use app::domain::{CloseReason, LeadId};
use app::ssr::service;
use serde_json::json;

async fn activities_of(db: &TestDb, id: LeadId) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM activities WHERE lead_id = $1")
        .bind(id.0)
        .fetch_one(&mut *db.store.read().await.unwrap())
        .await
        .unwrap();
    n
}

async fn contact_of(db: &TestDb, id: LeadId) -> i64 {
    let (c,): (i64,) = sqlx::query_as("SELECT contact_id FROM leads WHERE id = $1")
        .bind(id.0)
        .fetch_one(&mut *db.store.read().await.unwrap())
        .await
        .unwrap();
    c
}

both_backends!(merging_two_leads_keeps_the_history_of_both);
async fn merging_two_leads_keeps_the_history_of_both(db: TestDb) -> TestDb {
    let db = db.with_demo(60).await;
    let state = db.state();
    // The demo's own likely duplicates are on the merge screen from the start.
    let admin_view = service::dedupe::open_pairs(&state, &db.actor("eleanor").await)
        .await
        .unwrap();
    assert_eq!(admin_view.len(), 3, "{admin_view:?}");
    assert!(admin_view
        .iter()
        .all(|p| p.lead.owner == p.other.owner && !p.can_merge));
    let secret = db.intake_key("Website").await;
    let client = Client::anonymous(&db);
    // Both routed to Inside Sales (the demo's catch-all), whose manager is Tom.
    let first = inquire(
        &client,
        &secret,
        json!({"contact_name": "Grace Hopper", "email": "grace@cobol.example",
               "company": "Cobol Systems", "message": "Pricing for 200 units?"}),
    )
    .await;
    let second = inquire(
        &client,
        &secret,
        json!({"contact_name": "Grace Hoper", "email": "gh@mail.example",
               "company": "Cobol Systems Inc", "phone": "+1 212 555 0100",
               "message": "Following up on my question"}),
    )
    .await;
    let (a, b) = (
        LeadId(first["lead_id"].as_i64().unwrap()),
        LeadId(second["lead_id"].as_i64().unwrap()),
    );
    assert_eq!(second["possible_duplicates"], json!([a]));

    let tom = db.actor("tom").await;
    let dana = db.actor("dana").await;
    assert!(
        service::dedupe::open_pairs(&state, &dana)
            .await
            .unwrap()
            .is_empty(),
        "a rep of another team sees neither lead"
    );
    // (Besides the demo's own pairs in Tom's team.)
    let pairs: Vec<_> = service::dedupe::open_pairs(&state, &tom)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.lead.id == b || p.other.id == b)
        .collect();
    assert_eq!(pairs.len(), 1);
    let pair = &pairs[0];
    assert_eq!((pair.lead.id, pair.other.id), (b, a));
    assert!(pair.can_merge);
    assert!(pair.reasons[0].label().starts_with("Same company, name"));

    // A view that is out of date is refused, and nothing changes.
    let stale = Resolution::Merge {
        keep: a,
        keep_version: pair.other.version - 1,
        absorb_version: pair.lead.version,
    };
    let err = service::dedupe::resolve(&state, &tom, pair.id, stale)
        .await
        .unwrap_err();
    assert!(
        matches!(err, app::error::AppError::Conflict { .. }),
        "{err:?}"
    );
    assert_eq!(db.lead(b).await.closed_at, None);

    let before_a = activities_of(&db, a).await;
    let before_b = activities_of(&db, b).await;
    service::dedupe::resolve(
        &state,
        &tom,
        pair.id,
        Resolution::Merge {
            keep: a,
            keep_version: pair.other.version,
            absorb_version: pair.lead.version,
        },
    )
    .await
    .unwrap();
    let kept = db.lead(a).await;
    let gone = db.lead(b).await;
    assert_eq!(gone.close_reason, Some(CloseReason::Duplicate));
    assert!(gone.closed_at.is_some());
    assert_eq!(
        gone.close_note.as_deref(),
        Some(format!("Merged into #{a} (Cobol Systems)").as_str())
    );
    assert_eq!(
        kept.phone.as_deref(),
        Some("+1 212 555 0100"),
        "the kept lead gains the phone"
    );
    assert_eq!(
        kept.email.as_deref(),
        Some("grace@cobol.example"),
        "and keeps its own e-mail"
    );
    assert_eq!(activities_of(&db, a).await, before_a + before_b);
    assert_eq!(activities_of(&db, b).await, 0);
    assert_eq!(
        contact_of(&db, a).await,
        contact_of(&db, b).await,
        "one person"
    );
    let detail = service::work::lead_detail(&state, &tom, a).await.unwrap();
    let titles: Vec<&str> = detail.timeline.iter().map(|t| t.title.as_str()).collect();
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with(&format!("Merged with #{b}"))),
        "{titles:?}"
    );
    assert!(
        detail
            .timeline
            .iter()
            .any(|t| t.detail.as_deref() == Some("Following up on my question")),
        "the duplicate's inquiry is in the kept lead's history: {titles:?}"
    );
    assert_eq!(
        titles.iter().filter(|t| **t == "Inquiry received").count(),
        2,
        "both leads' arrival events: {titles:?}"
    );
    assert!(service::dedupe::open_pairs(&state, &tom)
        .await
        .unwrap()
        .iter()
        .all(|p| p.id != pair.id));
    let err = service::dedupe::resolve(&state, &tom, pair.id, Resolution::Distinct)
        .await
        .unwrap_err();
    assert!(matches!(err, app::error::AppError::NotFound { .. }));

    // Someone else with the same name: "different people" dismisses the pair.
    let third = inquire(
        &client,
        &secret,
        json!({"contact_name": "Grace Hopper", "email": "g.hopper@navy.example"}),
    )
    .await;
    assert_eq!(third["possible_duplicates"].as_array().unwrap().len(), 1);
    let pair = service::dedupe::open_pairs(&state, &tom)
        .await
        .unwrap()
        .remove(0);
    let leadership = db.actor("eleanor").await;
    assert!(
        service::dedupe::resolve(&state, &leadership, pair.id, Resolution::Distinct)
            .await
            .is_err(),
        "leadership reads but does not decide"
    );
    service::dedupe::resolve(&state, &tom, pair.id, Resolution::Distinct)
        .await
        .unwrap();
    assert!(service::dedupe::open_pairs(&state, &tom)
        .await
        .unwrap()
        .iter()
        .all(|p| p.id != pair.id));
    let third = LeadId(third["lead_id"].as_i64().unwrap());
    assert_eq!(db.lead(third).await.closed_at, None, "both leads stay");
    assert_ne!(contact_of(&db, third).await, contact_of(&db, a).await);
    db
}
