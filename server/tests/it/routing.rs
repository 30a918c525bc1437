//! Distribution on both databases: inquiries through the intake API reach the rep the demo's
//! assignment rules name (least loaded, round robin), skipping reps who are away or at
//! capacity; rules are edited by admins only; the tester changes nothing.

use crate::both_backends;
use crate::http::{inquire, Client};
use crate::support::TestDb;
use app::domain::routing::{Inquiry, RuleForm, Strategy};
use app::domain::{LeadId, TeamId};
use app::ssr::service;
use serde_json::{json, Value};

fn n() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

fn person(extra: Value) -> Value {
    let i = n();
    let mut body = json!({"contact_name": format!("Person {i}"),
                          "email": format!("person{i}@routing.example")});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

async fn owner_of(db: &TestDb, receipt: &Value) -> Option<String> {
    let id = LeadId(receipt["lead_id"].as_i64().unwrap());
    db.lead(id).await.owner.map(|o| o.name)
}

async fn team_of(db: &TestDb, name: &str) -> TeamId {
    let state = db.state();
    let admin = db.actor("admin").await;
    service::accounts::teams(&state, &admin)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == name)
        .unwrap()
        .id
}

both_backends!(inquiries_reach_the_rep_the_rules_name);
async fn inquiries_reach_the_rep_the_rules_name(db: TestDb) -> TestDb {
    let db = db.with_demo(120).await;
    let state = db.state();
    let client = Client::anonymous(&db);
    let web = db.intake_key("Website").await;
    let shows = db.intake_key("Trade shows").await;
    let admin = db.actor("admin").await;
    let east = team_of(&db, "Enterprise East").await;

    // Trade shows: Enterprise East, whoever has the fewest open leads.
    let people = service::routing::settings(&state, &admin)
        .await
        .unwrap()
        .people;
    let least = people
        .iter()
        .filter(|p| p.team_id == Some(east))
        .min_by_key(|p| {
            (
                p.open_leads,
                p.last_assigned_at.map_or(i64::MIN, |t| t.0),
                p.id,
            )
        })
        .unwrap()
        .name
        .clone();
    let r = inquire(&client, &shows, person(json!({}))).await;
    assert_eq!(r["assigned_to"], least.as_str());
    let lead = db.lead(LeadId(r["lead_id"].as_i64().unwrap())).await;
    assert_eq!(lead.owner.as_ref().unwrap().name, least);
    assert_eq!(lead.team_id, Some(east));
    // The assignment is an event naming its rule, and shows in the lead's history.
    let detail = service::work::lead_detail(&state, &db.actor("morgan").await, lead.id)
        .await
        .unwrap();
    let entry = detail
        .timeline
        .iter()
        .find(|t| t.title == format!("Assigned to {least}"))
        .expect("assignment in the timeline");
    assert_eq!(
        entry.detail.as_deref(),
        Some("Rule “Trade shows to Enterprise East”")
    );

    // A big deal from the website: Enterprise East too (second rule).
    let r = inquire(&client, &web, person(json!({"value_cents": 6_000_000}))).await;
    let big = db.lead(LeadId(r["lead_id"].as_i64().unwrap())).await;
    assert_eq!(big.team_id, Some(east));

    // The US West: Mid-Market West in turn; the rest: Inside Sales in turn.
    let mut west = Vec::new();
    for _ in 0..4 {
        let r = inquire(
            &client,
            &web,
            person(json!({"country": "us", "region": "ca"})),
        )
        .await;
        west.push(owner_of(&db, &r).await.unwrap());
    }
    assert_eq!(west[0], west[2]);
    assert_eq!(west[1], west[3]);
    assert_ne!(west[0], west[1]);
    let west_team = team_of(&db, "Mid-Market West").await;
    let west_reps: Vec<String> = people
        .iter()
        .filter(|p| p.team_id == Some(west_team))
        .map(|p| p.name.clone())
        .collect();
    assert!(west.iter().all(|w| west_reps.contains(w)), "{west:?}");
    let mut inside = Vec::new();
    for _ in 0..2 {
        let r = inquire(&client, &web, person(json!({"country": "GB"}))).await;
        inside.push(owner_of(&db, &r).await.unwrap());
    }
    assert_ne!(inside[0], inside[1]);

    // The West team's own policy sets the first call of its leads.
    let policies = state
        .store
        .policies(&mut db.store.read().await.unwrap())
        .await
        .unwrap();
    let r = inquire(
        &client,
        &web,
        person(json!({"country": "US", "region": "Oregon"})),
    )
    .await;
    let lead = db.lead(LeadId(r["lead_id"].as_i64().unwrap())).await;
    assert_eq!(lead.team_id, Some(west_team));
    assert_eq!(
        lead.next_step.unwrap().due_at,
        policies
            .for_team(Some(west_team))
            .first_step(lead.source_id, lead.created_at)
            .due_at
    );
    db
}

