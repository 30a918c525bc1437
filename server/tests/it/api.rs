//! The REST API v1 beyond moves: personal API tokens and their scopes, the lead list with
//! filters and cursor, entering leads, versioned writes (ETag, If-Match, 428), next steps,
//! activities and the reference lists, with bad input naming its field and changing nothing.

use crate::both_backends;
use crate::http::{json_of, Client};
use crate::support::TestDb;
use app::domain::account::TokenScope;
use app::domain::{Lead, StageKind};
use app::ssr::service;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

/// A request with a bearer token (no cookie, as an integration sends it).
pub fn bearer(method: Method, uri: &str, token: &str, body: Option<Value>) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if body.is_some() {
        b = b.header(header::CONTENT_TYPE, "application/json");
    }
    b.body(body.map_or(Body::empty(), |v| Body::from(v.to_string())))
        .unwrap()
}

/// Issues a token for a demo user.
pub async fn token(db: &TestDb, local: &str, scope: TokenScope) -> String {
    let actor = db.actor(local).await;
    service::keys::issue_api_token(&db.state(), &actor, "Test", scope)
        .await
        .unwrap()
        .secret
}

/// A read-and-write API token of whoever may change `lead`.
pub async fn editor_token(db: &TestDb, lead: &app::domain::Lead) -> String {
    let editor = db.editor_of(lead).await;
    service::keys::issue_api_token(&db.state(), &editor, "Test", TokenScope::Write)
        .await
        .unwrap()
        .secret
}

fn field_of(body: &str) -> String {
    json_of(body)["error"]["fields"][0]["field"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

both_backends!(api_tokens_act_as_their_owner_within_their_scope);
async fn api_tokens_act_as_their_owner_within_their_scope(db: TestDb) -> TestDb {
    let db = db.with_demo(60).await;
    let client = Client::anonymous(&db);
    let write = token(&db, "dana", TokenScope::Write).await;
    let read = token(&db, "dana", TokenScope::Read).await;

    let (status, body) = client
        .send(bearer(Method::GET, "/api/v1/me", &write, None))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json_of(&body)["email"], "dana@closeloop.example");

    // A read-only token reads but never writes, even what its owner may change.
    let dana = db.actor("dana").await;
    let lead = db
        .find(|l, p| {
            l.owner.as_ref().is_some_and(|o| o.id == dana.id.0)
                && p.get(l.stage_id).unwrap().kind == StageKind::Open
        })
        .await;
    let uri = format!("/api/v1/leads/{}", lead.id);
    let (status, _) = client.send(bearer(Method::GET, &uri, &read, None)).await;
    assert_eq!(status, StatusCode::OK);
    let edit = json!({"version": lead.version, "company": "Read Only Ltd"});
    let (status, body) = client
        .send(bearer(Method::PATCH, &uri, &read, Some(edit.clone())))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("read-only"), "{body}");
    assert_eq!(db.lead(lead.id).await.version, lead.version);
    // The write token may, and no cookie or same-origin header is needed.
    let (status, body) = client
        .send(bearer(Method::PATCH, &uri, &write, Some(edit)))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        db.lead(lead.id).await.company.as_deref(),
        Some("Read Only Ltd")
    );

    // A token opens the REST API only: not pages, not the app's server functions.
    let (status, _) = client
        .send(bearer(Method::GET, "/api/fn/board", &write, None))
        .await;
    assert!(matches!(status.as_u16(), 401 | 403), "{status}");
    let (status, _) = client
        .send(bearer(Method::GET, "/board", &write, None))
        .await;
    assert!(status.is_redirection(), "{status}");

    // Revoked: 401, and the list says so.
    let tokens = service::keys::api_tokens(&db.state(), &dana).await.unwrap();
    assert_eq!(tokens.len(), 2);
    let write_id = tokens
        .iter()
        .find(|t| t.scope == TokenScope::Write)
        .unwrap()
        .id;
    assert!(tokens.iter().all(|t| t.last_used_at.is_some()));
    service::keys::revoke_api_token(&db.state(), &dana, write_id)
        .await
        .unwrap();
    let (status, _) = client
        .send(bearer(Method::GET, "/api/v1/me", &write, None))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Someone else cannot revoke Dana's token.
    let read_id = tokens
        .iter()
        .find(|t| t.scope == TokenScope::Read)
        .unwrap()
        .id;
    let kim = db.actor("kim").await;
    let err = service::keys::revoke_api_token(&db.state(), &kim, read_id)
        .await
        .unwrap_err();
    assert_eq!(err.status(), 404);
    let (status, _) = client
        .send(bearer(Method::GET, "/api/v1/me", &read, None))
        .await;
    assert_eq!(status, StatusCode::OK);
    // A label is required.
    let err = service::keys::issue_api_token(&db.state(), &dana, "  ", TokenScope::Read)
        .await
        .unwrap_err();
    assert_eq!(err.fields()[0].field, "label");
    db
}

