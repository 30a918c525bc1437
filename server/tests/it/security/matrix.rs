//! The authorization matrix, as data: every route the server answers × every kind of
//! principal, each cell checked through the real router.

use crate::both_backends;
use crate::http::Client;
use crate::support::TestDb;
use app::domain::Lead;
use app::ssr::service;
use app::ssr::store::accounts::KeyKind;
use axum::body::Body;
use axum::http::{header, Method, Request};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Who asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum P {
    Anonymous,
    Rep,
    Manager,
    Marketing,
    Leadership,
    Admin,
    Wall,
    Intake,
}

impl P {
    /// The demo user signed in for a role (none for the others).
    pub(crate) fn user(self) -> Option<&'static str> {
        match self {
            P::Rep => Some("dana"),
            P::Manager => Some("morgan"),
            P::Marketing => Some("riley"),
            P::Leadership => Some("eleanor"),
            P::Admin => Some("admin"),
            P::Anonymous | P::Wall | P::Intake => None,
        }
    }
}

const ALL: [P; 8] = [
    P::Anonymous,
    P::Rep,
    P::Manager,
    P::Marketing,
    P::Leadership,
    P::Admin,
    P::Wall,
    P::Intake,
];
const USERS: [P; 5] = [P::Rep, P::Manager, P::Marketing, P::Leadership, P::Admin];
const BOARD: [P; 4] = [P::Rep, P::Manager, P::Leadership, P::Admin];

