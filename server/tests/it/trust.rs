//! The access holes found from outside (issue 24), each as a class, on both databases: matching
//! that reached another team's lead, public form answers, credentials that outlived an account
//! change, live feeds authorised once, the sign-in redirect, merges, forwarded addresses,
//! lockouts anyone could set off, unbounded replays, counts of others' leads, and wall tokens
//! in query strings. Each test fails on the code before the fix.

use crate::api::{bearer, token};
use crate::both_backends;
use crate::http::{json_of, post_json, Client};
use crate::support::{move_to, TestDb};
use app::domain::account::{TokenScope, UserChange};
use app::domain::{Lead, Role, StageKind};
use app::ssr::auth::AuthSettings;
use app::ssr::service;
use app::ssr::store::accounts::KeyKind;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::time::Duration;
use tower::ServiceExt;

/// An open lead of the Mid-Market West team (not Dana's or Morgan's) with an e-mail and a phone.
pub(crate) async fn west_lead(db: &TestDb) -> Lead {
    let west = db.actor("sam").await.team_id;
    db.find(|l, p| {
        l.team_id == west
            && p.get(l.stage_id).is_some_and(|s| s.kind == StageKind::Open)
            && l.email.is_some()
            && l.phone.is_some()
            && l.owner.is_some()
    })
    .await
}

/// What another team's lead looks like from the database: version, activities, contact.
pub(crate) async fn footprint(
    db: &TestDb,
    lead: &Lead,
) -> (i64, i64, Option<String>, Option<String>) {
    let mut conn = db.store.read().await.unwrap();
    let (activities,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM activities WHERE lead_id = $1")
            .bind(lead.id.0)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    let (email, phone): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT c.email, c.phone FROM contacts c JOIN leads l ON l.contact_id = c.id
         WHERE l.id = $1",
    )
    .bind(lead.id.0)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let version = db.lead(lead.id).await.version;
    (version, activities, email, phone)
}

/// Whether the pair (new lead, other lead) is flagged for the merge screen.
pub(crate) async fn flagged(db: &TestDb, new: i64, other: i64) -> bool {
    let mut conn = db.store.read().await.unwrap();
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM duplicate_candidates WHERE lead_id = $1 AND other_lead_id = $2",
    )
    .bind(new)
    .bind(other)
    .fetch_optional(&mut *conn)
    .await
    .unwrap();
    row.is_some()
}

pub(crate) async fn source(db: &TestDb) -> i64 {
    crate::import::source_id(db, "Trade shows").await
}

both_backends!(a_lead_typed_in_with_another_teams_email_or_phone_is_the_typists_own);
async fn a_lead_typed_in_with_another_teams_email_or_phone_is_the_typists_own(
    db: TestDb,
) -> TestDb {
    let db = db.with_demo(150).await;
    let theirs = west_lead(&db).await;
    let before = footprint(&db, &theirs).await;
    let client = Client::anonymous(&db);
    let source = source(&db).await;
    for (who, key, value) in [
        (
            "dana",
            "email",
            theirs.email.clone().unwrap().to_uppercase(),
        ),
        ("morgan", "phone", theirs.phone.clone().unwrap()),
    ] {
        let secret = token(&db, who, TokenScope::Write).await;
        let body = json!({"source_id": source, "contact_name": "Someone Else", key: value,
                          "message": "planted on the other team's lead"});
        let (status, text) = client
            .send(bearer(Method::POST, "/api/v1/leads", &secret, Some(body)))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{who}: {text}");
        let receipt = json_of(&text);
        assert_eq!(receipt["outcome"], "created", "{who}: {text}");
        let id = receipt["lead_id"].as_i64().unwrap();
        assert_ne!(id, theirs.id.0);
        assert!(
            !text.contains(&format!("{}", theirs.id.0)),
            "{who}: the answer names the other team's lead: {text}"
        );
        let mine = db.lead(app::domain::LeadId(id)).await;
        let actor = db.actor(who).await;
        assert!(app::domain::access::edit_lead(&actor, &mine).is_ok());
        assert!(
            flagged(&db, id, theirs.id.0).await,
            "{who}: the pair is flagged"
        );
    }
    assert_eq!(
        footprint(&db, &theirs).await,
        before,
        "nothing was written to the other team's lead or its contact"
    );

    // Their own person still gets the inquiry added, as before.
    let dana = db.actor("dana").await;
    let own = db
        .find(|l, p| {
            l.owner.as_ref().is_some_and(|o| o.id == dana.id.0)
                && l.email.is_some()
                && p.get(l.stage_id).is_some_and(|s| s.kind == StageKind::Open)
        })
        .await;
    let secret = token(&db, "dana", TokenScope::Write).await;
    let body = json!({"source_id": source, "contact_name": own.contact_name, "email": own.email});
    let (status, text) = client
        .send(bearer(Method::POST, "/api/v1/leads", &secret, Some(body)))
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(json_of(&text)["outcome"], "attached");
    assert_eq!(json_of(&text)["lead_id"], own.id.0);
    db
}

