//! Filtering by custom fields: every lead gets an industry (a choice of five) and a contract
//! end date (one of 24 month days over two years); the board's data is read filtered by one
//! industry and one quarter of dates, as leadership (every lead), beside the same board
//! unfiltered, and the API's lead list with the same filter. The number of matching leads is
//! checked against what the seeding put there.

use crate::util::{pct, session};
use app::domain::fields::{CheckedField, FieldEntity, FieldKind};
use app::ssr::store::Store;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use std::time::{Duration, Instant};
use tower::ServiceExt;

const RUNS: usize = 15;
const INDUSTRIES: [&str; 5] = ["Retail", "Logistics", "Public sector", "Energy", "Health"];

pub struct Figures {
    pub filtered_p50: f64,
    pub filtered_p90: f64,
    pub plain_p50: f64,
    pub list_p50: f64,
    pub matched: i64,
    pub expected: i64,
    pub setup: Duration,
}

/// The contract end date of lead `id`: the 15th of one of 24 months from January 2027.
fn date_of(id: i64) -> String {
    let m = id.rem_euclid(24);
    format!("{}-{:02}-15", 2027 + m / 12, m % 12 + 1)
}

/// Gives every lead its two values: `leads.fields` and the filter index, in SQL.
async fn populate(store: &Store) -> anyhow::Result<()> {
    let at = app::ssr::service::now();
    let mut tx = store.begin().await?;
    let def = |label: &str, kind, choices: Vec<String>| CheckedField {
        label: label.into(),
        help: None,
        kind,
        entity: FieldEntity::Lead,
        pipeline_id: None,
        choices,
        required_from: None,
        on_card: true,
    };
    let industry = app::ssr::store::fields::insert(
        &mut tx,
        "industry",
        &def(
            "Industry",
            FieldKind::Choice,
            INDUSTRIES.iter().map(|s| s.to_string()).collect(),
        ),
        at,
    )
    .await?;
    let contract = app::ssr::store::fields::insert(
        &mut tx,
        "contract_end",
        &def("Contract end", FieldKind::Date, Vec::new()),
        at,
    )
    .await?;
    let industry_case = |lower: bool| {
        let mut sql = String::from("CASE id % 5");
        for (i, name) in INDUSTRIES.iter().enumerate() {
            let shown = if lower {
                name.to_lowercase()
            } else {
                name.to_string()
            };
            sql.push_str(&format!(" WHEN {i} THEN '{shown}'"));
        }
        sql.push_str(" END");
        sql
    };
    let date_case = {
        let mut sql = String::from("CASE id % 24");
        for m in 0..24 {
            sql.push_str(&format!(" WHEN {m} THEN '{}'", date_of(m)));
        }
        sql.push_str(" END");
        sql
    };
    sqlx::query(&format!(
        "UPDATE leads SET fields = '{{\"contract_end\":\"' || {date_case} || '\",\"industry\":\"' || {} || '\"}}'",
        industry_case(false)
    ))
    .execute(&mut *tx)
    .await?;
    sqlx::query(&format!(
        "INSERT INTO field_values (field_id, entity_id, value_text, value_num)
         SELECT {}, id, {}, NULL FROM leads",
        industry.0,
        industry_case(true)
    ))
    .execute(&mut *tx)
    .await?;
    sqlx::query(&format!(
        "INSERT INTO field_values (field_id, entity_id, value_text, value_num)
         SELECT {}, id, {date_case}, NULL FROM leads",
        contract.0
    ))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut conn = store.read().await?;
    sqlx::query("ANALYZE").execute(&mut *conn).await?;
    drop(conn);
    store.forget_pipeline();
    Ok(())
}

