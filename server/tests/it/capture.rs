//! Capture (issue 27): a lead typed in by hand through the "New lead" form's service, on both
//! databases. What typing shows is limited to leads the typist may see; saving goes through
//! the one intake path (dedupe, assignment, events); a manager chooses the owner or the rules;
//! a double submit makes one lead; a bad form names its fields and writes nothing.

use crate::both_backends;
use crate::support::TestDb;
use crate::trust::{flagged, footprint, source, west_lead};
use app::domain::account::TeamChange;
use app::domain::{LeadId, StageKind};
use app::error::AppError;
use app::model::intake::{IntakeOutcome, NewLeadRequest};
use app::ssr::service::{self, new_lead};

fn typed(source_id: i64, name: &str, email: Option<&str>) -> NewLeadRequest {
    NewLeadRequest {
        source_id,
        contact_name: name.into(),
        email: email.map(Into::into),
        ..Default::default()
    }
}

async fn count(db: &TestDb, table: &str) -> i64 {
    let mut conn = db.store.read().await.unwrap();
    let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    n
}

/// Leads, contacts, activities and events: what a form could write.
async fn written(db: &TestDb) -> [i64; 4] {
    [
        count(db, "leads").await,
        count(db, "contacts").await,
        count(db, "activities").await,
        count(db, "events").await,
    ]
}

fn fields_of(e: &AppError) -> Vec<String> {
    e.fields().iter().map(|f| f.field.clone()).collect()
}

both_backends!(typing_shows_only_leads_the_typist_may_see);
async fn typing_shows_only_leads_the_typist_may_see(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    let state = db.state();
    let source = source(&db).await;
    let dana = db.actor("dana").await;
    let theirs = west_lead(&db).await;
    let before = footprint(&db, &theirs).await;

    // Another team's person, by e-mail, by phone, by name at their company: nothing shown.
    for draft in [
        typed(source, "Someone", theirs.email.as_deref()),
        NewLeadRequest {
            phone: theirs.phone.clone(),
            ..typed(source, "Someone", None)
        },
        NewLeadRequest {
            company: theirs.company.clone(),
            ..typed(source, &theirs.contact_name, None)
        },
    ] {
        let p = new_lead::preview(&state, &dana, draft.clone())
            .await
            .unwrap();
        assert!(p.matches.is_empty(), "{:?} shows {:?}", draft, p.matches);
        assert_eq!(p.adds_to, None);
        assert_eq!(
            p.goes_to.as_deref(),
            Some("Yours: a lead you enter is yours to work")
        );
        // The answer never echoes what was typed, so nothing of theirs can be in it.
        let text = serde_json::to_string(&p).unwrap();
        let owner = theirs.owner.clone().unwrap().name;
        assert!(!text.contains(&owner), "{text}");
        assert!(!text.contains(&theirs.contact_name), "{text}");
    }

    // Saved anyway: Dana's own new lead, the pair flagged for someone who sees both, and
    // nothing written to the other team's lead.
    let saved = new_lead::save(
        &state,
        &dana,
        typed(source, "Someone Else", theirs.email.as_deref()),
        "k-hidden",
    )
    .await
    .unwrap();
    assert!(saved.visible);
    assert_eq!(saved.receipt.outcome, IntakeOutcome::Created);
    assert_eq!(saved.receipt.possible_duplicates, Vec::<LeadId>::new());
    let mine = saved.receipt.lead_id.unwrap();
    assert_eq!(db.lead(mine).await.owner.unwrap().id, dana.id.0);
    assert!(flagged(&db, mine.0, theirs.id.0).await);
    assert_eq!(footprint(&db, &theirs).await, before);

    // Her own person: shown, owned by "you", and saving adds the inquiry to that lead.
    let own = db
        .find(|l, p| {
            l.owner.as_ref().is_some_and(|o| o.id == dana.id.0)
                && l.email.is_some()
                && l.id != mine
                && p.get(l.stage_id).is_some_and(|s| s.kind == StageKind::Open)
        })
        .await;
    let draft = typed(source, &own.contact_name, own.email.as_deref());
    let p = new_lead::preview(&state, &dana, draft.clone())
        .await
        .unwrap();
    let shown = p.matches.iter().find(|k| k.lead_id == own.id).unwrap();
    assert!(shown.exact && shown.open && shown.can_add);
    assert_eq!(shown.owner.as_deref(), Some("you"));
    assert!(shown
        .sentence(p.now)
        .contains("already has an open lead owned by you"));
    assert_eq!(p.adds_to, Some(own.id));
    assert_eq!(p.goes_to, None);
    let saved = new_lead::save(&state, &dana, draft, "k-own").await.unwrap();
    assert_eq!(saved.receipt.outcome, IntakeOutcome::Attached);
    assert_eq!(saved.receipt.lead_id, Some(own.id));

    // A teammate's lead: out of sight (and unreachable by id) until the team shares its board.
    let luis = db.actor("luis").await;
    let teammate = db
        .find(|l, p| {
            l.owner.as_ref().is_some_and(|o| o.id == luis.id.0)
                && l.email.is_some()
                && p.get(l.stage_id).is_some_and(|s| s.kind == StageKind::Open)
        })
        .await;
    let draft = typed(source, &teammate.contact_name, teammate.email.as_deref());
    let p = new_lead::preview(&state, &dana, draft.clone())
        .await
        .unwrap();
    assert!(p.matches.is_empty(), "{:?}", p.matches);
    let written_before = written(&db).await;
    let refused = new_lead::add_inquiry(&state, &dana, teammate.id, draft.clone(), Some("k-t1"))
        .await
        .unwrap_err();
    assert_eq!(refused.status(), 404, "{refused:?}");
    assert_eq!(written(&db).await, written_before);

    let admin = db.actor("admin").await;
    let east = dana.team_id.unwrap();
    let teams = service::accounts::teams(&state, &admin).await.unwrap();
    let team = teams.iter().find(|t| t.id == east).unwrap();
    service::accounts::update_team(
        &state,
        &admin,
        east,
        TeamChange {
            name: team.name.clone(),
            manager: team.manager,
            reps_see_team_board: true,
        },
    )
    .await
    .unwrap();
    let dana = db.actor("dana").await;
    let p = new_lead::preview(&state, &dana, draft.clone())
        .await
        .unwrap();
    let shown = p.matches.iter().find(|k| k.lead_id == teammate.id).unwrap();
    assert_eq!(shown.owner.as_deref(), Some(luis.name.as_str()));
    assert!(shown.can_add, "she may add an inquiry to a lead she sees");
    assert_eq!(
        p.adds_to, None,
        "saving does not write to a lead she may not change"
    );
    let version = db.lead(teammate.id).await.version;
    let added = new_lead::add_inquiry(&state, &dana, teammate.id, draft.clone(), Some("k-t2"))
        .await
        .unwrap();
    assert_eq!(added.outcome, IntakeOutcome::Attached);
    assert_eq!(db.lead(teammate.id).await.version, version + 1);
    // The same key again: the same answer, nothing more written.
    let after = written(&db).await;
    let again = new_lead::add_inquiry(&state, &dana, teammate.id, draft, Some("k-t2"))
        .await
        .unwrap();
    assert!(again.replayed);
    assert_eq!(written(&db).await, after);
    // Luis hears of it.
    let inbox = service::sweep::inbox(&state, &luis).await.unwrap();
    let text = serde_json::to_string(&inbox).unwrap();
    assert!(
        text.contains("Dana Whitfield took an inquiry from"),
        "{text}"
    );
    db
}