both_backends!(an_import_never_adds_to_a_lead_the_importer_may_not_change);
async fn an_import_never_adds_to_a_lead_the_importer_may_not_change(db: TestDb) -> TestDb {
    use app::ssr::service::import;
    use std::sync::atomic::AtomicBool;
    let db = db.with_demo(150).await;
    let state = db.state();
    let theirs = west_lead(&db).await;
    let before = footprint(&db, &theirs).await;
    let email = theirs.email.clone().unwrap();
    // The same person twice in the file: one lead of the importer's, both rows on it.
    let csv =
        format!("Name;E-mail;Notes\nPlanted Row;{email};first\nPlanted Again;{email};second\n");
    let table = import::parse_csv(&csv).unwrap();
    let plan = crate::import::plan_for(&table, source(&db).await);
    for who in ["dana", "riley"] {
        let actor = db.actor(who).await;
        let report = import::run(
            &state,
            &actor,
            &plan,
            &table,
            true,
            &|_, _| {},
            &AtomicBool::new(false),
        )
        .await
        .unwrap();
        assert_eq!(
            (report.new, report.existing, report.repeats),
            (1, 0, 1),
            "{who}"
        );
        let text = serde_json::to_string(&report).unwrap();
        assert!(
            !text.contains(&format!("\"lead_id\":{}", theirs.id.0)),
            "{who}: the report names the other team's lead: {text}"
        );
    }
    assert_eq!(footprint(&db, &theirs).await, before);
    db
}

both_backends!(answers_and_replays_name_no_lead_the_asker_may_not_see);
async fn answers_and_replays_name_no_lead_the_asker_may_not_see(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    let theirs = west_lead(&db).await;
    let company = theirs
        .company
        .clone()
        .expect("demo leads mostly have a company");
    let client = Client::anonymous(&db);
    let secret = token(&db, "dana", TokenScope::Write).await;
    // The same name at the same company, other contact details: a likely duplicate.
    let body = json!({"source_id": source(&db).await, "contact_name": theirs.contact_name,
                      "company": company, "email": "look.alike@elsewhere.example"});
    let mut req = bearer(Method::POST, "/api/v1/leads", &secret, Some(body.clone()));
    req.headers_mut()
        .insert("idempotency-key", "look-alike-1".parse().unwrap());
    let (status, text) = client.send(req).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let receipt = json_of(&text);
    let id = receipt["lead_id"].as_i64().unwrap();
    assert!(
        flagged(&db, id, theirs.id.0).await,
        "flagged for who sees both"
    );
    assert_eq!(receipt["possible_duplicates"], json!([]), "{text}");
    // Asked again with the same key: the replay says no more than the first answer.
    let mut req = bearer(Method::POST, "/api/v1/leads", &secret, Some(body));
    req.headers_mut()
        .insert("idempotency-key", "look-alike-1".parse().unwrap());
    let (_, text) = client.send(req).await;
    let replay = json_of(&text);
    assert_eq!(replay["replayed"], true, "{text}");
    assert_eq!(replay["possible_duplicates"], json!([]), "{text}");
    // Leadership, who sees both, finds the pair on the merge screen.
    let eleanor = db.actor("eleanor").await;
    let pairs = service::dedupe::open_pairs(&db.state(), &eleanor)
        .await
        .unwrap();
    assert!(pairs
        .iter()
        .any(|p| p.lead.id.0 == id && p.other.id == theirs.id));
    let dana = db.actor("dana").await;
    let pairs = service::dedupe::open_pairs(&db.state(), &dana)
        .await
        .unwrap();
    assert!(
        pairs.iter().all(|p| p.lead.id.0 != id),
        "Dana cannot see the other lead"
    );
    db
}

