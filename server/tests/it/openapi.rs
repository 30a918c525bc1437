//! The OpenAPI document against the server: it lists exactly the routes the server has, and
//! the responses the server really sends (successes and errors) match the document's schemas
//! for their status, checked with a JSON Schema 2020-12 validator.

use crate::api::{bearer, token};
use crate::both_backends;
use crate::http::{json_of, Client};
use crate::support::TestDb;
use app::domain::account::TokenScope;
use app::domain::StageKind;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn document() -> Value {
    server::openapi::spec().clone()
}

#[test]
fn the_document_lists_exactly_the_routes_the_server_has() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let routed: BTreeSet<(String, String)> = server::rest::endpoints()
        .into_iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty() && unrouted.is_empty(),
        "routes missing from the document: {undocumented:?}; documented but not routed: \
         {unrouted:?}"
    );
    // Every operation says what it answers, in the shared error shape for errors.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{method} {path} documents no success"
            );
            for (status, r) in responses {
                if !status.starts_with('2') {
                    assert_eq!(
                        r["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}

/// The links (which stateful fuzzing follows) name real operations and their real
/// parameters: a new lead leads to every operation on a lead, a read lead's ETag to the
/// writes that need a version.
#[test]
fn links_lead_from_a_new_lead_into_the_operations_on_it() {
    let doc = document();
    let mut operations = std::collections::BTreeMap::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let params: BTreeSet<String> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .map(|p| p["name"].as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default();
            operations.insert(op["operationId"].as_str().unwrap().to_string(), params);
        }
    }
    let links_of = |path: &str, method: &str, status: &str| -> Value {
        doc["paths"][path][method]["responses"][status]["links"].clone()
    };
    let mut followed = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, r) in op["responses"].as_object().unwrap() {
                for (name, link) in r["links"].as_object().into_iter().flatten() {
                    let target = link["operationId"].as_str().unwrap();
                    let params = operations
                        .get(target)
                        .unwrap_or_else(|| panic!("{method} {path} {status}: {name} → {target}?"));
                    for p in link["parameters"].as_object().unwrap().keys() {
                        assert!(params.contains(p), "{target} has no parameter {p}");
                    }
                    followed += 1;
                }
            }
        }
    }
    let created = links_of("/leads", "post", "201");
    for op in ["lead", "lead_detail", "edit_lead", "move_lead", "close_out"] {
        assert_eq!(
            created[op]["parameters"]["id"], "$response.body#/lead_id",
            "a new lead → {op}"
        );
    }
    let read = links_of("/leads/{id}", "get", "200");
    assert_eq!(
        read["move_lead"]["parameters"]["If-Match"],
        "$response.header.ETag"
    );
    assert_eq!(read["edit_lead"]["parameters"]["id"], "$request.path.id");
    assert_eq!(
        followed,
        9 + 9 + 6,
        "links from POST /leads (201, 200) and GET /leads/{{id}}"
    );
}

/// The schema the document gives for `status` of `method path`, or a failure naming the
/// undocumented status.
fn schema_for(doc: &Value, method: &str, path: &str, status: u16) -> Option<Value> {
    let op = &doc["paths"][path][method.to_lowercase()];
    assert!(op.is_object(), "{method} {path} is not in the document");
    let response = &op["responses"][status.to_string()];
    assert!(
        response.is_object(),
        "{method} {path} answered {status}, which the document does not list"
    );
    let content = response["content"].as_object()?;
    let schema = content.values().next()?.get("schema")?.clone();
    Some(schema)
}

/// Checks one response body against the document.
fn conforms(doc: &Value, method: &str, path: &str, status: StatusCode, body: &str) {
    let Some(schema) = schema_for(doc, method, path, status.as_u16()) else {
        return;
    };
    let mut root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"].clone(),
    });
    for (k, v) in schema.as_object().unwrap() {
        root[k] = v.clone();
    }
    let validator = jsonschema::draft202012::new(&root)
        .unwrap_or_else(|e| panic!("{method} {path}: the schema does not compile: {e}"));
    let instance = json_of(body);
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .take(5)
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status}: the body does not match the document: {errors:?}\n{body}"
    );
}

struct Probe {
    doc: Value,
    client: Client,
    /// (method, path) answered with a checked success.
    succeeded: BTreeSet<(String, String)>,
    checked: usize,
}