/// Every route the server answers, with who may use it. A route missing here fails the test.
pub(crate) fn expected() -> BTreeMap<(&'static str, &'static str), Vec<P>> {
    let mut m = BTreeMap::new();
    let mut add = |method, path, who: &[P]| {
        m.insert((method, path), who.to_vec());
    };
    // REST
    add("GET", "/api/v1/health", &ALL);
    add("GET", "/api/v1/ready", &ALL);
    add("GET", "/api/v1/openapi.json", &ALL);
    add("GET", "/api/v1/leads", &BOARD);
    add("POST", "/api/v1/leads", &[P::Rep, P::Manager]);
    add("GET", "/api/v1/leads/{id}/activities", &BOARD);
    add("PUT", "/api/v1/leads/{id}/next-step", &[P::Rep, P::Manager]);
    for reference in ["stages", "sources", "campaigns", "users", "teams"] {
        add("GET", reference_path(reference), &USERS);
    }
    add("POST", "/api/v1/session", &ALL);
    add("DELETE", "/api/v1/session", &USERS);
    add("GET", "/api/v1/me", &USERS);
    add("GET", "/api/v1/board", &BOARD);
    add("GET", "/api/v1/board/columns/{stage}", &BOARD);
    add(
        "GET",
        "/api/v1/leads/{id}",
        &[P::Rep, P::Manager, P::Leadership, P::Admin],
    );
    add("POST", "/api/v1/leads/{id}/move", &[P::Rep, P::Manager]);
    add("PATCH", "/api/v1/leads/{id}", &[P::Rep, P::Manager]);
    add("GET", "/api/v1/leads/{id}/timeline", &BOARD);
    add(
        "POST",
        "/api/v1/leads/{id}/activities",
        &[P::Rep, P::Manager],
    );
    add("POST", "/api/v1/leads/{id}/close", &[P::Rep, P::Manager]);
    add("POST", "/api/v1/leads/{id}/assign", &[P::Manager]);
    add("GET", "/api/v1/events", &BOARD);
    add("POST", "/api/v1/intake", &[P::Intake]);
    // Server functions
    add("GET", "/api/fn/me", &ALL);
    add("POST", "/api/fn/sign_in", &ALL);
    add("POST", "/api/fn/sign_out", &ALL);
    add("GET", "/api/fn/board", &BOARD);
    add("GET", "/api/fn/board_column", &BOARD);
    add("GET", "/api/fn/board_filters", &BOARD);
    add("POST", "/api/fn/move_lead", &[P::Rep, P::Manager]);
    add("GET", "/api/fn/lead_detail", &BOARD);
    add("POST", "/api/fn/edit_lead", &[P::Rep, P::Manager]);
    add("POST", "/api/fn/log_activity", &[P::Rep, P::Manager]);
    add("POST", "/api/fn/close_out", &[P::Rep, P::Manager]);
    add("POST", "/api/fn/assign_lead", &[P::Manager]);
    add("GET", "/api/fn/today", &[P::Rep, P::Manager]);
    add("GET", "/api/fn/review", &BOARD);
    add("GET", "/review/{rep}", &BOARD);
    add("GET", "/api/fn/reviews", &[P::Manager]);
    // Team visibility (the demo's): everyone but marketing sees a board; admins export it.
    add(
        "GET",
        "/api/fn/leaderboard",
        &[P::Rep, P::Manager, P::Leadership, P::Admin],
    );
    add(
        "GET",
        "/leaderboard",
        &[P::Rep, P::Manager, P::Leadership, P::Admin],
    );
    add("POST", "/api/fn/set_leaderboard_visibility", &[P::Admin]);
    add("GET", "/review", &[P::Manager]);
    for manager in [
        "/api/fn/start_review",
        "/api/fn/save_review_notes",
        "/api/fn/add_review_action",
        "/api/fn/tick_review_action",
        "/api/fn/finish_review",
    ] {
        add("POST", manager, &[P::Manager]);
    }
    add("POST", "/api/fn/snooze_lead", &[P::Rep, P::Manager]);
    // "New lead": the people who enter leads by hand (as POST /api/v1/leads).
    add("GET", "/api/fn/new_lead_choices", &[P::Rep, P::Manager]);
    add("POST", "/api/fn/preview_new_lead", &[P::Rep, P::Manager]);
    add("POST", "/api/fn/create_lead", &[P::Rep, P::Manager]);
    add("POST", "/api/fn/add_inquiry", &[P::Rep, P::Manager]);
    add("GET", "/leads/new", &[P::Rep, P::Manager]);
    // A calendar feed of one's next steps: the people who have them.
    add("GET", "/api/fn/calendar_feed", &[P::Rep, P::Manager]);
    add(
        "POST",
        "/api/fn/turn_on_calendar_feed",
        &[P::Rep, P::Manager],
    );
    add(
        "POST",
        "/api/fn/turn_off_calendar_feed",
        &[P::Rep, P::Manager],
    );
    add("POST", "/api/fn/plan_next_step", &[P::Rep, P::Manager]);
    // The shared mailbox: admins connect it; a message waiting for Dana is hers to file, or
    // her manager's; one filed on a lead is read by whoever sees the lead.
    for admin_only in [
        ("GET", "/api/fn/mailbox"),
        ("POST", "/api/fn/connect_mailbox"),
        ("POST", "/api/fn/disconnect_mailbox"),
        ("POST", "/api/fn/check_mailbox_now"),
        ("GET", "/admin/mailbox"),
    ] {
        add(admin_only.0, admin_only.1, &[P::Admin]);
    }
    add("GET", "/api/fn/mail_waiting", &[P::Rep, P::Manager]);
    add("GET", "/api/fn/mail_message", &BOARD);
    add("POST", "/api/fn/file_mail_as_lead", &[P::Rep, P::Manager]);
    add("POST", "/api/fn/file_mail_on_lead", &[P::Rep, P::Manager]);
    add("GET", "/mail", &[P::Rep, P::Manager]);
    // Outbound webhooks: admins.
    for admin_only in [
        ("GET", "/api/fn/webhooks"),
        ("POST", "/api/fn/create_webhook"),
        ("POST", "/api/fn/delete_webhook"),
        ("POST", "/api/fn/resend_delivery"),
        ("GET", "/admin/webhooks"),
    ] {
        add(admin_only.0, admin_only.1, &[P::Admin]);
    }
    add("GET", "/mail/{id}", &BOARD);
    // Pipeline settings: managers read their teams' pipelines (and change them only when an
    // admin allows it, which the demo does not); admins shape them all.
    add("GET", "/api/fn/pipeline_settings", &[P::Manager, P::Admin]);
    add("GET", "/settings/pipelines", &[P::Manager, P::Admin]);
    // Custom fields: managers read what their reps are asked for; admins define them.
    add("GET", "/api/fn/field_settings", &[P::Manager, P::Admin]);
    add("GET", "/settings/fields", &[P::Manager, P::Admin]);
    for admin_only in [
        ("POST", "/api/fn/save_field"),
        ("POST", "/api/fn/move_field"),
        ("POST", "/api/fn/retire_field"),
    ] {
        add(admin_only.0, admin_only.1, &[P::Admin]);
    }
    for admin_only in [
        ("POST", "/api/fn/save_pipeline"),
        ("POST", "/api/fn/create_pipeline"),
        ("POST", "/api/fn/retire_stage"),
        ("POST", "/api/fn/managers_edit_pipelines"),
    ] {
        add(admin_only.0, admin_only.1, &[P::Admin]);
    }
    for admin_only in [
        ("GET", "/api/fn/users"),
        ("POST", "/api/fn/create_user"),
        ("POST", "/api/fn/update_user"),
        ("POST", "/api/fn/unlock_user"),
        ("POST", "/api/fn/reset_password"),
        ("GET", "/api/fn/teams"),
        ("POST", "/api/fn/create_team"),
        ("POST", "/api/fn/update_team"),
        ("GET", "/api/fn/wall_tokens"),
        ("POST", "/api/fn/issue_wall_token"),
        ("POST", "/api/fn/revoke_wall_token"),
        ("POST", "/api/fn/configure_wall"),
        ("POST", "/api/fn/save_rule"),
        ("POST", "/api/fn/delete_rule"),
        ("POST", "/api/fn/move_rule"),
        ("GET", "/api/fn/org_settings"),
        ("POST", "/api/fn/save_org_settings"),
        ("POST", "/api/fn/retire_pipeline"),
    ] {
        add(admin_only.0, admin_only.1, &[P::Admin]);
    }
    for marketing in [
        ("GET", "/api/fn/intake_keys"),
        ("GET", "/api/fn/sources"),
        ("POST", "/api/fn/issue_intake_key"),
        ("POST", "/api/fn/revoke_intake_key"),
        ("POST", "/api/fn/update_intake_key"),
    ] {
        add(marketing.0, marketing.1, &[P::Marketing, P::Admin]);
    }
    // POST: the token travels in the body, never in a URL that logs keep.
    add("POST", "/api/fn/wall", &[P::Wall, P::Leadership, P::Admin]);
    add("GET", "/api/fn/policy_settings", &BOARD);
    add(
        "GET",
        "/api/fn/routing",
        &[P::Manager, P::Leadership, P::Admin],
    );
    add(
        "POST",
        "/api/fn/test_routing",
        &[P::Manager, P::Leadership, P::Admin],
    );
    add("POST", "/api/fn/set_availability", &[P::Manager, P::Admin]);
    add("GET", "/api/fn/duplicates", &BOARD);
    // Dismissing a pair ("different people") writes no lead: who works one of them, or an
    // admin (see `access::dismiss_duplicate`).
    add(
        "POST",
        "/api/fn/resolve_duplicate",
        &[P::Rep, P::Manager, P::Admin],
    );
    add("GET", "/api/fn/contact", &BOARD);
    // The forecast: a rep their own, managers their teams', leadership and admins all; not
    // marketing.
    let forecast = [P::Rep, P::Manager, P::Leadership, P::Admin];
    add("GET", "/api/fn/forecast", &forecast);
    add("GET", "/forecast", &forecast);
    // Quotas: managers read their teams', leadership and admins everyone's; managers set
    // their reps', admins anyone's (see `access::set_quota`).
    let quotas = [P::Manager, P::Leadership, P::Admin];
    add("GET", "/api/fn/quotas", &quotas);
    add("GET", "/quotas", &quotas);
    add("POST", "/api/fn/set_quota", &[P::Manager, P::Admin]);
    let roi = [P::Manager, P::Marketing, P::Leadership, P::Admin];
    add("GET", "/api/fn/roi", &roi);
    add("GET", "/api/fn/roi_times", &roi);
    add("GET", "/roi", &roi);
    add("GET", "/campaigns", &roi);
    add("GET", "/api/fn/campaigns", &roi);
    add("GET", "/api/fn/campaign_spend", &roi);
    for change in [
        "/api/fn/save_campaign",
        "/api/fn/set_inquiry_target",
        "/api/fn/add_spend",
        "/api/fn/delete_spend",
        "/api/fn/upload_spend",
    ] {
        add("POST", change, &[P::Marketing, P::Admin]);
    }
    add("GET", "/api/fn/company", &BOARD);
    add("GET", "/api/fn/quote", &BOARD);
    add("GET", "/api/fn/lead_quotes", &BOARD);
    add("GET", "/api/fn/products", &BOARD);
    add("GET", "/api/fn/seller", &BOARD);
    add("GET", "/quotes/{id}", &BOARD);
    for quote_change in [
        "/api/fn/create_quote",
        "/api/fn/save_quote",
        "/api/fn/quote_status",
    ] {
        add("POST", quote_change, &[P::Rep, P::Manager]);
    }
    add("POST", "/api/fn/save_product", &[P::Admin]);
    add("POST", "/api/fn/save_seller", &[P::Admin]);
    add("GET", "/admin/products", &[P::Admin]);
    add("POST", "/api/fn/erase_contact", &[P::Admin]);
    add("GET", "/api/fn/compliance", &BOARD);
    add("GET", "/api/fn/compliance_leads", &BOARD);
    add("GET", "/api/fn/inbox", &USERS);
    add("GET", "/api/fn/api_tokens", &USERS);
    for importer in [
        ("GET", "/api/fn/import_options"),
        ("POST", "/api/fn/upload_import"),
        ("POST", "/api/fn/start_import"),
        ("POST", "/api/fn/cancel_import"),
        ("GET", "/import"),
    ] {
        add(importer.0, importer.1, &[P::Rep, P::Manager, P::Marketing]);
    }
    add("GET", "/api/fn/intake_endpoint", &USERS);
    add("POST", "/api/fn/issue_api_token", &USERS);
    add("POST", "/api/fn/revoke_api_token", &USERS);
    add("GET", "/settings/api-tokens", &USERS);
    add("POST", "/api/fn/mark_inbox_read", &USERS);
    add("POST", "/api/fn/preview_policy", &[P::Manager, P::Admin]);
    add("POST", "/api/fn/save_policy", &[P::Manager, P::Admin]);
    // Pages
    add("GET", "/", &USERS);
    add("GET", "/signin", &ALL);
    add("GET", "/board", &BOARD);
    add("GET", "/leads/{id}", &BOARD);
    add("GET", "/wall", &[P::Leadership, P::Admin]);
    add("GET", "/wall/{token}", &[P::Wall]);
    add("GET", "/admin/users", &[P::Admin]);
    add("GET", "/admin/teams", &[P::Admin]);
    add("GET", "/admin/settings", &[P::Admin]);
    add("GET", "/today", &[P::Rep, P::Manager]);
    add("GET", "/admin/wall-tokens", &[P::Admin]);
    add("GET", "/settings/intake-keys", &[P::Marketing, P::Admin]);
    add("GET", "/settings/policy", &BOARD);
    add(
        "GET",
        "/settings/routing",
        &[P::Manager, P::Leadership, P::Admin],
    );
    add("GET", "/compliance", &BOARD);
    add("GET", "/compliance/leads", &BOARD);
    add("GET", "/duplicates", &BOARD);
    add("GET", "/contacts/{id}", &BOARD);
    add("GET", "/companies/{id}", &BOARD);
    m
}