/// A web form's submission with the key's public form id, from one of its web sites.
fn form_post(form_id: &str, body: Value) -> Request<Body> {
    Request::post(format!("/api/v1/intake?form={form_id}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ORIGIN, "https://shop.example")
        .body(Body::from(body.to_string()))
        .unwrap()
}

both_backends!(a_public_form_id_gets_the_same_answer_whoever_is_on_file);
async fn a_public_form_id_gets_the_same_answer_whoever_is_on_file(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    let state = db.state();
    let riley = db.actor("riley").await;
    let secret = db.intake_key("Website").await;
    let key = service::keys::list(&state, &riley, KeyKind::Intake)
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.label == "Website")
        .unwrap();
    service::keys::set_intake_gate(&state, &riley, key.id, "https://shop.example", 60)
        .await
        .unwrap();
    let form_id = key.form_id.clone().expect("an intake key has a form id");
    let known = west_lead(&db).await;
    let client = Client::anonymous(&db);
    let mut answers = Vec::new();
    for body in [
        json!({"name": "On File", "email": known.email}),
        json!({"name": "On File", "phone": known.phone}),
        json!({"name": "Brand New", "email": "brand.new@nowhere.example"}),
        json!({"name": "Bot", "email": "bot@spam.example", "website": "http://spam.example"}),
    ] {
        let (status, text) = client.send(form_post(&form_id, body)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{text}");
        answers.push(text);
    }
    for a in &answers {
        assert_eq!(json_of(a), json!({"received": true}), "{answers:?}");
    }
    // The secret key, held by an integration's server, still gets the receipt.
    let detailed =
        crate::http::inquire(&client, &secret, json!({"name": "X", "email": known.email})).await;
    assert_eq!(detailed["outcome"], "attached");
    assert_eq!(detailed["lead_id"], known.id.0);
    db
}

/// What `GET /api/v1/me` answers with a cookie, and with a bearer token.
async fn me(router: &axum::Router, cookie: &str, token: &str) -> (StatusCode, StatusCode, Value) {
    let with_cookie = Client {
        router: router.clone(),
        cookie: Some(cookie.to_string()),
    };
    let (by_session, body) = with_cookie
        .send(Request::get("/api/v1/me").body(Body::empty()).unwrap())
        .await;
    let bare = Client {
        router: router.clone(),
        cookie: None,
    };
    let (by_token, _) = bare
        .send(bearer(Method::GET, "/api/v1/me", token, None))
        .await;
    let seen = serde_json::from_str(&body).unwrap_or(Value::Null);
    (by_session, by_token, seen)
}

both_backends!(every_credential_answers_to_every_account_change);
async fn every_credential_answers_to_every_account_change(db: TestDb) -> TestDb {
    let db = db.with_demo(60).await;
    let state = db.state();
    let router = server::router(state.clone());
    let admin = db.actor("admin").await;
    let east = db.actor("dana").await.team_id;
    let creds = |local: &'static str| {
        let db = &db;
        let state = &state;
        async move {
            (
                db.session_cookie(state, local).await,
                token(db, local, TokenScope::Write).await,
            )
        }
    };
    const OK: StatusCode = StatusCode::OK;
    const GONE: StatusCode = StatusCode::UNAUTHORIZED;

    // A password reset ends sessions and revokes tokens: "signs out everywhere".
    let (cookie, tok) = creds("kim").await;
    assert_eq!(me(&router, &cookie, &tok).await.0, OK);
    service::accounts::reset_password(
        &state,
        Some(&admin),
        "kim@closeloop.example",
        "a new long passphrase 2026".into(),
    )
    .await
    .unwrap();
    let (s, t, _) = me(&router, &cookie, &tok).await;
    assert_eq!((s, t), (GONE, GONE), "after a reset");

    // Deactivation ends both, and reactivation brings neither back.
    let (cookie, tok) = creds("luis").await;
    let luis = db.actor("luis").await;
    let change = |active| UserChange {
        role: Role::Rep,
        team_id: luis.team_id,
        active,
    };
    service::accounts::update_user(&state, &admin, luis.id, change(false))
        .await
        .unwrap();
    let (s, t, _) = me(&router, &cookie, &tok).await;
    assert_eq!((s, t), (GONE, GONE), "after deactivation");
    service::accounts::update_user(&state, &admin, luis.id, change(true))
        .await
        .unwrap();
    let (s, t, _) = me(&router, &cookie, &tok).await;
    assert_eq!((s, t), (GONE, GONE), "after reactivation");

    // A role change keeps the credentials, with the new rights from the next request.
    let (cookie, tok) = creds("sam").await;
    let sam = db.actor("sam").await;
    service::accounts::update_user(
        &state,
        &admin,
        sam.id,
        UserChange {
            role: Role::Leadership,
            team_id: sam.team_id,
            active: true,
        },
    )
    .await
    .unwrap();
    let (s, t, seen) = me(&router, &cookie, &tok).await;
    assert_eq!((s, t), (OK, OK));
    assert_eq!(seen["role"], "leadership");
    let own = db
        .find(|l, p| {
            l.owner.as_ref().is_some_and(|o| o.id == sam.id.0)
                && p.get(l.stage_id)
                    .is_some_and(|st| st.kind == StageKind::Open)
        })
        .await;
    let lost = db.stage("lost").await;
    let client = Client {
        router: router.clone(),
        cookie: None,
    };
    let (status, _) = client
        .send(bearer(
            Method::POST,
            &format!("/api/v1/leads/{}/move", own.id),
            &tok,
            Some(json!({"to_stage": lost, "version": own.version, "close_reason": "no_budget"})),
        ))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "leadership changes no leads");

    // A team change: the same, with the new team's rights.
    let (cookie, tok) = creds("aiko").await;
    let aiko = db.actor("aiko").await;
    service::accounts::update_user(
        &state,
        &admin,
        aiko.id,
        UserChange {
            role: Role::Rep,
            team_id: east,
            active: true,
        },
    )
    .await
    .unwrap();
    let (s, t, seen) = me(&router, &cookie, &tok).await;
    assert_eq!((s, t), (OK, OK));
    assert_eq!(seen["team_id"], json!(east));

    // Signing out ends that session only; an API token is a separate credential.
    let (cookie, tok) = creds("jordan").await;
    Client {
        router: router.clone(),
        cookie: Some(cookie.clone()),
    }
    .sign_out()
    .await;
    let (s, t, _) = me(&router, &cookie, &tok).await;
    assert_eq!((s, t), (GONE, OK), "after sign-out");
    db
}

