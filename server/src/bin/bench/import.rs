//! CSV import: a generated trade-show file (new people, a share of repeats within the file and
//! of people already on file) checked and imported through the service, in one transaction,
//! on a demo organisation.

use app::domain::import::guess_mapping;
use app::ssr::service::import::{self, ImportPlan};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

pub struct Row {
    pub rows: usize,
    pub parse_ms: f64,
    pub check_ms: f64,
    pub import_ms: f64,
    pub new: usize,
    pub repeats: usize,
    pub existing: usize,
    /// Likely duplicates flagged for the merge screen.
    pub flagged: i64,
}

const FIRST: [&str; 24] = [
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Keiko",
    "Liam", "Maya", "Nils", "Olga", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
    "Wen", "Yara",
];
const SYLLABLES: [&str; 20] = [
    "ka", "lo", "mi", "ra", "ten", "vor", "sel", "an", "bri", "dun", "el", "fa", "gor", "hal",
    "is", "jun", "ke", "lu", "mar", "no",
];

/// The name of person `p`: distinct for every `p` below 192,000 ("Maya Kalomi").
fn name(p: usize) -> String {
    let q = p / FIRST.len();
    let last = format!(
        "{}{}{}",
        SYLLABLES[q % 20],
        SYLLABLES[(q / 20) % 20],
        SYLLABLES[(q / 400) % 20]
    );
    let mut chars = last.chars();
    let last = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect::<String>())
        .unwrap_or_default();
    format!("{} {last}", FIRST[p % FIRST.len()])
}

/// A file of `rows` rows of distinct people, 20 to a company; every 20th row repeats the
/// person 7 rows above (same e-mail address).
pub fn csv(rows: usize) -> String {
    let mut s = String::with_capacity(rows * 90);
    s.push_str("Name,Email,Phone,Company,Interest,Budget,Country\n");
    for i in 0..rows {
        let person = if i % 20 == 19 { i - 7 } else { i };
        s.push_str(&format!(
            "{},visitor{person}@expo{}.example,,Company {},Pallet wrap,{}.00,US\n",
            name(person),
            person % 997,
            person % 5_000,
            1_000 + (i % 40) * 250,
        ));
    }
    s
}

pub async fn run(store: app::ssr::store::Store, rows: usize) -> anyhow::Result<Row> {
    let options = server::leptos_options(
        std::path::Path::new("target/site"),
        ([127, 0, 0, 1], 0).into(),
    );
    let state = server::state(store.clone(), options, Default::default());
    let marketing = crate::util::actor(&store, "riley").await?;
    let source_id = {
        let mut conn = store.read().await?;
        let (id,): (i64,) = sqlx::query_as("SELECT id FROM sources WHERE name = 'Trade shows'")
            .fetch_one(&mut *conn)
            .await?;
        id
    };
    let text = csv(rows);
    let t = Instant::now();
    let table = import::parse_csv(&text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let parse_ms = crate::util::ms(t.elapsed());
    let plan = ImportPlan {
        source_id,
        campaign_id: None,
        mapping: guess_mapping(&table.headers),
        custom: Vec::new(),
    };
    let cancel = AtomicBool::new(false);
    let t = Instant::now();
    import::run(
        &state,
        &marketing,
        &plan,
        &table,
        false,
        &|_, _| {},
        &cancel,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let check_ms = crate::util::ms(t.elapsed());
    let t = Instant::now();
    let done = import::run(&state, &marketing, &plan, &table, true, &|_, _| {}, &cancel)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let import_ms = crate::util::ms(t.elapsed());
    let (flagged,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM duplicate_candidates")
        .fetch_one(&mut *store.read().await?)
        .await?;
    Ok(Row {
        flagged,
        rows,
        parse_ms,
        check_ms,
        import_ms,
        new: done.new,
        repeats: done.repeats,
        existing: done.existing,
    })
}

pub fn report(rows: &[(String, Row)]) -> String {
    let mut s = String::from(
        "## CSV import\n\nA generated trade-show file (distinct people, 20 to a company; every \
         20th row repeats a person 7 rows above) imported by marketing into a 2,000-lead demo organisation: parse, the check \
         (the whole import, rolled back: its report is what the import will do) and the \
         import (one transaction: dedupe against people on file and earlier rows, assignment \
         rules, first call planned, score, events; the file's people are looked up at once and \
         new people's rows written with multi-row statements). Goal: 100k rows ≤ 10 s on \
         SQLite.\n\n\
         | database | rows | parse | check | import | rows/s (import) | new | repeats | on file | flagged |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
    );
    for (db, r) in rows {
        s.push_str(&format!(
            "| {db} | {} | {:.0} ms | {:.1} s | {:.1} s | {:.0} | {} | {} | {} | {} |\n",
            r.rows,
            r.parse_ms,
            r.check_ms / 1000.0,
            r.import_ms / 1000.0,
            r.rows as f64 / (r.import_ms / 1000.0),
            r.new,
            r.repeats,
            r.existing,
            r.flagged,
        ));
    }
    s.push('\n');
    s
}
