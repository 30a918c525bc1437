//! Route `/settings/pipelines`: the pipelines and their stages as settings. An admin adds a
//! pipeline, chooses the teams that work in it, and (like a manager of those teams, when the
//! admin allows it) renames, reorders, adds and removes stages with their kind, entry
//! criteria, win probability and stale limit; a stage with leads is retired after its leads
//! are moved. The shared form checks run as they type; every save is a version in the history.

use crate::api::pipelines::{
    get_pipeline_settings, CreatePipeline, PipelineSettings, RetirePipeline, RetireReport,
    RetireStage, SavePipeline, SetManagersEditPipelines,
};
use crate::components::guard::RequireAccess;
use crate::components::loaded::Loaded;
use crate::components::status::error_text;
use crate::domain::access;
use crate::domain::pipeline_form::{PipelineForm, StageForm};
use crate::domain::{Criterion, PipelineId, StageId, StageKind};
use crate::error::{AppError, FieldError};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn PipelinesPage() -> impl IntoView {
    view! {
        <Title text="Pipelines"/>
        <RequireAccess check=access::view_pipeline_settings>
            <Pipelines/>
        </RequireAccess>
    }
}

/// Which pipeline the editor shows: one that exists, or a new one being added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Chosen {
    Existing(PipelineId),
    New,
}

#[component]
fn Pipelines() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let page = Resource::new(move || reload.get(), |_| get_pipeline_settings());
    let chosen = RwSignal::new(None::<Chosen>);
    view! {
        <section class="page pipelines-page" aria-labelledby="pipelines-title">
            <div class="page-head">
                <h1 id="pipelines-title">"Pipelines & stages"</h1>
                <p class="page-hint">"Shape the stages your team sells through: their order, what a lead needs to enter each, how likely a lead there is to be won (the forecast's weight) and how long it may sit untouched. Every save is a version in the history below; the board, My day and the reports follow at once."</p>
            </div>
            <Loaded resource=page loading="Loading pipelines…" let:p>
                <Settings page=p chosen=chosen reload=reload/>
            </Loaded>
        </section>
    }
}

#[component]
fn Settings(
    page: PipelineSettings,
    chosen: RwSignal<Option<Chosen>>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let page = StoredValue::new(page);
    let first = page.with_value(|p| p.pipelines.active().next().map(|p| p.id));
    if chosen.get_untracked().is_none() {
        chosen.set(first.map(Chosen::Existing));
    }
    let admin = page.with_value(|p| p.admin);
    let tabs = move || {
        page.with_value(|p| {
            p.pipelines
                .active()
                .map(|pl| {
                    let id = pl.id;
                    let current = move || chosen.get() == Some(Chosen::Existing(id));
                    view! {
                        <button type="button" class="pipeline-tab" aria-pressed=move || current().to_string()
                            on:click=move |_| chosen.set(Some(Chosen::Existing(id)))>
                            {pl.name.clone()}
                            <span class="muted">{format!(" · {} stages", p.pipelines.board(id).len())}</span>
                        </button>
                    }
                })
                .collect_view()
        })
    };
    view! {
        {admin.then(|| view! { <ManagersSwitch allowed=page.with_value(|p| p.managers_may_edit) reload=reload/> })}
        <nav class="pipeline-tabs pipeline-tabs-settings" aria-label="Pipelines">
            {tabs}
            {admin.then(|| view! {
                <button type="button" class="button button-small" aria-pressed=move || (chosen.get() == Some(Chosen::New)).to_string()
                    on:click=move |_| chosen.set(Some(Chosen::New))>"+ Add pipeline"</button>
            })}
        </nav>
        {move || match chosen.get() {
            None => view! { <div class="panel empty-state"><p>"None of your teams works in a pipeline yet."</p></div> }.into_any(),
            Some(which) => view! { <Editor page=page.get_value() which=which chosen=chosen reload=reload/> }.into_any(),
        }}
        {move || match chosen.get() {
            Some(Chosen::Existing(id)) if admin => page.with_value(|p| p.pipelines.pipeline(id).map(|pl| view! {
                <RetirePipelineSection id=id name=pl.name.clone() based_on=pl.version chosen=chosen reload=reload/>
            })),
            _ => None,
        }}
        <History page=page.get_value()/>
    }
}