/// Opens a feed on `router` with a cookie or a bearer token.
async fn open(router: &axum::Router, uri: &str, cookie: Option<&str>, token: Option<&str>) -> Body {
    let mut req = Request::get(uri);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let resp = router
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{uri}");
    resp.into_body()
}

/// Reads a feed until it ends (true) or `within` passes (false); everything it sent.
async fn read_to_end(body: &mut Body, within: Duration) -> (bool, String) {
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return (false, text),
            Ok(None) => return (true, text),
            Ok(Some(Err(_))) => return (true, text),
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    text.push_str(&String::from_utf8_lossy(data));
                }
            }
        }
    }
}

/// Moves one of `owner`'s open leads one stage on, as their manager: an event their feed would
/// carry.
async fn move_a_lead_of(db: &TestDb, state: &app::ssr::AppState, owner: &str) {
    let owner = db.actor(owner).await;
    let lead = db
        .find(|l, p| {
            l.owner.as_ref().is_some_and(|o| o.id == owner.id.0)
                && p.get(l.stage_id).is_some_and(|s| s.kind == StageKind::Open)
                && l.next_step.is_some()
        })
        .await;
    let pipeline = db.pipeline().await;
    let manager = db
        .editor_of(&Lead {
            owner: None,
            ..lead.clone()
        })
        .await;
    let to = pipeline
        .stages()
        .iter()
        .find(|s| s.kind == StageKind::Lost)
        .unwrap()
        .id;
    let mut req = move_to(to, lead.version);
    req.close_reason = Some(app::domain::CloseReason::NoBudget);
    service::move_lead(state, &manager, lead.id, req)
        .await
        .unwrap_or_else(|e| panic!("moving a lead of {}: {e}", owner.name));
}

