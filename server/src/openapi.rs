//! The REST API's OpenAPI 3.1 document, derived from the handlers' `#[utoipa::path]`
//! annotations and the shared types' `ToSchema`, served at `/api/v1/openapi.json`; and a
//! readable page of it at `/api/docs`, rendered on the server from the same document.

use crate::rest;
use app::domain::fields::{self, FieldDef, FieldEntity, FieldKind};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::sync::OnceLock;
use utoipa::openapi::link::{Link, LinkBuilder};
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Closeloop API",
        version = "1",
        description = "Leads, their activities and next steps, the board, and the reference lists \
            an integration needs. Authenticate with a personal API token \
            (`Authorization: Bearer clt_…`, issued under API tokens in the app; read-only or \
            read-and-write, always within its owner's own rights) or the app's session cookie. \
            Writes to a lead say which version they are based on (`version` in the body or \
            `If-Match` with the lead's `ETag`): a stale version gets 409 with the lead as it \
            stands, a missing one 428. Errors share one shape: `{\"error\": {code, message, \
            fields}}`, where `fields` names each bad input."
    ),
    servers((url = "/api/v1")),
    paths(
        rest::health,
        rest::ready,
        rest::sign_in,
        rest::sign_out,
        rest::me,
        rest::board,
        rest::column_page,
        rest::list_leads,
        rest::create_lead,
        rest::lead,
        rest::edit_lead,
        rest::lead_detail,
        rest::list_activities,
        rest::log_activity,
        rest::set_next_step,
        rest::close_out,
        rest::move_lead,
        rest::assign_lead,
        rest::stages,
        rest::sources,
        rest::campaigns,
        rest::users,
        rest::teams,
        crate::sse::events,
        crate::intake::submit,
        document,
    ),
    components(schemas(app::error::Wire)),
    modifiers(&Common),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "Leads", description = "Inquiries through the pipeline"),
        (name = "Activities", description = "Touches and next steps on a lead"),
        (name = "Board", description = "The pipeline board as the app shows it"),
        (name = "Reference", description = "Stages, sources, campaigns, people and teams"),
        (name = "Intake", description = "Inquiries from web forms and integrations, by intake key"),
        (name = "Live", description = "Committed changes as server-sent events"),
        (name = "Session", description = "Signing in to the app"),
        (name = "Service", description = "Health and this document"),
    )
)]
pub struct ApiDoc;

/// The document as served, built once.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        link_field_names(&mut doc);
        doc
    })
}

/// utoipa 5 writes a link's fields in snake case (`operation_id`); OpenAPI spells them in
/// camel case (`operationId`), which is what clients read.
fn link_field_names(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    let links = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(|op| op.get_mut("responses").and_then(Value::as_object_mut))
        .flat_map(|responses| responses.values_mut())
        .filter_map(|r| r.get_mut("links").and_then(Value::as_object_mut))
        .flat_map(|links| links.values_mut())
        .filter_map(Value::as_object_mut);
    for link in links {
        for (from, to) in [
            ("operation_id", "operationId"),
            ("operation_ref", "operationRef"),
            ("request_body", "requestBody"),
        ] {
            if let Some(v) = link.remove(from) {
                link.insert(to.to_string(), v);
            }
        }
    }
}

/// Security schemes, and the error responses each operation can give, in the one error shape.
struct Common;