#[component]
fn ManagersSwitch(allowed: bool, reload: RwSignal<u32>) -> impl IntoView {
    let save = ServerAction::<SetManagersEditPipelines>::new();
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(_))) {
            reload.update(|n| *n += 1);
        }
    });
    view! {
        <label class="check panel managers-switch">
            <input type="checkbox" name="managers_may_edit" prop:checked=allowed
                on:change=move |e| { save.dispatch(SetManagersEditPipelines { allowed: event_target_checked(&e) }); }/>
            "Managers may change the stages of the pipelines their teams work in"
        </label>
    }
}

/// Retiring the whole pipeline (admins), after a second click: refused with the reason while
/// it holds open leads or a team works in no other.
#[component]
fn RetirePipelineSection(
    id: PipelineId,
    name: String,
    based_on: i64,
    chosen: RwSignal<Option<Chosen>>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let retire = ServerAction::<RetirePipeline>::new();
    Effect::new(move |_| {
        if let Some(Ok(page)) = retire.value().get() {
            // Straight to a pipeline still in use (never to none: the page being reloaded
            // would then choose one while this one is still on screen).
            chosen.set(
                page.pipelines
                    .active()
                    .next()
                    .map(|p| Chosen::Existing(p.id)),
            );
            reload.update(|n| *n += 1);
        }
    });
    let refused = move || {
        retire.value().get().and_then(Result::err).map(|e| {
            e.fields()
                .first()
                .map_or_else(|| error_text(&e), |f| f.message.clone())
        })
    };
    let title = format!("Retire \u{201c}{name}\u{201d}");
    let label = title.clone();
    view! {
        <section class="panel retire-pipeline" aria-label=label>
            <h2 class="section-title">"Retire this pipeline"</h2>
            <p class="page-hint">"It leaves the board, the pickers and the choices for new leads; its closed leads keep their stages and history. A pipeline with open leads, or the only pipeline a team works in, cannot be retired."</p>
            {move || if asking.get() {
                view! {
                    <div class="form-actions form-actions-start">
                        <button class="button button-danger" type="button" disabled=move || retire.pending().get()
                            on:click=move |_| { retire.dispatch(RetirePipeline { id, based_on }); }>
                            {title.clone()}
                        </button>
                        <button class="button" type="button" on:click=move |_| asking.set(false)>"Cancel"</button>
                    </div>
                }.into_any()
            } else {
                view! {
                    <button class="button" type="button" on:click=move |_| asking.set(true)>"Retire pipeline…"</button>
                }.into_any()
            }}
            {move || refused().map(|m| view! { <p class="notice notice-error" role="alert">{m}</p> })}
        </section>
    }
}

/// The message for `field` among `errors`, if any.
fn message(errors: &[FieldError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.clone())
}

