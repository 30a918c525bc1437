//! Intake through `POST /api/v1/intake` on both databases: web forms from their own sites only,
//! idempotent double submits, the honeypot and the rate limit, dedupe of people who write
//! again, and bad input that names its field and writes nothing.

use crate::both_backends;
use crate::http::{intake_request, json_of, Client};
use crate::support::TestDb;
use app::domain::Actor;
use app::ssr::service;
use app::ssr::store::accounts::KeyKind;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};

const SITE: &str = "https://www.acme-packaging.example";

/// An intake key for the first source whose form may be posted from [`SITE`]:
/// (secret, form id, key id).
async fn key(db: &TestDb, per_minute: i64) -> (String, String, i64) {
    let state = db.state();
    let riley: Actor = db.actor("riley").await;
    let source = service::keys::sources(&state, &riley)
        .await
        .unwrap()
        .remove(0);
    let issued = service::keys::issue(&state, &riley, KeyKind::Intake, "Site", Some(source.id))
        .await
        .unwrap();
    service::keys::set_intake_gate(&state, &riley, issued.id, SITE, per_minute)
        .await
        .unwrap();
    let keys = service::keys::list(&state, &riley, KeyKind::Intake)
        .await
        .unwrap();
    let form_id = keys
        .iter()
        .find(|k| k.id == issued.id)
        .and_then(|k| k.form_id.clone())
        .unwrap();
    (issued.secret, form_id, issued.id)
}

fn form(form_id: &str, origin: Option<&str>, fields: &str) -> Request<Body> {
    let mut b = Request::post(format!("/api/v1/intake?form={form_id}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(o) = origin {
        b = b.header(header::ORIGIN, o);
    }
    b.body(Body::from(fields.to_string())).unwrap()
}

async fn count(db: &TestDb, table: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&mut *db.store.read().await.unwrap())
        .await
        .unwrap();
    n
}

/// Rows of every table an inquiry writes to, to show that a refused one wrote nothing.
async fn written(db: &TestDb) -> [i64; 5] {
    [
        count(db, "leads").await,
        count(db, "contacts").await,
        count(db, "activities").await,
        count(db, "events").await,
        count(db, "intake_requests").await,
    ]
}