impl Modify for Common {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A personal API token (clt_…); intake keys (cli_…) on /intake only",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                app::ssr::auth::SESSION_COOKIE,
            ))),
        );
        for (path, item) in api.paths.paths.iter_mut() {
            for (method, op) in operations(item) {
                let public = op.security.as_ref().is_some_and(|s| {
                    serde_json::to_value(s).is_ok_and(|v| v == serde_json::json!([{}]))
                });
                let versioned = op.parameters.as_ref().is_some_and(|ps| {
                    ps.iter()
                        .any(|p| serde_json::to_value(p).is_ok_and(|v| v["name"] == "If-Match"))
                });
                let mut errors = vec![
                    (
                        "422",
                        "Bad input: `fields` names each bad field; nothing changed",
                    ),
                    (
                        "500",
                        "A failure on the server; nothing is said about its cause",
                    ),
                ];
                if !public {
                    errors.push((
                        "401",
                        "Not signed in, or the API token is unknown or revoked",
                    ));
                    errors.push((
                        "403",
                        "Not allowed for this person, a read-only token writing, or a \
                         cross-site browser request",
                    ));
                }
                if path.contains('{') {
                    errors.push(("404", "No such lead or stage, or not visible to the asker"));
                }
                if versioned {
                    errors.push((
                        "409",
                        "The lead changed since that version: `current` is how it stands",
                    ));
                    errors.push((
                        "428",
                        "No version given: send `version` in the body or `If-Match`",
                    ));
                }
                if (path == "/session" && method == "post") || path == "/intake" {
                    errors.push(("429", "Too many attempts: wait `retry_after_secs`"));
                }
                if path == "/session" && method == "post" {
                    errors.push(("401", "Wrong e-mail or password, or the account is locked"));
                }
                if path == "/ready" {
                    errors.push((
                        "503",
                        "The database does not answer: send no traffic here for now",
                    ));
                }
                if path == "/intake" {
                    errors.push(("401", "No valid intake key or form id"));
                    errors.push(("403", "The form's web site is not one of the key's"));
                }
                for (status, description) in errors {
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| RefOr::T(error_response(description)));
                }
                add_links(path, method, op);
            }
        }
    }
}

/// The operations that read one lead, and those that write it, by operation id.
const LEAD_READS: [&str; 3] = ["lead", "lead_detail", "list_activities"];
const LEAD_WRITES: [&str; 6] = [
    "edit_lead",
    "log_activity",
    "set_next_step",
    "close_out",
    "move_lead",
    "assign_lead",
];

/// OpenAPI links, so a client (and stateful fuzzing) can follow a new lead into the
/// operations on it, and a read lead's `ETag` into a write based on that version.
fn add_links(path: &str, method: &str, op: &mut Operation) {
    let links: Vec<(&str, Link)> = match (path, method) {
        // A new lead, or the person's open lead the inquiry joined.
        ("/leads", "post") => LEAD_READS
            .iter()
            .chain(&LEAD_WRITES)
            .map(|id| {
                let link = LinkBuilder::new()
                    .operation_id(*id)
                    .parameter("id", "$response.body#/lead_id");
                (*id, link.build())
            })
            .collect(),
        // The lead as it stands: its ETag is the version a write needs.
        ("/leads/{id}", "get") => LEAD_WRITES
            .iter()
            .map(|id| {
                let link = LinkBuilder::new()
                    .operation_id(*id)
                    .parameter("id", "$request.path.id")
                    .parameter("If-Match", "$response.header.ETag");
                (*id, link.build())
            })
            .collect(),
        _ => return,
    };
    for (status, response) in op.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        if !status.starts_with('2') {
            continue;
        }
        for (id, link) in &links {
            response.links.insert(id.to_string(), link.clone().into());
        }
    }
}

fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}

fn operations(item: &mut PathItem) -> Vec<(&'static str, &mut Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("patch", item.patch.as_mut()),
        ("options", item.options.as_mut()),
        ("head", item.head.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|op| (m, op)))
    .collect()
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "Service", security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn document(
    axum::extract::State(state): axum::extract::State<app::ssr::AppState>,
) -> Response {
    static JSON: OnceLock<String> = OnceLock::new();
    let headers = [
        (header::CONTENT_TYPE, "application/json"),
        (header::CACHE_CONTROL, "no-cache"),
    ];
    // The organisation's custom fields are part of the lead's schema; without any, the
    // document is the built one.
    let defs = match state.store.read().await {
        Ok(mut conn) => match state.store.pipeline(&mut conn).await {
            Ok(p) => p.fields().to_vec(),
            Err(_) => Vec::new(),
        },
        Err(_) => Vec::new(),
    };
    let live: Vec<&FieldDef> = defs
        .iter()
        .filter(|d| d.entity == FieldEntity::Lead && !d.retired)
        .collect();
    if live.is_empty() {
        let body = JSON.get_or_init(|| serde_json::to_string_pretty(spec()).unwrap_or_default());
        return (headers, body.as_str()).into_response();
    }
    let mut doc = spec().clone();
    with_custom_fields(&mut doc, &live);
    (
        headers,
        serde_json::to_string_pretty(&doc).unwrap_or_default(),
    )
        .into_response()
}