#[component]
fn Editor(
    page: PipelineSettings,
    which: Chosen,
    chosen: RwSignal<Option<Chosen>>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let (start, based_on, editable) = match which {
        Chosen::Existing(id) => (
            PipelineForm::of(&page.pipelines, id).unwrap_or_else(|| PipelineForm::starter("")),
            page.pipelines.pipeline(id).map_or(0, |p| p.version),
            page.editable.contains(&id),
        ),
        Chosen::New => (PipelineForm::starter(""), 0, page.admin),
    };
    let saved_form = start.clone();
    let form = RwSignal::new(start);
    let server_error = RwSignal::new(None::<AppError>);
    let tried = RwSignal::new(false);
    let save = ServerAction::<SavePipeline>::new();
    let create = ServerAction::<CreatePipeline>::new();
    let retire = ServerAction::<RetireStage>::new();
    let retiring = RwSignal::new(None::<StageId>);
    let report = RwSignal::new(None::<RetireReport>);
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => {
            server_error.set(None);
            reload.update(|n| *n += 1);
        }
        Some(Err(e)) => server_error.set(Some(e)),
        None => {}
    });
    Effect::new(move |_| match create.value().get() {
        Some(Ok(id)) => {
            server_error.set(None);
            chosen.set(Some(Chosen::Existing(id)));
            reload.update(|n| *n += 1);
        }
        Some(Err(e)) => server_error.set(Some(e)),
        None => {}
    });
    Effect::new(move |_| match retire.value().get() {
        Some(Ok(r)) => {
            let done = r.retired;
            report.set(Some(r));
            if done {
                retiring.set(None);
                reload.update(|n| *n += 1);
            }
        }
        Some(Err(e)) => server_error.set(Some(e)),
        None => {}
    });
    // The shared checks, as they type; the server's answer once it has one.
    let problems = move || {
        let mut out = form.with(|f| f.check().err().unwrap_or_default());
        if let Some(e) = server_error.get() {
            out.extend(e.fields().iter().cloned());
        }
        out
    };
    let error = move |field: String| {
        if !tried.get() && server_error.with(Option::is_none) {
            // Nothing is shouted at before a first save, except what the server said.
            return None;
        }
        message(&problems(), &field)
    };
    let general = move || {
        server_error.get().map(|e| error_text(&e)).or_else(|| {
            (tried.get())
                .then(|| message(&problems(), "stages"))
                .flatten()
        })
    };
    let changed = move || form.with(|f| *f != saved_form);
    let pending = move || save.pending().get() || create.pending().get();
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        tried.set(true);
        server_error.set(None);
        let f = form.get_untracked();
        if f.check().is_err() {
            return;
        }
        match which {
            Chosen::Existing(id) => {
                save.dispatch(SavePipeline {
                    id,
                    form: f,
                    based_on,
                });
            }
            Chosen::New => {
                create.dispatch(CreatePipeline { form: f });
            }
        }
    };
    let teams = page.teams.clone();
    let admin = page.admin;
    let leads_in = StoredValue::new(page.leads_in.clone());
    let count = move |id: Option<StageId>| {
        id.map_or(0, |s| {
            leads_in.with_value(|l| l.iter().find(|(x, _)| *x == s).map_or(0, |(_, n)| *n))
        })
    };
    let stage_count = Memo::new(move |_| form.with(|f| f.stages.len()));
    // The custom fields each saved stage needs (set on the custom fields page).
    let shape = StoredValue::new(page.pipelines.clone());
    let fields_needed = move |id: Option<StageId>| -> Vec<String> {
        shape.with_value(|p| {
            id.and_then(|s| p.get(s))
                .map(|stage| {
                    p.required_fields(stage)
                        .into_iter()
                        .map(|d| d.label.clone())
                        .collect()
                })
                .unwrap_or_default()
        })
    };
    let title = match which {
        Chosen::New => "New pipeline".to_string(),
        Chosen::Existing(_) => form.with_untracked(|f| f.name.clone()),
    };
    view! {
        <form class="panel pipeline-editor" on:submit=submit aria-label=title>
            <div class="pipeline-editor-head">
                <label class="field pipeline-name">"Pipeline name"
                    <input type="text" name="name" maxlength="60" placeholder="Renewals" disabled=!editable
                        prop:value=move || form.with(|f| f.name.clone())
                        on:input=move |e| form.update(|f| f.name = event_target_value(&e))
                        aria-invalid=move || error("name".into()).is_some().then_some("true")/>
                    {move || error("name".into()).map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                </label>
                {(!editable).then(|| view! {
                    <p class="notice notice-warn">"You can read this pipeline; an admin changes it (or lets managers change their teams' pipelines)."</p>
                })}
            </div>
            <fieldset class="check-grid pipeline-teams" disabled=!admin>
                <legend>"Teams working in it"</legend>
                {teams.into_iter().map(|(id, name)| view! {
                    <label class="check">
                        <input type="checkbox" name="teams" value=id.0.to_string()
                            prop:checked=move || form.with(|f| f.teams.contains(&id))
                            on:change=move |e| {
                                let on = event_target_checked(&e);
                                form.update(|f| {
                                    f.teams.retain(|t| *t != id);
                                    if on { f.teams.push(id) }
                                });
                            }/>
                        {name}
                    </label>
                }).collect_view()}
                {move || error("teams".into()).map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
            </fieldset>
            <h2 class="section-title">"Stages, in board order"</h2>
            <ol class="stage-list">
                // Rows are keyed by place only: typing into one must not rebuild the others
                // (and lose the focus), so only the number of stages is tracked here.
                {move || {
                    let n = stage_count.get();
                    (0..n).map(|i| view! {
                        <StageRow i=i form=form error=error editable=editable leads=count retiring=retiring fields_needed=fields_needed/>
                    }).collect_view()
                }}
            </ol>
            {move || retiring.get().map(|stage| view! {
                <RetirePanel stage=stage form=form based_on=based_on leads=count(Some(stage)) retire=retire retiring=retiring report=report/>
            })}
            {move || report.get().map(|r| view! { <RetireSummary report=r/> })}
            {editable.then(|| view! {
                <div class="form-actions form-actions-start">
                    <button class="button" type="button" on:click=move |_| { form.update(|f| { f.add_stage(); }); }>"+ Add stage"</button>
                    <span class="spacer"></span>
                    {move || changed().then(|| view! { <span class="muted">"Unsaved changes"</span> })}
                    <button class="button button-primary" type="submit" disabled=pending>
                        {match which { Chosen::New => "Add pipeline", Chosen::Existing(_) => "Save pipeline" }}
                    </button>
                </div>
            })}
            {move || general().map(|m| view! { <p class="notice notice-error" role="alert">{m}</p> })}
        </form>
    }
}

#[component]
fn StageRow(
    i: usize,
    form: RwSignal<PipelineForm>,
    error: impl Fn(String) -> Option<String> + Copy + Send + Sync + 'static,
    editable: bool,
    leads: impl Fn(Option<StageId>) -> i64 + Copy + Send + Sync + 'static,
    retiring: RwSignal<Option<StageId>>,
    fields_needed: impl Fn(Option<StageId>) -> Vec<String> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let get = move |f: fn(&StageForm) -> String| {
        form.with(|p| p.stages.get(i).map(f).unwrap_or_default())
    };
    let set = move |apply: Box<dyn FnOnce(&mut StageForm)>| {
        form.update(|p| {
            if let Some(s) = p.stages.get_mut(i) {
                apply(s);
            }
        })
    };
    let name = move || get(|s| s.name.clone());
    let kind = move || form.with(|p| p.stages.get(i).map_or(StageKind::Open, |s| s.kind));
    let id = move || form.with(|p| p.stages.get(i).and_then(|s| s.id));
    let last = move || form.with(|p| p.stages.len()) == i + 1;
    let field = move |f: &str| format!("stages.{i}.{f}");
    let err = move |f: &'static str| error(field(f));
    let label = move |what: &str| format!("{what} of stage {}", i + 1);
    view! {
        <li class="stage-row" class:stage-closed=move || kind().is_closed()>
            <div class="stage-order">
                <span class="stage-number" aria-hidden="true">{i + 1}</span>
                {editable.then(|| view! {
                    <button type="button" class="icon-button" aria-label=move || format!("Move {} up", name())
                        disabled=i == 0 on:click=move |_| { form.update(|p| { p.move_stage(i, true); }); }>"↑"</button>
                    <button type="button" class="icon-button" aria-label=move || format!("Move {} down", name())
                        disabled=last on:click=move |_| { form.update(|p| { p.move_stage(i, false); }); }>"↓"</button>
                })}
            </div>
            <label class="field stage-name">"Name"
                <input type="text" maxlength="40" aria-label=label("Name") disabled=!editable
                    prop:value=name
                    on:input=move |e| { let v = event_target_value(&e); set(Box::new(move |s| s.name = v)); }
                    aria-invalid=move || err("name").is_some().then_some("true")/>
                {move || err("name").map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
            </label>
            <label class="field stage-kind">"Kind"
                <select aria-label=label("Kind") disabled=!editable
                    on:change=move |e| {
                        let k = StageKind::parse(&event_target_value(&e)).unwrap_or(StageKind::Open);
                        set(Box::new(move |s| s.kind = k));
                    }>
                    {[(StageKind::Open, "Open"), (StageKind::Won, "Won"), (StageKind::Lost, "Lost")].into_iter().map(|(k, text)| view! {
                        <option value=k.key() selected=move || kind() == k>{text}</option>
                    }).collect_view()}
                </select>
                {move || err("kind").map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
            </label>
            <label class="field stage-number-field">"Win %"
                <input type="text" inputmode="numeric" maxlength="3" aria-label=label("Win probability")
                    disabled=move || !editable || kind().is_closed()
                    prop:value=move || if kind().is_closed() { match kind() { StageKind::Won => "100".into(), _ => "0".into() } } else { get(|s| s.probability.clone()) }
                    on:input=move |e| { let v = event_target_value(&e); set(Box::new(move |s| s.probability = v)); }
                    aria-invalid=move || err("probability").is_some().then_some("true")/>
                {move || err("probability").map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
            </label>
            <label class="field stage-number-field">"Stale days"
                <input type="text" inputmode="numeric" maxlength="3" placeholder="policy" aria-label=label("Stale limit")
                    disabled=!editable
                    prop:value=move || get(|s| s.stale_days.clone())
                    on:input=move |e| { let v = event_target_value(&e); set(Box::new(move |s| s.stale_days = v)); }
                    aria-invalid=move || err("stale_days").is_some().then_some("true")/>
                {move || err("stale_days").map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
            </label>
            <fieldset class="stage-criteria" disabled=!editable>
                <legend>"Needs to enter"</legend>
                {Criterion::ALL.into_iter().map(|c| view! {
                    <label class="check">
                        <input type="checkbox" aria-label=move || format!("{} needs {}", name(), c.label().to_lowercase())
                            prop:checked=move || form.with(|p| p.stages.get(i).is_some_and(|s| s.entry_criteria.contains(&c)))
                            on:change=move |e| {
                                let on = event_target_checked(&e);
                                set(Box::new(move |s| {
                                    s.entry_criteria.retain(|x| *x != c);
                                    if on { s.entry_criteria.push(c) }
                                }));
                            }/>
                        {c.label()}
                    </label>
                }).collect_view()}
                {move || {
                    let needed = fields_needed(id());
                    (!needed.is_empty()).then(|| view! {
                        <a class="stage-fields" href="/settings/fields" title="Custom fields required from this stage or an earlier one">
                            {format!("and {}", needed.join(", "))}
                        </a>
                    })
                }}
            </fieldset>
            <div class="stage-side">
                <span class="muted">{move || match (id(), leads(id())) { (None, _) => "new".to_string(), (_, 1) => "1 lead".into(), (_, n) => format!("{n} leads") }}</span>
                {move || editable.then(|| match id() {
                    // A saved stage is retired (its leads moved first); a new one just goes.
                    Some(stage) => view! {
                        <button type="button" class="button button-small" aria-label=move || format!("Retire {}", name())
                            on:click=move |_| retiring.set(Some(stage))>"Retire…"</button>
                    }.into_any(),
                    None => view! {
                        <button type="button" class="button button-small" aria-label=move || format!("Remove {}", name())
                            on:click=move |_| form.update(|p| { if i < p.stages.len() { p.stages.remove(i); } })>"Remove"</button>
                    }.into_any(),
                })}
            </div>
        </li>
    }
}

#[component]
fn RetirePanel(
    stage: StageId,
    form: RwSignal<PipelineForm>,
    based_on: i64,
    leads: i64,
    retire: ServerAction<RetireStage>,
    retiring: RwSignal<Option<StageId>>,
    report: RwSignal<Option<RetireReport>>,
) -> impl IntoView {
    let (name, others) = form.with_untracked(|f| {
        let name = f
            .stages
            .iter()
            .find(|s| s.id == Some(stage))
            .map_or_else(String::new, |s| s.name.clone());
        let others: Vec<(StageId, String)> = f
            .stages
            .iter()
            .filter(|s| s.id.is_some_and(|id| id != stage) && s.kind != StageKind::Lost)
            .filter_map(|s| s.id.map(|id| (id, s.name.clone())))
            .collect();
        (name, others)
    });
    let to = RwSignal::new(others.first().map(|(id, _)| *id));
    let heading = format!("Retire \"{name}\"");
    let group_label = heading.clone();
    view! {
        <div class="panel retire-panel" role="group" aria-label=group_label>
            <h3>{heading}</h3>
            {if leads == 0 {
                view! { <p>"No lead is in it: it leaves the board at once, and its history keeps its name."</p> }.into_any()
            } else {
                view! {
                    <p>{format!("First its {leads} lead{} move, each through the stage rules and the follow-up policy; the stage retires once it is empty.", if leads == 1 { "" } else { "s" })}</p>
                    <label class="field">"Move its leads to"
                        <select on:change=move |e| to.set(event_target_value(&e).parse().ok().map(StageId))>
                            {others.into_iter().map(|(id, n)| view! { <option value=id.0.to_string()>{n}</option> }).collect_view()}
                        </select>
                    </label>
                }.into_any()
            }}
            <div class="form-actions form-actions-start">
                <button class="button button-danger" type="button" disabled=move || retire.pending().get()
                    on:click=move |_| { report.set(None); retire.dispatch(RetireStage { stage, to: to.get_untracked(), based_on }); }>
                    "Retire stage"
                </button>
                <button class="button" type="button" on:click=move |_| retiring.set(None)>"Cancel"</button>
            </div>
        </div>
    }
}

#[component]
fn RetireSummary(report: RetireReport) -> impl IntoView {
    let moved = match report.moved {
        0 => None,
        1 => Some("1 lead moved.".to_string()),
        n => Some(format!("{n} leads moved.")),
    };
    let class = if report.retired {
        "notice notice-ok"
    } else {
        "notice notice-warn"
    };
    view! {
        <div class=class role="status">
            <p>{moved}{if report.retired { " The stage is retired." } else { " The stage stays until these can move:" }}</p>
            {(!report.refused.is_empty()).then(|| view! {
                <ul class="retire-refused">
                    {report.refused.into_iter().map(|(id, title, why)| view! {
                        <li><a href=format!("/leads/{id}")>{title}</a>": "{why}</li>
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
}

#[component]
fn History(page: PipelineSettings) -> impl IntoView {
    let name = |id: PipelineId| {
        page.pipelines
            .pipeline(id)
            .map_or_else(|| format!("Pipeline {id}"), |p| p.name.clone())
    };
    let rows: Vec<_> = page
        .history
        .iter()
        .map(|h| (name(h.pipeline), h.clone()))
        .collect();
    view! {
        <section class="panel pipeline-history" aria-labelledby="pipeline-history-title">
            <h2 id="pipeline-history-title">"History"</h2>
            {if rows.is_empty() {
                view! { <p class="muted">"No change saved yet: the pipeline is as the first start made it."</p> }.into_any()
            } else {
                view! {
                    <ol class="history-list">
                        {rows.into_iter().map(|(pipeline, h)| view! {
                            <li>
                                <p class="history-head"><strong>{format!("{pipeline} v{}", h.version)}</strong>
                                    <span class="muted">{format!(" · {} · {}", h.author.clone().unwrap_or_else(|| "system".into()), h.at.short_date(0))}</span></p>
                                <ul>{h.changes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}