both_backends!(a_live_feed_ends_at_once_when_its_credential_or_rights_change);
async fn a_live_feed_ends_at_once_when_its_credential_or_rights_change(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    // No periodic check: only this instance's change can end the feed this fast.
    let state = db.state_with(AuthSettings {
        recheck: Duration::from_secs(3600),
        ..Default::default()
    });
    let router = server::router(state.clone());
    let admin = db.actor("admin").await;
    let east = db.actor("dana").await.team_id;
    let changes: [(&str, &str); 6] = [
        ("dana", "signs out"),
        ("kim", "has the password reset"),
        ("luis", "is deactivated"),
        ("sam", "becomes leadership"),
        ("aiko", "moves to another team"),
        ("jordan", "revokes the token"),
    ];
    for (who, change) in changes {
        let cookie = db.session_cookie(&state, who).await;
        let tok = token(&db, who, TokenScope::Read).await;
        let by_token = who == "jordan";
        let mut feed = if by_token {
            open(&router, "/api/v1/events", None, Some(&tok)).await
        } else {
            open(&router, "/api/v1/events", Some(&cookie), None).await
        };
        let actor = db.actor(who).await;
        match who {
            "dana" => {
                Client {
                    router: router.clone(),
                    cookie: Some(cookie.clone()),
                }
                .sign_out()
                .await;
            }
            "kim" => {
                service::accounts::reset_password(
                    &state,
                    Some(&admin),
                    &actor.email,
                    "a new long passphrase 2026".into(),
                )
                .await
                .unwrap();
            }
            "jordan" => {
                let tokens = service::keys::api_tokens(&state, &actor).await.unwrap();
                for t in tokens.iter().filter(|t| !t.revoked) {
                    service::keys::revoke_api_token(&state, &actor, t.id)
                        .await
                        .unwrap();
                }
            }
            _ => {
                let (role, team_id, active) = match who {
                    "luis" => (Role::Rep, actor.team_id, false),
                    "sam" => (Role::Leadership, actor.team_id, true),
                    _ => (Role::Rep, east, true),
                };
                service::accounts::update_user(
                    &state,
                    &admin,
                    actor.id,
                    UserChange {
                        role,
                        team_id,
                        active,
                    },
                )
                .await
                .unwrap();
            }
        }
        // Deactivating or demoting may have moved their leads' owner; use someone else's lead
        // they could see before: their own, moved by the manager.
        if who != "luis" {
            move_a_lead_of(&db, &state, who).await;
        }
        let (ended, text) = read_to_end(&mut feed, Duration::from_secs(5)).await;
        assert!(
            ended,
            "the feed of {who} is still open after {who} {change}"
        );
        assert!(
            !text.contains("event: lead."),
            "the feed of {who} sent a lead after {who} {change}: {text}"
        );
    }
    db
}

both_backends!(a_quiet_feed_ends_within_the_recheck_after_a_change_elsewhere);
async fn a_quiet_feed_ends_within_the_recheck_after_a_change_elsewhere(db: TestDb) -> TestDb {
    let db = db.with_demo(60).await;
    let state = db.state_with(AuthSettings {
        recheck: Duration::from_millis(300),
        ..Default::default()
    });
    let router = server::router(state.clone());
    let cookie = db.session_cookie(&state, "dana").await;
    let mut feed = open(&router, "/api/v1/events", Some(&cookie), None).await;
    // Nothing happens for a while: the feed stays.
    let (ended, _) = read_to_end(&mut feed, Duration::from_millis(900)).await;
    assert!(!ended, "a valid feed stays open");
    // Another instance signs Dana out (straight in the database: this instance is not told).
    let mut tx = db.store.begin().await.unwrap();
    sqlx::query("DELETE FROM sessions")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (ended, _) = read_to_end(&mut feed, Duration::from_secs(3)).await;
    assert!(ended, "the feed outlived its session by more than 3 s");
    db
}

both_backends!(wall_and_import_feeds_end_with_their_credential);
async fn wall_and_import_feeds_end_with_their_credential(db: TestDb) -> TestDb {
    let db = db.with_demo(60).await;
    let state = db.state_with(AuthSettings {
        recheck: Duration::from_secs(3600),
        ..Default::default()
    });
    let router = server::router(state.clone());
    let admin = db.actor("admin").await;
    let issued = service::keys::issue(&state, &admin, KeyKind::Wall, "Lobby", None)
        .await
        .unwrap();
    // The token goes in the path; a query string no longer carries it.
    let resp = router
        .clone()
        .oneshot(
            Request::get(format!("/api/wall/events?token={}", issued.secret))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let mut wall = open(
        &router,
        &format!("/api/wall/events/{}", issued.secret),
        None,
        None,
    )
    .await;
    let id = service::keys::list(&state, &admin, KeyKind::Wall)
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.label == "Lobby")
        .unwrap()
        .id;
    service::keys::revoke(&state, &admin, KeyKind::Wall, id)
        .await
        .unwrap();
    let (ended, _) = read_to_end(&mut wall, Duration::from_secs(5)).await;
    assert!(ended, "the wall feed outlived its revoked token");

    // An import's progress feed, opened by its uploader, ends when they sign out.
    let riley = db.actor("riley").await;
    let cookie = db.session_cookie(&state, "riley").await;
    let draft = service::import_jobs::upload(
        &state,
        &riley,
        "show.csv",
        "Name,E-mail\nAda,ada@show.example\n",
    )
    .unwrap();
    let mut progress = open(
        &router,
        &format!("/api/imports/{}/progress", draft.id),
        Some(&cookie),
        None,
    )
    .await;
    Client {
        router: router.clone(),
        cookie: Some(cookie),
    }
    .sign_out()
    .await;
    let (ended, _) = read_to_end(&mut progress, Duration::from_secs(5)).await;
    assert!(ended, "the import feed outlived the uploader's session");
    db
}

