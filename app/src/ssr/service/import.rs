//! Importing leads from a CSV file. Every row goes the way of any inquiry: checked field by
//! field, matched against the people on file and the rows before it (dedupe), distributed by
//! the assignment rules (or kept by the rep importing), with the first call planned by the
//! team's policy.
//!
//! The whole import is one transaction. A check is the same run rolled back, so its report is
//! exactly what the import will do; a cancelled import rolls back and leaves nothing behind.

use super::bulk::{Bulk, Bulked, FLUSH_EVERY};
use super::intake::{self, IntakeLead, IntakeOutcome};
use super::now;
use crate::domain::access::{self, Actor};
use crate::domain::activity::parse_amount;
use crate::domain::fields::{FieldDef, FieldEntity};
use crate::domain::import::{check_mapping, ImportField, ImportReport, RowOutcome, RowReport};
use crate::error::{AppError, FieldError};
use crate::ssr::store::events;
use crate::ssr::AppState;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

/// Largest file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;
/// Most rows one import takes.
pub const MAX_ROWS: usize = 200_000;
/// Longest cell, in characters.
const MAX_CELL: usize = 5_000;
/// Progress is reported every this many rows.
const PROGRESS_EVERY: usize = 250;

/// A parsed file: the header and the rows, cells trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Reads CSV text (comma, semicolon or tab separated, guessed from the header line; quoted
/// cells may hold separators and line breaks). A broken file is refused naming the line.
pub fn parse_csv(text: &str) -> Result<Table, AppError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(AppError::field(
            "file",
            format!(
                "The file is larger than {} MB",
                MAX_FILE_BYTES / 1024 / 1024
            ),
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first_line.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| AppError::field("file", format!("The header line cannot be read: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(AppError::field(
            "file",
            "The file is empty: the first line must name the columns",
        ));
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record
            .map_err(|e| AppError::field("file", format!("Line {} cannot be read: {e}", i + 2)))?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(AppError::field(
                "file",
                format!("The file has more than {MAX_ROWS} rows; split it"),
            ));
        }
        rows.push(record.iter().map(|c| c.trim().to_string()).collect());
    }
    Ok(Table { headers, rows })
}

/// Where the imported leads are attributed, and which column holds which field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportPlan {
    pub source_id: i64,
    pub campaign_id: Option<i64>,
    /// One entry per column of the file.
    pub mapping: Vec<Option<ImportField>>,
    /// Per column, the custom field key it fills (columns not mapped above); may be shorter
    /// than the columns (the rest fill none).
    pub custom: Vec<Option<String>>,
}

/// A row as an inquiry, or the problems with it that the intake checks would not name.
fn row_inquiry(
    row: &[String],
    mapping: &[Option<ImportField>],
    custom: &[(usize, FieldDef)],
) -> (IntakeLead, Vec<FieldError>) {
    let mut lead = IntakeLead::default();
    let mut problems = Vec::new();
    for (column, def) in custom {
        let Some(cell) = row.get(*column).filter(|c| !c.is_empty()) else {
            continue;
        };
        match def.check(&serde_json::Value::String(cell.clone()), &[]) {
            Ok(Some(v)) => {
                lead.fields.insert(def.key.clone(), v);
            }
            Ok(None) => {}
            Err(m) => problems.push(FieldError {
                field: crate::domain::fields::error_field(&def.key),
                message: format!("{}: {m}", def.label),
            }),
        }
    }
    for (cell, field) in row.iter().zip(mapping) {
        let Some(field) = field else { continue };
        if cell.is_empty() {
            continue;
        }
        if cell.chars().count() > MAX_CELL {
            problems.push(FieldError {
                field: field.key().into(),
                message: format!("{} has more than {MAX_CELL} characters", field.label()),
            });
            continue;
        }
        let text = Some(cell.clone());
        match field {
            ImportField::ContactName => lead.contact_name = cell.clone(),
            ImportField::Email => lead.email = text,
            ImportField::Phone => lead.phone = text,
            ImportField::Company => lead.company = text,
            ImportField::ProductInterest => lead.product_interest = text,
            ImportField::Currency => lead.currency = text,
            ImportField::Message => lead.message = text,
            ImportField::Country => lead.country = text,
            ImportField::Region => lead.region = text,
            ImportField::Postcode => lead.postcode = text,
            ImportField::Value => match parse_amount(cell) {
                Ok(cents) => lead.value_cents = Some(cents),
                Err(m) => problems.push(FieldError {
                    field: "value".into(),
                    message: m,
                }),
            },
        }
    }
    (lead, problems)
}

