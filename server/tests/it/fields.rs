//! Custom fields on both backends: an admin defines them (managers read, reps are refused);
//! values are checked field by field and written with the lead's version, kept in the event
//! log before and after; a field required from a stage holds a lead back there and cannot be
//! emptied once in it; the board and the API filter by a choice and a date range and search
//! custom text; an option in use and the kind of a used field stay.

use crate::both_backends;
use crate::support::{move_to, TestDb};
use app::domain::activity::LeadEdit;
use app::domain::fields::{FieldEntity, FieldForm, FieldKind, FieldValues};
use app::domain::filter::{CustomFilter, LeadQuery};
use app::domain::{BoardFilter, Lead, StageId};
use app::error::AppError;
use app::ssr::service;
use app::ssr::service::fields as settings;
use serde_json::json;

fn fields(e: &AppError) -> Vec<String> {
    e.fields().iter().map(|f| f.field.clone()).collect()
}

fn form(label: &str, kind: FieldKind) -> FieldForm {
    FieldForm {
        label: label.into(),
        kind,
        ..FieldForm::blank()
    }
}

fn values(pairs: &[(&str, serde_json::Value)]) -> FieldValues {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn edit(lead: &Lead, pairs: &[(&str, serde_json::Value)]) -> LeadEdit {
    LeadEdit {
        version: lead.version,
        fields: values(pairs),
        ..Default::default()
    }
}

/// The number of leads on `who`'s board under the custom filters `custom`.
async fn count(
    db: &TestDb,
    who: &str,
    custom: &[(&str, &str)],
    q: Option<&str>,
) -> Result<i64, AppError> {
    let board = service::board(
        &db.state(),
        &db.actor(who).await,
        BoardFilter {
            custom: custom
                .iter()
                .map(|(k, v)| CustomFilter {
                    key: k.to_string(),
                    value: v.to_string(),
                })
                .collect(),
            text: q.map(str::to_string),
            ..Default::default()
        },
    )
    .await?;
    Ok(board.columns.iter().map(|c| c.summary.count).sum())
}

both_backends!(an_admin_defines_fields_that_reps_fill_in_and_stages_require);
async fn an_admin_defines_fields_that_reps_fill_in_and_stages_require(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    let state = db.state();
    let admin = db.actor("admin").await;
    let (lead, next) = db.movable(|l| l.owner.is_some()).await;
    let rep = db.editor_of(&lead).await;
    let manager = db.actor("priya").await;

    // Only an admin defines fields; a manager reads them; a rep does neither.
    let mut industry = form("Industry", FieldKind::Choice);
    industry.choices = "Retail\nLogistics\nPublic sector".into();
    industry.required_from = Some(next);
    industry.on_card = true;
    let e = settings::save(&state, &manager, industry.clone())
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden { .. }), "{e:?}");
    assert!(settings::settings(&state, &rep).await.is_err());
    // A choice field without options is refused by field, nothing saved.
    let e = settings::save(&state, &admin, form("Industry", FieldKind::Choice))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["choices"]);
    assert!(settings::settings(&state, &manager)
        .await
        .unwrap()
        .pipelines
        .fields()
        .is_empty());

    settings::save(&state, &admin, industry).await.unwrap();
    settings::save(&state, &admin, form("Fleet size", FieldKind::Number))
        .await
        .unwrap();
    settings::save(&state, &admin, form("Contract end", FieldKind::Date))
        .await
        .unwrap();
    let page = settings::save(&state, &admin, form("Tender number", FieldKind::Text))
        .await
        .unwrap();
    let keys: Vec<&str> = page
        .pipelines
        .fields()
        .iter()
        .map(|d| d.key.as_str())
        .collect();
    assert_eq!(
        keys,
        ["industry", "fleet_size", "contract_end", "tender_number"]
    );
    // The same label again is refused.
    let e = settings::save(&state, &admin, form("industry", FieldKind::Text))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["label"]);

    // Bad values: each field named, the lead untouched.
    let e = service::work::edit_lead(
        &state,
        &rep,
        lead.id,
        edit(
            &lead,
            &[
                ("industry", json!("Farming")),
                ("fleet_size", json!("forty")),
            ],
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(fields(&e), ["fields.fleet_size", "fields.industry"]);
    assert_eq!(db.lead(lead.id).await, lead);

    // The stage ahead needs an industry.
    let refused = service::move_lead(&state, &rep, lead.id, move_to(next, lead.version))
        .await
        .unwrap_err();
    let stage_name = db.pipeline().await.get(next).unwrap().name.clone();
    assert_eq!(refused.to_string(), format!("{stage_name} needs Industry"));

    // Good values are stored in one shape, with the next version, and logged.
    let events_before = db.event_count().await;
    let saved = service::work::edit_lead(
        &state,
        &rep,
        lead.id,
        edit(
            &lead,
            &[
                ("industry", json!("logistics")),
                ("fleet_size", json!("1,200")),
                ("contract_end", json!("2027-3-31")),
                ("tender_number", json!(" TND-4471 ")),
            ],
        ),
    )
    .await
    .unwrap();
    assert_eq!(saved.version, lead.version + 1);
    assert_eq!(
        saved.fields,
        values(&[
            ("contract_end", json!("2027-03-31")),
            ("fleet_size", json!(1200)),
            ("industry", json!("Logistics")),
            ("tender_number", json!("TND-4471")),
        ])
    );
    assert_eq!(
        db.lead(lead.id).await.fields,
        saved.fields,
        "read back as written"
    );
    assert_eq!(db.event_count().await, events_before + 1);
    let mut conn = db.store.read().await.unwrap();
    let (payload,): (String,) =
        sqlx::query_as("SELECT payload FROM events WHERE lead_id = $1 ORDER BY id DESC LIMIT 1")
            .bind(lead.id.0)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    drop(conn);
    let payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(payload["before"]["fields.industry"], json!(null));
    assert_eq!(payload["after"]["fields.industry"], json!("Logistics"));
    assert_eq!(payload["after"]["fields.fleet_size"], json!(1200));
    // The timeline says what changed, by label.
    let detail = service::work::lead_detail(&state, &rep, lead.id)
        .await
        .unwrap();
    let line = detail
        .timeline
        .iter()
        .find(|t| t.title == "Edited details")
        .and_then(|t| t.detail.clone())
        .unwrap();
    assert!(line.contains("Industry: – → Logistics"), "{line}");

    // Now the move goes through, and once there the industry cannot be emptied.
    let moved = service::move_lead(&state, &rep, lead.id, move_to(next, saved.version))
        .await
        .unwrap();
    let e = service::work::edit_lead(
        &state,
        &rep,
        lead.id,
        edit(&moved, &[("industry", json!(""))]),
    )
    .await
    .unwrap_err();
    assert_eq!(fields(&e), ["fields.industry"]);
    // Other fields can still be cleared.
    let moved = service::work::edit_lead(
        &state,
        &rep,
        lead.id,
        edit(&moved, &[("fleet_size", json!(null))]),
    )
    .await
    .unwrap();
    assert!(!moved.fields.contains_key("fleet_size"));

    // The board filters by a choice and a date range and searches custom text.
    assert_eq!(
        count(&db, "eleanor", &[("industry", "LOGISTICS")], None)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        count(&db, "eleanor", &[("industry", "Retail")], None)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        count(
            &db,
            "eleanor",
            &[
                ("industry", "Logistics"),
                ("contract_end", "2027-01-01..2027-06-30")
            ],
            None
        )
        .await
        .unwrap(),
        1
    );
    assert_eq!(
        count(&db, "eleanor", &[("contract_end", "2028-01-01..")], None)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        count(&db, "eleanor", &[], Some("tnd-447")).await.unwrap(),
        1
    );
    let e = count(&db, "eleanor", &[("colour", "red")], None)
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["f.colour"]);
    let e = count(
        &db,
        "eleanor",
        &[("industry", "2027-01-01..2027-02-01")],
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(fields(&e), ["f.industry"]);
    // A filter never widens the scope: a rep of another team sees none of it.
    let other_rep = db
        .find(|l, _| l.owner.is_some() && l.team_id != lead.team_id)
        .await
        .owner
        .unwrap();
    let other = db.actor_by_id(other_rep.id).await;
    assert_eq!(
        service::board(
            &state,
            &other,
            BoardFilter {
                custom: vec![CustomFilter {
                    key: "industry".into(),
                    value: "Logistics".into()
                }],
                ..Default::default()
            }
        )
        .await
        .unwrap()
        .columns
        .iter()
        .map(|c| c.summary.count)
        .sum::<i64>(),
        0
    );
    // The API's list takes the same keys.
    let q = LeadQuery::from_query([("f.contract_end", "2027-03-01..2027-03-31")]).unwrap();
    let list = service::lists::leads(&state, &db.actor("eleanor").await, q)
        .await
        .unwrap();
    assert_eq!(
        list.items.iter().map(|l| l.id).collect::<Vec<_>>(),
        [lead.id]
    );

    // The OpenAPI document carries the fields as a schema generated from their definitions.
    let resp = server::openapi::document(axum::extract::State(state.clone())).await;
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let schemas = &doc["components"]["schemas"];
    let props = &schemas["LeadFields"]["properties"];
    assert_eq!(
        props["industry"]["enum"],
        json!(["Retail", "Logistics", "Public sector", null])
    );
    assert_eq!(props["contract_end"]["format"], json!("date"));
    assert_eq!(props["fleet_size"]["type"], json!(["number", "null"]));
    for owner in ["Lead", "LeadEdit"] {
        assert_eq!(
            schemas[owner]["properties"]["fields"]["$ref"],
            json!("#/components/schemas/LeadFields"),
            "{owner}"
        );
    }

    // An option in use stays; the kind of a used field stays.
    let page = settings::settings(&state, &admin).await.unwrap();
    let def = page
        .pipelines
        .fields()
        .iter()
        .find(|d| d.key == "industry")
        .unwrap()
        .clone();
    assert_eq!(page.used(def.id), 1);
    let mut change = FieldForm::of(&def);
    change.choices = "Retail\nPublic sector".into();
    let e = settings::save(&state, &admin, change.clone())
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["choices"]);
    change.choices = "Retail\nLogistics\nPublic sector".into();
    change.kind = FieldKind::Text;
    let e = settings::save(&state, &admin, change).await.unwrap_err();
    assert_eq!(fields(&e), ["kind"]);

    // Retired, the field is asked for no more: the lead can leave and come back.
    settings::set_retired(&state, &admin, def.id, true)
        .await
        .unwrap();
    let current = db.lead(lead.id).await;
    let back = db.pipeline().await.previous(next).unwrap().id;
    let back_lead = service::move_lead(&state, &rep, lead.id, move_to(back, current.version))
        .await
        .unwrap();
    let e = service::work::edit_lead(
        &state,
        &rep,
        lead.id,
        edit(&back_lead, &[("industry", json!("Retail"))]),
    )
    .await
    .unwrap_err();
    assert_eq!(
        fields(&e),
        ["fields.industry"],
        "a retired field takes no values"
    );
    db
}