fn reference_path(name: &str) -> &'static str {
    match name {
        "stages" => "/api/v1/stages",
        "sources" => "/api/v1/sources",
        "campaigns" => "/api/v1/campaigns",
        "users" => "/api/v1/users",
        _ => "/api/v1/teams",
    }
}

/// Every route the server actually has: the REST table, the registered server functions and
/// the page routes.
fn actual() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (method, path, _) in server::rest::endpoints() {
        out.insert((method.to_string(), format!("/api/v1{path}")));
    }
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        out.insert((method.to_string(), path.to_string()));
    }
    for route in leptos_axum::generate_route_list(app::App) {
        let path = route
            .path()
            .replace(":token", "{token}")
            .replace(":id", "{id}");
        out.insert(("GET".to_string(), path));
    }
    out
}

/// What the principals need: sessions, a wall token, an intake key, and a lead of Dana's.
struct Fixture {
    /// The state the matrix's requests are served from (import uploads live in it).
    state: app::ssr::AppState,
    lead: Lead,
    wall_token: String,
    intake_key: String,
    source: i64,
    team: i64,
    manager: i64,
    luis: i64,
    kim: i64,
    /// A lead of Luis's (Enterprise East), handed between Luis and Kim by the assign cells.
    luis_lead: app::domain::LeadId,
    /// A demo campaign, and its name.
    campaign: i64,
    campaign_name: String,
    /// Dana (the fixture lead's rep), her review in progress (run by Morgan) and an action
    /// agreed in it.
    dana: i64,
    review: i64,
    review_action: i64,
    /// A draft quote on the fixture lead.
    quote: i64,
    /// Two messages from strangers waiting for Dana to file them (the shared mailbox), and
    /// one filed on the fixture lead.
    mail: [i64; 2],
    filed_mail: i64,
    /// A delivery of a webhook.
    delivery: i64,
}