both_backends!(signing_in_never_sends_the_browser_to_another_site);
async fn signing_in_never_sends_the_browser_to_another_site(db: TestDb) -> TestDb {
    let db = db.with_demo(20).await;
    // `/%09/evil.example/`: a tab, which browsers drop, then `//evil.example/`.
    let hostile = [
        "%2F%09%2Fevil.example%2F",
        "%2F%0A%2Fevil.example%2F",
        "%2F%5Cevil.example",
        "%2Fboard%5C..%5C%5Cevil.example",
        "%2F%2Fevil.example",
        "https%3A%2F%2Fevil.example",
    ];
    for next in hostile {
        // The plain form post: the redirect goes home, never off-site.
        let client = Client::anonymous(&db);
        let form = format!(
            "email=dana%40closeloop.example&password={}&next={next}",
            server::seed::DEMO_PASSWORD
        );
        let mut req = Request::post("/api/fn/sign_in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(form))
            .unwrap();
        let (status, headers, _) = client.send_full(&mut req).await;
        assert_eq!(status, StatusCode::FOUND, "{next}");
        assert_eq!(headers[header::LOCATION], "/today", "{next}");
        // `GET /signin` when already signed in: the same.
        let signed = Client::signed_in(&db, "dana").await;
        let mut req = Request::get(format!("/signin?next={next}"))
            .body(Body::empty())
            .unwrap();
        // (A streamed page: the redirect is its `Location` header, with a 200.)
        let (_, headers, _) = signed.send_full(&mut req).await;
        assert_eq!(headers[header::LOCATION], "/today", "{next}");
    }
    db
}

both_backends!(a_merge_needs_rights_on_both_leads_and_the_policy);
async fn a_merge_needs_rights_on_both_leads_and_the_policy(db: TestDb) -> TestDb {
    use app::api::dedupe::Resolution;
    use app::domain::account::TeamChange;
    let db = db.with_demo(150).await;
    let state = db.state();
    let admin = db.actor("admin").await;
    let dana = db.actor("dana").await;
    let luis = db.actor("luis").await;
    let east = dana.team_id.unwrap();
    // Enterprise East lets its reps see the team's board (read-only).
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
    // Open leads without a value, in stages that ask for none.
    let open_of = |user: app::domain::UserId| {
        let db = &db;
        async move {
            db.find(|l, p| {
                l.owner.as_ref().is_some_and(|o| o.id == user.0)
                    && l.value.is_none()
                    && p.get(l.stage_id)
                        .is_some_and(|s| s.kind == StageKind::Open && s.entry_criteria.is_empty())
            })
            .await
        }
    };
    let mine = open_of(dana.id).await;
    let his = open_of(luis.id).await;
    // A pair: Dana's lead flagged as a likely duplicate of Luis's.
    let mut tx = db.store.begin().await.unwrap();
    let (pair,): (i64,) = sqlx::query_as(
        "INSERT INTO duplicate_candidates (lead_id, other_lead_id, score, reasons, found_at)
         VALUES ($1, $2, 70, '[]', $3) RETURNING id",
    )
    .bind(mine.id.0)
    .bind(his.id.0)
    .bind(service::now().0)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let pairs = service::dedupe::open_pairs(&state, &dana).await.unwrap();
    let shown = pairs.iter().find(|p| p.id == pair).expect("Dana sees both");
    assert!(
        !shown.can_merge && !shown.can_decide,
        "Dana may change only her own"
    );
    // Keeping Luis's lead would write to it: refused, nothing changes.
    for resolution in [
        Resolution::Merge {
            keep: his.id,
            keep_version: his.version,
            absorb_version: mine.version,
        },
        Resolution::Merge {
            keep: mine.id,
            keep_version: mine.version,
            absorb_version: his.version,
        },
        Resolution::SamePerson,
    ] {
        let err = service::dedupe::resolve(&state, &dana, pair, resolution.clone())
            .await
            .unwrap_err();
        assert_eq!(err.status(), 403, "{resolution:?}: {err}");
    }
    assert_eq!(db.lead(his.id).await, his);
    assert_eq!(db.lead(mine.id).await, mine);

    // Their manager may change both, but the follow-up policy judges the merge: the kept lead
    // is worked as a whole, so it must be left with a next step (the organisation's policy
    // requires one), and neither lead has one.
    let mut tx = db.store.begin().await.unwrap();
    sqlx::query(
        "UPDATE leads SET next_step_kind = NULL, next_step_due_at = NULL, next_step_note = NULL
         WHERE id IN ($1, $2)",
    )
    .bind(mine.id.0)
    .bind(his.id.0)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (mine, his) = (db.lead(mine.id).await, db.lead(his.id).await);
    let morgan = db.actor("morgan").await;
    let merge = Resolution::Merge {
        keep: mine.id,
        keep_version: mine.version,
        absorb_version: his.version,
    };
    let err = service::dedupe::resolve(&state, &morgan, pair, merge.clone())
        .await
        .unwrap_err();
    assert_eq!(err.status(), 422, "{err}");
    assert!(err.to_string().contains("next step"), "{err}");
    assert_eq!(db.lead(his.id).await, his);
    assert_eq!(db.lead(mine.id).await, mine);
    // With a next step planned on the duplicate, the merge carries it over and goes through.
    let due = service::now().plus_days(2);
    let his = service::work::set_next_step(
        &state,
        &morgan,
        his.id,
        app::domain::activity::NextStepChange {
            version: his.version,
            kind: app::domain::NextStepKind::Call,
            due_at: due,
            note: None,
        },
    )
    .await
    .unwrap();
    service::dedupe::resolve(
        &state,
        &morgan,
        pair,
        Resolution::Merge {
            keep: mine.id,
            keep_version: mine.version,
            absorb_version: his.version,
        },
    )
    .await
    .unwrap();
    let kept = db.lead(mine.id).await;
    assert_eq!(kept.next_step.map(|s| s.due_at), Some(due));
    assert!(db.lead(his.id).await.closed_at.is_some());
    db
}

both_backends!(the_client_address_is_the_right_most_hop_our_proxy_wrote);
async fn the_client_address_is_the_right_most_hop_our_proxy_wrote(db: TestDb) -> TestDb {
    let db = db.with_demo(20).await;
    let state = db.state_with(AuthSettings {
        trust_proxy: true,
        ..Default::default()
    });
    let client = Client {
        router: server::router(state),
        cookie: None,
    };
    // One client rotating a forged left-most entry: our proxy appends the same address.
    let attempt = |i: usize| {
        let mut req = post_json(
            "/api/v1/session",
            &json!({"email": format!("nobody{i}@closeloop.example"), "password": "x1y2z3w4"})
                .to_string(),
        );
        req.headers_mut().insert(
            "x-forwarded-for",
            format!("10.9.{}.{}, 203.0.113.9", i / 250, i % 250)
                .parse()
                .unwrap(),
        );
        req
    };
    let limit = AuthSettings::default().per_ip_per_minute as usize;
    for i in 0..limit {
        let (status, text) = client.send(attempt(i)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{i}: {text}");
    }
    let (status, text) = client.send(attempt(limit)).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the forged part of X-Forwarded-For bought a fresh allowance: {text}"
    );
    db
}

/// Signs in through `POST /api/v1/session` with a fresh throttle (a new instance), optionally
/// from a browser holding `device`; the status and any device cookie set.
async fn sign_in_as_kim(
    db: &TestDb,
    password: &str,
    device: Option<&str>,
) -> (StatusCode, Option<String>) {
    let client = Client::anonymous(db);
    let mut req = post_json(
        "/api/v1/session",
        &json!({"email": "kim@closeloop.example", "password": password}).to_string(),
    );
    if let Some(d) = device {
        req.headers_mut().insert(
            header::COOKIE,
            format!("{}={d}", app::ssr::auth::DEVICE_COOKIE)
                .parse()
                .unwrap(),
        );
    }
    let (status, headers, _) = client.send_full(&mut req).await;
    let set = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.strip_prefix(&format!("{}=", app::ssr::auth::DEVICE_COOKIE))
                .map(|rest| rest.split(';').next().unwrap_or_default().to_string())
        });
    (status, set)
}