both_backends!(a_field_of_one_pipeline_belongs_to_its_leads_only);
async fn a_field_of_one_pipeline_belongs_to_its_leads_only(db: TestDb) -> TestDb {
    let db = db.with_demo(80).await;
    let state = db.state();
    let admin = db.actor("admin").await;
    let lead = db
        .find(|l, _| l.owner.is_some() && l.closed_at.is_none())
        .await;
    let rep = db.editor_of(&lead).await;
    let west = db.actor("priya").await.managed_teams[0];
    let renewals = service::pipelines::create(
        &state,
        &admin,
        app::domain::pipeline_form::PipelineForm {
            name: "Renewals".into(),
            teams: vec![west],
            stages: vec![
                app::domain::pipeline_form::StageForm::blank(
                    "Due",
                    app::domain::StageKind::Open,
                    "30",
                ),
                app::domain::pipeline_form::StageForm::blank(
                    "Renewed",
                    app::domain::StageKind::Won,
                    "",
                ),
                app::domain::pipeline_form::StageForm::blank(
                    "Churned",
                    app::domain::StageKind::Lost,
                    "",
                ),
            ],
        },
    )
    .await
    .unwrap();
    let mut renewal_date = form("Renewal date", FieldKind::Date);
    renewal_date.pipeline_id = Some(renewals);
    // A requirement from a stage of another pipeline is refused.
    renewal_date.required_from = Some(StageId(1));
    let e = settings::save(&state, &admin, renewal_date.clone())
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["required_from"]);
    renewal_date.required_from = None;
    settings::save(&state, &admin, renewal_date).await.unwrap();
    // A contact field is not a lead's.
    let mut size = form("Head count", FieldKind::Number);
    size.entity = FieldEntity::Company;
    settings::save(&state, &admin, size).await.unwrap();
    for key in ["renewal_date", "head_count"] {
        let e = service::work::edit_lead(
            &state,
            &rep,
            lead.id,
            edit(&lead, &[(key, json!("2027-01-01"))]),
        )
        .await
        .unwrap_err();
        assert_eq!(fields(&e), [format!("fields.{key}")], "{key}");
    }
    db
}

