//! `bench`: measures what the performance budgets are about and writes `docs/benchmarks.md`.
//!
//! Sections (each on SQLite, and on PostgreSQL when `CLOSELOOP_BENCH_PG_URL` or
//! `CLOSELOOP_TEST_PG_URL` names a server):
//! - `moves`: stage-move latency at a fixed 200 moves/s and the maximum rate, beside a floor
//!   measured in the same run (a bare axum handler doing one single-row UPDATE transaction on
//!   the same database), in-process so the figures are the server's own.
//! - `board`: server time of the board page and its data at 10k and 100k leads.
//! - `fields`: the board and the lead list filtered by custom fields at 100k leads.
//! - `forecast`: leadership's forecast (by rep, by team, as CSV) at 100k leads.
//! - `live`: the real server process: commit-to-receipt latency for 100 / 500 / 1,000 SSE
//!   clients, and its resident memory idle and with 1,000 connections.
//! - `signin`: argon2id cost and the server's responsiveness during a sign-in storm.
//! - `intake`: web-form inquiries per second through the HTTP path, new and repeated.
//! - `import`: a 100k-row CSV file checked and imported (10k in quick mode).
//! - `roi`: the ROI report over a year at 100k and 1M leads (10k and 100k in quick mode).
//! - `policy`: the follow-up sweep over every open lead, and the compliance page for 50 reps,
//!   at the largest scale.
//!
//! The browser half (cards in the DOM at 100k leads, WASM size) is `end2end/bench.mjs`, run by
//! `scripts/bench`, which appends to the same file. Ratios are measured within one run: these
//! machines are noisy.
//!
//! Usage: `cargo run --release -p server --bin bench [-- --out docs/benchmarks.md] [--quick]
//! [--only moves|board|fields|forecast|live|signin|policy|import|intake|roi] [--roi-leads N[,N…]]`. With `--only` the one section is printed and no file is
//! written (for working on one figure).

mod board;
mod fields;
mod forecast;
mod import;
mod intake;
mod live;
mod mailbox;
mod moves;
mod policy;
mod roi;
mod signin;
mod util;

use app::ssr::store::{Store, StoreOptions};
use sqlx::Connection;
use std::fmt::Write;

