//! Route `/import`: bring leads in from a spreadsheet. Upload a CSV file, check the guessed
//! column mapping against a preview, choose the source (and campaign), check every row, read
//! the report, then import the good rows, watching the progress, with the option to cancel.
//!
//! The file is checked and imported on the server as a background job; its progress arrives
//! over server-sent events (`/api/imports/{id}/progress`).

use crate::api::import::{cancel_import, import_options, start_import};
use crate::components::guard::RequireAccess;
use crate::domain::access;
use crate::domain::import::{
    ImportDraft, ImportField, ImportPhase, ImportReport, ImportRun, ImportStatus, RowOutcome,
};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

/// Whole numbers with thousands separators ("12,400").
fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let draft = RwSignal::new(None::<ImportDraft>);
    let status = RwSignal::new(None::<ImportStatus>);
    let mapping = RwSignal::new(Vec::<Option<ImportField>>::new());
    let custom = RwSignal::new(Vec::<Option<String>>::new());
    let source = RwSignal::new(String::new());
    let campaign = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let options = Resource::new(|| (), |_| import_options());

    // Follow the current upload's job for as long as it is on screen.
    Effect::new(move |_| {
        if let Some(d) = draft.get() {
            progress::follow(&d.id, status);
        }
    });

    let field_error = move |name: &'static str| error.get().and_then(|e| e.message_for(name));
    let other_error = move || {
        error.get().and_then(|e| {
            let known = ["file", "mapping", "source_id", "campaign_id"];
            (!e.fields().iter().any(|f| known.contains(&f.field.as_str()))).then(|| e.to_string())
        })
    };

    let on_file = move |ev: leptos::ev::Event| {
        let _ = &ev;
        #[cfg(feature = "hydrate")]
        {
            use crate::components::files::{chosen_file, file_text};
            let Some((input, file)) = chosen_file(&ev) else {
                return;
            };
            busy.set(true);
            error.set(None);
            leptos::task::spawn_local(async move {
                let name = file.name();
                let text = match file_text(&file).await {
                    Some(t) => t,
                    None => {
                        error.set(Some(AppError::field(
                            "file",
                            "The file cannot be read; is it a text (CSV) file?",
                        )));
                        busy.set(false);
                        return;
                    }
                };
                match crate::api::import::upload_import(name, text).await {
                    Ok(d) => {
                        if let Some(old) = draft.get_untracked() {
                            let _ = cancel_import(old.id).await;
                        }
                        mapping.set(d.mapping.clone());
                        custom.set(d.custom.clone());
                        status.set(None);
                        draft.set(Some(d));
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
                input.set_value("");
            });
        }
    };

    let run = move |commit: bool| {
        let Some(d) = draft.get_untracked() else {
            return;
        };
        let request = ImportRun {
            source_id: source.get_untracked().parse().unwrap_or(0),
            campaign_id: campaign.get_untracked().parse().ok(),
            mapping: mapping.get_untracked(),
            custom: custom.get_untracked(),
            commit,
        };
        if request.source_id == 0 {
            error.set(Some(AppError::field(
                "source_id",
                "Choose the source these leads came from",
            )));
            return;
        }
        error.set(None);
        leptos::task::spawn_local(async move {
            match start_import(d.id, request).await {
                Ok(s) => status.set(Some(s)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let cancel = move || {
        if let Some(d) = draft.get_untracked() {
            leptos::task::spawn_local(async move {
                if let Err(e) = cancel_import(d.id).await {
                    error.set(Some(e));
                }
            });
        }
    };
    let start_over = move || {
        if let Some(d) = draft.get_untracked() {
            leptos::task::spawn_local(async move {
                let _ = cancel_import(d.id).await;
            });
        }
        draft.set(None);
        status.set(None);
        error.set(None);
    };

    let phase = move || status.get().map(|s| s.phase).unwrap_or(ImportPhase::Ready);
    let running = move || phase().running();
    // Settings are locked while a run is under way and once the file is imported.
    let locked = move || running() || phase() == ImportPhase::Done;

    view! {
        <Title text="Import leads"/>
        <RequireAccess check=access::import_leads>
            <section class="page page-narrow import" aria-labelledby="import-title">
                <div class="page-head">
                    <h1 id="import-title">"Import leads"</h1>
                    <p class="page-hint">"Bring in a trade-show list, a purchased list or an export from another system. "
                        "Every row is checked, matched against the people you already have, and assigned like any inquiry. "
                        "Nothing is written until you import, and an import can be cancelled without leaving anything behind."</p>
                </div>

                <form class="card-form import-step" on:submit=|e| e.prevent_default()>
                    <h2><span class="step-no" aria-hidden="true">"1"</span>" Choose a file"</h2>
                    <label class="dropzone" class:dropzone-busy=busy>
                        <span class="dropzone-title">{move || match draft.get() {
                            Some(d) => format!("{} · {}", d.file_name, plural(d.rows, "row", "rows")),
                            None => "Choose a CSV file or drop it here".to_string(),
                        }}</span>
                        <span class="dropzone-hint">{move || if busy.get() { "Reading the file…" } else { "Comma, semicolon or tab separated, with a header line; up to 200,000 rows" }}</span>
                        <input type="file" name="file" accept=".csv,.tsv,.txt,text/csv,text/plain"
                            aria-describedby="file-error" on:change=on_file disabled=locked/>
                    </label>
                    <p id="file-error" class="field-error" role="alert">{move || field_error("file")}</p>
                    <p class="cell-sub">"No file at hand? "<a href="/sample-leads.csv" download>"Download a sample"</a>"."</p>
                </form>

                {move || draft.get().map(|d| view! {
                    <MappingStep draft=d mapping custom source campaign options error locked=Signal::derive(locked)/>
                    <div class="import-actions">
                        {move || (!locked()).then(|| view! {
                            <button class="button button-primary" type="button" on:click=move |_| run(false)>
                                {move || draft.get().map(|d| format!("Check {}", plural(d.rows, "row", "rows")))}
                            </button>
                            <button class="button button-quiet" type="button" on:click=move |_| start_over()>"Choose another file"</button>
                        })}
                    </div>
                })}

                <p class="field-error" role="alert">{other_error}</p>

                {move || status.get().filter(|s| s.phase != ImportPhase::Ready).map(|s| view! {
                    <Progress status=s.clone() on_cancel=Callback::new(move |_| cancel())/>
                    {s.report.clone().filter(|_| matches!(s.phase, ImportPhase::Checked | ImportPhase::Done)).map(|r| {
                        let phase = s.phase;
                        view! { <Report report=r phase on_import=Callback::new(move |_| run(true)) on_start_over=Callback::new(move |_| start_over())/> }
                    })}
                })}
            </section>
        </RequireAccess>
    }
}

/// Step 2: attribution, and the mapping column by column over the preview.
#[component]
fn MappingStep(
    draft: ImportDraft,
    mapping: RwSignal<Vec<Option<ImportField>>>,
    custom: RwSignal<Vec<Option<String>>>,
    source: RwSignal<String>,
    campaign: RwSignal<String>,
    options: Resource<Result<crate::api::import::ImportChoices, AppError>>,
    error: RwSignal<Option<AppError>>,
    locked: Signal<bool>,
) -> impl IntoView {
    let field_error = move |name: &'static str| error.get().and_then(|e| e.message_for(name));
    let headers = draft.headers.clone();
    let fields = StoredValue::new(draft.fields.clone());
    let preview = draft.preview.clone();
    let shown = preview.len();
    view! {
        <form class="card-form import-step" on:submit=|e| e.prevent_default()>
            <h2><span class="step-no" aria-hidden="true">"2"</span>" Where the leads came from"</h2>
            <div class="field-row">
                <label class="field">"Source"
                    <select required aria-describedby="source-error" disabled=locked
                        on:change=move |e| { source.set(event_target_value(&e)); campaign.set(String::new()); }>
                        <option value="">"Choose…"</option>
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                options.await.map(|o| o.sources).unwrap_or_default().into_iter().map(|s| {
                                    let id = s.id.to_string();
                                    let selected = source.get_untracked() == id;
                                    view! { <option value=id selected=selected>{format!("{} ({})", s.name, s.channel.label())}</option> }
                                }).collect_view()
                            })}
                        </Suspense>
                    </select>
                    <span id="source-error" class="field-error">{move || field_error("source_id")}</span>
                </label>
                <label class="field">"Campaign " <small>"(optional)"</small>
                    <select aria-describedby="campaign-error" disabled=locked
                        on:change=move |e| campaign.set(event_target_value(&e))>
                        <option value="">"None"</option>
                        <Suspense fallback=|| ()>
                            {move || {
                                let chosen = source.get();
                                Suspend::new(async move {
                                    options.await.map(|o| o.campaigns).unwrap_or_default().into_iter()
                                        .filter(|c| c.source_id.to_string() == chosen)
                                        .map(|c| view! { <option value=c.id.to_string()>{c.name}</option> })
                                        .collect_view()
                                })
                            }}
                        </Suspense>
                    </select>
                    <span id="campaign-error" class="field-error">{move || field_error("campaign_id")}</span>
                </label>
            </div>
        </form>
        <div class="card-form import-step">
            <h2 id="mapping-title"><span class="step-no" aria-hidden="true">"3"</span>" Match the columns"</h2>
            <p class="cell-sub">{format!("Guessed from the header line. The first {shown} rows are shown; a column left as “Not imported” is skipped.")}</p>
            <p class="field-error" role="alert">{move || field_error("mapping")}</p>
            <div class="table-scroll">
                <table class="table import-map" aria-labelledby="mapping-title">
                    <thead>
                        <tr>
                            {headers.iter().enumerate().map(|(i, h)| {
                                let label = if h.is_empty() { format!("Column {}", i + 1) } else { h.clone() };
                                view! {
                                    <th scope="col">
                                        <span class="import-col">{label.clone()}</span>
                                        <select aria-label=format!("Field for column {label}") disabled=locked
                                            on:change=move |e| {
                                                // A lead field by its key, or a custom field as `f.<key>`.
                                                let v = event_target_value(&e);
                                                let key = v.strip_prefix("f.").map(str::to_string);
                                                let f = ImportField::parse(&v);
                                                mapping.update(|m| if let Some(slot) = m.get_mut(i) { *slot = f; });
                                                custom.update(|c| {
                                                    if c.len() <= i { c.resize(i + 1, None); }
                                                    c[i] = key;
                                                });
                                            }>
                                            <option value="" selected=move || mapping.with(|m| m.get(i).copied().flatten().is_none())
                                                && custom.with(|c| c.get(i).cloned().flatten().is_none())>"Not imported"</option>
                                            {ImportField::ALL.into_iter().map(|f| view! {
                                                <option value=f.key() selected=move || mapping.with(|m| m.get(i).copied().flatten() == Some(f))>{f.label()}</option>
                                            }).collect_view()}
                                            {move || fields.with_value(|fs| (!fs.is_empty()).then(|| {
                                                let opts = fs.clone().into_iter().map(|(key, label)| {
                                                    let same = key.clone();
                                                    view! {
                                                        <option value=format!("f.{key}")
                                                            selected=move || custom.with(|c| c.get(i).cloned().flatten().as_deref() == Some(same.as_str()))>{label}</option>
                                                    }
                                                }).collect_view();
                                                view! { <optgroup label="Custom fields">{opts}</optgroup> }
                                            }))}
                                        </select>
                                    </th>
                                }
                            }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {preview.into_iter().map(|row| view! {
                            <tr>{row.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
    }
}

/// The bar of a running (or finished) check or import.
#[component]
fn Progress(status: ImportStatus, on_cancel: Callback<()>) -> impl IntoView {
    let verb = match status.phase {
        ImportPhase::Checking => "Checking",
        ImportPhase::Importing => "Importing",
        ImportPhase::Cancelled => "Cancelled",
        ImportPhase::Failed => "Failed",
        ImportPhase::Checked => "Checked",
        ImportPhase::Done => "Imported",
        ImportPhase::Ready => "Ready",
    };
    let running = status.phase.running();
    let text = match status.waiting_secs.filter(|_| running) {
        // Said plainly, so a bar at 0 never looks frozen.
        Some(secs) => format!(
            "{verb}: waiting {secs} s for another import or change to the database to finish; \
             it starts by itself"
        ),
        None => format!(
            "{verb}: {} of {} rows",
            count(status.done),
            count(status.total)
        ),
    };
    let after = match status.phase {
        ImportPhase::Cancelled => Some("Stopped: nothing was written.".to_string()),
        ImportPhase::Failed => Some(format!(
            "{} Nothing was written.",
            status.error.clone().unwrap_or_default()
        )),
        _ => None,
    };
    view! {
        <div class="panel import-progress" class:panel-error=status.phase == ImportPhase::Failed>
            <div class="import-progress-head">
                <span id="import-progress-label" role="status" aria-live="polite">{text}</span>
                {running.then(|| view! {
                    <button class="button button-small" type="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                })}
            </div>
            <progress max=status.total.max(1).to_string() value=status.done.to_string()
                aria-labelledby="import-progress-label">{format!("{}%", status.percent())}</progress>
            {after.map(|a| view! { <p class="cell-sub">{a}</p> })}
        </div>
    }
}

/// What a check found (and what to do next), or what an import did.
#[component]
fn Report(
    report: ImportReport,
    phase: ImportPhase,
    on_import: Callback<()>,
    on_start_over: Callback<()>,
) -> impl IntoView {
    let good = report.new + report.existing + report.repeats;
    let heading = if report.committed {
        format!("Imported {}", plural(good, "row", "rows"))
    } else {
        "What the import will do".to_string()
    };
    let tiles = [
        (report.new, "new leads", "stat-ok"),
        (
            report.existing,
            "added to an open lead of the same person",
            "",
        ),
        (report.repeats, "repeat an earlier row of the file", ""),
        (report.bad, "bad rows, skipped", "stat-danger"),
    ];
    let import_label = if report.bad > 0 {
        format!(
            "Import the {} good rows, skip {}",
            count(good),
            plural(report.bad, "bad row", "bad rows")
        )
    } else {
        format!("Import {}", plural(good, "row", "rows"))
    };
    let can_import = phase == ImportPhase::Checked && good > 0;
    let lines = report.lines.clone();
    view! {
        <section class="panel import-report" aria-labelledby="report-title">
            <h2 id="report-title">{heading}</h2>
            <ul class="stats">
                {tiles.into_iter().map(|(n, what, class)| view! {
                    <li class=format!("stat {class}")><span class="stat-value">{count(n)}</span><span class="stat-label">{what}</span></li>
                }).collect_view()}
            </ul>
            {(!lines.is_empty()).then(|| view! {
                <div class="table-scroll">
                    <table class="table import-lines">
                        <caption class="visually-hidden">"Rows that are not simply new"</caption>
                        <thead><tr><th scope="col">"Row"</th><th scope="col">"Name"</th><th scope="col">"What happens"</th></tr></thead>
                        <tbody>
                            {lines.into_iter().map(|l| {
                                let bad = matches!(l.outcome, RowOutcome::Bad { .. });
                                let what = match l.outcome {
                                    RowOutcome::Bad { problems } => view! {
                                        <span class="badge badge-danger">"Bad"</span>
                                        <ul class="problems">{problems.into_iter().map(|p| view! { <li><strong>{p.field}</strong>": "{p.message}</li> }).collect_view()}</ul>
                                    }.into_any(),
                                    RowOutcome::Existing { lead_id } => view! {
                                        <span class="badge badge-muted">"Known person"</span>" Added to "<a href=format!("/leads/{lead_id}")>{format!("lead #{lead_id}")}</a>
                                    }.into_any(),
                                    RowOutcome::Repeat { row } => view! {
                                        <span class="badge badge-muted">"Repeat"</span>{format!(" Same person as row {row}")}
                                    }.into_any(),
                                    RowOutcome::New => view! { <span class="badge badge-ok">"New"</span> }.into_any(),
                                };
                                view! {
                                    <tr class:row-bad=bad>
                                        <td class="cell-num">{l.row}<span class="cell-sub">{format!("line {}", l.row + 1)}</span></td>
                                        <td>{if l.name.is_empty() { "(no name)".to_string() } else { l.name }}</td>
                                        <td>{what}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
            <div class="import-actions">
                {can_import.then(|| view! {
                    <button class="button button-primary" type="button" on:click=move |_| on_import.run(())>{import_label}</button>
                })}
                {(phase == ImportPhase::Checked && report.bad > 0).then(|| view! {
                    <button class="button" type="button" on:click=move |_| on_start_over.run(())>"Fix the file and upload it again"</button>
                })}
                {report.committed.then(|| view! {
                    <a class="button button-primary" href="/board">"Open the board"</a>
                    <button class="button button-quiet" type="button" on:click=move |_| on_start_over.run(())>"Import another file"</button>
                })}
            </div>
        </section>
    }
}

/// The job's progress feed: an `EventSource` replaced when the upload changes, closed with the
/// page. No-op on the server.
mod progress {
    use crate::domain::import::ImportStatus;
    use leptos::prelude::*;

    pub fn follow(id: &str, status: RwSignal<Option<ImportStatus>>) {
        #[cfg(feature = "hydrate")]
        client::follow(id, status);
        #[cfg(not(feature = "hydrate"))]
        let _ = (id, status);
    }

    #[cfg(feature = "hydrate")]
    mod client {
        use crate::domain::import::ImportStatus;
        use leptos::prelude::*;
        use send_wrapper::SendWrapper;
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        use web_sys::{EventSource, MessageEvent};

        pub fn follow(id: &str, status: RwSignal<Option<ImportStatus>>) {
            let Ok(source) = EventSource::new(&format!("/api/imports/{id}/progress")) else {
                return;
            };
            let on_progress = Closure::<dyn Fn(MessageEvent)>::new(move |ev: MessageEvent| {
                if let Some(s) = ev
                    .data()
                    .as_string()
                    .and_then(|t| serde_json::from_str::<ImportStatus>(&t).ok())
                {
                    status.set(Some(s));
                }
            });
            let _ = source
                .add_event_listener_with_callback("progress", on_progress.as_ref().unchecked_ref());
            let held = SendWrapper::new((source, on_progress));
            on_cleanup(move || held.0.close());
        }
    }
}