both_backends!(reps_away_or_at_capacity_are_skipped);
async fn reps_away_or_at_capacity_are_skipped(db: TestDb) -> TestDb {
    let db = db.with_demo(120).await;
    let state = db.state();
    let client = Client::anonymous(&db);
    let web = db.intake_key("Website").await;
    let tom = db.actor("tom").await; // manages Inside Sales
    let morgan = db.actor("morgan").await;
    let jordan = db.actor("jordan").await;
    let nia = db.actor("nia").await;

    // Only the team's manager (or an admin) sets who is away; bad input names the field.
    let err = service::routing::set_availability(&state, &morgan, jordan.id, "", "2099-01-01")
        .await
        .unwrap_err();
    assert!(
        matches!(err, app::error::AppError::Forbidden { .. }),
        "{err:?}"
    );
    let err = service::routing::set_availability(&state, &tom, jordan.id, "lots", "someday")
        .await
        .unwrap_err();
    let fields: Vec<&str> = err.fields().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["capacity", "away_until"]);

    service::routing::set_availability(&state, &tom, jordan.id, "", "2099-01-01")
        .await
        .unwrap();
    for _ in 0..3 {
        let r = inquire(&client, &web, person(json!({"country": "FR"}))).await;
        assert_eq!(r["assigned_to"], "Nia Adeyemi");
    }
    // Nia at capacity too: the lead waits unassigned, and says so.
    let open = service::routing::settings(&state, &tom)
        .await
        .unwrap()
        .people
        .into_iter()
        .find(|p| p.id == nia.id)
        .unwrap()
        .open_leads;
    service::routing::set_availability(&state, &tom, nia.id, &open.to_string(), "")
        .await
        .unwrap();
    let r = inquire(&client, &web, person(json!({"country": "FR"}))).await;
    assert_eq!(r["assigned_to"], Value::Null);
    assert!(owner_of(&db, &r).await.is_none());
    let decision = service::routing::test_route(
        &state,
        &tom,
        Inquiry {
            source_id: 1,
            country: Some("FR".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(decision
        .trace
        .iter()
        .any(|t| t.starts_with("skipped Jordan Blake: away until")));
    assert!(decision
        .trace
        .iter()
        .any(|t| t.starts_with("skipped Nia Adeyemi: at capacity")));
    // Back: Jordan takes the next one.
    service::routing::set_availability(&state, &tom, jordan.id, "", "")
        .await
        .unwrap();
    let r = inquire(&client, &web, person(json!({"country": "FR"}))).await;
    assert_eq!(r["assigned_to"], "Jordan Blake");
    db
}

both_backends!(rules_are_an_admins_to_change_and_the_tester_changes_nothing);
async fn rules_are_an_admins_to_change_and_the_tester_changes_nothing(db: TestDb) -> TestDb {
    let db = db.with_demo(30).await;
    let state = db.state();
    let admin = db.actor("admin").await;
    let morgan = db.actor("morgan").await;
    let east = team_of(&db, "Enterprise East").await;
    let form = RuleForm {
        name: "Germany to Enterprise East".into(),
        active: true,
        countries: "de, at, ch".into(),
        team_id: Some(east.0),
        strategy: Strategy::RoundRobin.key().into(),
        ..Default::default()
    };
    let err = service::routing::save_rule(&state, &morgan, None, form.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, app::error::AppError::Forbidden { .. }));
    let bad = RuleForm {
        countries: "Germany".into(),
        team_id: None,
        ..form.clone()
    };
    let err = service::routing::save_rule(&state, &admin, None, bad)
        .await
        .unwrap_err();
    let fields: Vec<&str> = err.fields().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["countries", "team_id"]);

    let id = service::routing::save_rule(&state, &admin, None, form)
        .await
        .unwrap();
    let german = Inquiry {
        source_id: 1,
        country: Some("DE".into()),
        ..Default::default()
    };
    let events = db.event_count().await;
    // Added last, so the catch-all before it takes German leads...
    let d = service::routing::test_route(&state, &morgan, german.clone())
        .await
        .unwrap();
    assert_eq!(
        d.assigned.unwrap().rule_name,
        "Everything else to Inside Sales"
    );
    assert_eq!(db.event_count().await, events, "the tester writes nothing");
    // ... until it moves above it.
    service::routing::move_rule(&state, &admin, id, true)
        .await
        .unwrap();
    let settings = service::routing::settings(&state, &morgan).await.unwrap();
    let names: Vec<&str> = settings.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names[names.len() - 2], "Germany to Enterprise East");
    assert!(!settings.can_edit_rules);
    let d = service::routing::test_route(&state, &morgan, german)
        .await
        .unwrap();
    assert_eq!(d.assigned.unwrap().team_id, east);
    let err = service::routing::move_rule(&state, &admin, settings.rules[0].id, true)
        .await
        .unwrap_err();
    assert_eq!(err.fields()[0].field, "id");
    service::routing::delete_rule(&state, &admin, id)
        .await
        .unwrap();
    assert_eq!(
        service::routing::settings(&state, &admin)
            .await
            .unwrap()
            .rules
            .len(),
        names.len() - 1
    );
    // Reps and marketing do not see the rules at all.
    for who in ["dana", "riley"] {
        let actor = db.actor(who).await;
        assert!(service::routing::settings(&state, &actor).await.is_err());
    }
    db
}