async fn fixture(db: &TestDb) -> Fixture {
    let state = db.state();
    let dana = db.actor("dana").await;
    let admin = db.actor("admin").await;
    let riley = db.actor("riley").await;
    let lead = db
        .find(|l, p| {
            l.owner.as_ref().is_some_and(|o| o.id == dana.id.0)
                && l.next_step.is_some()
                && p.get(l.stage_id).unwrap().kind == app::domain::StageKind::Open
                && p.next(l.stage_id)
                    .is_some_and(|n| n.kind == app::domain::StageKind::Open)
                && p.next(l.stage_id)
                    .is_some_and(|n| n.entry_criteria.is_empty())
        })
        .await;
    let wall = service::keys::issue(&state, &admin, KeyKind::Wall, "TV", None)
        .await
        .unwrap();
    let sources = service::keys::sources(&state, &riley).await.unwrap();
    let intake = service::keys::issue(&state, &riley, KeyKind::Intake, "Form", Some(sources[0].id))
        .await
        .unwrap();
    let luis = db.actor("luis").await;
    let (campaign, campaign_name): (i64, String) =
        sqlx::query_as("SELECT id, name FROM campaigns ORDER BY id LIMIT 1")
            .fetch_one(&mut *db.store.read().await.unwrap())
            .await
            .unwrap();
    let morgan = db.actor("morgan").await;
    let review = service::review::start(&state, &morgan, dana.id.0)
        .await
        .unwrap();
    let review_action = service::review::add_action(
        &state,
        &morgan,
        review,
        app::domain::review::ActionInput {
            lead_id: None,
            text: "Matrix".into(),
            due: None,
        },
    )
    .await
    .unwrap();
    let quote = service::quotes::create(&state, &dana, lead.id)
        .await
        .unwrap();
    let mut mail = [0; 2];
    for (n, id) in mail.iter_mut().enumerate() {
        let raw = format!(
            "From: Stranger {n} <stranger{n}@elsewhere.test>\r\nTo: dana@closeloop.example\r\n\
             Message-ID: <matrix-{n}@elsewhere.test>\r\nSubject: Hello {n}\r\n\r\nA quote, please.\r\n"
        );
        service::mailbox::file_raw(&state, raw.as_bytes(), None, false)
            .await
            .unwrap();
        (*id,) = sqlx::query_as("SELECT id FROM mail_messages WHERE message_key = $1")
            .bind(format!("matrix-{n}@elsewhere.test"))
            .fetch_one(&mut *db.store.read().await.unwrap())
            .await
            .unwrap();
    }
    let (filed_mail,): (i64,) = sqlx::query_as(
        "INSERT INTO mail_messages (message_key, outcome, subject, body, lead_id, received_at)
         VALUES ('matrix-filed', 'inquiry', 'Hello', 'Hi', $1, 0) RETURNING id",
    )
    .bind(lead.id.0)
    .fetch_one(&mut *db.store.read().await.unwrap())
    .await
    .unwrap();
    let (webhook,): (i64,) = sqlx::query_as(
        "INSERT INTO webhooks (url, kinds, sealed_secret, after_event, created_at)
         VALUES ('https://hooks.example.com/in', 'lead.won', 'sealed', 0, 0) RETURNING id",
    )
    .fetch_one(&mut *db.store.read().await.unwrap())
    .await
    .unwrap();
    let (delivery,): (i64,) = sqlx::query_as(
        "INSERT INTO webhook_deliveries (webhook_id, event_id, kind, body, status,
                                         next_attempt_at, created_at)
         VALUES ($1, 1, 'lead.won', '{}', 'failed', 0, 0) RETURNING id",
    )
    .bind(webhook)
    .fetch_one(&mut *db.store.read().await.unwrap())
    .await
    .unwrap();
    Fixture {
        delivery,
        filed_mail,
        mail,
        quote,
        dana: dana.id.0,
        review,
        review_action,
        campaign,
        campaign_name,
        state: state.clone(),
        lead,
        wall_token: wall.secret,
        intake_key: intake.secret,
        source: sources[0].id,
        team: luis.team_id.unwrap().0,
        manager: db.actor("morgan").await.id.0,
        luis: luis.id.0,
        kim: db.actor("kim").await.id.0,
        luis_lead: db
            .find(|l, _| l.owner.as_ref().is_some_and(|o| o.id == luis.id.0))
            .await
            .id,
    }
}