both_backends!(a_manager_chooses_the_owner_or_lets_the_rules_decide);
async fn a_manager_chooses_the_owner_or_lets_the_rules_decide(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    let state = db.state();
    let source = source(&db).await;
    let morgan = db.actor("morgan").await;
    let luis = db.actor("luis").await;
    let jordan = db.actor("jordan").await;
    let dana = db.actor("dana").await;

    let choices = new_lead::choices(&state, &morgan).await.unwrap();
    let offered: Vec<_> = choices.owners.iter().map(|p| p.id).collect();
    assert!(offered.contains(&luis.id) && offered.contains(&morgan.id));
    assert!(
        !offered.contains(&jordan.id),
        "another team's rep is not offered"
    );
    assert!(new_lead::choices(&state, &dana)
        .await
        .unwrap()
        .owners
        .is_empty());

    // Given to Luis: his lead, in his team.
    let request = NewLeadRequest {
        owner_id: Some(luis.id.0),
        ..typed(source, "Ada Byron", Some("ada@analytical.example"))
    };
    let p = new_lead::preview(&state, &morgan, request.clone())
        .await
        .unwrap();
    assert_eq!(p.goes_to.as_deref(), Some("Luis Ortega, as you chose"));
    let saved = new_lead::save(&state, &morgan, request, "m-1")
        .await
        .unwrap();
    let lead = db.lead(saved.receipt.lead_id.unwrap()).await;
    assert_eq!(lead.owner.unwrap().id, luis.id.0);
    assert_eq!(lead.team_id, luis.team_id);
    assert_eq!(saved.receipt.assigned_to.as_deref(), Some("Luis Ortega"));

    // Another team's rep, or a rep choosing someone else: the owner field is refused.
    let before = written(&db).await;
    for (who, owner) in [(&morgan, &jordan), (&dana, &luis)] {
        let request = NewLeadRequest {
            owner_id: Some(owner.id.0),
            ..typed(
                source,
                "Charles Babbage",
                Some("charles@analytical.example"),
            )
        };
        let e = new_lead::save(&state, who, request, &format!("refused-{}", who.id.0))
            .await
            .unwrap_err();
        assert_eq!(fields_of(&e), ["owner_id"], "{e:?}");
    }
    assert_eq!(written(&db).await, before);

    // By the rules: the preview says where, and a lead sent out of the manager's teams is
    // saved but reported out of sight.
    let request = typed(source, "Alan Turing", Some("alan@bletchley.example"));
    let p = new_lead::preview(&state, &morgan, request.clone())
        .await
        .unwrap();
    let goes = p.goes_to.unwrap();
    assert!(goes.contains("by the rule"), "{goes}");
    let saved = new_lead::save(&state, &morgan, request, "m-2")
        .await
        .unwrap();
    let lead = db.lead(saved.receipt.lead_id.unwrap()).await;
    let owner = lead.owner.clone().unwrap();
    assert!(goes.starts_with(&owner.name), "{goes} vs {}", owner.name);
    assert_eq!(
        saved.visible,
        app::domain::access::view_lead(&morgan, &lead).is_ok()
    );
    assert_eq!(goes.contains("you do not manage"), !saved.visible, "{goes}");
    db
}