pub async fn run(store: Store) -> anyhow::Result<Figures> {
    let t = Instant::now();
    populate(&store).await?;
    let setup = t.elapsed();
    // Logistics in the first quarter of 2027: id % 5 == 1 and id % 24 in 0..3.
    let mut conn = store.read().await?;
    let ids: Vec<(i64,)> = sqlx::query_as("SELECT id FROM leads")
        .fetch_all(&mut *conn)
        .await?;
    drop(conn);
    let expected = ids
        .iter()
        .filter(|(id,)| id.rem_euclid(5) == 1 && id.rem_euclid(24) < 3)
        .count() as i64;
    let options = server::leptos_options(
        std::path::Path::new("target/site"),
        ([127, 0, 0, 1], 0).into(),
    );
    let router = server::router(server::state(store.clone(), options, Default::default()));
    let cookie = session(&store, "eleanor").await?;
    let get = |path: &str| {
        Request::get(path)
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .expect("request")
    };
    let filter = "f.industry=Logistics&f.contract_end=2027-01-01..2027-03-31";
    let mut filtered = Vec::new();
    let mut plain = Vec::new();
    let mut list = Vec::new();
    let mut matched = 0;
    for i in 0..RUNS + 2 {
        let t = Instant::now();
        let resp = router
            .clone()
            .oneshot(get(&format!("/api/v1/board?{filter}")))
            .await?;
        anyhow::ensure!(
            resp.status() == StatusCode::OK,
            "filtered board: {}",
            resp.status()
        );
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
        let took = t.elapsed();
        let board: serde_json::Value = serde_json::from_slice(&body)?;
        matched = board["columns"]
            .as_array()
            .map(|c| {
                c.iter()
                    .filter_map(|c| c["summary"]["count"].as_i64())
                    .sum()
            })
            .unwrap_or(0);
        let t = Instant::now();
        let resp = router.clone().oneshot(get("/api/v1/board")).await?;
        anyhow::ensure!(resp.status() == StatusCode::OK, "board: {}", resp.status());
        let _ = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
        let took_plain = t.elapsed();
        let t = Instant::now();
        let resp = router
            .clone()
            .oneshot(get(&format!("/api/v1/leads?{filter}&limit=50")))
            .await?;
        anyhow::ensure!(
            resp.status() == StatusCode::OK,
            "lead list: {}",
            resp.status()
        );
        let _ = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
        let took_list = t.elapsed();
        if i >= 2 {
            filtered.push(took);
            plain.push(took_plain);
            list.push(took_list);
        }
    }
    filtered.sort();
    plain.sort();
    list.sort();
    Ok(Figures {
        filtered_p50: pct(&filtered, 0.5),
        filtered_p90: pct(&filtered, 0.9),
        plain_p50: pct(&plain, 0.5),
        list_p50: pct(&list, 0.5),
        matched,
        expected,
        setup,
    })
}

pub fn report(rows: &[(String, usize, Figures)]) -> String {
    let mut s = String::from(
        "## Filtering by custom fields\n\n\
         Every lead has an industry (single choice of five) and a contract end date (24 \
         dates over two years). Server time for `GET /api/v1/board?f.industry=Logistics&\
         f.contract_end=2027-01-01..2027-03-31` as leadership (every lead), beside the same \
         board unfiltered and the API's lead list (`GET /api/v1/leads`, 50 a page) with the \
         same filter; 15 runs after 2 warm-ups. The matching leads are counted against what \
         the seeding put there.\n\n\
         | backend | leads | filtered board p50 / p90 | unfiltered board p50 | lead list p50 | matching leads (expected) | goal (≤ 200 ms) |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for (name, leads, f) in rows {
        let goal = if f.filtered_p50 <= 200.0 && f.matched == f.expected {
            "met"
        } else {
            "missed"
        };
        s.push_str(&format!(
            "| {name} | {leads} | {:.1} / {:.1} ms | {:.1} ms | {:.1} ms | {} ({}) | {goal} |\n",
            f.filtered_p50, f.filtered_p90, f.plain_p50, f.list_p50, f.matched, f.expected
        ));
    }
    s.push_str(&format!(
        "\nValues written for every lead in SQL before measuring ({}).\n\n",
        rows.iter()
            .map(|(n, l, f)| format!("{n} {l}: {:.1} s", f.setup.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    s
}