both_backends!(failed_sign_ins_pause_strangers_but_not_the_owners_browser);
async fn failed_sign_ins_pause_strangers_but_not_the_owners_browser(db: TestDb) -> TestDb {
    let db = db.with_demo(20).await;
    let right = server::seed::DEMO_PASSWORD;
    // Kim signs in from her own browser once: it is remembered.
    let (status, device) = sign_in_as_kim(&db, right, None).await;
    assert_eq!(status, StatusCode::OK);
    let device = device.expect("a device cookie is set at sign-in");
    // Someone who knows only her address guesses ten times (each from a fresh instance, past
    // the per-instance throttle).
    for i in 0..app::domain::account::PAUSE_AFTER {
        let (status, _) = sign_in_as_kim(&db, "not the password", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "guess {i}");
    }
    // Sign-in is paused for strangers, even with the right password or a made-up device.
    let (status, _) = sign_in_as_kim(&db, right, None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a stranger during the pause"
    );
    let forged = app::ssr::auth::secret::random_secret(app::ssr::auth::DEVICE_PREFIX, 16);
    let (status, _) = sign_in_as_kim(&db, right, Some(&forged)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a made-up device cookie");
    // Kim heard of it.
    let kim = db.actor("kim").await;
    let inbox = service::sweep::inbox(&db.state(), &kim).await.unwrap();
    assert!(
        inbox.items.iter().any(|n| n.message.contains("paused")),
        "{:?}",
        inbox.items
    );
    let admin = db.actor("admin").await;
    let users = service::accounts::users(&db.state(), &admin).await.unwrap();
    assert!(users
        .iter()
        .find(|u| u.id == kim.id)
        .unwrap()
        .paused_until
        .is_some());
    // Her own browser is not paused: guessing cannot keep her out.
    let (status, again) = sign_in_as_kim(&db, right, Some(&device)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the owner's browser during the pause"
    );
    assert_eq!(again, None, "a known browser keeps its cookie");
    let users = service::accounts::users(&db.state(), &admin).await.unwrap();
    assert_eq!(
        users.iter().find(|u| u.id == kim.id).unwrap().paused_until,
        None
    );

    // A pause ends by itself (here: one that ran out) and an admin can lift one.
    for lift in [false, true] {
        let until = if lift {
            service::now().plus_ms(3_600_000)
        } else {
            service::now().plus_ms(-1)
        };
        let mut tx = db.store.begin().await.unwrap();
        sqlx::query("UPDATE users SET locked_until = $1, failed_sign_ins = 12 WHERE id = $2")
            .bind(until.0)
            .bind(kim.id.0)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        if lift {
            service::accounts::unlock_user(&db.state(), &admin, kim.id)
                .await
                .unwrap();
        }
        let (status, _) = sign_in_as_kim(&db, right, None).await;
        assert_eq!(status, StatusCode::OK, "lifted by an admin: {lift}");
    }
    db
}

both_backends!(a_feed_asked_for_the_whole_log_is_told_to_reload);
async fn a_feed_asked_for_the_whole_log_is_told_to_reload(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    let state = db.state();
    let theirs = west_lead(&db).await;
    // A long log of changes Dana may not see.
    let mut tx = db.store.begin().await.unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000)
         INSERT INTO events (at, actor_id, kind, lead_id, payload)
         SELECT $1, NULL, 'lead.edited', $2, '{}' FROM n",
    )
    .bind(service::now().0)
    .bind(theirs.id.0)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let cookie = db.session_cookie(&state, "dana").await;
    let router = server::router(state.clone());
    let started = std::time::Instant::now();
    let mut feed = open(&router, "/api/v1/events?after=0", Some(&cookie), None).await;
    let mut text = String::new();
    while !text.contains("\n\n") {
        let frame = tokio::time::timeout(Duration::from_secs(10), feed.frame())
            .await
            .expect("a first event")
            .expect("open")
            .expect("frame");
        if let Some(d) = frame.data_ref() {
            text.push_str(&String::from_utf8_lossy(d));
        }
    }
    assert!(text.starts_with("event: resync"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(10));
    db
}

