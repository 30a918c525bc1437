//! Imports from the browser as server-side jobs: an upload is parsed once and kept in memory
//! for its uploader; a check or an import runs in the background while the page follows its
//! progress (`/api/imports/{id}/progress`, server-sent events), and can be cancelled, which
//! rolls everything back.
//!
//! Jobs live in this process only: a restart forgets uploads (the page says to upload again);
//! nothing half-written survives, since each run is one transaction.

use super::import::{self, ImportPlan, Table};
use crate::domain::access::{self, Actor};
use crate::domain::import::{
    guess_mapping, ImportDraft, ImportPhase, ImportRun, ImportStatus, PREVIEW_ROWS,
};
use crate::domain::UserId;
use crate::error::AppError;
use crate::ssr::AppState;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Uploads one person keeps at a time; a new one pushes out their oldest idle one.
const PER_USER: usize = 2;
/// Uploads kept in all.
const MAX_JOBS: usize = 32;
/// An idle upload is forgotten after this long.
const IDLE: Duration = Duration::from_secs(60 * 60);

struct Job {
    owner: UserId,
    file_name: String,
    table: Arc<Table>,
    status: watch::Sender<ImportStatus>,
    cancel: Arc<AtomicBool>,
    touched: Mutex<Instant>,
}

impl Job {
    fn phase(&self) -> ImportPhase {
        self.status.borrow().phase
    }

    fn idle_since(&self) -> Instant {
        *self.touched.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn touch(&self) {
        *self.touched.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }
}

/// The jobs of this process, shared through `AppState`.
#[derive(Clone, Default)]
pub struct ImportJobs {
    jobs: Arc<Mutex<HashMap<String, Arc<Job>>>>,
}

fn not_found() -> AppError {
    AppError::NotFound {
        message:
            "No such upload: it may have expired or the server restarted; upload the file again"
                .into(),
    }
}

impl ImportJobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Job>>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The actor's own job (someone else's is as unknown as a missing one).
    fn job(&self, actor: &Actor, id: &str) -> Result<Arc<Job>, AppError> {
        access::import_leads(actor)?;
        let job = self
            .lock()
            .get(id)
            .filter(|j| j.owner == actor.id)
            .cloned()
            .ok_or_else(not_found)?;
        job.touch();
        Ok(job)
    }

    /// Makes room for one more of `owner`'s uploads: drops expired ones, then the owner's
    /// oldest idle ones beyond their share. Running jobs are never dropped.
    fn make_room(jobs: &mut HashMap<String, Arc<Job>>, owner: UserId) -> Result<(), AppError> {
        let now = Instant::now();
        jobs.retain(|_, j| j.phase().running() || now.duration_since(j.idle_since()) < IDLE);
        let mut theirs: Vec<(String, Instant, bool)> = jobs
            .iter()
            .filter(|(_, j)| j.owner == owner)
            .map(|(id, j)| (id.clone(), j.idle_since(), j.phase().running()))
            .collect();
        theirs.sort_by_key(|(_, at, _)| *at);
        let mut count = theirs.len();
        for (id, _, running) in theirs {
            if count < PER_USER {
                break;
            }
            if !running {
                jobs.remove(&id);
                count -= 1;
            }
        }
        if count >= PER_USER || jobs.len() >= MAX_JOBS {
            return Err(AppError::RateLimited {
                message: "Too many imports are running; wait for one to finish".into(),
                retry_after_secs: 30,
            });
        }
        Ok(())
    }
}

/// Offers the organisation's live lead custom fields as import targets, guessing the columns
/// whose header names one.
pub async fn offer_fields(state: &AppState, draft: &mut ImportDraft) -> Result<(), AppError> {
    let mut conn = state.store.read().await?;
    let shape = state.store.pipeline(&mut conn).await?;
    draft.fields = shape
        .fields()
        .iter()
        .filter(|d| d.entity == crate::domain::fields::FieldEntity::Lead && !d.retired)
        .map(|d| (d.key.clone(), d.label.clone()))
        .collect();
    draft.custom =
        crate::domain::import::guess_custom(&draft.headers, &draft.mapping, &draft.fields);
    Ok(())
}

/// Takes an uploaded file: parses it and keeps it for its uploader, answering with the
/// columns, the guessed mapping and the first rows.
pub fn upload(
    state: &AppState,
    actor: &Actor,
    file_name: &str,
    text: &str,
) -> Result<ImportDraft, AppError> {
    access::import_leads(actor)?;
    let table = import::parse_csv(text)?;
    if table.rows.is_empty() {
        return Err(AppError::field(
            "file",
            "The file has a header line but no rows",
        ));
    }
    let id = crate::ssr::auth::secret::random_secret("imp_", 12);
    let file_name: String = file_name.trim().chars().take(200).collect();
    let draft = ImportDraft {
        id: id.clone(),
        file_name: if file_name.is_empty() {
            "upload.csv".into()
        } else {
            file_name
        },
        mapping: guess_mapping(&table.headers),
        custom: vec![None; table.headers.len()],
        fields: Vec::new(),
        preview: table.rows.iter().take(PREVIEW_ROWS).cloned().collect(),
        headers: table.headers.clone(),
        rows: table.rows.len(),
    };
    let status = ImportStatus {
        id: id.clone(),
        phase: ImportPhase::Ready,
        done: 0,
        total: table.rows.len(),
        report: None,
        error: None,
        waiting_secs: None,
    };
    let mut jobs = state.imports.lock();
    ImportJobs::make_room(&mut jobs, actor.id)?;
    jobs.insert(
        id,
        Arc::new(Job {
            owner: actor.id,
            file_name: draft.file_name.clone(),
            table: Arc::new(table),
            status: watch::channel(status).0,
            cancel: Arc::new(AtomicBool::new(false)),
            touched: Mutex::new(Instant::now()),
        }),
    );
    Ok(draft)
}