/// Adds `LeadFields`, the organisation's lead custom fields as a schema generated from their
/// definitions, and points the lead's and the edit's `fields` at it.
pub fn with_custom_fields(doc: &mut Value, defs: &[&FieldDef]) {
    let properties: serde_json::Map<String, Value> = defs
        .iter()
        .map(|d| {
            let mut schema = match d.kind {
                FieldKind::Text => json!({"type": ["string", "null"], "maxLength": fields::MAX_TEXT}),
                FieldKind::LongText => json!({"type": ["string", "null"], "maxLength": fields::MAX_LONG_TEXT}),
                FieldKind::Number => json!({"type": ["number", "null"], "multipleOf": 0.01}),
                FieldKind::Money => json!({"type": ["number", "null"], "multipleOf": 0.01,
                    "description": "An amount in the organisation's currency"}),
                FieldKind::Date => json!({"type": ["string", "null"], "format": "date"}),
                FieldKind::YesNo => json!({"type": ["boolean", "null"]}),
                FieldKind::Choice => json!({"type": ["string", "null"], "enum": d.choices.iter().map(|c| Value::from(c.as_str())).chain([Value::Null]).collect::<Vec<_>>()}),
                FieldKind::MultiChoice => json!({"type": ["array", "null"], "items": {"type": "string", "enum": d.choices}}),
                FieldKind::User => json!({"type": ["integer", "null"], "description": "A user's id"}),
                FieldKind::Link => json!({"type": ["string", "null"], "format": "uri", "maxLength": fields::MAX_LINK}),
            };
            let mut about = d.label.clone();
            if let Some(h) = &d.help {
                about = format!("{about}: {h}");
            }
            if d.pipeline_id.is_some() {
                about.push_str(" (leads of one pipeline only)");
            }
            if let Some(obj) = schema.as_object_mut() {
                obj.entry("title").or_insert(Value::from(d.label.clone()));
                obj.insert("description".into(), Value::from(about));
            }
            (d.key.clone(), schema)
        })
        .collect();
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    schemas.insert(
        "LeadFields".into(),
        json!({
            "type": "object",
            "description": "The organisation's custom lead fields, by key; null clears one in an edit",
            "properties": properties,
            "additionalProperties": false,
        }),
    );
    for owner in ["Lead", "LeadEdit"] {
        if let Some(p) = schemas
            .get_mut(owner)
            .and_then(|s| s.pointer_mut("/properties/fields"))
        {
            *p = json!({"$ref": "#/components/schemas/LeadFields"});
        }
    }
}

/// `GET /api/docs`: the document as a page people read. Static HTML and our stylesheet, no
/// script: its policy allows the stylesheet and nothing else.
pub async fn page() -> Response {
    static PAGE: OnceLock<String> = OnceLock::new();
    let html = PAGE.get_or_init(|| render(spec()));
    (
        [(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; frame-ancestors 'none'",
        )],
        Html(html.clone()),
    )
        .into_response()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Escaped prose with its `code spans` set as code.
fn prose(s: &str) -> String {
    esc(s)
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_string()
            }
        })
        .collect()
}

/// A schema's type in a few words: `Lead`, `array of Activity`, `integer or null`.
fn type_of(schema: &Value) -> String {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(list) = schema[key].as_array() {
            let parts: Vec<String> = list.iter().map(type_of).collect();
            return parts.join(" or ");
        }
    }
    let base = match &schema["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "any".to_string(),
    };
    if base.starts_with("array") {
        return format!("array of {}", type_of(&schema["items"]));
    }
    if let Some(values) = schema["enum"].as_array() {
        let vs: Vec<String> = values
            .iter()
            .map(|v| format!("<code>{}</code>", esc(&v.to_string())))
            .collect();
        return format!("{} ({})", esc(&base), vs.join(", "));
    }
    esc(&base)
}

