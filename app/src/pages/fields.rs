//! Route `/settings/fields`: custom fields. An admin adds a field (label, kind, what it
//! describes, the pipeline it belongs to, its options, help, the stage from which a lead
//! needs it, whether cards show it), changes, orders and retires fields; managers read the
//! list. The shared form checks run as the admin types; every change is an event.

use crate::api::fields::{get_field_settings, FieldSettings, MoveField, RetireField, SaveField};
use crate::components::guard::RequireAccess;
use crate::components::loaded::Loaded;
use crate::components::status::error_text;
use crate::domain::access;
use crate::domain::fields::{FieldDef, FieldEntity, FieldForm, FieldKind};
use crate::domain::{PipelineId, StageId, StageKind};
use crate::error::{AppError, FieldError};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn FieldsPage() -> impl IntoView {
    view! {
        <Title text="Custom fields"/>
        <RequireAccess check=access::view_field_settings>
            <Fields/>
        </RequireAccess>
    }
}

#[component]
fn Fields() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let page = Resource::new(move || reload.get(), |_| get_field_settings());
    // The form being edited: none, a new field, or an existing one.
    let editing = RwSignal::new(None::<FieldForm>);
    view! {
        <section class="page fields-page" aria-labelledby="fields-title">
            <div class="page-head">
                <h1 id="fields-title">"Custom fields"</h1>
                <p class="page-hint">"Record the facts your process depends on — industry, fleet size, contract end date, tender number. A field can be required from a stage on (a lead cannot enter it without a value), shown on the board's cards, and filtered by on the board and in the API."</p>
            </div>
            <Loaded resource=page loading="Loading fields…" let:p>
                <Settings page=p editing=editing reload=reload/>
            </Loaded>
        </section>
    }
}

/// Where a field applies, in words: "Leads · every pipeline", "Leads · Renewals", "Contacts".
fn applies(page: &FieldSettings, def: &FieldDef) -> String {
    match (def.entity, def.pipeline_id) {
        (FieldEntity::Lead, None) if page.pipelines.several() => "Leads · every pipeline".into(),
        (FieldEntity::Lead, None) => "Leads".into(),
        (FieldEntity::Lead, Some(p)) => format!(
            "Leads · {}",
            page.pipelines
                .pipeline(p)
                .map_or_else(|| format!("pipeline {p}"), |p| p.name.clone())
        ),
        (other, _) => other.label().into(),
    }
}