/// Starts checking (or importing, with `commit`) an upload in the background and answers at
/// once with its status; progress follows on `watch`. A file that was imported cannot be
/// imported again, and one run at a time.
pub async fn start(
    state: &AppState,
    actor: &Actor,
    id: &str,
    run: ImportRun,
) -> Result<ImportStatus, AppError> {
    access::import_leads(actor)?;
    let job = state.imports.job(actor, id)?;
    let table = job.table.clone();
    // Refuse a bad plan now, with field errors, rather than as a failed job.
    import::validate(state, &table, &run).await?;
    let phase = if run.commit {
        ImportPhase::Importing
    } else {
        ImportPhase::Checking
    };
    let mut refused = None;
    job.status.send_if_modified(|s| {
        if s.phase.running() {
            refused = Some("This file is already being checked or imported");
            return false;
        }
        if s.phase == ImportPhase::Done {
            refused = Some("This file was imported already; upload it again to import it twice");
            return false;
        }
        s.phase = phase;
        s.done = 0;
        s.error = None;
        true
    });
    if let Some(message) = refused {
        return Err(AppError::field("id", message));
    }
    job.cancel.store(false, Ordering::Relaxed);
    tracing::info!(file = %job.file_name, rows = table.rows.len(), commit = run.commit, "import started");
    // The answer is the status as started: read before the run begins, since a short check
    // may be over before this function returns.
    let started_as = job.status.borrow().clone();
    let (state2, actor2, job2) = (state.clone(), actor.clone(), job.clone());
    tokio::spawn(async move {
        let plan = ImportPlan {
            source_id: run.source_id,
            campaign_id: run.campaign_id,
            mapping: run.mapping,
            custom: run.custom,
        };
        let status = job2.status.clone();
        // Until the run has the database, the uploader is told it waits and for how long
        // (another import or a large write may hold it).
        let started = Arc::new(AtomicBool::new(false));
        let waiting = {
            let (status, started) = (job2.status.clone(), started.clone());
            tokio::spawn(async move {
                let since = Instant::now();
                loop {
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    let still = status.send_if_modified(|s| {
                        if started.load(Ordering::Acquire) || !s.phase.running() {
                            return false;
                        }
                        s.waiting_secs = Some(since.elapsed().as_secs());
                        true
                    });
                    if !still && started.load(Ordering::Acquire) {
                        break;
                    }
                }
            })
        };
        let progress = move |done: usize, total: usize| {
            status.send_modify(|s| {
                started.store(true, Ordering::Release);
                s.waiting_secs = None;
                s.done = done;
                s.total = total;
            });
        };
        let result = import::run(
            &state2,
            &actor2,
            &plan,
            &table,
            run.commit,
            &progress,
            &job2.cancel,
        )
        .await;
        waiting.abort();
        job2.touch();
        job2.status.send_modify(|s| s.waiting_secs = None);
        job2.status.send_modify(|s| match result {
            Ok(report) => {
                s.phase = if report.cancelled {
                    ImportPhase::Cancelled
                } else if report.committed {
                    ImportPhase::Done
                } else {
                    ImportPhase::Checked
                };
                if !report.cancelled {
                    s.done = s.total;
                }
                s.report = Some(report);
            }
            Err(e) => {
                tracing::warn!(error = %e, "import failed");
                s.phase = ImportPhase::Failed;
                s.error = Some(e.to_string());
            }
        });
    });
    Ok(started_as)
}

/// An upload's status now.
pub fn status(state: &AppState, actor: &Actor, id: &str) -> Result<ImportStatus, AppError> {
    Ok(state.imports.job(actor, id)?.status.borrow().clone())
}

/// Follows an upload's status as it changes.
pub fn watch(
    state: &AppState,
    actor: &Actor,
    id: &str,
) -> Result<watch::Receiver<ImportStatus>, AppError> {
    Ok(state.imports.job(actor, id)?.status.subscribe())
}

/// Stops a running check or import (it rolls back), or forgets an idle upload.
pub fn cancel(state: &AppState, actor: &Actor, id: &str) -> Result<ImportStatus, AppError> {
    let job = state.imports.job(actor, id)?;
    if job.phase().running() {
        job.cancel.store(true, Ordering::Relaxed);
    } else {
        state.imports.lock().remove(id);
    }
    let status = job.status.borrow().clone();
    Ok(status)
}