/// Issues a key nobody uses, for a revocation to act on.
async fn spare(db: &TestDb, kind: KeyKind, source: Option<i64>) -> i64 {
    let admin = db.actor("admin").await;
    service::keys::issue(&db.state(), &admin, kind, "Spare", source)
        .await
        .unwrap()
        .id
}

/// A request for `route` as `who`, with a body that would succeed for someone allowed.
async fn request(db: &TestDb, f: &Fixture, who: P, method: &str, path: &str) -> Request<Body> {
    let lead = f.lead.id.0;
    let next_stage = db
        .pipeline()
        .await
        .next(f.lead.stage_id)
        .map(|s| s.id.0)
        .unwrap();
    let token = if who == P::Wall {
        f.wall_token.as_str()
    } else {
        "clw_not-a-valid-token"
    };
    // The contact of Dana's lead, and a company one of her leads is with.
    let (contact, company): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT contact_id FROM leads WHERE id = $1),
                (SELECT MIN(company_id) FROM leads WHERE owner_id = $2)",
    )
    .bind(lead)
    .bind(f.lead.owner.as_ref().unwrap().id)
    .fetch_one(&mut *db.store.read().await.unwrap())
    .await
    .unwrap();
    let uri = match path {
        "/api/fn/contact" => format!("/api/fn/contact?id={contact}"),
        "/api/fn/company" => format!("/api/fn/company?id={company}"),
        "/contacts/{id}" => format!("/contacts/{contact}"),
        "/companies/{id}" => format!("/companies/{company}"),
        "/api/v1/leads/{id}" => format!("/api/v1/leads/{lead}"),
        "/api/v1/leads/{id}/move" => format!("/api/v1/leads/{lead}/move"),
        "/api/v1/leads/{id}/timeline" => format!("/api/v1/leads/{lead}/timeline"),
        "/api/v1/leads/{id}/activities" => format!("/api/v1/leads/{lead}/activities"),
        "/api/v1/leads/{id}/next-step" => format!("/api/v1/leads/{lead}/next-step"),
        "/api/v1/leads/{id}/close" => format!("/api/v1/leads/{lead}/close"),
        "/api/fn/lead_detail" => format!("/api/fn/lead_detail?lead_id={lead}"),
        "/api/fn/mail_message" => format!("/api/fn/mail_message?id={}", f.filed_mail),
        "/mail/{id}" => format!("/mail/{}", f.filed_mail),
        "/api/v1/leads/{id}/assign" => format!("/api/v1/leads/{}/assign", f.luis_lead.0),
        "/wall/{token}" => format!("/wall/{token}"),
        "/api/fn/review" => format!("/api/fn/review?rep={}", f.dana),
        "/api/fn/leaderboard" => "/api/fn/leaderboard?days=30".to_string(),
        "/review/{rep}" => format!("/review/{}", f.dana),
        "/leads/{id}" => format!("/leads/{lead}"),
        "/quotes/{id}" => format!("/quotes/{}", f.quote),
        "/api/fn/quote" => format!("/api/fn/quote?id={}", f.quote),
        "/api/fn/lead_quotes" => format!("/api/fn/lead_quotes?lead_id={lead}"),
        "/api/fn/products" => "/api/fn/products?include_inactive=false".to_string(),
        "/api/v1/board/columns/{stage}" => {
            format!("/api/v1/board/columns/{}?after=0.0.0", f.lead.stage_id.0)
        }
        "/api/fn/board_column" => format!(
            "/api/fn/board_column?stage={}&after=0.0.0",
            f.lead.stage_id.0
        ),
        "/api/fn/compliance" => "/api/fn/compliance?query[days]=30".to_string(),
        "/api/fn/roi" => "/api/fn/roi?query[days]=90".to_string(),
        "/api/fn/roi_times" => "/api/fn/roi_times?query[days]=90".to_string(),
        "/api/fn/campaign_spend" => format!("/api/fn/campaign_spend?campaign_id={}", f.campaign),
        "/api/fn/compliance_leads" => {
            "/api/fn/compliance_leads?query[days]=30&measure=next_step&passed=false".to_string()
        }
        other => other.to_string(),
    };
    let body = match path {
        "/api/v1/session" if method == "POST" => {
            json!({"email": "dana@closeloop.example", "password": server::seed::DEMO_PASSWORD})
        }
        "/api/v1/leads/{id}/move" => json!({"to_stage": next_stage, "version": f.lead.version}),
        // Back and forth between Luis and Kim, so every allowed attempt is a real change (a
        // stale version is a 409, which still counts as allowed past authorization).
        "/api/v1/leads/{id}/assign" | "/api/fn/assign_lead" => {
            let current = db.lead(f.luis_lead).await;
            let to = if current.owner.as_ref().is_some_and(|o| o.id == f.luis) {
                f.kim
            } else {
                f.luis
            };
            let req = json!({"owner": to, "version": current.version});
            if path.starts_with("/api/fn") {
                json!({"lead_id": f.luis_lead, "request": req})
            } else {
                req
            }
        }
        "/api/v1/intake" => json!({"contact_name": "Ada", "email": "ada@example.com"}),
        "/api/fn/turn_on_calendar_feed" => json!({"include_team": false}),
        // No sealing key in the matrix's state: an admin gets past authorization to a 422.
        "/api/fn/connect_mailbox" => json!({"form": {"host": "imap.example.test", "port": "",
            "security": "tls", "username": "leads", "password": "secret", "folder": "",
            "keep_attachments": false, "source_id": null}}),
        // The first allowed asker files it, the next is told it is filed already (422).
        "/api/fn/file_mail_as_lead" => json!({"id": f.mail[0]}),
        "/api/fn/file_mail_on_lead" => json!({"id": f.mail[1], "lead_id": lead}),
        // An address that is no endpoint: an admin is past authorization, at a 422.
        "/api/fn/create_webhook" => json!({"form": {"url": "ftp://example.com/in",
            "kinds": ["lead.won"], "description": "", "allow_private": false}}),
        // Deleting is idempotent for the matrix: a second admin cell finds it gone (404
        // would read as denied), so the delete cell names a fresh webhook each time.
        "/api/fn/delete_webhook" => {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO webhooks (url, kinds, sealed_secret, after_event, created_at)
                 VALUES ('https://hooks.example.com/x', 'lead.won', 'sealed', 0, 0) RETURNING id",
            )
            .fetch_one(&mut *db.store.read().await.unwrap())
            .await
            .unwrap();
            json!({"id": id})
        }
        "/api/fn/resend_delivery" => json!({"id": f.delivery}),
        // Edited from a version that never was: an admin is past authorization, at a 422.
        "/api/fn/save_pipeline" => json!({"id": 1, "based_on": 0, "form": {"name": "Sales",
            "teams": [], "stages": []}}),
        "/api/fn/create_pipeline" => json!({"form": {"name": "", "teams": [], "stages": []}}),
        "/api/fn/retire_stage" => json!({"stage": next_stage, "to": null, "based_on": 0}),
        "/api/fn/managers_edit_pipelines" => json!({"allowed": false}),
        // A field without a label: an admin is past authorization, at a 422.
        "/api/fn/save_field" => json!({"form": {"id": null, "label": "", "help": "",
            "kind": "text", "entity": "lead", "pipeline_id": null, "choices": "",
            "required_from": null, "on_card": false}}),
        // A fresh field alone: moving it up, or restoring it while in use, is a 422.
        "/api/fn/move_field" | "/api/fn/retire_field" => {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO field_definitions (key, label, kind, entity, position, created_at)
                 VALUES ('matrix_' || CAST((SELECT COUNT(*) FROM field_definitions) AS TEXT),
                         'Matrix', 'text', 'contact', 10, 0) RETURNING id",
            )
            .fetch_one(&mut *db.store.read().await.unwrap())
            .await
            .unwrap();
            if path == "/api/fn/move_field" {
                json!({"id": id, "up": true})
            } else {
                json!({"id": id, "retired": false})
            }
        }
        "/api/fn/preview_new_lead" => json!({"draft": {"source_id": f.source,
            "contact_name": "Matrix Typed", "email": "matrix.typed@example.com"}}),
        "/api/fn/create_lead" => json!({"request": {"source_id": f.source,
            "contact_name": "Matrix Typed", "email": "matrix.typed@example.com"},
            "key": "matrix-typed"}),
        // An inquiry on Dana's lead, which her manager sees too.
        "/api/fn/add_inquiry" => json!({"lead_id": lead, "request": {"source_id": f.source,
            "contact_name": "Matrix Typed", "email": "matrix.typed@example.com"},
            "key": "matrix-inquiry"}),
        // The first allowed asker creates the lead, later ones add an inquiry to it.
        "/api/v1/leads" if method == "POST" => json!({"source_id": f.source,
            "contact_name": "Matrix Person", "email": "matrix.person@example.com"}),
        "/api/v1/leads/{id}/next-step" => {
            json!({"version": 0, "kind": "call", "due_at": 4_102_444_800_000_i64})
        }
        "/api/fn/issue_api_token" => json!({"label": "Matrix", "scope": "read"}),
        "/api/fn/upload_import" => {
            json!({"file_name": "m.csv", "text": "Name,Email\nA,a@x.example\n"})
        }
        // An upload of the asker's own (importers only; others name one that is not theirs).
        "/api/fn/start_import" | "/api/fn/cancel_import" => {
            let importer = match who {
                P::Rep => "dana",
                P::Manager => "morgan",
                _ => "riley",
            };
            let actor = db.actor(importer).await;
            let csv = "Name,Email\nMatrix Import,matrix.import@example.com\n";
            let draft = service::import_jobs::upload(&f.state, &actor, "m.csv", csv).unwrap();
            json!({"id": draft.id, "run": {"source_id": f.source, "campaign_id": null,
                "mapping": draft.mapping, "commit": false}})
        }
        // One of the asker's own tokens (an id nobody has for the others).
        "/api/fn/revoke_api_token" => match who.user() {
            Some(local) => {
                let actor = db.actor(local).await;
                let issued = service::keys::issue_api_token(
                    &db.state(),
                    &actor,
                    "Spare",
                    app::domain::account::TokenScope::Read,
                )
                .await
                .unwrap();
                json!({"id": issued.id})
            }
            None => json!({"id": 1}),
        },
        // Version 0 is always stale: an allowed principal gets 409 (past authorization) and
        // nothing changes, so later cells see the same lead.
        "/api/v1/leads/{id}" if method == "PATCH" => json!({"version": 0, "contact_name": "Ada"}),
        "/api/v1/leads/{id}/activities" => {
            json!({"version": 0, "kind": "call", "outcome": "reached"})
        }
        "/api/v1/leads/{id}/close" => json!({"outcome": "won", "version": 0, "value": "100"}),
        "/api/fn/edit_lead" => {
            json!({"lead_id": lead, "edit": {"version": 0, "contact_name": "Ada"}})
        }
        "/api/fn/log_activity" => json!({"lead_id": lead,
            "request": {"version": 0, "kind": "call", "outcome": "reached"}}),
        "/api/fn/snooze_lead" => json!({"lead_id": lead,
            "request": {"version": 0, "until": "tomorrow", "reason": "away"}}),
        "/api/fn/plan_next_step" => json!({"lead_id": lead,
            "change": {"version": 0, "kind": "call", "due_at": 4_102_444_800_000_i64}}),
        "/api/fn/save_org_settings" => json!({"commission_rate": "5"}),
        "/api/fn/create_quote" => json!({"lead_id": lead}),
        // Version 0 is stale: an allowed principal gets 422, past authorization.
        "/api/fn/save_quote" => json!({"id": f.quote,
            "draft": {"version": 0, "currency": "USD", "lines": []}}),
        "/api/fn/quote_status" => json!({"id": f.quote, "change": {"version": 0, "to": "sent"}}),
        "/api/fn/save_product" => json!({"product": {"name": "Matrix", "sku": "MATRIX-1",
            "unit_price": "10", "currency": "USD"}}),
        "/api/fn/save_seller" => json!({"company": {"name": "Matrix Co", "address": "",
            "email": "", "phone": "", "tax_id": ""}}),
        "/api/fn/set_leaderboard_visibility" => json!({"visibility": "team"}),
        "/api/fn/start_review" => json!({"rep": f.dana}),
        // A stale version and an empty action: the manager gets 422, past authorization.
        "/api/fn/save_review_notes" => json!({"review": f.review, "version": 0, "notes": "x"}),
        "/api/fn/add_review_action" => json!({"review": f.review, "action": {"text": ""}}),
        "/api/fn/tick_review_action" => json!({"action": f.review_action, "done": true}),
        "/api/fn/finish_review" => json!({"review": f.review}),
        "/api/fn/close_out" => json!({"lead_id": lead,
            "request": {"outcome": "won", "version": 0, "value": "100"}}),
        "/api/fn/move_lead" => json!({"lead_id": lead,
            "request": {"to_stage": next_stage, "version": f.lead.version}}),
        "/api/fn/create_user" => {
            json!({"user": {"name": "New Rep", "email": "new.rep@closeloop.example",
            "role": "rep", "team_id": f.team, "password": "plum orchard sky"}})
        }
        "/api/fn/update_user" => json!({"id": f.luis,
            "change": {"role": "rep", "team_id": f.team, "active": true}}),
        "/api/fn/unlock_user" => json!({"id": f.luis}),
        "/api/fn/reset_password" => json!({"email": "luis@closeloop.example",
            "password": "another plum orchard"}),
        "/api/fn/create_team" => json!({"team": {"name": "Field Sales", "manager": null,
            "reps_see_team_board": false}}),
        "/api/fn/update_team" => json!({"id": f.team, "team": {"name": "Enterprise East",
            "manager": f.manager, "reps_see_team_board": false}}),
        "/api/fn/issue_wall_token" => json!({"label": "Lobby"}),
        // A fresh key to revoke for every request, so each allowed principal has one.
        "/api/fn/revoke_wall_token" => json!({"id": spare(db, KeyKind::Wall, None).await}),
        "/api/fn/configure_wall" => json!({"id": spare(db, KeyKind::Wall, None).await,
            "config": {"panels": ["Wins", "Roi"], "days": 30, "seconds": 10}}),
        "/api/fn/issue_intake_key" => json!({"label": "Form 2", "source_id": f.source}),
        // A change to the rules of Morgan's team, which has none of its own (so any version
        // it was based on is current).
        "/api/fn/preview_policy" | "/api/fn/save_policy" => {
            let rules = app::domain::Policy::default_for(
                app::domain::calendar::BusinessCalendar::office_hours_utc(),
            );
            let form = app::domain::policy_form::PolicyForm::of(&rules, &[], &[]);
            json!({"team": f.team, "form": form, "based_on": 1})
        }
        "/api/fn/revoke_intake_key" => {
            json!({"id": spare(db, KeyKind::Intake, Some(f.source)).await})
        }
        "/api/fn/erase_contact" => {
            let mut tx = db.store.begin().await.unwrap();
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO contacts (name, name_key, created_at) VALUES ('Spare', 'spare', 0)
                 RETURNING id",
            )
            .fetch_one(&mut *tx)
            .await
            .unwrap();
            tx.commit().await.unwrap();
            json!({"id": id})
        }
        "/api/fn/resolve_duplicate" => {
            // A fresh open pair on Dana's lead for every request.
            let mut tx = db.store.begin().await.unwrap();
            sqlx::query("DELETE FROM duplicate_candidates WHERE lead_id = $1")
                .bind(lead)
                .execute(&mut *tx)
                .await
                .unwrap();
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO duplicate_candidates (lead_id, other_lead_id, score, reasons, found_at)
                 VALUES ($1, $1, 70, '[]', 0) RETURNING id",
            )
            .bind(lead)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
            tx.commit().await.unwrap();
            json!({"id": id, "resolution": {"decision": "distinct"}})
        }
        "/api/fn/test_routing" => json!({"inquiry": {"source_id": f.source, "country": "US"}}),
        // The demo's only pipeline: an admin is refused by name (it is the last one).
        "/api/fn/retire_pipeline" => json!({"id": 1, "based_on": 1}),
        // Luis is on Morgan's team; a month far ahead is never in the past.
        "/api/fn/set_quota" => json!({"quota": {"user_id": f.luis, "measure": "wins",
            "cadence": "month", "starts": "2099-01", "target": "5", "currency": ""}}),
        "/api/fn/set_availability" => {
            json!({"user_id": f.luis, "capacity": "40", "away_until": ""})
        }
        "/api/fn/save_rule" => json!({"id": null, "form": {"name": "Matrix rule", "active": false,
            "team_id": f.team, "strategy": "round_robin"}}),
        "/api/fn/delete_rule" | "/api/fn/move_rule" => {
            let admin = db.actor("admin").await;
            let form = app::domain::routing::RuleForm {
                name: "Spare rule".into(),
                team_id: Some(f.team),
                strategy: "least_loaded".into(),
                ..Default::default()
            };
            let id = service::routing::save_rule(&db.state(), &admin, None, form)
                .await
                .unwrap();
            json!({"id": id, "up": true})
        }
        "/api/fn/set_inquiry_target" => {
            let zone = db
                .store
                .policies(&mut db.store.read().await.unwrap())
                .await
                .unwrap()
                .org
                .calendar
                .zone
                .clone();
            let (year, _, _) = app::domain::roi::year_span(app::ssr::service::now(), &zone);
            json!({"year": year, "target": "100,000"})
        }
        "/api/fn/save_campaign" => json!({"form": {"id": f.campaign, "source_id": f.source,
            "name": f.campaign_name, "starts_on": "2026-01-01", "ends_on": "", "budget": "1000",
            "currency": "USD"}}),
        "/api/fn/add_spend" => json!({"form": {"campaign_id": f.campaign,
            "spent_on": "2026-01-05", "amount": "10", "note": "Matrix"}}),
        "/api/fn/delete_spend" => {
            // A fresh entry for every request.
            let mut tx = db.store.begin().await.unwrap();
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO campaign_spend (campaign_id, spent_at, amount_cents, currency)
                 VALUES ($1, 0, 100, 'USD') RETURNING id",
            )
            .bind(f.campaign)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
            tx.commit().await.unwrap();
            json!({"id": id})
        }
        "/api/fn/upload_spend" => json!({"text": format!(
            "campaign,date,amount\n{},2026-01-06,25\n", f.campaign_name), "write": false}),
        "/api/fn/update_intake_key" => {
            json!({"id": spare(db, KeyKind::Intake, Some(f.source)).await,
            "allowed_origins": "https://www.example.com", "per_minute": 20})
        }
        "/api/fn/wall" => json!({"token": if who == P::Wall { token } else { "" }}),
        _ => json!({}),
    };
    let mut builder = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).unwrap())
        .uri(uri);
    if path == "/api/fn/sign_in" {
        builder = builder.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    } else if method != "GET" {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    match who {
        P::Anonymous | P::Wall => {}
        P::Intake => {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {}", f.intake_key));
        }
        user => {
            let local = user.user().unwrap_or("admin");
            builder = builder.header(header::COOKIE, db.quick_session(local).await);
        }
    }
    if method != "GET" && who != P::Intake {
        builder = builder.header("sec-fetch-site", "same-origin");
    }
    let body = if path == "/api/fn/sign_in" {
        Body::from(format!(
            "email=dana%40closeloop.example&password={}",
            server::seed::DEMO_PASSWORD
        ))
    } else if method == "GET" {
        Body::empty()
    } else {
        Body::from(body.to_string())
    };
    builder.body(body).unwrap()
}