both_backends!(a_web_form_counts_only_from_its_own_web_sites);
async fn a_web_form_counts_only_from_its_own_web_sites(db: TestDb) -> TestDb {
    let db = db.with_demo(30).await;
    let (_, form_id, _) = key(&db, 30).await;
    let client = Client::anonymous(&db);
    let fields = "name=Ada+Byron&email=ada%40engines.example&company=Analytical+Engines\
                  &message=Need+a+quote&budget=5k";
    let before = written(&db).await;
    for origin in [Some("https://evil.example"), None] {
        let (status, text) = client.send(form(&form_id, origin, fields)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{origin:?}: {text}");
    }
    let (status, _) = client.send(form("cf_nope", Some(SITE), fields)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(written(&db).await, before);

    // The browser's preflight is answered for the site only.
    let preflight = |origin: &str| {
        Request::options(format!("/api/v1/intake?form={form_id}"))
            .header(header::ORIGIN, origin)
            .header("access-control-request-method", "POST")
            .body(Body::empty())
            .unwrap()
    };
    let (status, headers, _) = client.send_full(&mut preflight(SITE)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(headers["access-control-allow-origin"], SITE);
    let (status, headers, _) = client
        .send_full(&mut preflight("https://evil.example"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!headers.contains_key("access-control-allow-origin"));

    let (status, headers, text) = client
        .send_full(&mut form(&form_id, Some(SITE), fields))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    assert_eq!(headers["access-control-allow-origin"], SITE);
    // A public form id hears only that it was received (see `trust.rs`); the lead is there.
    assert_eq!(json_of(&text), json!({"received": true}));
    let (id,): (i64,) = sqlx::query_as("SELECT MAX(id) FROM leads")
        .fetch_one(&mut *db.store.read().await.unwrap())
        .await
        .unwrap();
    let lead = db.lead(app::domain::LeadId(id)).await;
    assert_eq!(lead.contact_name, "Ada Byron");
    assert_eq!(lead.company.as_deref(), Some("Analytical Engines"));
    // The demo's catch-all rule gives it to Inside Sales.
    assert!(lead.owner.is_some());
    // The message and the form's own question are the first entry of the lead's history.
    let (kind, note): (String, String) =
        sqlx::query_as("SELECT kind, note FROM activities WHERE lead_id = $1 ORDER BY id")
            .bind(lead.id.0)
            .fetch_one(&mut *db.store.read().await.unwrap())
            .await
            .unwrap();
    assert_eq!(
        (kind.as_str(), note.as_str()),
        ("inquiry", "Need a quote\n\nbudget: 5k")
    );

    // A plain HTML form post (a browser navigating) gets a page, or its redirect on the site.
    let mut nav = form(
        &form_id,
        Some(SITE),
        &format!("name=Kim&phone=%2B44+20+7946+0958&redirect={SITE}/thanks"),
    );
    nav.headers_mut()
        .insert(header::ACCEPT, "text/html,*/*".parse().unwrap());
    let (status, headers, _) = client.send_full(&mut nav).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], format!("{SITE}/thanks"));
    let mut elsewhere = form(
        &form_id,
        Some(SITE),
        "name=Lee&phone=%2B44+20+7946+0959&redirect=https://evil.example/",
    );
    elsewhere
        .headers_mut()
        .insert(header::ACCEPT, "text/html".parse().unwrap());
    let (status, headers, text) = client.send_full(&mut elsewhere).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(text.contains("Thank you"), "{text}");
    db
}

both_backends!(a_double_submit_creates_one_lead);
async fn a_double_submit_creates_one_lead(db: TestDb) -> TestDb {
    let db = db.with_demo(30).await;
    let (secret, _, _) = key(&db, 30).await;
    let client = Client::anonymous(&db);
    let body = json!({"contact_name": "Ada Byron", "email": "ada@engines.example"});
    let with_key = |k: &str| {
        let mut r = intake_request(&secret, body.clone());
        r.headers_mut()
            .insert("idempotency-key", k.parse().unwrap());
        r
    };
    let (status, first) = client.send(with_key("form-7f3a")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    let before = written(&db).await;
    let (status, again) = client.send(with_key("form-7f3a")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (first, again) = (json_of(&first), json_of(&again));
    assert_eq!(again["lead_id"], first["lead_id"]);
    assert_eq!(
        (first["replayed"].clone(), again["replayed"].clone()),
        (json!(false), json!(true))
    );
    assert_eq!(written(&db).await, before, "the repeat wrote nothing");

    // Two simultaneous submits with one key: the person's one inquiry, recorded once.
    let (a, b) = tokio::join!(client.send(with_key("k2")), client.send(with_key("k2")));
    assert_eq!(
        json_of(&a.1)["lead_id"],
        json_of(&b.1)["lead_id"],
        "{a:?} {b:?}"
    );
    let after = written(&db).await;
    assert_eq!(after[0], before[0], "the same person: attached, not new");
    assert_eq!(after[2], before[2] + 1, "one inquiry activity");
    assert_eq!(after[4], before[4] + 1, "one idempotency record");

    // A bad key is refused by name.
    let (status, text) = client.send(with_key("has space")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json_of(&text)["error"]["fields"][0]["field"],
        "Idempotency-Key"
    );
    db
}

both_backends!(the_honeypot_and_the_rate_limit_stop_spam);
async fn the_honeypot_and_the_rate_limit_stop_spam(db: TestDb) -> TestDb {
    let db = db.with_demo(30).await;
    let (secret, _, _) = key(&db, 3).await;
    let client = Client::anonymous(&db);
    let before = written(&db).await;
    let (status, text) = client
        .send(intake_request(
            &secret,
            json!({"contact_name": "Cheap Pills", "email": "bot@spam.example", "website": "http://spam.example"}),
        ))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(json_of(&text)["outcome"], "discarded");
    assert_eq!(json_of(&text)["lead_id"], Value::Null);
    assert_eq!(written(&db).await, before);

    for i in 0..2 {
        let (status, text) = client
            .send(intake_request(
                &secret,
                json!({"contact_name": format!("Person {i}"),
                                          "email": format!("p{i}@example.com")}),
            ))
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    }
    let after_two = written(&db).await;
    let mut over = intake_request(
        &secret,
        json!({"contact_name": "One Too Many", "email": "x@example.com"}),
    );
    let (status, headers, text) = client.send_full(&mut over).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{text}");
    let retry: u64 = headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert!(json_of(&text)["error"]["message"]
        .as_str()
        .unwrap()
        .contains("3 a minute"));
    assert_eq!(written(&db).await, after_two);
    db
}

fn receipt_of((status, text): (StatusCode, String)) -> Value {
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    json_of(&text)
}

both_backends!(a_person_who_writes_again_is_one_contact);
async fn a_person_who_writes_again_is_one_contact(db: TestDb) -> TestDb {
    let db = db.with_demo(30).await;
    let (secret, _, _) = key(&db, 100).await;
    let client = Client::anonymous(&db);
    let send = |body: Value| client.send(intake_request(&secret, body));

    let first = receipt_of(
        send(
            json!({"contact_name": "Grace Hopper", "phone": "(415) 555-0123",
                    "company": "Cobol Systems, Inc."}),
        )
        .await,
    );
    let lead_id = app::domain::LeadId(first["lead_id"].as_i64().unwrap());
    let version = db.lead(lead_id).await.version;
    let contacts = count(&db, "contacts").await;

    // Same phone, written another way, and an e-mail address: added to the open lead.
    let again = receipt_of(
        send(
            json!({"contact_name": "G. Hopper", "phone": "+1 415-555-0123",
                    "email": "grace@cobol.example", "message": "Any news?"}),
        )
        .await,
    );
    assert_eq!(again["outcome"], "attached");
    assert_eq!(again["lead_id"], first["lead_id"]);
    assert_eq!(count(&db, "contacts").await, contacts);
    let lead = db.lead(lead_id).await;
    assert_eq!(lead.version, version + 1, "boards see the change");
    assert!(lead.first_touched_at.is_none(), "an inquiry is not a touch");
    // The contact gained the e-mail address, so the address alone now finds the person.
    let by_email =
        receipt_of(send(json!({"contact_name": "Grace", "email": "GRACE@cobol.example"})).await);
    assert_eq!(by_email["lead_id"], first["lead_id"]);
    let inquiries: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM activities WHERE lead_id = $1 AND kind = 'inquiry'")
            .bind(lead_id.0)
            .fetch_one(&mut *db.store.read().await.unwrap())
            .await
            .unwrap();
    assert_eq!(inquiries.0, 2);
    // Its owner was told each time, in the bell.
    let (notices, message): (i64, String) = sqlx::query_as(
        "SELECT COUNT(*), MIN(message) FROM notifications WHERE lead_id = $1 AND kind = 'inquiry'
         AND user_id = $2",
    )
    .bind(lead_id.0)
    .bind(lead.owner.as_ref().expect("routed to a rep").id)
    .fetch_one(&mut *db.store.read().await.unwrap())
    .await
    .unwrap();
    assert_eq!(notices, 2);
    assert_eq!(message, "G. Hopper wrote again about Cobol Systems, Inc.");

    // Once that lead is closed, the next inquiry is a new lead of the same contact.
    let mut tx = db.store.begin().await.unwrap();
    sqlx::query("UPDATE leads SET closed_at = 1 WHERE id = $1")
        .bind(lead_id.0)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let repeat = receipt_of(
        send(json!({"contact_name": "Grace Hopper", "email": "grace@cobol.example"})).await,
    );
    assert_eq!(repeat["outcome"], "created");
    assert_ne!(repeat["lead_id"], first["lead_id"]);
    let linked: Vec<(Option<i64>, Option<i64>)> =
        sqlx::query_as("SELECT contact_id, company_id FROM leads WHERE id IN ($1, $2) ORDER BY id")
            .bind(lead_id.0)
            .bind(repeat["lead_id"].as_i64().unwrap())
            .fetch_all(&mut *db.store.read().await.unwrap())
            .await
            .unwrap();
    assert_eq!(linked[0], linked[1], "same contact and company");
    assert!(linked[0].1.is_some());

    // A similar name at the same company, other details: likely the same, flagged, not merged.
    let likely = receipt_of(
        send(
            json!({"contact_name": "Grace Hoper", "email": "gh@gmail.example",
                    "company": "Cobol Systems"}),
        )
        .await,
    );
    assert_eq!(likely["outcome"], "created");
    assert_eq!(likely["possible_duplicates"], json!([repeat["lead_id"]]));
    let (score, reasons): (i64, String) =
        sqlx::query_as("SELECT score, reasons FROM duplicate_candidates WHERE lead_id = $1")
            .bind(likely["lead_id"].as_i64().unwrap())
            .fetch_one(&mut *db.store.read().await.unwrap())
            .await
            .unwrap();
    assert!(score >= 80, "{score}");
    assert!(reasons.contains("similar_name_same_company"), "{reasons}");
    // A colleague at the same company is someone else.
    let colleague = receipt_of(
        send(
            json!({"contact_name": "Alan Turing", "email": "alan@cobol.example",
                    "company": "COBOL SYSTEMS LLC"}),
        )
        .await,
    );
    assert_eq!(colleague["possible_duplicates"], json!([]));
    db
}

both_backends!(bad_input_names_its_field_and_writes_nothing);
async fn bad_input_names_its_field_and_writes_nothing(db: TestDb) -> TestDb {
    let db = db.with_demo(30).await;
    let (secret, form_id, _) = key(&db, 100).await;
    let client = Client::anonymous(&db);
    let before = written(&db).await;
    let long = "x".repeat(5_001);
    for (body, field) in [
        (
            json!({"contact_name": "Ada", "phone": "call me maybe"}),
            "phone",
        ),
        (json!({"contact_name": "Ada", "phone": "555-0123"}), "phone"),
        (json!({"contact_name": "Ada", "email": "ada@"}), "email"),
        (
            json!({"contact_name": "", "email": "ada@example.com"}),
            "contact_name",
        ),
        (
            json!({"contact_name": 7, "email": "ada@example.com"}),
            "contact_name",
        ),
        (
            json!({"contact_name": "Ada", "email": "a@example.com", "message": long}),
            "message",
        ),
        (
            json!({"contact_name": "Ada", "email": "a@example.com", "company": "c".repeat(201)}),
            "company",
        ),
        (
            json!({"contact_name": "Ada", "email": "a@example.com", "value_cents": "lots"}),
            "value_cents",
        ),
        (
            json!({"contact_name": "Ada", "email": "a@example.com", "value_cents": 5, "currency": "dollars"}),
            "currency",
        ),
    ] {
        let (status, text) = client.send(intake_request(&secret, body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {text}");
        assert_eq!(
            json_of(&text)["error"]["fields"][0]["field"],
            field,
            "{body}: {text}"
        );
    }
    // Every bad field at once.
    let (_, text) = client
        .send(intake_request(
            &secret,
            json!({"contact_name": "", "email": "nope", "phone": "x"}),
        ))
        .await;
    let fields: Vec<String> = json_of(&text)["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["contact_name", "email", "phone"]);
    // Wrong content type, wrong key, and a form's bad number.
    let mut plain = intake_request(&secret, json!({}));
    plain
        .headers_mut()
        .insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
    let (status, text) = client.send(plain).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_of(&text)["error"]["fields"][0]["field"], "body");
    let (status, _) = client
        .send(intake_request(
            "ck_wrong",
            json!({"contact_name": "Ada", "email": "a@example.com"}),
        ))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, headers, text) = client
        .send_full(&mut form(
            &form_id,
            Some(SITE),
            "name=Ada&email=a%40b.example&value_cents=1.5",
        ))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        headers["access-control-allow-origin"], SITE,
        "the page can read why"
    );
    assert_eq!(json_of(&text)["error"]["fields"][0]["field"], "value_cents");
    assert_eq!(written(&db).await, before);
    db
}

both_backends!(every_demo_lead_belongs_to_a_contact);
async fn every_demo_lead_belongs_to_a_contact(db: TestDb) -> TestDb {
    let db = db.with_demo(300).await;
    let (unlinked,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM leads WHERE contact_id IS NULL")
        .fetch_one(&mut *db.store.read().await.unwrap())
        .await
        .unwrap();
    assert_eq!(unlinked, 0);
    // Leads that share an e-mail address share their contact, and no contact is shared by
    // leads with different addresses.
    let (mixed,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM (SELECT contact_id FROM leads WHERE email IS NOT NULL
                               GROUP BY contact_id HAVING COUNT(DISTINCT lower(email)) > 1) m",
    )
    .fetch_one(&mut *db.store.read().await.unwrap())
    .await
    .unwrap();
    assert_eq!(mixed, 0);
    let (split,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM (SELECT lower(email) FROM leads WHERE email IS NOT NULL
                               GROUP BY lower(email) HAVING COUNT(DISTINCT contact_id) > 1) m",
    )
    .fetch_one(&mut *db.store.read().await.unwrap())
    .await
    .unwrap();
    assert_eq!(split, 0);
    // Companies are shared by their leads.
    let (companies, named): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM companies),
                (SELECT COUNT(DISTINCT company) FROM leads WHERE company IS NOT NULL)",
    )
    .fetch_one(&mut *db.store.read().await.unwrap())
    .await
    .unwrap();
    assert!(
        companies > 0 && companies <= named,
        "{companies} companies for {named} names"
    );
    // A second pass finds nothing left to link.
    let again = server::seed::ensure_contacts(&db.store).await.unwrap();
    assert_eq!(again.leads, 0);
    // Intake after the backfill continues the ids without a clash.
    let (secret, _, _) = key(&db, 30).await;
    let (status, text) = Client::anonymous(&db)
        .send(intake_request(
            &secret,
            json!({"contact_name": "New Person", "email": "new@person.example",
                                      "company": "Brand New Co"}),
        ))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    db
}