both_backends!(the_lead_list_pages_through_every_visible_lead_once);
async fn the_lead_list_pages_through_every_visible_lead_once(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    let client = Client::anonymous(&db);
    let morgan = token(&db, "morgan", TokenScope::Read).await;
    let manager = db.actor("morgan").await;
    let scope = app::domain::access::view_board(&manager).unwrap();
    let visible: Vec<Lead> = db
        .all_leads()
        .await
        .into_iter()
        .filter(|l| scope.contains(l))
        .collect();
    assert!(visible.len() > 20, "fixture too small: {}", visible.len());

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let uri = match &after {
            Some(a) => format!("/api/v1/leads?limit=7&after={a}"),
            None => "/api/v1/leads?limit=7".to_string(),
        };
        let (status, body) = client.send(bearer(Method::GET, &uri, &morgan, None)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let page = json_of(&body);
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 7);
        seen.extend(items.iter().map(|l| l["id"].as_i64().unwrap()));
        pages += 1;
        match page["next"].as_str() {
            Some(n) => after = Some(n.to_string()),
            None => break,
        }
    }
    let mut expected: Vec<i64> = visible.iter().map(|l| l.id.0).collect();
    expected.sort();
    assert_eq!(seen, expected, "every visible lead once, in id order");
    assert_eq!(pages, expected.len().div_ceil(7));

    // Filters: open leads of one stage.
    let contacted = db.stage("contacted").await;
    let uri = format!("/api/v1/leads?status=open&stage={}&limit=200", contacted.0);
    let (status, body) = client.send(bearer(Method::GET, &uri, &morgan, None)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let got: Vec<i64> = json_of(&body)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_i64().unwrap())
        .collect();
    let want: Vec<i64> = expected
        .iter()
        .copied()
        .filter(|id| {
            visible
                .iter()
                .any(|l| l.id.0 == *id && l.stage_id == contacted && l.closed_at.is_none())
        })
        .collect();
    assert!(!want.is_empty());
    assert_eq!(got, want);

    // Bad values are refused by name.
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=500", "limit"),
        ("limit=ten", "limit"),
        ("status=maybe", "status"),
        ("after=abc", "after"),
        ("stage=-1", "stage"),
        ("owner=x", "owner"),
    ] {
        let (status, body) = client
            .send(bearer(
                Method::GET,
                &format!("/api/v1/leads?{query}"),
                &morgan,
                None,
            ))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(field_of(&body), field, "{query}");
    }
    // Marketing sees leads in aggregate only.
    let riley = token(&db, "riley", TokenScope::Read).await;
    let (status, _) = client
        .send(bearer(Method::GET, "/api/v1/leads", &riley, None))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    db
}