both_backends!(every_route_allows_exactly_the_principals_in_the_matrix);
async fn every_route_allows_exactly_the_principals_in_the_matrix(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    let expected = expected();
    let written: BTreeSet<(String, String)> = expected
        .keys()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let actual = actual();
    let unwritten: Vec<_> = actual.difference(&written).collect();
    let stale: Vec<_> = written.difference(&actual).collect();
    assert!(
        unwritten.is_empty() && stale.is_empty(),
        "the matrix must list every route: routes without an entry {unwritten:?}; \
         entries without a route {stale:?}"
    );

    let f = fixture(&db).await;
    let client = Client {
        router: server::router(f.state.clone()),
        cookie: None,
    };
    let mut wrong = Vec::new();
    let mut cells = 0;
    for ((method, path), allowed) in &expected {
        for who in ALL {
            let req = request(&db, &f, who, method, path).await;
            let mut req = req;
            let (status, headers, body) = tokio::time::timeout(
                std::time::Duration::from_secs(20),
                client.send_full(&mut req),
            )
            .await
            .unwrap_or_else(|_| panic!("{method} {path} as {who:?} did not answer in 20 s"));
            let location = headers
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let denied = matches!(status.as_u16(), 401 | 403 | 404)
                || (status.is_redirection() && location.starts_with("/signin"));
            assert!(
                !status.is_server_error(),
                "{method} {path} as {who:?}: {status} {body}"
            );
            if denied == allowed.contains(&who) {
                wrong.push(format!(
                    "{method} {path} as {who:?}: {status} {location} (expected {})",
                    if allowed.contains(&who) {
                        "allowed"
                    } else {
                        "denied"
                    }
                ));
            }
            cells += 1;
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(cells, expected.len() * ALL.len());
    db
}
