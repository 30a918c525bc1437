//! Route `/settings/policy`: the follow-up rules of the organisation and of each team. Managers
//! change their teams' rules, admins any; everyone else reads the rules they are held to.
//! A change is previewed against today's open leads before it is saved as a new version.

use crate::api::policy::{get_policy_settings, preview_policy, save_policy};
use crate::components::guard::RequireAccess;
use crate::components::status::error_text;
use crate::domain::access::{self, TeamId};
use crate::domain::policy_form::{
    DayForm, PolicyForm, PolicyPreview, PolicyScope, PolicySettings, WEEKDAYS,
};
use crate::domain::{Criterion, StageId, StageKind};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn PolicyPage() -> impl IntoView {
    view! {
        <Title text="Follow-up policy"/>
        <RequireAccess check=access::view_policies>
            <PolicySettingsView/>
        </RequireAccess>
    }
}

#[component]
fn PolicySettingsView() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let data = Resource::new(move || reload.get(), |_| get_policy_settings());
    // None until the person picks: the page opens on the rules they can change, else on the
    // rules their own team works to.
    let selected = RwSignal::new(None::<usize>);
    let notice = RwSignal::new(None::<String>);
    view! {
        <section class="page" aria-labelledby="policy-title">
            <div class="page-head">
                <h1 id="policy-title">"Follow-up policy"</h1>
                <p class="page-hint">
                    "The rules every open lead is held to. The server enforces them on every write and the board flags what breaks them; each saved change is a new version."
                </p>
            </div>
            <div aria-live="polite" class="form-status">
                {move || notice.get().map(|m| view! { <p class="notice notice-ok" role="status">{m}</p> })}
            </div>
            <Transition fallback=|| view! { <p class="loading">"Loading the rules…"</p> }>
                {move || {
                    Suspend::new(async move {
                    match data.await {
                        Ok(settings) => view! {
                            <Settings settings selected notice reload/>
                        }.into_any(),
                        Err(e) => view! {
                            <div class="panel panel-error" role="alert"><p>{error_text(&e)}</p></div>
                        }.into_any(),
                    }
                    })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn Settings(
    settings: PolicySettings,
    selected: RwSignal<Option<usize>>,
    notice: RwSignal<Option<String>>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let me = crate::components::guard::use_me();
    let own_team = me.as_ref().and_then(|a| a.team_id);
    // A manager lands on the team he manages; an admin on the organisation default.
    let manager = me
        .as_ref()
        .is_some_and(|a| a.role == crate::domain::Role::Manager);
    let opening = settings
        .scopes
        .iter()
        .position(|s| manager && s.editable && s.team.is_some())
        .or_else(|| settings.scopes.iter().position(|s| s.editable))
        .or_else(|| {
            settings
                .scopes
                .iter()
                .position(|s| s.team.is_some() && s.team == own_team)
        })
        .unwrap_or(0);
    let current = move || selected.get().unwrap_or(opening);
    let scopes = StoredValue::new(settings.scopes.clone());
    let stages = StoredValue::new(settings.stages.clone());
    let sources = StoredValue::new(settings.sources.clone());
    let history = settings.history.clone();
    let label_of = {
        let scopes = settings.scopes.clone();
        move |team: Option<TeamId>| {
            scopes
                .iter()
                .find(|s| s.team == team)
                .map(|s| s.label.clone())
                .unwrap_or_default()
        }
    };
    view! {
        <div class="policy-layout">
            <nav class="scope-list" aria-label="Whose rules">
                {settings.scopes.iter().enumerate().map(|(i, s)| {
                    let tag = if s.team.is_none() { "default" } else if s.own { "own rules" } else { "uses the default" };
                    view! {
                        <button type="button" class="scope-tab"
                            aria-current=move || (current() == i).then_some("true")
                            on:click=move |_| { selected.set(Some(i)); notice.set(None); }>
                            <span class="scope-name">{s.label.clone()}</span>
                            <span class="scope-tag">{tag}</span>
                        </button>
                    }
                }).collect_view()}
            </nav>
            <div class="scope-body">
                {move || {
                    let scope = scopes.with_value(|s| s.get(current()).cloned());
                    let editable_elsewhere = scopes.with_value(|s| {
                        s.iter().find(|x| x.editable).map(|x| x.label.clone())
                    });
                    scope.map(|scope| view! {
                        <ScopeEditor scope stages=stages.get_value() sources=sources.get_value() notice reload
                            own_team editable_elsewhere/>
                    })
                }}
            </div>
        </div>
        <section class="panel-section policy-history" aria-labelledby="history-title">
            <h2 id="history-title">"Version history"</h2>
            {if history.is_empty() {
                view! { <p class="muted">"No saved versions yet."</p> }.into_any()
            } else {
                view! {
                    <table class="table">
                        <thead><tr>
                            <th scope="col">"Rules"</th>
                            <th scope="col">"Version"</th>
                            <th scope="col">"Saved"</th>
                            <th scope="col">"By"</th>
                            <th scope="col">"What changed"</th>
                        </tr></thead>
                        <tbody>
                            {history.into_iter().map(|v| view! {
                                <tr>
                                    <td>{label_of(v.team)}</td>
                                    <td class="num">{format!("v{}", v.version)}</td>
                                    <td>{v.at.date_string(0)}</td>
                                    <td>{v.author.unwrap_or_else(|| "Closeloop".into())}</td>
                                    <td>
                                        {if v.changes.is_empty() {
                                            view! { <span class="muted">"First version"</span> }.into_any()
                                        } else {
                                            view! {
                                                <ul class="change-list">
                                                    {v.changes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
                                                </ul>
                                            }.into_any()
                                        }}
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

/// Who changes the rules on view, said to the person looking at them.
fn scope_note(scope: &PolicyScope, editable: bool, elsewhere: Option<String>) -> String {
    let inherits = scope.team.is_some() && !scope.own;
    match (editable, inherits, scope.team, elsewhere) {
        (true, true, _, _) => {
            "This team follows the organisation default; saving gives it rules of its own.".into()
        }
        (true, false, _, _) => "Changes are previewed against today's open leads before saving.".into(),
        (false, _, None, Some(mine)) => format!(
            "Only an admin changes the organisation default. You change the rules of {mine}: pick it on the left."
        ),
        (false, _, None, None) => "Only an admin changes the organisation default.".into(),
        (false, _, Some(_), Some(mine)) => format!(
            "Only this team's manager or an admin changes them. Yours are under {mine}."
        ),
        (false, true, Some(_), None) => {
            "This team follows the organisation default. Its manager or an admin can give it rules of its own.".into()
        }
        (false, false, Some(_), None) => {
            "The team's manager or an admin changes these rules.".into()
        }
    }
}

type ReadText = fn(&PolicyForm) -> String;
type WriteText = fn(&mut PolicyForm, String);

/// One scope's rules: a form when the viewer may change them, with preview and save.
#[component]
fn ScopeEditor(
    scope: PolicyScope,
    stages: Vec<(StageId, String, StageKind)>,
    sources: Vec<(i64, String)>,
    notice: RwSignal<Option<String>>,
    reload: RwSignal<u32>,
    /// The viewer's own team, to say "your team".
    own_team: Option<TeamId>,
    /// Rules the viewer can change, when these are not them.
    editable_elsewhere: Option<String>,
) -> impl IntoView {
    let team = scope.team;
    let based_on = scope.policy.version;
    // A team without rules of its own starts its own history at version 1.
    let next_version = if scope.own { based_on + 1 } else { 1 };
    let initial = PolicyForm::of(&scope.policy, &stages, &sources);
    let source_names = StoredValue::new(sources);
    let form = RwSignal::new(initial.clone());
    let error = RwSignal::new(None::<AppError>);
    let preview = RwSignal::new(None::<PolicyPreview>);
    let busy = RwSignal::new(false);
    let editable = scope.editable;
    let stage_names = StoredValue::new(stages);
    let field_error = move |name: String| {
        move || {
            error.with(|e| {
                e.as_ref().and_then(|e| {
                    e.fields()
                        .iter()
                        .find(|f| f.field == name)
                        .map(|f| f.message.clone())
                })
            })
        }
    };
    // Any edit makes an earlier preview stale.
    let edit = move |f: &dyn Fn(&mut PolicyForm)| {
        form.update(|form| f(form));
        preview.set(None);
    };
    let run_preview = move || {
        busy.set(true);
        error.set(None);
        let current = form.get_untracked();
        leptos::task::spawn_local(async move {
            match preview_policy(team, current, based_on).await {
                Ok(p) => preview.set(Some(p)),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let run_save = move || {
        busy.set(true);
        error.set(None);
        let current = form.get_untracked();
        leptos::task::spawn_local(async move {
            match save_policy(team, current, based_on).await {
                Ok(s) => {
                    let version = s
                        .scopes
                        .iter()
                        .find(|x| x.team == team)
                        .map_or(next_version, |x| x.policy.version);
                    notice.set(Some(format!("Saved version {version}")));
                    reload.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let text = move |name: &'static str,
                     label: &'static str,
                     hint: &'static str,
                     get: ReadText,
                     set: WriteText| {
        let err = field_error(name.to_string());
        let err2 = field_error(name.to_string());
        let id = format!("policy-{name}");
        let err_id = format!("{id}-error");
        view! {
            <label class="field" class:field-invalid=move || err().is_some()>
                <span>{label}</span>
                <input id=id name=name inputmode="numeric" disabled=!editable
                    prop:value=move || form.with(get)
                    aria-invalid=move || err2().is_some().to_string()
                    aria-describedby=err_id.clone()
                    on:input=move |e| { let v = event_target_value(&e); edit(&|f| set(f, v.clone())) }/>
                <small class="field-hint">{hint}</small>
                <span class="field-error" id=err_id>{field_error(name.to_string())}</span>
            </label>
        }
    };
    // One row of a per-stage or per-source list: a number, empty for the policy's default.
    let row_field = move |key: String,
                          label: String,
                          i: usize,
                          get: fn(&PolicyForm, usize) -> Option<String>,
                          set: fn(&mut PolicyForm, usize, String)| {
        let err = field_error(key.clone());
        let invalid = field_error(key.clone());
        view! {
            <label class="field" class:field-invalid=move || err().is_some()>
                <span>{label}</span>
                <input name=key.clone() inputmode="numeric" disabled=!editable placeholder="default"
                    aria-invalid=move || invalid().is_some().to_string()
                    prop:value=move || form.with(|f| get(f, i).unwrap_or_default())
                    on:input=move |e| { let v = event_target_value(&e); edit(&|f| set(f, i, v.clone())) }/>
                <span class="field-error">{field_error(key)}</span>
            </label>
        }
    };
    let check = move |label: &'static str,
                      get: fn(&PolicyForm) -> bool,
                      set: fn(&mut PolicyForm, bool)| {
        view! {
            <label class="check">
                <input type="checkbox" disabled=!editable prop:checked=move || form.with(get)
                    on:change=move |e| { let v = event_target_checked(&e); edit(&|f| set(f, v)) }/>
                <span>{label}</span>
            </label>
        }
    };
    view! {
        <form class="policy-form" class:policy-readonly=!editable novalidate
            on:submit=move |e| { e.prevent_default(); run_preview(); }>
            <div class="scope-head">
                <p class="scope-kicker">
                    {match (scope.team, scope.team.is_some() && scope.team == own_team) {
                        (None, _) => "Organisation default: for every team without rules of its own",
                        (Some(_), true) => "Your team's rules",
                        (Some(_), false) => "A team's rules",
                    }}
                </p>
                <h2>
                    {scope.label.clone()}
                    {if editable {
                        view! { <span class="badge badge-ok">"You can change these"</span> }.into_any()
                    } else {
                        view! { <span class="badge badge-muted">"Read only"</span> }.into_any()
                    }}
                </h2>
                <p class="muted">
                    {format!("Version {} · ", scope.policy.version)}
                    {scope_note(&scope, editable, editable_elsewhere)}
                </p>
            </div>
            {text("name", "Name", "Shown in reasons when a write is refused", |f| f.name.clone(), |f, v| f.name = v)}
            <fieldset class="fieldset">
                <legend>"First touch"</legend>
                <div class="field-row">
                    {text("first_touch_minutes", "Within (business minutes)", "Empty: no SLA", |f| f.first_touch_minutes.clone(), |f, v| f.first_touch_minutes = v)}
                    {text("at_risk_percent", "At risk from (%)", "Of the SLA used up", |f| f.at_risk_percent.clone(), |f, v| f.at_risk_percent = v)}
                </div>
                <p class="field-hint">"Per source (business minutes; empty: as above)"</p>
                <div class="field-grid">
                    {move || form.with(|f| f.first_touch_by_source.clone()).into_iter().enumerate().map(|(i, (source, _))| {
                        let name = source_names.with_value(|s| s.iter().find(|(id, _)| *id == source).map(|(_, n)| n.clone()).unwrap_or_default());
                        row_field(format!("first_touch_source_{source}"), format!("From {name}"), i,
                            |f, i| f.first_touch_by_source.get(i).map(|(_, m)| m.clone()),
                            |f, i, v| if let Some(row) = f.first_touch_by_source.get_mut(i) { row.1 = v })
                    }).collect_view()}
                </div>
            </fieldset>
            <fieldset class="fieldset">
                <legend>"Next steps and staleness"</legend>
                {check("A next step on every open lead", |f| f.next_step_required, |f, v| f.next_step_required = v)}
                {text("max_idle_days", "Stale after (days without a touch)", "Unless a next step is due later; empty: never", |f| f.max_idle_days.clone(), |f, v| f.max_idle_days = v)}
                <div class="field-grid">
                    {move || form.with(|f| f.idle_days_by_stage.clone()).into_iter().enumerate().map(|(i, (stage, _))| {
                        let name = stage_names.with_value(|s| s.iter().find(|(id, _, _)| *id == stage).map(|(_, n, _)| n.clone()).unwrap_or_default());
                        row_field(format!("idle_days_{}", stage.0), format!("{name}: stale after"), i,
                            |f, i| f.idle_days_by_stage.get(i).map(|(_, d)| d.clone()),
                            |f, i, v| if let Some(row) = f.idle_days_by_stage.get_mut(i) { row.1 = v })
                    }).collect_view()}
                </div>
            </fieldset>
            <fieldset class="fieldset">
                <legend>"Required to enter a stage"</legend>
                <p class="field-hint">"On top of what the pipeline itself requires; a move without them is refused."</p>
                <div class="table-scroll">
                <table class="hours-table criteria-table">
                    <thead>
                        <tr>
                            <th scope="col">"Stage"</th>
                            {Criterion::ALL.map(|c| view! { <th scope="col">{c.label()}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {move || form.with(|f| f.exit_criteria.clone()).into_iter().enumerate().map(|(i, (stage, _))| {
                            let name = stage_names.with_value(|s| s.iter().find(|(id, _, _)| *id == stage).map(|(_, n, _)| n.clone()).unwrap_or_default());
                            view! {
                                <tr>
                                    <th scope="row">{name.clone()}</th>
                                    {Criterion::ALL.map(|c| {
                                        let label = format!("{name}: needs {}", c.requirement());
                                        view! {
                                            <td>
                                                <input type="checkbox" name=format!("exit_{}_{}", stage.0, c.key()) aria-label=label disabled=!editable
                                                    prop:checked=move || form.with(|f| f.exit_criteria.get(i).is_some_and(|(_, cs)| cs.contains(&c)))
                                                    on:change=move |e| {
                                                        let on = event_target_checked(&e);
                                                        edit(&|f| if let Some((_, cs)) = f.exit_criteria.get_mut(i) {
                                                            cs.retain(|x| *x != c);
                                                            if on { cs.push(c) }
                                                        })
                                                    }/>
                                            </td>
                                        }
                                    }).collect_view()}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                </div>
                <span class="field-error">{move || error.with(|e| e.as_ref().and_then(|e| e.fields().iter().find(|f| f.field.starts_with("exit_criteria_")).map(|f| f.message.clone())))}</span>
            </fieldset>
            <fieldset class="fieldset">
                <legend>"Close-outs"</legend>
                {check("A reason on every lost lead (and a note for “Other”)", |f| f.close_reason_required, |f, v| f.close_reason_required = v)}
            </fieldset>
            <fieldset class="fieldset">
                <legend>"Escalation (business minutes after a breach)"</legend>
                <div class="field-row">
                    {text("remind_rep_after", "Remind the rep", "0: at once; empty: never", |f| f.remind_rep_after.clone(), |f, v| f.remind_rep_after = v)}
                    {text("alert_manager_after", "Alert the manager", "Empty: never", |f| f.alert_manager_after.clone(), |f, v| f.alert_manager_after = v)}
                    {text("reassign_after", "Reassign in the team", "Round robin; empty: never", |f| f.reassign_after.clone(), |f, v| f.reassign_after = v)}
                </div>
            </fieldset>
            <fieldset class="fieldset">
                <legend>"Business hours"</legend>
                <label class="field" class:field-invalid=move || field_error("zone_name".into())().is_some()>
                    <span>"Time zone"</span>
                    <select name="zone_name" disabled=!editable
                        on:change=move |e| { let v = event_target_value(&e); edit(&|f| f.zone_name = v.clone()) }>
                        {crate::domain::zone::NAMED.iter().map(|(n, _)| {
                            let n = *n;
                            view! { <option value=n selected=move || form.with(|f| f.zone_name == n)>{n.replace('_', " ")}</option> }
                        }).collect_view()}
                    </select>
                    <span class="field-error">{field_error("zone_name".into())}</span>
                </label>
                <table class="hours-table">
                    <caption class="visually-hidden">"Opening hours per weekday"</caption>
                    <tbody>
                        {WEEKDAYS.iter().enumerate().map(|(i, day)| {
                            let err = field_error(format!("week_{i}"));
                            let day_of = move |f: &PolicyForm| f.week.get(i).cloned().unwrap_or(DayForm { open: false, from: String::new(), to: String::new() });
                            view! {
                                <tr>
                                    <th scope="row">
                                        <label class="check">
                                            <input type="checkbox" disabled=!editable prop:checked=move || form.with(|f| day_of(f).open)
                                                on:change=move |e| { let v = event_target_checked(&e); edit(&|f| if let Some(d) = f.week.get_mut(i) { d.open = v }) }/>
                                            <span>{*day}</span>
                                        </label>
                                    </th>
                                    <td>
                                        <input class="time" aria-label=format!("{day} opens") disabled=move || !editable || !form.with(|f| day_of(f).open)
                                            prop:value=move || form.with(|f| day_of(f).from)
                                            on:input=move |e| { let v = event_target_value(&e); edit(&|f| if let Some(d) = f.week.get_mut(i) { d.from = v.clone() }) }/>
                                        " – "
                                        <input class="time" aria-label=format!("{day} closes") disabled=move || !editable || !form.with(|f| day_of(f).open)
                                            prop:value=move || form.with(|f| day_of(f).to)
                                            on:input=move |e| { let v = event_target_value(&e); edit(&|f| if let Some(d) = f.week.get_mut(i) { d.to = v.clone() }) }/>
                                    </td>
                                    <td class="field-error">{err}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                <label class="field" class:field-invalid=move || field_error("holidays".into())().is_some()>
                    <span>"Holidays " <small>"(one YYYY-MM-DD per line)"</small></span>
                    <textarea name="holidays" rows="4" disabled=!editable prop:value=move || form.with(|f| f.holidays.clone())
                        on:input=move |e| { let v = event_target_value(&e); edit(&|f| f.holidays = v.clone()) }></textarea>
                    <span class="field-error">{field_error("holidays".into())}</span>
                </label>
            </fieldset>
            {move || error.with(|e| e.as_ref().map(error_text)).map(|m| view! {
                <p class="notice notice-error" role="alert">{m}</p>
            })}
            {move || preview.get().map(|p| view! { <PreviewPanel preview=p/> })}
            {editable.then(|| view! {
                <div class="form-actions">
                    <button type="button" class="button" disabled=move || busy.get()
                        on:click=move |_| { form.set(initial.clone()); preview.set(None); error.set(None); }>"Reset"</button>
                    <button type="submit" class="button" disabled=move || busy.get()>"Preview"</button>
                    <button type="button" class="button button-primary"
                        disabled=move || busy.get() || preview.with(|p| p.is_none())
                        title="Preview first: see what the change would flag"
                        on:click=move |_| run_save()>
                        {format!("Save as version {next_version}")}
                    </button>
                </div>
            })}
        </form>
    }
}

/// "Would flag 37 of 120 open leads, 12 of them stale" next to today's figures.
#[component]
fn PreviewPanel(preview: PolicyPreview) -> impl IntoView {
    let p = preview;
    view! {
        <section class="preview" role="status" aria-label="Preview">
            <p class="preview-headline">
                {format!("Would flag {} of {} open leads, {} of them stale", p.flagged, p.open_leads, p.stale)}
            </p>
            <p class="muted">
                {format!("Today's rules flag {} ({} stale). With these: {} for the first-touch SLA, {} for the next step.",
                    p.current_flagged, p.current_stale, p.sla, p.next_step)}
            </p>
            {if p.changes.is_empty() {
                view! { <p class="muted">"No rule changes yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="change-list">
                        {p.changes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