fn render(doc: &Value) -> String {
    let mut h = String::new();
    let title = doc["info"]["title"].as_str().unwrap_or("API");
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} reference</title><link rel=\"stylesheet\" href=\"/pkg/closeloop.css\">\
         </head><body class=\"apidoc\"><main class=\"apidoc-main\">\
         <h1>{t}</h1><p class=\"apidoc-lede\">{d}</p>\
         <p>Base URL <code>/api/v1</code> · machine-readable: \
         <a href=\"/api/v1/openapi.json\">openapi.json</a> (OpenAPI {v})</p>",
        t = esc(title),
        d = prose(doc["info"]["description"].as_str().unwrap_or("")),
        v = esc(doc["openapi"].as_str().unwrap_or("")),
    );
    h.push_str("<nav class=\"apidoc-toc\" aria-label=\"Operations\"><ul>");
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    for (path, item) in &paths {
        for (method, op) in item.as_object().into_iter().flatten() {
            let _ = write!(
                h,
                "<li><a href=\"#{id}\"><span class=\"apidoc-method apidoc-{m}\">{M}</span> \
                 <code>{p}</code></a></li>",
                id = esc(op["operationId"].as_str().unwrap_or("")),
                m = esc(method),
                M = esc(&method.to_uppercase()),
                p = esc(path),
            );
        }
    }
    h.push_str("</ul></nav>");
    for (path, item) in &paths {
        for (method, op) in item.as_object().into_iter().flatten() {
            let _ = write!(
                h,
                "<section class=\"apidoc-op\" id=\"{id}\"><h2><span class=\"apidoc-method \
                 apidoc-{m}\">{M}</span> <code>{p}</code></h2>",
                id = esc(op["operationId"].as_str().unwrap_or("")),
                m = esc(method),
                M = esc(&method.to_uppercase()),
                p = esc(path),
            );
            if let Some(text) = op["description"].as_str().or(op["summary"].as_str()) {
                let _ = write!(h, "<p>{}</p>", prose(text));
            }
            if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
                h.push_str(
                    "<h3>Parameters</h3><table class=\"apidoc-table\"><thead><tr><th>Name</th>\
                     <th>In</th><th>Type</th><th>Description</th></tr></thead><tbody>",
                );
                for p in params {
                    let _ = write!(
                        h,
                        "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(p["name"].as_str().unwrap_or("")),
                        if p["required"] == Value::Bool(true) {
                            " <span class=\"apidoc-req\">required</span>"
                        } else {
                            ""
                        },
                        esc(p["in"].as_str().unwrap_or("")),
                        type_of(&p["schema"]),
                        prose(p["description"].as_str().unwrap_or("")),
                    );
                }
                h.push_str("</tbody></table>");
            }
            if let Some(content) = op["requestBody"]["content"].as_object() {
                h.push_str("<h3>Body</h3><ul class=\"apidoc-list\">");
                for (ct, c) in content {
                    let _ = write!(
                        h,
                        "<li><code>{}</code>: {}</li>",
                        esc(ct),
                        type_of(&c["schema"])
                    );
                }
                h.push_str("</ul>");
            }
            h.push_str("<h3>Responses</h3><ul class=\"apidoc-list\">");
            for (status, r) in op["responses"].as_object().into_iter().flatten() {
                let schema = r["content"]
                    .as_object()
                    .and_then(|c| c.values().next())
                    .map(|c| type_of(&c["schema"]))
                    .unwrap_or_default();
                let _ = write!(
                    h,
                    "<li><span class=\"apidoc-status apidoc-s{}\">{}</span> {} {}</li>",
                    esc(&status[..1]),
                    esc(status),
                    prose(r["description"].as_str().unwrap_or("")),
                    if schema.is_empty() {
                        String::new()
                    } else {
                        format!("→ {schema}")
                    }
                );
            }
            h.push_str("</ul></section>");
        }
    }
    h.push_str("<h2 class=\"apidoc-schemas\">Schemas</h2>");
    for (name, schema) in doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
    {
        let _ = write!(
            h,
            "<section class=\"apidoc-schema\" id=\"schema-{0}\"><h3>{0}</h3>",
            esc(name)
        );
        if let Some(d) = schema["description"].as_str() {
            let _ = write!(h, "<p>{}</p>", prose(d));
        }
        match schema["properties"].as_object() {
            Some(props) => {
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                h.push_str(
                    "<table class=\"apidoc-table\"><thead><tr><th>Field</th><th>Type</th>\
                     <th>Description</th></tr></thead><tbody>",
                );
                for (field, p) in props {
                    let _ = write!(
                        h,
                        "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(field),
                        if required.contains(&field.as_str()) {
                            " <span class=\"apidoc-req\">required</span>"
                        } else {
                            ""
                        },
                        type_of(p),
                        prose(p["description"].as_str().unwrap_or("")),
                    );
                }
                h.push_str("</tbody></table>");
            }
            None => {
                let _ = write!(h, "<p>{}</p>", type_of(schema));
            }
        }
        h.push_str("</section>");
    }
    h.push_str("</main></body></html>");
    h
}
