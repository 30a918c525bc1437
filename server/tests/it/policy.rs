//! Follow-up policies stored and applied, on both backends: the demo's rules are versioned
//! rows, the board carries each team's rules, and its cards' findings come from them.

use crate::both_backends;
use crate::http::{json_of, post_json, Client};
use crate::support::TestDb;
use app::domain::{evaluate, FindingKind, Lead, Policy, StageKind, TeamId};
use app::ssr::service;
use app::ssr::store::accounts::KeyKind;
use app::ssr::store::policies;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};

both_backends!(the_board_carries_each_teams_policy_and_its_cards_findings);
async fn the_board_carries_each_teams_policy_and_its_cards_findings(db: TestDb) -> TestDb {
    let db = db.with_demo(400).await;
    let state = db.state();
    let board = service::board(&state, &db.actor("eleanor").await, Default::default())
        .await
        .unwrap();
    let p = &board.policies;
    assert_eq!(p.org.calendar.zone_name, "America/New_York");
    assert_eq!(p.org.version, 1);
    assert_eq!(p.teams.len(), 1, "only the West team overrides");
    let (west, rules) = &p.teams[0];
    assert_eq!(rules.calendar.zone_name, "America/Los_Angeles");
    assert_eq!(rules.first_touch_minutes, Some(120));
    assert_eq!(p.for_team(Some(*west)).name, "Mid-Market West");
    assert_eq!(p.for_team(Some(TeamId(-1))).name, p.org.name);
    // Lost stages come from the pipeline, so "lost without a reason" can be told apart.
    let lost: Vec<_> = board
        .pipeline
        .stages()
        .iter()
        .filter(|s| s.kind == StageKind::Lost)
        .map(|s| s.id)
        .collect();
    assert_eq!(p.org.lost_stages, lost);

    // The demo shows a spread: some open cards carry findings, some none.
    let open: Vec<_> = board
        .columns
        .iter()
        .filter(|c| {
            board
                .pipeline
                .get(c.summary.stage_id)
                .is_some_and(|s| s.kind == StageKind::Open)
        })
        .flat_map(|c| c.cards.iter())
        .collect();
    let findings: Vec<_> = open
        .iter()
        .map(|l| evaluate(p.for_team(l.team_id), l, board.now))
        .collect();
    let flagged = findings.iter().filter(|f| !f.is_empty()).count();
    assert!(
        flagged > 0 && flagged < open.len(),
        "{flagged} of {}",
        open.len()
    );
    assert!(findings
        .iter()
        .flatten()
        .any(|f| f.kind == FindingKind::NextStepOverdue));
    db
}

