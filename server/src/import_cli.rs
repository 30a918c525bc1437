//! `closeloop import-leads`: a CSV file into leads from the command line, through the same
//! service as any import (checks, dedupe, distribution), with the report printed first.

use crate::config::ImportArgs;
use app::domain::import::{guess_mapping, ImportField, ImportReport, RowOutcome};
use app::error::AppError;
use app::ssr::service::import::{self, ImportPlan};
use app::ssr::store::accounts;
use app::ssr::AppState;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// Runs the command; returns the exit status (0 imported or checked, 2 bad rows held it back).
pub async fn run(state: &AppState, args: &ImportArgs) -> Result<i32, AppError> {
    let text = std::fs::read_to_string(&args.file).map_err(|e| {
        AppError::field("file", format!("Cannot read {}: {e}", args.file.display()))
    })?;
    let table = import::parse_csv(&text)?;
    let mut mapping = guess_mapping(&table.headers);
    if let Some(overrides) = &args.map {
        for pair in overrides.split(',').filter(|p| !p.trim().is_empty()) {
            let (column, field) = pair
                .split_once('=')
                .ok_or_else(|| AppError::field("map", format!("\"{pair}\" is not Column=field")))?;
            let index = table
                .headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(column.trim()))
                .ok_or_else(|| {
                    AppError::field(
                        "map",
                        format!("The file has no column \"{}\"", column.trim()),
                    )
                })?;
            mapping[index] = match field.trim() {
                "-" | "" => None,
                key => Some(ImportField::parse(key).ok_or_else(|| {
                    let keys: Vec<&str> = ImportField::ALL.iter().map(|f| f.key()).collect();
                    AppError::field(
                        "map",
                        format!("\"{key}\" is not a field; use one of {}", keys.join(", ")),
                    )
                })?),
            };
        }
    }
    let (actor, source_id, campaign_id) = {
        let mut conn = state.store.read().await.map_err(|_| AppError::internal())?;
        let user = accounts::user_by_email(&mut conn, &args.by)
            .await
            .map_err(|_| AppError::internal())?;
        let actor = match user {
            Some(u) => accounts::actor(&mut conn, u.id)
                .await
                .map_err(|_| AppError::internal())?,
            None => None,
        }
        .ok_or_else(|| AppError::field("as", format!("There is no active account {}", args.by)))?;
        let sources = accounts::sources(&mut conn)
            .await
            .map_err(|_| AppError::internal())?;
        let source = sources
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(&args.source))
            .ok_or_else(|| {
                let names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
                AppError::field(
                    "source",
                    format!(
                        "There is no source \"{}\"; one of: {}",
                        args.source,
                        names.join(", ")
                    ),
                )
            })?;
        let campaign = match &args.campaign {
            None => None,
            Some(name) => {
                let all = app::ssr::store::org::campaigns(&mut conn)
                    .await
                    .map_err(|_| AppError::internal())?;
                Some(
                    all.iter()
                        .find(|c| c.name.eq_ignore_ascii_case(name))
                        .ok_or_else(|| {
                            AppError::field("campaign", format!("There is no campaign \"{name}\""))
                        })?
                        .id,
                )
            }
        };
        (actor, source.id, campaign)
    };
    println!("Columns:");
    for (header, field) in table.headers.iter().zip(&mapping) {
        println!(
            "  {header:<28} → {}",
            field.map_or("(not imported)", |f| f.label())
        );
    }
    let plan = ImportPlan {
        source_id,
        campaign_id,
        mapping,
        custom: Vec::new(),
    };
    let cancel = AtomicBool::new(false);
    let started = Instant::now();
    let checked = import::run(state, &actor, &plan, &table, false, &|_, _| {}, &cancel).await?;
    print_report(&checked);
    println!("Checked in {:.1} s.", started.elapsed().as_secs_f64());
    if args.dry_run {
        return Ok(0);
    }
    if checked.bad > 0 && !args.import_good {
        eprintln!(
            "Nothing imported: fix the {} bad rows, or pass --import-good to leave them out.",
            checked.bad
        );
        return Ok(2);
    }
    let started = Instant::now();
    let progress = |done: usize, total: usize| {
        if done == total || done.is_multiple_of(5_000) {
            eprintln!("  {done} / {total} rows");
        }
    };
    let done = import::run(state, &actor, &plan, &table, true, &progress, &cancel).await?;
    println!(
        "Imported in {:.1} s: {} new leads, {} added to people's open leads, {} repeats in the \
         file{}.",
        started.elapsed().as_secs_f64(),
        done.new,
        done.existing,
        done.repeats,
        if done.bad > 0 {
            format!(", {} bad rows left out", done.bad)
        } else {
            String::new()
        }
    );
    Ok(0)
}

fn print_report(r: &ImportReport) {
    println!(
        "{} rows: {} new, {} already on file (added to their open lead), {} repeat an earlier \
         row, {} bad.",
        r.rows, r.new, r.existing, r.repeats, r.bad
    );
    for line in r.lines.iter().take(50) {
        let what = match &line.outcome {
            RowOutcome::Bad { problems } => problems
                .iter()
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect::<Vec<_>>()
                .join("; "),
            RowOutcome::Existing { lead_id } => format!("on file: added to lead #{lead_id}"),
            RowOutcome::Repeat { row } => format!("repeats row {row}"),
            RowOutcome::New => continue,
        };
        println!("  row {:>6} {:<24} {what}", line.row, line.name);
    }
    if r.lines.len() > 50 {
        println!("  … and {} more", r.lines.len() - 50);
    }
}