#[component]
fn Settings(
    page: FieldSettings,
    editing: RwSignal<Option<FieldForm>>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let can_edit = page.can_edit;
    let page = StoredValue::new(page);
    let moves = ServerAction::<MoveField>::new();
    let retire = ServerAction::<RetireField>::new();
    let problem = RwSignal::new(None::<AppError>);
    let answered = move |done: Option<Result<FieldSettings, AppError>>| match done {
        Some(Ok(_)) => {
            problem.set(None);
            reload.update(|n| *n += 1);
        }
        Some(Err(e)) => problem.set(Some(e)),
        None => {}
    };
    Effect::new(move |_| answered(moves.value().get()));
    Effect::new(move |_| answered(retire.value().get()));
    let rows = move |retired: bool| {
        page.with_value(|p| {
            let defs: Vec<FieldDef> = p
                .pipelines
                .fields()
                .iter()
                .filter(|d| d.retired == retired)
                .cloned()
                .collect();
            let last = defs.len().saturating_sub(1);
            defs.into_iter()
                .enumerate()
                .map(|(i, d)| {
                    let id = d.id;
                    let used = p.used(id);
                    let required = d
                        .required_from
                        .and_then(|s| p.pipelines.get(s))
                        .map(|s| format!("from {}", p.pipelines.label(s.id)));
                    let form = FieldForm::of(&d);
                    let label = d.label.clone();
                    let (up_label, down_label, edit_label, retire_label) = (
                        format!("Move {label} up"),
                        format!("Move {label} down"),
                        format!("Edit {label}"),
                        format!("{} {label}", if retired { "Restore" } else { "Retire" }),
                    );
                    view! {
                        <tr>
                            <th scope="row">
                                {d.label.clone()}
                                <span class="muted field-key">{format!(" {}", d.key)}</span>
                                {d.help.clone().map(|h| view! { <small class="field-help">{h}</small> })}
                            </th>
                            <td data-label="Kind">
                                <span>
                                    {d.kind.label()}
                                    {d.kind.has_choices().then(|| view! { <small class="muted">{format!(" · {}", d.choices.join(", "))}</small> })}
                                </span>
                            </td>
                            <td data-label="For">{applies(p, &d)}</td>
                            <td data-label="Required">{required.unwrap_or_else(|| "–".into())}</td>
                            <td data-label="On cards">{if d.on_card { "Yes" } else { "–" }}</td>
                            <td data-label="In use" class="num">{match used { 1 => "1 record".to_string(), n => format!("{n} records") }}</td>
                            {can_edit.then(|| view! {
                                <td class="cell-actions">
                                    {(!retired).then(|| view! {
                                        <button type="button" class="icon-button" aria-label=up_label disabled=i == 0
                                            on:click=move |_| { moves.dispatch(MoveField { id, up: true }); }>"↑"</button>
                                        <button type="button" class="icon-button" aria-label=down_label disabled=i == last
                                            on:click=move |_| { moves.dispatch(MoveField { id, up: false }); }>"↓"</button>
                                        <button type="button" class="button button-small" aria-label=edit_label
                                            on:click=move |_| editing.set(Some(form.clone()))>"Edit"</button>
                                    })}
                                    <button type="button" class="button button-small" aria-label=retire_label
                                        on:click=move |_| { retire.dispatch(RetireField { id, retired: !retired }); }>
                                        {if retired { "Restore" } else { "Retire" }}
                                    </button>
                                </td>
                            })}
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    let live_count =
        page.with_value(|p| p.pipelines.fields().iter().filter(|d| !d.retired).count());
    let retired_count =
        page.with_value(|p| p.pipelines.fields().iter().filter(|d| d.retired).count());
    let table = move |retired: bool, caption: &'static str| {
        view! {
            <div class="table-scroll">
                <table class="table table-stack fields-table">
                    <caption class="visually-hidden">{caption}</caption>
                    <thead><tr>
                        <th scope="col">"Field"</th><th scope="col">"Kind"</th><th scope="col">"For"</th>
                        <th scope="col">"Required"</th><th scope="col">"On cards"</th><th scope="col" class="num">"In use"</th>
                        {can_edit.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                    </tr></thead>
                    <tbody>{rows(retired)}</tbody>
                </table>
            </div>
        }
    };
    view! {
        {(!can_edit).then(|| view! {
            <p class="notice notice-warn">"You can read the fields your reps are asked for; an admin changes them."</p>
        })}
        <div class="panel">
            <div class="section-head">
                <h2 class="section-title">"Fields"</h2>
                {can_edit.then(|| view! {
                    <button type="button" class="button button-primary" on:click=move |_| editing.set(Some(FieldForm::blank()))>"+ Add field"</button>
                })}
            </div>
            {move || problem.get().map(|e| view! { <p class="notice notice-error" role="alert">{error_text(&e)}</p> })}
            {if live_count == 0 {
                view! { <p class="empty-state">"No custom field yet. Add the first one: what does your team need to know about every lead?"</p> }.into_any()
            } else {
                table(false, "Custom fields").into_any()
            }}
        </div>
        {move || editing.get().map(|f| view! { <Editor start=f page=page.get_value() editing=editing reload=reload/> })}
        {(retired_count > 0).then(|| view! {
            <details class="panel">
                <summary>{format!("Retired fields ({retired_count})")}</summary>
                <p class="muted">"A retired field keeps its values and history; nobody is asked for it, and it is off the cards and the drawer."</p>
                {table(true, "Retired fields")}
            </details>
        })}
    }
}

fn message(errors: &[FieldError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.clone())
}

#[component]
fn Editor(
    start: FieldForm,
    page: FieldSettings,
    editing: RwSignal<Option<FieldForm>>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let existing = start.id.is_some();
    let form = RwSignal::new(start);
    let page = StoredValue::new(page);
    let save = ServerAction::<SaveField>::new();
    let server_error = RwSignal::new(None::<AppError>);
    let tried = RwSignal::new(false);
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => {
            server_error.set(None);
            editing.set(None);
            reload.update(|n| *n += 1);
        }
        Some(Err(e)) => server_error.set(Some(e)),
        None => {}
    });
    let problems = move || {
        let mut out = page.with_value(|p| {
            form.with(|f| {
                f.check(&p.pipelines, p.pipelines.fields())
                    .err()
                    .unwrap_or_default()
            })
        });
        if let Some(e) = server_error.get() {
            out.extend(e.fields().iter().cloned());
        }
        out
    };
    let error = move |field: &'static str| {
        move || {
            if !tried.get() && server_error.with(Option::is_none) {
                return None;
            }
            message(&problems(), field)
        }
    };
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        tried.set(true);
        server_error.set(None);
        let f = form.get_untracked();
        let fine = page.with_value(|p| f.check(&p.pipelines, p.pipelines.fields()).is_ok());
        if fine {
            save.dispatch(SaveField { form: f });
        }
    };
    let kind = move || form.with(|f| f.kind);
    let entity = move || form.with(|f| f.entity);
    let pipelines: Vec<(PipelineId, String)> = page.with_value(|p| {
        p.pipelines
            .active()
            .map(|pl| (pl.id, pl.name.clone()))
            .collect()
    });
    let several = pipelines.len() > 1;
    // The stages a requirement may start from: open and won stages of the field's pipeline
    // (of every pipeline for a field of all of them).
    let stages = move || {
        let chosen = form.with(|f| f.pipeline_id);
        page.with_value(|p| {
            p.pipelines
                .live_stages()
                .filter(|s| s.kind != StageKind::Lost)
                .filter(|s| chosen.is_none_or(|c| c == s.pipeline_id))
                .map(|s| (s.id, p.pipelines.label(s.id)))
                .collect::<Vec<(StageId, String)>>()
        })
    };
    let title = if existing { "Edit field" } else { "New field" };
    let invalid = move |f: &'static str| move || error(f)().is_some().then_some("true");
    view! {
        <form class="panel field-editor" on:submit=submit aria-label=title novalidate>
            <h2 class="section-title">{title}</h2>
            <div class="form-grid">
                <label class="field">"Label"
                    <input type="text" name="label" maxlength="40" placeholder="Fleet size"
                        prop:value=move || form.with(|f| f.label.clone())
                        on:input=move |e| form.update(|f| f.label = event_target_value(&e))
                        aria-invalid=invalid("label")/>
                    <span class="field-error" role="alert">{error("label")}</span>
                </label>
                <label class="field">"Kind"
                    <select name="kind" on:change=move |e| {
                        if let Some(k) = FieldKind::parse(&event_target_value(&e)) { form.update(|f| f.kind = k) }
                    }>
                        {FieldKind::ALL.into_iter().map(|k| view! {
                            <option value=k.key() selected=move || kind() == k>{k.label()}</option>
                        }).collect_view()}
                    </select>
                    <span class="field-error" role="alert">{error("kind")}</span>
                </label>
                <label class="field">"Describes"
                    <select name="entity" on:change=move |e| {
                        if let Some(x) = FieldEntity::parse(&event_target_value(&e)) { form.update(|f| f.entity = x) }
                    }>
                        {FieldEntity::ALL.into_iter().map(|x| view! {
                            <option value=x.key() selected=move || entity() == x>{x.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                {move || (entity() == FieldEntity::Lead && several).then(|| {
                    let pipelines = pipelines.clone();
                    view! {
                        <label class="field">"Pipeline"
                            <select name="pipeline_id" on:change=move |e| {
                                let p = event_target_value(&e).parse().ok().map(PipelineId);
                                form.update(|f| { f.pipeline_id = p; f.required_from = None; });
                            }>
                                <option value="" selected=move || form.with(|f| f.pipeline_id.is_none())>"Every pipeline"</option>
                                {pipelines.into_iter().map(|(id, name)| view! {
                                    <option value=id.0.to_string() selected=move || form.with(|f| f.pipeline_id == Some(id))>{name}</option>
                                }).collect_view()}
                            </select>
                            <span class="field-error" role="alert">{error("pipeline_id")}</span>
                        </label>
                    }
                })}
            </div>
            {move || kind().has_choices().then(|| view! {
                <label class="field">"Options, one per line"
                    <textarea name="choices" rows="5" placeholder="Retail\nLogistics\nPublic sector"
                        prop:value=move || form.with(|f| f.choices.clone())
                        on:input=move |e| form.update(|f| f.choices = event_target_value(&e))
                        aria-invalid=invalid("choices")></textarea>
                    <span class="field-error" role="alert">{error("choices")}</span>
                </label>
            })}
            <label class="field">"Help text (shown beside the input)"
                <input type="text" name="help" maxlength="200" placeholder="Vehicles the customer runs today"
                    prop:value=move || form.with(|f| f.help.clone())
                    on:input=move |e| form.update(|f| f.help = event_target_value(&e))/>
                <span class="field-error" role="alert">{error("help")}</span>
            </label>
            {move || (entity() == FieldEntity::Lead).then(|| view! {
                <div class="form-grid">
                    <label class="field">"Required from stage"
                        <select name="required_from" on:change=move |e| {
                            let s = event_target_value(&e).parse().ok().map(StageId);
                            form.update(|f| f.required_from = s);
                        }>
                            <option value="" selected=move || form.with(|f| f.required_from.is_none())>"Not required"</option>
                            {stages().into_iter().map(|(id, name)| view! {
                                <option value=id.0.to_string() selected=move || form.with(|f| f.required_from == Some(id))>{name}</option>
                            }).collect_view()}
                        </select>
                        <small class="field-help">"A lead needs a value to enter this stage or any later one (not to be lost)."</small>
                        <span class="field-error" role="alert">{error("required_from")}</span>
                    </label>
                    <label class="check field-on-card">
                        <input type="checkbox" name="on_card" prop:checked=move || form.with(|f| f.on_card)
                            on:change=move |e| form.update(|f| f.on_card = event_target_checked(&e))/>
                        "Show on the board's cards"
                    </label>
                </div>
            })}
            {move || server_error.get().filter(|e| e.fields().is_empty()).map(|e| view! {
                <p class="notice notice-error" role="alert">{error_text(&e)}</p>
            })}
            <div class="form-actions">
                <button type="button" class="button" on:click=move |_| editing.set(None)>"Cancel"</button>
                <button type="submit" class="button button-primary" disabled=move || save.pending().get()>
                    {if existing { "Save field" } else { "Add field" }}
                </button>
            </div>
        </form>
    }
}