both_backends!(saving_a_policy_adds_a_version_and_leaves_the_old_one);
async fn saving_a_policy_adds_a_version_and_leaves_the_old_one(db: TestDb) -> TestDb {
    let db = db.with_demo(20).await;
    let state = db.state();
    let mut conn = state.store.read().await.unwrap();
    let before = policies::latest(&mut conn).await.unwrap();
    drop(conn);
    let org: Policy = before
        .iter()
        .find(|(t, _)| t.is_none())
        .map(|(_, p)| p.clone())
        .unwrap();
    let mut tighter = org.clone();
    tighter.first_touch_minutes = Some(60);
    let mut tx = state.store.begin().await.unwrap();
    let v = policies::insert(&mut tx, None, &tighter, None, service::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(v, org.version + 1);
    state.store.forget_pipeline();
    let mut conn = state.store.read().await.unwrap();
    let now = state.store.policies(&mut conn).await.unwrap();
    assert_eq!(now.org.version, v);
    assert_eq!(now.org.first_touch_minutes, Some(60));
    // The old version is still there to explain findings recorded under it.
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM policies WHERE team_id IS NULL")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(n, 2);
    db
}

both_backends!(every_write_path_is_held_to_the_teams_policy);
async fn every_write_path_is_held_to_the_teams_policy(db: TestDb) -> TestDb {
    let db = db.with_demo(200).await;
    let pipeline = db.pipeline().await;
    // An open lead without a next step, with an open stage after it that asks for nothing
    // else (the demo's reps keep next steps, so one is taken away here).
    let lead = db
        .find(|l, p| {
            l.owner.is_some()
                && p.get(l.stage_id).unwrap().kind == StageKind::Open
                && p.next(l.stage_id)
                    .is_some_and(|n| n.kind == StageKind::Open && n.entry_criteria.is_empty())
        })
        .await;
    let mut tx = db.store.begin().await.unwrap();
    sqlx::query(
        "UPDATE leads SET next_step_kind = NULL, next_step_due_at = NULL, next_step_note = NULL
         WHERE id = $1",
    )
    .bind(lead.id.0)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let bare = db.lead(lead.id).await;
    let to = pipeline.next(bare.stage_id).unwrap().id;
    let client = Client::editor_of(&db, &bare).await;
    let events = db.event_count().await;

    // A move over REST is refused naming the field, and changes nothing.
    let (status, text) = client
        .send(post_json(
            &format!("/api/v1/leads/{}/move", bare.id),
            &json!({"to_stage": to, "version": bare.version}).to_string(),
        ))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    let error = &json_of(&text)["error"];
    assert_eq!(error["fields"][0]["field"], "next_step", "{text}");
    assert!(
        error["message"].as_str().unwrap().contains("next step"),
        "{text}"
    );
    assert_eq!(db.lead(bare.id).await, bare);
    assert_eq!(db.event_count().await, events);

    // Logging a call without planning the next one is refused too...
    let call = |version: i64, next_step: Option<Value>| {
        json!({"version": version, "kind": "call", "outcome": "reached",
               "note": "Talked pricing", "next_step": next_step})
        .to_string()
    };
    let log_uri = format!("/api/v1/leads/{}/activities", bare.id);
    let (status, text) = client
        .send(post_json(&log_uri, &call(bare.version, None)))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert_eq!(json_of(&text)["error"]["fields"][0]["field"], "next_step");
    assert_eq!(db.event_count().await, events);

    // ...while fixing a typo on the same lead is not (it breaks nothing new).
    let (status, text) = client
        .send(
            Request::patch(format!("/api/v1/leads/{}", bare.id))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"version": bare.version, "phone": "+1 212 555 0147"}).to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let edited: Lead = serde_json::from_str(&text).unwrap();

    // A call that plans the next step goes through and leaves nothing to flag but the clock.
    let due = service::now().plus_days(2);
    let (status, text) = client
        .send(post_json(
            &log_uri,
            &call(
                edited.version,
                Some(json!({"kind": "meeting", "due_at": due})),
            ),
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let logged: Lead = serde_json::from_str(&text).unwrap();
    let policies = db
        .state()
        .store
        .policies(&mut db.store.read().await.unwrap())
        .await
        .unwrap();
    let left = evaluate(policies.for_team(logged.team_id), &logged, service::now());
    assert!(left.is_empty(), "{left:?}");
    // And now it may move.
    let (status, text) = client
        .send(post_json(
            &format!("/api/v1/leads/{}/move", bare.id),
            &json!({"to_stage": to, "version": logged.version}).to_string(),
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");

    // A loss without a reason is refused by the close-out path.
    let open = db
        .find(|l, p| l.next_step.is_some() && p.get(l.stage_id).unwrap().kind == StageKind::Open)
        .await;
    let client = Client::editor_of(&db, &open).await;
    let (status, text) = client
        .send(post_json(
            &format!("/api/v1/leads/{}/close", open.id),
            &json!({"outcome": "lost", "version": open.version}).to_string(),
        ))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert_eq!(
        json_of(&text)["error"]["fields"][0]["field"],
        "close_reason"
    );

    // A web-form inquiry arrives with its first call planned, due when its SLA runs out.
    let state = db.state();
    let riley = db.actor("riley").await;
    let source = service::keys::sources(&state, &riley)
        .await
        .unwrap()
        .remove(0);
    let issued = service::keys::issue(&state, &riley, KeyKind::Intake, "Form", Some(source.id))
        .await
        .unwrap();
    let (status, text) = Client::anonymous(&db)
        .send(
            Request::post("/api/v1/intake")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::AUTHORIZATION, format!("Bearer {}", issued.secret))
                .body(Body::from(
                    json!({"contact_name": "Ada Byron", "email": "ada@example.com"}).to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert!(status.is_success(), "{text}");
    let id = app::domain::LeadId(json_of(&text)["lead_id"].as_i64().unwrap());
    let fresh = db.lead(id).await;
    let step = fresh.next_step.clone().expect("a first step");
    assert_eq!(step.kind, app::domain::NextStepKind::Call);
    assert_eq!(
        step.due_at,
        policies.org.first_step(source.id, fresh.created_at).due_at
    );
    assert!(evaluate(&policies.org, &fresh, fresh.created_at).is_empty());
    db
}

both_backends!(a_manager_previews_and_saves_their_teams_rules_and_no_one_elses);
async fn a_manager_previews_and_saves_their_teams_rules_and_no_one_elses(db: TestDb) -> TestDb {
    use app::domain::policy_form::PolicyForm;
    use app::ssr::service::policy as settings;
    let db = db.with_demo(300).await;
    let state = db.state();
    let priya = db.actor("priya").await; // manages Mid-Market West, which has its own rules
    let west = priya.managed_teams[0];
    let page = settings::settings(&state, &priya).await.unwrap();
    let scope = page.scopes.iter().find(|s| s.team == Some(west)).unwrap();
    assert!(scope.own && scope.editable);
    assert!(
        !page.scopes[0].editable,
        "the organisation's rules are the admin's"
    );
    assert_eq!(scope.policy.first_touch_minutes, Some(120));
    let mut form = PolicyForm::of(&scope.policy, &page.stages, &page.sources);
    form.first_touch_minutes = "30".into();
    let based_on = scope.policy.version;

    // The preview counts exactly the team's open leads, judged by the proposed rules.
    let preview = settings::preview(&state, &priya, Some(west), form.clone(), based_on)
        .await
        .unwrap();
    let team_open: Vec<Lead> = db
        .all_leads()
        .await
        .into_iter()
        .filter(|l| l.team_id == Some(west) && l.closed_at.is_none())
        .collect();
    assert_eq!(preview.open_leads as usize, team_open.len());
    let mut proposed = form.to_policy(&scope.policy).unwrap();
    proposed.lost_stages = scope.policy.lost_stages.clone();
    let now = service::now();
    let flagged = team_open
        .iter()
        .filter(|l| !evaluate(&proposed, l, now).is_empty())
        .count();
    // A lead's clock may cross a threshold between the preview and this count: allow one.
    assert!(
        (preview.flagged as i64 - flagged as i64).abs() <= 1,
        "{} vs {flagged}",
        preview.flagged
    );
    assert!(preview.flagged >= preview.current_flagged);
    assert_eq!(
        preview.changes,
        ["First touch: 120 business minutes → 30 business minutes"]
    );

    // Bad input names the field and saves nothing.
    let mut bad = form.clone();
    bad.at_risk_percent = "250".into();
    let e = settings::save(&state, &priya, Some(west), bad, based_on)
        .await
        .unwrap_err();
    assert_eq!(e.fields()[0].field, "at_risk_percent");

    // Others may not.
    for who in ["morgan", "dana", "eleanor"] {
        let e = settings::save(
            &state,
            &db.actor(who).await,
            Some(west),
            form.clone(),
            based_on,
        )
        .await
        .unwrap_err();
        assert_eq!(e.status(), 403, "{who}: {e:?}");
    }

    // Saved as the next version, with its author and what changed; the board uses it at once.
    let after = settings::save(&state, &priya, Some(west), form.clone(), based_on)
        .await
        .unwrap();
    let newest = &after.history[0];
    assert_eq!(newest.team, Some(west));
    assert_eq!(newest.version, based_on + 1);
    assert_eq!(newest.author.as_deref(), Some(priya.name.as_str()));
    assert_eq!(newest.changes, preview.changes);
    let board = service::board(&state, &priya, Default::default())
        .await
        .unwrap();
    assert_eq!(
        board.policies.for_team(Some(west)).first_touch_minutes,
        Some(30)
    );
    assert_eq!(board.policies.for_team(Some(west)).version, based_on + 1);

    // A save from the old version is refused: someone saved in between.
    let e = settings::save(&state, &priya, Some(west), form.clone(), based_on)
        .await
        .unwrap_err();
    assert_eq!(e.fields()[0].field, "version");

    // Per-source first touch and what a stage needs, named in the changes; ids that are not
    // a source or an enterable stage are refused by field.
    let page = settings::settings(&state, &priya).await.unwrap();
    let scope = page.scopes.iter().find(|s| s.team == Some(west)).unwrap();
    let mut form = PolicyForm::of(&scope.policy, &page.stages, &page.sources);
    let (source, source_name) = page.sources[0].clone();
    form.first_touch_by_source[0].1 = "15".into();
    let (stage, _) = form.exit_criteria[1].clone();
    let stage_name = &page.stages.iter().find(|s| s.0 == stage).unwrap().1;
    form.exit_criteria[1].1 = vec![app::domain::Criterion::Value];
    let mut unknown = form.clone();
    unknown.first_touch_by_source.push((999_999, "20".into()));
    let e = settings::save(&state, &priya, Some(west), unknown, based_on + 1)
        .await
        .unwrap_err();
    assert_eq!(e.fields()[0].field, "first_touch_source_999999");
    let after = settings::save(&state, &priya, Some(west), form, based_on + 1)
        .await
        .unwrap();
    let rules = &after
        .scopes
        .iter()
        .find(|s| s.team == Some(west))
        .unwrap()
        .policy;
    assert_eq!(rules.first_touch_by_source, [(source, 15)]);
    assert_eq!(rules.first_touch_for(source), Some(15));
    assert!(rules
        .exit_criteria
        .contains(&(stage, vec![app::domain::Criterion::Value])));
    assert_eq!(
        after.history[0].changes,
        [
            format!("First touch from {source_name}: none → 15 business minutes"),
            format!("To enter {stage_name}: nothing more → an estimated value"),
        ]
    );

    // A rep reads the rules they are held to, and only those.
    let sam = db.actor("sam").await; // rep in West
    let seen = settings::settings(&state, &sam).await.unwrap();
    assert_eq!(seen.scopes.len(), 2);
    assert!(seen.scopes.iter().all(|s| !s.editable));
    db
}