both_backends!(entering_a_lead_checks_every_field_and_dedupes);
async fn entering_a_lead_checks_every_field_and_dedupes(db: TestDb) -> TestDb {
    let db = db.with_demo(40).await;
    let client = Client::anonymous(&db);
    let dana = token(&db, "dana", TokenScope::Write).await;
    let (_, body) = client
        .send(bearer(Method::GET, "/api/v1/sources", &dana, None))
        .await;
    let sources = json_of(&body);
    let source = sources[0]["id"].as_i64().unwrap();
    let (_, body) = client
        .send(bearer(Method::GET, "/api/v1/campaigns", &dana, None))
        .await;
    let campaigns = json_of(&body);
    let campaign = &campaigns[0];
    let other_source = sources
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .find(|id| Some(*id) != campaign["source_id"].as_i64())
        .unwrap();
    let leads_before = db.all_leads().await.len();
    let events_before = db.event_count().await;

    const E: &str = "g@example.com";
    let good = json!({"source_id": source, "contact_name": "Grace Hopper",
        "email": "grace@navy.example", "phone": "+1 202 555 0100", "company": "Navy Labs",
        "value_cents": 250_000, "message": "Need 40 units"});
    let mut bad_cases = vec![
        (json!({"source_id": source}), "contact_name"),
        (
            json!({"source_id": source, "contact_name": "G", "email": "no-at"}),
            "email",
        ),
        (
            json!({"source_id": source, "contact_name": "G", "phone": "12"}),
            "phone",
        ),
        (json!({"source_id": source, "contact_name": "G"}), "email"),
        (
            json!({"source_id": "one", "contact_name": "G", "email": E}),
            "source_id",
        ),
        (
            json!({"source_id": 999_999, "contact_name": "G", "email": E}),
            "source_id",
        ),
        (
            json!({"source_id": source, "contact_name": "G", "email": E,
                   "company": "x".repeat(500)}),
            "company",
        ),
        (
            json!({"source_id": source, "contact_name": "G", "email": E, "value_cents": -5}),
            "value_cents",
        ),
        (
            json!({"source_id": source, "contact_name": "G", "email": E, "campaign_id": 999_999}),
            "campaign_id",
        ),
    ];
    bad_cases.push((
        json!({"source_id": other_source, "contact_name": "G", "email": E,
               "campaign_id": campaign["id"]}),
        "campaign_id",
    ));
    for (body, field) in bad_cases {
        let (status, text) = client
            .send(bearer(
                Method::POST,
                "/api/v1/leads",
                &dana,
                Some(body.clone()),
            ))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {text}");
        assert_eq!(field_of(&text), field, "{body}: {text}");
    }
    assert_eq!(db.all_leads().await.len(), leads_before, "nothing written");
    assert_eq!(db.event_count().await, events_before, "nothing written");

    // A rep's lead is theirs.
    let mut req = bearer(Method::POST, "/api/v1/leads", &dana, Some(good.clone()));
    let (status, headers, text) = client.send_full(&mut req).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let receipt = json_of(&text);
    let id = receipt["lead_id"].as_i64().unwrap();
    assert_eq!(
        headers[header::LOCATION].to_str().unwrap(),
        format!("/api/v1/leads/{id}")
    );
    let lead = db.lead(app::domain::LeadId(id)).await;
    assert_eq!(lead.owner.unwrap().name, db.actor("dana").await.name);
    assert_eq!(lead.source_id, source);
    assert_eq!(lead.phone.as_deref(), Some("+1 202 555 0100"));
    assert!(lead.next_step.is_some(), "the first call is planned");
    // The same person again: the inquiry joins the open lead.
    let again = json!({"source_id": source, "contact_name": "Grace Hopper",
        "email": "GRACE@navy.example", "message": "Any news?"});
    let (status, text) = client
        .send(bearer(Method::POST, "/api/v1/leads", &dana, Some(again)))
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(json_of(&text)["outcome"], "attached");
    assert_eq!(json_of(&text)["lead_id"], id);
    // With a campaign of its source.
    let with_campaign = json!({"source_id": campaign["source_id"], "campaign_id": campaign["id"],
        "contact_name": "Alan Turing", "email": "alan@bletchley.example"});
    let (status, text) = client
        .send(bearer(
            Method::POST,
            "/api/v1/leads",
            &dana,
            Some(with_campaign),
        ))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let lead = db
        .lead(app::domain::LeadId(
            json_of(&text)["lead_id"].as_i64().unwrap(),
        ))
        .await;
    assert_eq!(lead.campaign_id, campaign["id"].as_i64());
    // Leadership changes no leads.
    let eleanor = token(&db, "eleanor", TokenScope::Write).await;
    let (status, _) = client
        .send(bearer(Method::POST, "/api/v1/leads", &eleanor, Some(good)))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    db
}