/// Everything the importer does with a file before it reaches the database: parse it, guess
/// the mapping, and check every row as an inquiry. Returns how many rows pass. Never panics,
/// whatever the text (the fuzz target `import_csv` holds it to that).
pub fn check_offline(text: &str) -> Result<usize, AppError> {
    let table = parse_csv(text)?;
    let mapping = crate::domain::import::guess_mapping(&table.headers);
    check_plan(&table, &mapping)?;
    Ok(table
        .rows
        .iter()
        .filter(|row| {
            let (lead, problems) = row_inquiry(row, &mapping, &[]);
            problems.is_empty() && intake::check(&lead).is_ok()
        })
        .count())
}

/// The custom fields the columns fill, checked: each a live lead field (of every pipeline,
/// since an import's leads start in their teams' pipelines), once, on a column no lead field
/// takes.
fn custom_columns(
    shape: &crate::domain::Pipelines,
    mapping: &[Option<ImportField>],
    custom: &[Option<String>],
) -> Result<Vec<(usize, FieldDef)>, AppError> {
    let mut out: Vec<(usize, FieldDef)> = Vec::new();
    for (i, key) in custom.iter().enumerate() {
        let Some(key) = key else { continue };
        if i >= mapping.len() || mapping[i].is_some() {
            return Err(AppError::field(
                "mapping",
                format!("Column {} fills a lead field already", i + 1),
            ));
        }
        let def = shape
            .fields()
            .iter()
            .find(|d| &d.key == key && d.entity == FieldEntity::Lead && !d.retired)
            .ok_or_else(|| {
                AppError::field("mapping", format!("There is no custom field \"{key}\""))
            })?;
        if out.iter().any(|(_, d)| d.key == def.key) {
            return Err(AppError::field(
                "mapping",
                format!("Two columns are mapped to {}", def.label),
            ));
        }
        out.push((i, def.clone()));
    }
    Ok(out)
}

/// The mapping fits the file and names the fields an inquiry needs.
fn check_plan(table: &Table, mapping: &[Option<ImportField>]) -> Result<(), AppError> {
    if mapping.len() != table.headers.len() {
        return Err(AppError::field(
            "mapping",
            format!(
                "The file has {} columns; map each of them (or leave it unmapped)",
                table.headers.len()
            ),
        ));
    }
    check_mapping(mapping).map_err(|m| AppError::field("mapping", m))
}

/// Checks a run before it starts: the mapping, and the source and campaign it is attributed to.
pub async fn validate(
    state: &AppState,
    table: &Table,
    run: &crate::domain::import::ImportRun,
) -> Result<(), AppError> {
    check_plan(table, &run.mapping)?;
    let mut conn = state.store.read().await?;
    let shape = state.store.pipeline(&mut conn).await?;
    custom_columns(&shape, &run.mapping, &run.custom)?;
    intake::check_attribution(&mut conn, run.source_id, run.campaign_id).await
}