/// The same allocator as the server in production (see server/Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Failures inside the service are logged (with their cause) rather than returned.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().collect();
    let out = args
        .iter()
        .skip_while(|a| *a != "--out")
        .nth(1)
        .cloned()
        .unwrap_or_else(|| "docs/benchmarks.md".into());
    let quick = args.iter().any(|a| a == "--quick");
    let only = args.iter().skip_while(|a| *a != "--only").nth(1).cloned();
    let run = |section: &str| only.as_deref().is_none_or(|o| o == section);
    let scales: &[usize] = if quick {
        &[2_000, 10_000]
    } else {
        &[10_000, 100_000]
    };
    let pg = std::env::var("CLOSELOOP_BENCH_PG_URL")
        .or_else(|_| std::env::var("CLOSELOOP_TEST_PG_URL"))
        .ok();

    let mut report = String::new();
    writeln!(
        report,
        "# Benchmarks\n\nWritten by `scripts/bench` ({}). Machine: {}, {} cores, {} GiB; \
         release build. Figures vary ±30% between runs on shared machines: compare the ratios, \
         which are measured within one run.\n",
        if quick { "quick mode" } else { "full mode" },
        util::cpu_model(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        util::mem_gib(),
    )?;

    let mut backends: Vec<(&str, String)> = Vec::new();
    let dir = std::env::temp_dir().join(format!("closeloop-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    backends.push(("SQLite", String::new()));
    if let Some(url) = &pg {
        backends.push(("PostgreSQL", url.clone()));
    }

    // Moves, on 10k leads per backend.
    let mut moves_rows = Vec::new();
    for (name, admin_url) in backends.iter().filter(|_| run("moves")) {
        let store = fresh_store(name, admin_url, &dir, "moves").await?;
        util::seed(&store, 10_000).await?;
        eprintln!("moves on {name}…");
        moves_rows.push((name.to_string(), moves::run(store.clone()).await?));
        store.close().await;
    }
    if run("moves") {
        report.push_str(&moves::report(&moves_rows));
    }

    // Board open at each scale.
    let mut board_rows = Vec::new();
    for (name, admin_url) in backends.iter().filter(|_| run("board")) {
        for &leads in scales {
            let store = fresh_store(name, admin_url, &dir, &format!("board{leads}")).await?;
            eprintln!("board on {name} with {leads} leads: seeding…");
            let seeded = util::seed(&store, leads).await?;
            board_rows.push((
                name.to_string(),
                leads,
                seeded,
                board::run(store.clone()).await?,
            ));
            store.close().await;
        }
    }
    if run("board") {
        report.push_str(&board::report(&board_rows));
    }

    // Filtering by custom fields, at the larger scale.
    let mut field_rows = Vec::new();
    for (name, admin_url) in backends.iter().filter(|_| run("fields")) {
        let leads = *scales.last().unwrap_or(&10_000);
        let store = fresh_store(name, admin_url, &dir, &format!("fields{leads}")).await?;
        eprintln!("custom field filter on {name} with {leads} leads: seeding…");
        util::seed(&store, leads).await?;
        field_rows.push((name.to_string(), leads, fields::run(store.clone()).await?));
        store.close().await;
    }
    if run("fields") {
        report.push_str(&fields::report(&field_rows));
    }

    // The forecast, at the larger scale.
    let mut forecast_rows = Vec::new();
    for (name, admin_url) in backends.iter().filter(|_| run("forecast")) {
        let leads = *scales.last().unwrap_or(&10_000);
        let store = fresh_store(name, admin_url, &dir, &format!("forecast{leads}")).await?;
        eprintln!("forecast on {name} with {leads} leads: seeding…");
        util::seed(&store, leads).await?;
        forecast_rows.push((name.to_string(), leads, forecast::run(store.clone()).await?));
        store.close().await;
    }
    if run("forecast") {
        report.push_str(&forecast::report(&forecast_rows));
    }

    // ROI report at each scale (and 1M leads in full mode).
    let mut roi_rows = Vec::new();
    // `--roi-leads 1000000` (or a list, `100000,1000000`) measures those scales only (the 1M
    // seeding alone takes minutes).
    let roi_only: Vec<usize> = args
        .iter()
        .skip_while(|a| *a != "--roi-leads")
        .nth(1)
        .map(|list| {
            list.split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let roi_scales: &[usize] = if !roi_only.is_empty() {
        &roi_only
    } else if quick {
        &[10_000, 100_000]
    } else {
        &[100_000, 1_000_000]
    };
    for (name, admin_url) in backends.iter().filter(|_| run("roi")) {
        for &leads in roi_scales {
            let store = fresh_store(name, admin_url, &dir, &format!("roi{leads}")).await?;
            eprintln!("roi on {name} with {leads} leads: seeding…");
            let seeded = util::seed(&store, leads).await?;
            roi_rows.push((
                name.to_string(),
                leads,
                seeded,
                roi::run(store.clone()).await?,
            ));
            store.close().await;
            // A million leads take gigabytes; keep the disk for the next scale.
            if *name == "SQLite" {
                for ext in ["db", "db-wal", "db-shm"] {
                    let _ = std::fs::remove_file(dir.join(format!("roi{leads}.{ext}")));
                }
            }
        }
    }
    if run("roi") {
        report.push_str(&roi::report(&roi_rows));
    }

    // Live fan-out and memory, on the real server process over SQLite.
    if run("live") {
        eprintln!("live fan-out…");
        let db = dir.join("live.db");
        let store = Store::connect(&StoreOptions::new(format!("sqlite:{}", db.display()))).await?;
        store.migrate().await?;
        util::seed(&store, 10_000).await?;
        store.close().await;
        let clients: &[usize] = if quick {
            &[100, 200]
        } else {
            &[100, 500, 1_000]
        };
        report.push_str(&live::run(&format!("sqlite:{}", db.display()), clients).await?);
    }

    // Sweep and compliance at the largest scale.
    let mut policy_rows = Vec::new();
    let largest = *scales.last().unwrap_or(&10_000);
    for (name, admin_url) in backends.iter().filter(|_| run("policy")) {
        let store = fresh_store(name, admin_url, &dir, "policy").await?;
        eprintln!("sweep and compliance on {name} with {largest} leads: seeding…");
        let seeded = util::seed(&store, largest).await?;
        policy_rows.push((
            name.to_string(),
            largest,
            seeded,
            policy::run(store.clone()).await?,
        ));
        store.close().await;
    }
    if run("policy") {
        report.push_str(&policy::report(&policy_rows));
    }

    // Intake through the HTTP path.
    let mut intake_rows = Vec::new();
    for (name, admin_url) in backends.iter().filter(|_| run("intake")) {
        let store = fresh_store(name, admin_url, &dir, "intake").await?;
        util::seed(&store, if quick { 2_000 } else { 10_000 }).await?;
        eprintln!("intake on {name}…");
        intake_rows.push((name.to_string(), intake::run(store.clone()).await?));
        store.close().await;
    }
    if run("intake") {
        report.push_str(&intake::report(&intake_rows));
    }

    // CSV import.
    let mut import_rows = Vec::new();
    for (name, admin_url) in backends.iter().filter(|_| run("import")) {
        let rows = if quick { 10_000 } else { 100_000 };
        let store = fresh_store(name, admin_url, &dir, "import").await?;
        util::seed(&store, 2_000).await?;
        eprintln!("import of {rows} rows on {name}…");
        import_rows.push((name.to_string(), import::run(store.clone(), rows).await?));
        store.close().await;
    }
    if run("import") {
        report.push_str(&import::report(&import_rows));
    }

    // The shared mailbox: messages filed per second from a real IMAP server.
    let mut mailbox_rows = Vec::new();
    for (name, admin_url) in backends.iter().filter(|_| run("mailbox")) {
        let messages = if quick { 1_000 } else { 10_000 };
        let store = fresh_store(name, admin_url, &dir, "mailbox").await?;
        util::seed(&store, 2_000).await?;
        eprintln!("shared mailbox of {messages} messages on {name}…");
        mailbox_rows.push((
            name.to_string(),
            mailbox::run(store.clone(), messages).await?,
        ));
        store.close().await;
    }
    if run("mailbox") {
        report.push_str(&mailbox::report(&mailbox_rows));
    }

    if run("signin") {
        eprintln!("sign-in…");
        report.push_str(&signin::run(&dir).await?);
    }

    println!("{report}");
    if only.is_none() {
        std::fs::write(&out, &report)?;
        eprintln!("wrote {out}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// An empty, migrated database for one measurement: a file under `dir` for SQLite, a new
/// database on the server for PostgreSQL.
async fn fresh_store(
    backend: &str,
    admin_url: &str,
    dir: &std::path::Path,
    tag: &str,
) -> anyhow::Result<Store> {
    let url = if backend == "SQLite" {
        let path = dir.join(format!("{tag}.db"));
        let _ = std::fs::remove_file(&path);
        format!("sqlite:{}", path.display())
    } else {
        let name = format!("closeloop_bench_{tag}");
        let mut admin = sqlx::PgConnection::connect(admin_url).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await?;
        admin.close().await?;
        let cut = admin_url.rfind('/').unwrap_or(admin_url.len());
        format!("{}/{name}", &admin_url[..cut])
    };
    let store = Store::connect(&StoreOptions::new(url)).await?;
    store.migrate().await?;
    Ok(store)
}