both_backends!(a_retried_lead_with_the_same_idempotency_key_is_entered_once);
async fn a_retried_lead_with_the_same_idempotency_key_is_entered_once(db: TestDb) -> TestDb {
    let db = db.with_demo(20).await;
    let client = Client::anonymous(&db);
    let dana = token(&db, "dana", TokenScope::Write).await;
    let morgan = token(&db, "morgan", TokenScope::Write).await;
    let source = db.find(|_, _| true).await.source_id;
    let body = json!({"source_id": source, "contact_name": "Ada Retry",
        "email": "ada.retry@example.com"});
    let post = |token: &str, key: &str| {
        let mut req = bearer(Method::POST, "/api/v1/leads", token, Some(body.clone()));
        req.headers_mut()
            .insert("idempotency-key", key.parse().unwrap());
        req
    };
    let leads = db.all_leads().await.len();
    let (status, first) = client.send(post(&dana, "retry-7f3a")).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let events = db.event_count().await;
    // The retry answers with the first lead and writes nothing.
    let (status, again) = client.send(post(&dana, "retry-7f3a")).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(json_of(&again)["lead_id"], json_of(&first)["lead_id"]);
    assert_eq!(json_of(&again)["replayed"], true);
    assert_eq!(db.all_leads().await.len(), leads + 1);
    assert_eq!(db.event_count().await, events, "the retry wrote nothing");
    // Keys are each user's own: Morgan's same key is a request of his (the person is known,
    // so it joins Dana's lead).
    let (status, his) = client.send(post(&morgan, "retry-7f3a")).await;
    assert_eq!(status, StatusCode::OK, "{his}");
    assert_eq!(json_of(&his)["replayed"], false);
    assert_eq!(json_of(&his)["outcome"], "attached");
    // A malformed key is refused by name, and nothing is written.
    let events = db.event_count().await;
    let (status, text) = client.send(post(&dana, "has a space")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert_eq!(field_of(&text), "Idempotency-Key");
    assert_eq!(db.event_count().await, events);
    db
}

both_backends!(writes_need_the_version_they_are_based_on);
async fn writes_need_the_version_they_are_based_on(db: TestDb) -> TestDb {
    let db = db.with_demo(60).await;
    let client = Client::anonymous(&db);
    let dana_actor = db.actor("dana").await;
    let dana = token(&db, "dana", TokenScope::Write).await;
    let lead = db
        .find(|l, p| {
            l.owner.as_ref().is_some_and(|o| o.id == dana_actor.id.0)
                && p.get(l.stage_id).unwrap().kind == StageKind::Open
        })
        .await;
    let uri = format!("/api/v1/leads/{}", lead.id);
    let mut req = bearer(Method::GET, &uri, &dana, None);
    let (_, headers, _) = client.send_full(&mut req).await;
    let etag = headers[header::ETAG].to_str().unwrap().to_string();
    assert_eq!(etag, format!("\"v{}\"", lead.version));

    // No precondition: 428, nothing changes.
    let (status, body) = client
        .send(bearer(
            Method::PATCH,
            &uri,
            &dana,
            Some(json!({"company": "Nobody Asked"})),
        ))
        .await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{body}");
    assert_eq!(json_of(&body)["error"]["code"], "precondition_required");
    let next_step_uri = format!("{uri}/next-step");
    let (status, _) = client
        .send(bearer(
            Method::PUT,
            &next_step_uri,
            &dana,
            Some(json!({"kind": "email", "due_at": 4_102_444_800_000_i64})),
        ))
        .await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(db.lead(lead.id).await.version, lead.version);

    // If-Match with the ETag: applied, and the new ETag comes back.
    let mut req = bearer(
        Method::PATCH,
        &uri,
        &dana,
        Some(json!({"company": "Matched Ltd"})),
    );
    req.headers_mut()
        .insert(header::IF_MATCH, etag.parse().unwrap());
    let (status, headers, body) = client.send_full(&mut req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        headers[header::ETAG].to_str().unwrap(),
        format!("\"v{}\"", lead.version + 1)
    );
    // The same ETag again is stale: 409 with the lead as it stands.
    let mut req = bearer(
        Method::PATCH,
        &uri,
        &dana,
        Some(json!({"company": "Stale Ltd"})),
    );
    req.headers_mut()
        .insert(header::IF_MATCH, etag.parse().unwrap());
    let (status, body) = client.send(req).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(json_of(&body)["error"]["current"]["company"], "Matched Ltd");
    // Body and header disagreeing, or a header that is no ETag: refused by name.
    for (if_match, body_version, field) in [
        (
            format!("\"v{}\"", lead.version + 1),
            Some(lead.version),
            "version",
        ),
        ("*".to_string(), None, "If-Match"),
        ("\"v1\", \"v2\"".to_string(), None, "If-Match"),
    ] {
        let mut body = json!({"company": "Confused Ltd"});
        if let Some(v) = body_version {
            body["version"] = json!(v);
        }
        let mut req = bearer(Method::PATCH, &uri, &dana, Some(body));
        req.headers_mut()
            .insert(header::IF_MATCH, if_match.parse().unwrap());
        let (status, text) = client.send(req).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{if_match}: {text}"
        );
        assert_eq!(field_of(&text), field);
    }
    assert_eq!(
        db.lead(lead.id).await.company.as_deref(),
        Some("Matched Ltd")
    );

    // The next step, planned without a touch; a past date is refused by name.
    let current = db.lead(lead.id).await;
    let due = service::now().0 + 3 * 86_400_000;
    let (status, body) = client
        .send(bearer(
            Method::PUT,
            &next_step_uri,
            &dana,
            Some(
                json!({"version": current.version, "kind": "meeting", "due_at": due,
                        "note": "Demo at their office"}),
            ),
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let after = db.lead(lead.id).await;
    let step = after.next_step.unwrap();
    assert_eq!(step.kind, app::domain::NextStepKind::Meeting);
    assert_eq!(step.note.as_deref(), Some("Demo at their office"));
    assert_eq!(after.last_touched_at, current.last_touched_at, "no touch");
    let (status, body) = client
        .send(bearer(
            Method::PUT,
            &next_step_uri,
            &dana,
            Some(json!({"version": after.version, "kind": "call", "due_at": 1_000})),
        ))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        field_of(&body),
        "due_at",
        "the field as the request named it"
    );

    // A touch through If-Match, then the activity list shows it first.
    let mut req = bearer(
        Method::POST,
        &format!("{uri}/activities"),
        &dana,
        Some(json!({"kind": "call", "outcome": "reached", "note": "Talked pricing"})),
    );
    req.headers_mut().insert(
        header::IF_MATCH,
        format!("\"v{}\"", after.version).parse().unwrap(),
    );
    let (status, body) = client.send(req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = client
        .send(bearer(
            Method::GET,
            &format!("{uri}/activities"),
            &dana,
            None,
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first = &json_of(&body)[0];
    assert_eq!(first["kind"], "call");
    assert_eq!(first["outcome"], "reached");
    assert_eq!(first["note"], "Talked pricing");
    assert_eq!(first["by"], dana_actor.name.as_str());
    db
}

both_backends!(reference_lists_show_what_the_asker_may_see);
async fn reference_lists_show_what_the_asker_may_see(db: TestDb) -> TestDb {
    let db = db.with_demo(30).await;
    let client = Client::anonymous(&db);
    let get = |token: String, uri: &'static str| {
        let client = client.clone();
        async move {
            let (status, body) = client.send(bearer(Method::GET, uri, &token, None)).await;
            assert_eq!(status, StatusCode::OK, "{uri}: {body}");
            json_of(&body)
        }
    };
    let dana = token(&db, "dana", TokenScope::Read).await;
    let eleanor = token(&db, "eleanor", TokenScope::Read).await;
    let stages = get(dana.clone(), "/api/v1/stages").await;
    assert_eq!(
        stages["stages"].as_array().unwrap().len(),
        db.pipeline().await.stages().len()
    );
    let dana_actor = db.actor("dana").await;
    let people = get(dana.clone(), "/api/v1/users").await;
    let people = people.as_array().unwrap();
    assert!(people.iter().any(|p| p["id"] == dana_actor.id.0));
    assert!(
        people
            .iter()
            .all(|p| p["team_id"] == json!(dana_actor.team_id.map(|t| t.0))
                || p["id"] == dana_actor.id.0),
        "a rep lists their own team: {people:?}"
    );
    assert!(people.iter().all(|p| p.get("email").is_none()));
    let all_people = get(eleanor.clone(), "/api/v1/users").await;
    assert!(all_people.as_array().unwrap().len() > people.len());
    let teams = get(dana, "/api/v1/teams").await;
    assert_eq!(teams.as_array().unwrap().len(), 1);
    let all_teams = get(eleanor, "/api/v1/teams").await;
    assert!(all_teams.as_array().unwrap().len() > 1);
    db
}