both_backends!(contact_and_company_pages_say_nothing_of_other_teams_leads);
async fn contact_and_company_pages_say_nothing_of_other_teams_leads(db: TestDb) -> TestDb {
    let db = db.with_demo(300).await;
    let state = db.state();
    let dana = db.actor("dana").await;
    // A company with one of Dana's leads and leads of other teams.
    let (company,): (i64,) = {
        let mut conn = db.store.read().await.unwrap();
        sqlx::query_as(
            "SELECT company_id FROM leads WHERE company_id IS NOT NULL
             GROUP BY company_id
             HAVING SUM(CASE WHEN owner_id = $1 THEN 1 ELSE 0 END) > 0
                AND SUM(CASE WHEN team_id <> $2 THEN 1 ELSE 0 END) > 0
             ORDER BY company_id LIMIT 1",
        )
        .bind(dana.id.0)
        .bind(dana.team_id.unwrap().0)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
    };
    let view = service::people::company(&state, &dana, company)
        .await
        .unwrap();
    assert!(view
        .leads
        .iter()
        .all(|l| app::domain::access::view_lead(&dana, l).is_ok()));
    let wire = serde_json::to_string(&view).unwrap();
    assert!(
        !wire.contains("hidden"),
        "the answer counts others' leads: {wire}"
    );
    let client = Client::signed_in(&db, "dana").await;
    let (status, page) = client
        .send(
            Request::get(format!("/companies/{company}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !page.contains("of other teams"),
        "the page counts others' leads"
    );
    db
}