both_backends!(a_double_submit_of_the_form_makes_one_lead);
async fn a_double_submit_of_the_form_makes_one_lead(db: TestDb) -> TestDb {
    let db = db.with_demo(60).await;
    let state = db.state();
    let source = source(&db).await;
    let dana = db.actor("dana").await;
    let before = count(&db, "leads").await;
    let request = typed(source, "Grace Hopper", Some("grace@navy.example"));
    let (a, b) = tokio::join!(
        new_lead::save(&state, &dana, request.clone(), "dialog-1"),
        new_lead::save(&state, &dana, request.clone(), "dialog-1"),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.receipt.lead_id, b.receipt.lead_id);
    assert!(a.receipt.replayed != b.receipt.replayed);
    let c = new_lead::save(&state, &dana, request, "dialog-1")
        .await
        .unwrap();
    assert_eq!(c.receipt.lead_id, a.receipt.lead_id);
    assert_eq!(count(&db, "leads").await, before + 1);
    db
}

both_backends!(a_bad_form_names_its_fields_and_writes_nothing);
async fn a_bad_form_names_its_fields_and_writes_nothing(db: TestDb) -> TestDb {
    let db = db.with_demo(60).await;
    let state = db.state();
    let source = source(&db).await;
    let dana = db.actor("dana").await;
    let before = written(&db).await;
    let bad = NewLeadRequest {
        source_id: source,
        contact_name: "  ".into(),
        email: Some("not-an-address".into()),
        value_cents: Some(-5),
        ..Default::default()
    };
    let e = new_lead::save(&state, &dana, bad, "bad-1")
        .await
        .unwrap_err();
    assert_eq!(fields_of(&e), ["contact_name", "email", "value_cents"]);
    let e = new_lead::save(
        &state,
        &dana,
        NewLeadRequest {
            value_cents: Some(100),
            currency: Some("dollars".into()),
            ..typed(source, "Ada", Some("ada@x.example"))
        },
        "bad-2",
    )
    .await
    .unwrap_err();
    assert_eq!(fields_of(&e), ["currency"]);
    let e = new_lead::save(
        &state,
        &dana,
        typed(9_999, "Ada", Some("ada@x.example")),
        "bad-3",
    )
    .await
    .unwrap_err();
    assert_eq!(fields_of(&e), ["source_id"]);
    let e = new_lead::save(
        &state,
        &dana,
        typed(source, "Ada", Some("ada@x.example")),
        "",
    )
    .await
    .unwrap_err();
    assert_eq!(fields_of(&e), ["Idempotency-Key"]);
    // An inquiry for a closed lead of hers: refused, naming the lead.
    let closed = db
        .find(|l, p| {
            l.owner.as_ref().is_some_and(|o| o.id == dana.id.0)
                && p.get(l.stage_id).is_some_and(|s| s.kind != StageKind::Open)
        })
        .await;
    let e = new_lead::add_inquiry(
        &state,
        &dana,
        closed.id,
        typed(source, "Ada", Some("ada@x.example")),
        Some("bad-4"),
    )
    .await
    .unwrap_err();
    assert_eq!(fields_of(&e), ["lead_id"]);
    // Roles that enter no leads are refused before anything is read.
    for who in ["eleanor", "riley", "admin"] {
        let actor = db.actor(who).await;
        let e = new_lead::preview(&state, &actor, typed(source, "Ada", None))
            .await
            .unwrap_err();
        assert_eq!(e.status(), 403, "{who}");
    }
    assert_eq!(written(&db).await, before);
    db
}