both_backends!(custom_values_go_with_the_contact_on_a_privacy_request_and_count_as_complete_data);
async fn custom_values_go_with_the_contact_on_a_privacy_request_and_count_as_complete_data(
    db: TestDb,
) -> TestDb {
    let db = db.with_demo(120).await;
    let state = db.state();
    let admin = db.actor("admin").await;
    // An open lead with complete built-in data, in a stage that will require a field.
    let lead = db
        .find(|l, p| {
            l.owner.is_some()
                && p.get(l.stage_id).unwrap().kind == app::domain::StageKind::Open
                && (l.email.is_some() || l.phone.is_some())
                && l.company.is_some()
                && l.product_interest.is_some()
                && l.value.is_some_and(|v| v.cents > 0)
        })
        .await;
    let rep = db.editor_of(&lead).await;
    let db_ref = &db;
    let complete = |leads: Vec<Lead>| async move {
        let db = db_ref;
        service::compliance::refresh_facts(&db.state())
            .await
            .unwrap();
        let mut conn = db.store.read().await.unwrap();
        let mut out = Vec::new();
        for l in leads {
            let (c,): (i64,) = sqlx::query_as("SELECT data_complete FROM leads WHERE id = $1")
                .bind(l.id.0)
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            out.push(c);
        }
        out
    };
    assert_eq!(complete(vec![lead.clone()]).await, [1]);
    let mut tender = form("Tender number", FieldKind::Text);
    tender.required_from = Some(lead.stage_id);
    settings::save(&state, &admin, tender).await.unwrap();
    // Required where it is and missing: its data is no longer complete.
    assert_eq!(complete(vec![lead.clone()]).await, [0]);
    let saved = service::work::edit_lead(
        &state,
        &rep,
        lead.id,
        edit(&lead, &[("tender_number", json!("TND-9"))]),
    )
    .await
    .unwrap();
    assert_eq!(complete(vec![saved.clone()]).await, [1]);
    assert_eq!(
        count(&db, "eleanor", &[("tender_number", "tnd-9")], None)
            .await
            .unwrap(),
        1
    );

    // Erased on request: the values, their index and the events that held them go.
    let contact = service::work::lead_detail(&state, &rep, lead.id)
        .await
        .unwrap()
        .contact_id
        .expect("demo leads have a contact");
    service::people::erase(&state, &admin, contact)
        .await
        .unwrap();
    assert!(db.lead(lead.id).await.fields.is_empty());
    assert_eq!(
        count(&db, "eleanor", &[("tender_number", "tnd-9")], None)
            .await
            .unwrap(),
        0
    );
    let mut conn = db.store.read().await.unwrap();
    let (left,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM events WHERE lead_id = $1 AND payload LIKE '%TND-9%'")
            .bind(lead.id.0)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(left, 0, "no event keeps the value");
    drop(conn);
    db
}

both_backends!(an_import_maps_columns_to_custom_fields_and_checks_each_value);
async fn an_import_maps_columns_to_custom_fields_and_checks_each_value(db: TestDb) -> TestDb {
    let db = db.with_demo(40).await;
    let state = db.state();
    let admin = db.actor("admin").await;
    let mut industry = form("Industry", FieldKind::Choice);
    industry.choices = "Retail\nLogistics".into();
    settings::save(&state, &admin, industry).await.unwrap();
    settings::save(&state, &admin, form("Fleet size", FieldKind::Number))
        .await
        .unwrap();
    let manager = db.actor("morgan").await;
    let csv = "Name,E-mail,Industry,Fleet size\n\
               Ada Byron,ada@fleets.example,logistics,\"1,200\"\n\
               Ben Farm,ben@farms.example,Farming,3\n\
               Cy Count,cy@count.example,,lots\n";
    // The upload offers the fields and guesses the columns named after them.
    let mut draft = service::import_jobs::upload(&state, &manager, "fleets.csv", csv).unwrap();
    service::import_jobs::offer_fields(&state, &mut draft)
        .await
        .unwrap();
    assert_eq!(
        draft.fields,
        [
            ("industry".to_string(), "Industry".to_string()),
            ("fleet_size".to_string(), "Fleet size".to_string())
        ]
    );
    assert_eq!(
        draft.custom,
        [
            None,
            None,
            Some("industry".to_string()),
            Some("fleet_size".to_string())
        ]
    );
    let table = service::import::parse_csv(csv).unwrap();
    let mut conn = db.store.read().await.unwrap();
    let (source,): (i64,) = sqlx::query_as("SELECT id FROM sources WHERE name = 'Trade shows'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let mut plan = service::import::ImportPlan {
        source_id: source,
        campaign_id: None,
        mapping: draft.mapping.clone(),
        custom: vec![None, None, Some("colour".into()), None],
    };
    let cancel = std::sync::atomic::AtomicBool::new(false);
    // A column mapped to a field that does not exist is refused before any row.
    let e = service::import::run(&state, &manager, &plan, &table, false, &|_, _| {}, &cancel)
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["mapping"]);
    plan.custom = draft.custom.clone();
    let report = service::import::run(&state, &manager, &plan, &table, true, &|_, _| {}, &cancel)
        .await
        .unwrap();
    assert_eq!((report.new, report.bad), (1, 2));
    let bad: Vec<String> = report
        .lines
        .iter()
        .filter_map(|l| match &l.outcome {
            app::domain::import::RowOutcome::Bad { problems } => Some(problems[0].field.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(bad, ["fields.industry", "fields.fleet_size"]);
    let ada = db
        .find(|l, _| l.email.as_deref() == Some("ada@fleets.example"))
        .await;
    assert_eq!(
        ada.fields,
        values(&[
            ("fleet_size", json!(1200)),
            ("industry", json!("Logistics"))
        ])
    );
    assert_eq!(
        count(&db, "eleanor", &[("fleet_size", "1000..")], None)
            .await
            .unwrap(),
        1
    );
    db
}