/// Runs an import: checks every row and files the good ones in one transaction, then commits
/// when `commit` (and nothing was cancelled) or rolls back (a check). `progress(done, total)`
/// is called as rows are filed; setting `cancel` stops the run and rolls everything back.
pub async fn run(
    state: &AppState,
    actor: &Actor,
    plan: &ImportPlan,
    table: &Table,
    commit: bool,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
    cancel: &AtomicBool,
) -> Result<ImportReport, AppError> {
    access::import_leads(actor)?;
    check_plan(table, &plan.mapping)?;
    let custom = {
        let mut conn = state.store.read().await?;
        let shape = state.store.pipeline(&mut conn).await?;
        custom_columns(&shape, &plan.mapping, &plan.custom)?
    };
    let at = now();
    // A check reads one snapshot and never waits for the write turn; an import takes it.
    let mut tx = match commit {
        true => state.store.begin().await,
        false => state.store.begin_read().await,
    }?;
    // The database is ours: no longer waiting.
    progress(0, table.rows.len());
    intake::check_attribution(&mut tx, plan.source_id, plan.campaign_id).await?;
    let batch = super::routing::Batch::default();
    let made = std::sync::Mutex::default();
    let via = intake::Via {
        key_id: None,
        actor: Some(actor),
        source_id: plan.source_id,
        campaign_id: plan.campaign_id,
        batch: Some(&batch),
        made: Some(&made),
        owner: None,
    };
    let total = table.rows.len();
    let mut report = ImportReport {
        rows: total,
        ..Default::default()
    };
    // Every row checked first; the good ones' people are then looked up all at once.
    let checked: Vec<(String, Result<intake::Checked, Vec<FieldError>>)> = table
        .rows
        .iter()
        .map(|row| {
            let (inquiry, mut problems) = row_inquiry(row, &plan.mapping, &custom);
            let name = inquiry.contact_name.clone();
            let result = match intake::check(&inquiry) {
                Ok(c) if problems.is_empty() => Ok(c),
                Ok(_) => Err(problems),
                Err(e) => {
                    problems.extend(e.fields().iter().cloned());
                    Err(problems)
                }
            };
            (name, result)
        })
        .collect();
    let good: Vec<&intake::Checked> = checked
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .collect();
    let mut bulk = Bulk::prepare(state, &mut tx, &via, &good, at, !commit).await?;
    // The row each lead of this import was created by, to tell repeats from existing people.
    let mut created_by_row: HashMap<i64, usize> = HashMap::new();
    // Changes filed one by one (known people), to score and send live once committed.
    let mut changes = Vec::new();
    let mut notices = Vec::new();
    for (i, (name, result)) in checked.into_iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            return Ok(ImportReport {
                cancelled: true,
                ..report
            });
        }
        let n = i + 1;
        let outcome = match result {
            Err(problems) => RowOutcome::Bad { problems },
            Ok(c) => match bulk.file(state, &mut tx, &via, &c).await? {
                Bulked::New(lead) => {
                    via.made(lead);
                    created_by_row.insert(lead.0, n);
                    RowOutcome::New
                }
                Bulked::Again(lead) => match created_by_row.get(&lead.0) {
                    Some(row) => RowOutcome::Repeat { row: *row },
                    None => RowOutcome::Existing { lead_id: lead.0 },
                },
                Bulked::Known => {
                    // A known person: everything before this row must be on file first.
                    bulk.flush(&mut tx).await?;
                    let (receipt, event_id, kind, live) =
                        intake::file(state, &mut tx, &via, &c, at).await?;
                    if let Some(lead) = receipt.lead_id {
                        changes.push((event_id, kind, lead));
                    }
                    notices.extend(live);
                    let lead = receipt.lead_id.map_or(0, |l| l.0);
                    match receipt.outcome {
                        IntakeOutcome::Attached => match created_by_row.get(&lead) {
                            Some(row) => RowOutcome::Repeat { row: *row },
                            None => RowOutcome::Existing { lead_id: lead },
                        },
                        _ => {
                            created_by_row.insert(lead, n);
                            RowOutcome::New
                        }
                    }
                }
            },
        };
        match &outcome {
            RowOutcome::New => report.new += 1,
            RowOutcome::Existing { .. } => report.existing += 1,
            RowOutcome::Repeat { .. } => report.repeats += 1,
            RowOutcome::Bad { .. } => report.bad += 1,
        }
        if outcome != RowOutcome::New {
            report.lines.push(RowReport {
                row: n,
                name,
                outcome,
            });
        }
        if bulk.pending() >= FLUSH_EVERY {
            bulk.flush(&mut tx).await?;
        }
        if n.is_multiple_of(PROGRESS_EVERY) || n == total {
            progress(n, total);
        }
    }
    if !commit {
        return Ok(report);
    }
    bulk.flush(&mut tx).await?;
    batch.save_turns(&mut tx).await?;
    // The new people's leads were scored as they were filed; the others now.
    let mut touched: Vec<i64> = changes.iter().map(|(_, _, lead)| lead.0).collect();
    touched.sort_unstable();
    touched.dedup();
    super::score::rescore(state, &mut tx, &touched, at).await?;
    events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: "import.finished",
            lead_id: None,
            payload: json!({"after": {
                "source_id": plan.source_id, "campaign_id": plan.campaign_id,
                "rows": report.rows, "new": report.new, "existing": report.existing,
                "repeats": report.repeats, "bad": report.bad,
            }}),
        },
    )
    .await?;
    tx.commit().await?;
    // New leads and fresh inquiries appear on the boards watching. A large import outruns a
    // live stream's buffer; its browser then catches up from the event log.
    if state.hub.watched() {
        for (event_id, kind, lead) in bulk.filed.into_iter().chain(changes) {
            intake::publish(state, event_id, kind, lead, at).await;
        }
        for notice in notices {
            state.hub.publish(notice);
        }
    }
    Ok(ImportReport {
        committed: true,
        ..report
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_quotes_and_a_byte_order_mark_are_read() {
        let t = parse_csv("\u{feff}Name;Notes\nAda;\"one; two\nthree\"\n\n  Ben ; x \n").unwrap();
        assert_eq!(t.headers, vec!["Name", "Notes"]);
        assert_eq!(
            t.rows,
            vec![
                vec!["Ada".to_string(), "one; two\nthree".to_string()],
                vec!["Ben".to_string(), "x".to_string()]
            ]
        );
        let tabs = parse_csv("Name\tEmail\nAda\ta@x.example\n").unwrap();
        assert_eq!(tabs.rows[0][1], "a@x.example");
    }

    #[test]
    fn an_empty_file_is_refused_by_name() {
        for text in ["", "\n", " , \n"] {
            assert_eq!(
                parse_csv(text).unwrap_err().fields()[0].field,
                "file",
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_bad_amount_names_the_value_column() {
        let mapping = vec![Some(ImportField::ContactName), Some(ImportField::Value)];
        let (lead, problems) = row_inquiry(&["Ada".into(), "a lot".into()], &mapping, &[]);
        assert_eq!(lead.contact_name, "Ada");
        assert_eq!(problems[0].field, "value");
        let (lead, problems) = row_inquiry(&["Ada".into(), "$12,400.50".into()], &mapping, &[]);
        assert!(problems.is_empty());
        assert_eq!(lead.value_cents, Some(1_240_050));
    }

    #[test]
    fn huge_files_lines_and_cells_are_refused_by_name() {
        // Over the size limit: refused before parsing.
        let big = format!("Name,Email\n{}", "a,b\n".repeat(MAX_FILE_BYTES / 4 + 1));
        assert_eq!(parse_csv(&big).unwrap_err().fields()[0].field, "file");
        // One line of 20 MB (no line break at all): read, and its cell refused by name.
        let line = format!("Name,Email\n{},x@y.example\n", "n".repeat(20 * 1024 * 1024));
        let t = parse_csv(&line).unwrap();
        let mapping = vec![Some(ImportField::ContactName), Some(ImportField::Email)];
        let (_, problems) = row_inquiry(&t.rows[0], &mapping, &[]);
        assert_eq!(problems[0].field, "contact_name");
        assert!(problems[0].message.contains("more than 5000 characters"));
        assert!(matches!(check_offline(&line), Ok(0)));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// A header of 2 to 6 plain column names, and rows of cells that can hold anything a
        /// spreadsheet can (separators, quotes, line breaks, any script), first cell non-empty.
        fn table() -> impl Strategy<Value = (Vec<String>, Vec<Vec<String>>)> {
            (2usize..=6).prop_flat_map(|cols| {
                let headers = proptest::collection::vec("[A-Za-z][A-Za-z0-9]{0,12}", cols);
                let row = (
                    "[A-Za-z0-9][^\\p{C}]{0,20}",
                    proptest::collection::vec("(?:[^\\p{Cc}]|\n|\r\n){0,24}", cols - 1),
                )
                    .prop_map(|(first, rest)| {
                        std::iter::once(first)
                            .chain(rest)
                            .map(|c| c.trim().to_string())
                            .collect::<Vec<_>>()
                    });
                (headers, proptest::collection::vec(row, 0..20))
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(500))]

            /// Whatever the cells hold, a file written by a spreadsheet reads back cell for cell.
            #[test]
            fn any_table_written_as_csv_reads_back_cell_for_cell((headers, rows) in table()) {
                let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
                w.write_record(&headers).unwrap();
                for r in &rows {
                    w.write_record(r).unwrap();
                }
                let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
                let t = parse_csv(&text).unwrap();
                prop_assert_eq!(t.headers, headers);
                prop_assert_eq!(t.rows, rows);
            }

            /// An amount written the ways people write money reads back to the cent.
            #[test]
            fn amounts_written_any_common_way_read_back_to_the_cent(
                cents in 0i64..1_000_000_000_000,
                style in 0usize..4,
            ) {
                let (whole, frac) = (cents / 100, cents % 100);
                let grouped = {
                    let digits = whole.to_string();
                    let mut out = String::new();
                    for (i, ch) in digits.chars().enumerate() {
                        if i > 0 && (digits.len() - i) % 3 == 0 {
                            out.push(',');
                        }
                        out.push(ch);
                    }
                    out
                };
                let text = match style {
                    0 => format!("{whole}.{frac:02}"),
                    1 => format!("${grouped}.{frac:02}"),
                    2 => format!(" {grouped}.{frac:02} "),
                    _ if frac == 0 => format!("{whole}"),
                    _ => format!("{whole}.{frac:02}"),
                };
                prop_assert_eq!(parse_amount(&text), Ok(cents), "{}", text);
            }
        }
    }
}