impl Probe {
    /// Sends, checks the body against the document, and returns status, headers and body.
    async fn call(
        &mut self,
        method: Method,
        path: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, axum::http::HeaderMap, Value) {
        let mut req = match token {
            Some(t) => bearer(method.clone(), uri, t, body),
            None => {
                let mut b = Request::builder().method(method.clone()).uri(uri);
                if body.is_some() {
                    b = b.header(header::CONTENT_TYPE, "application/json");
                }
                b.body(body.map_or(Body::empty(), |v| Body::from(v.to_string())))
                    .unwrap()
            }
        };
        let (status, headers, text) = self.client.send_full(&mut req).await;
        assert!(!status.is_server_error(), "{method} {uri}: {status} {text}");
        if text.is_empty() {
            // 204, or a stream.
            schema_for(&self.doc, method.as_str(), path, status.as_u16());
        } else {
            conforms(&self.doc, method.as_str(), path, status, &text);
        }
        self.checked += 1;
        if status.is_success() {
            self.succeeded
                .insert((method.as_str().to_string(), path.to_string()));
        }
        let value = serde_json::from_str(&text).unwrap_or(Value::Null);
        (status, headers, value)
    }
}

both_backends!(every_response_matches_the_document);
async fn every_response_matches_the_document(db: TestDb) -> TestDb {
    let db = db.with_demo(80).await;
    let rep = token(&db, "dana", TokenScope::Write).await;
    let manager = token(&db, "morgan", TokenScope::Write).await;
    let leadership = token(&db, "eleanor", TokenScope::Write).await;
    let intake_key = db.intake_key("Website").await;
    let mut p = Probe {
        doc: document(),
        client: Client::anonymous(&db),
        succeeded: BTreeSet::new(),
        checked: 0,
    };
    let (r, rp, mg) = (Some(rep.as_str()), "/leads/{id}", Some(manager.as_str()));

    p.call(Method::GET, "/health", "/api/v1/health", None, None)
        .await;
    p.call(Method::GET, "/ready", "/api/v1/ready", None, None)
        .await;
    p.call(
        Method::GET,
        "/openapi.json",
        "/api/v1/openapi.json",
        None,
        None,
    )
    .await;
    // Sessions.
    let creds = json!({"email": "dana@closeloop.example", "password": server::seed::DEMO_PASSWORD});
    let (s, headers, _) = p
        .call(
            Method::POST,
            "/session",
            "/api/v1/session",
            None,
            Some(creds),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let wrong = json!({"email": "dana@closeloop.example", "password": "not it at all"});
    let (s, _, _) = p
        .call(
            Method::POST,
            "/session",
            "/api/v1/session",
            None,
            Some(wrong),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let cookie = headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let mut req = Request::delete("/api/v1/session")
        .header(header::COOKIE, cookie)
        .header("sec-fetch-site", "same-origin")
        .body(Body::empty())
        .unwrap();
    let (s, _, _) = p.client.send_full(&mut req).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    p.call(Method::DELETE, "/session", "/api/v1/session", r, None)
        .await;
    p.call(Method::GET, "/me", "/api/v1/me", r, None).await;
    let (s, _, _) = p.call(Method::GET, "/me", "/api/v1/me", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // The board and a column's next page.
    let (_, _, board) = p
        .call(Method::GET, "/board", "/api/v1/board", mg, None)
        .await;
    let column = board["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["next"].is_string())
        .cloned();
    let (stage, after) = match &column {
        Some(c) => (
            c["summary"]["stage_id"].as_i64().unwrap(),
            c["next"].as_str().unwrap().to_string(),
        ),
        None => (
            board["columns"][0]["summary"]["stage_id"].as_i64().unwrap(),
            "0.0.0".to_string(),
        ),
    };
    p.call(
        Method::GET,
        "/board/columns/{stage}",
        &format!("/api/v1/board/columns/{stage}?after={after}"),
        mg,
        None,
    )
    .await;
    let (s, _, _) = p
        .call(Method::GET, "/board", "/api/v1/board?min=lots", mg, None)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Leads.
    p.call(Method::GET, "/leads", "/api/v1/leads?limit=5", mg, None)
        .await;
    let (s, _, _) = p
        .call(Method::GET, "/leads", "/api/v1/leads?limit=0", mg, None)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let pipeline = db.pipeline().await;
    let (_, _, sources) = p
        .call(Method::GET, "/sources", "/api/v1/sources", r, None)
        .await;
    let new = json!({"source_id": sources[0]["id"], "contact_name": "Schema Person",
        "email": "schema.person@example.com"});
    let (s, _, receipt) = p
        .call(
            Method::POST,
            "/leads",
            "/api/v1/leads",
            r,
            Some(new.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _, _) = p
        .call(
            Method::POST,
            "/leads",
            "/api/v1/leads",
            r,
            Some(new.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = p
        .call(
            Method::POST,
            "/leads",
            "/api/v1/leads",
            Some(leadership.as_str()),
            Some(new),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let id = receipt["lead_id"].as_i64().unwrap();
    let uri = format!("/api/v1/leads/{id}");
    let (_, _, lead) = p.call(Method::GET, rp, &uri, r, None).await;
    let (s, _, _) = p
        .call(Method::GET, rp, "/api/v1/leads/99999999", r, None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let v = lead["version"].as_i64().unwrap();
    let (s, _, _) = p
        .call(Method::PATCH, rp, &uri, r, Some(json!({"company": "X"})))
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_REQUIRED);
    p.call(
        Method::PATCH,
        rp,
        &uri,
        r,
        Some(json!({"version": v, "company": "Schema Co"})),
    )
    .await;
    let (s, _, _) = p
        .call(
            Method::PATCH,
            rp,
            &uri,
            r,
            Some(json!({"version": v, "company": "Stale Co"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let v = v + 1;
    p.call(
        Method::GET,
        "/leads/{id}/timeline",
        &format!("{uri}/timeline"),
        r,
        None,
    )
    .await;
    p.call(
        Method::POST,
        "/leads/{id}/activities",
        &format!("{uri}/activities"),
        r,
        Some(json!({"version": v, "kind": "call", "outcome": "reached",
                    "next_step": {"kind": "email", "due_at": 4_102_444_800_000_i64}})),
    )
    .await;
    let v = v + 1;
    p.call(
        Method::GET,
        "/leads/{id}/activities",
        &format!("{uri}/activities"),
        r,
        None,
    )
    .await;
    p.call(
        Method::PUT,
        "/leads/{id}/next-step",
        &format!("{uri}/next-step"),
        r,
        Some(json!({"version": v, "kind": "meeting", "due_at": 4_102_444_800_000_i64})),
    )
    .await;
    let v = v + 1;
    let next_open = pipeline
        .stages()
        .iter()
        .filter(|s| s.kind == StageKind::Open && s.entry_criteria.is_empty())
        .nth(1)
        .unwrap()
        .id;
    let (s, _, _) = p
        .call(
            Method::POST,
            "/leads/{id}/move",
            &format!("{uri}/move"),
            r,
            Some(json!({"version": v, "to_stage": next_open})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let v = v + 1;
    let (s, _, _) = p
        .call(
            Method::POST,
            "/leads/{id}/close",
            &format!("{uri}/close"),
            r,
            Some(json!({"version": v, "outcome": "lost"})),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a loss needs its reason"
    );
    let (s, _, _) = p
        .call(
            Method::POST,
            "/leads/{id}/close",
            &format!("{uri}/close"),
            r,
            Some(json!({"version": v, "outcome": "lost", "reason": "no_budget"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // A manager hands one of Luis's leads to Kim.
    let luis = db.actor("luis").await;
    let kim = db.actor("kim").await;
    let theirs = db
        .find(|l, p| {
            l.owner.as_ref().is_some_and(|o| o.id == luis.id.0)
                && p.get(l.stage_id).unwrap().kind == StageKind::Open
        })
        .await;
    let (s, _, _) = p
        .call(
            Method::POST,
            "/leads/{id}/assign",
            &format!("/api/v1/leads/{}/assign", theirs.id),
            mg,
            Some(json!({"version": theirs.version, "owner": kim.id})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    for list in ["/stages", "/sources", "/campaigns", "/users", "/teams"] {
        p.call(Method::GET, list, &format!("/api/v1{list}"), r, None)
            .await;
    }

    // Intake.
    let (s, _, _) = p
        .call(
            Method::POST,
            "/intake",
            "/api/v1/intake",
            Some(intake_key.as_str()),
            Some(json!({"contact_name": "Web Person", "email": "web.person@example.com"})),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let (s, _, _) = p
        .call(
            Method::POST,
            "/intake",
            "/api/v1/intake",
            Some("cli_not-a-key"),
            Some(json!({"contact_name": "Web Person", "email": "web.person@example.com"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // The live feed answers with an event stream.
    let (s, headers, _) = p
        .call(Method::GET, "/events", "/api/v1/events", r, None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));

    let all: BTreeSet<(String, String)> = server::rest::endpoints()
        .into_iter()
        .map(|(m, path, _)| (m.to_string(), path.to_string()))
        .collect();
    let missed: Vec<_> = all.difference(&p.succeeded).collect();
    assert!(
        missed.is_empty(),
        "operations never answered 2xx: {missed:?}"
    );
    assert!(p.checked >= 35, "{} responses checked", p.checked);
    db
}
