//! Route `/settings/routing`: lead distribution. The ordered assignment rules (admins change
//! them), who takes leads (managers set their reps' capacity and absence), and the rule
//! tester: where would this lead go?

use crate::api::routing::{
    get_routing, DeleteRule, MoveRule, RoutingSettings, SaveRule, SetAvailability, TestRouting,
};
use crate::components::guard::RequireAccess;
use crate::components::loaded::Loaded;
use crate::components::status::error_text;
use crate::domain::access;
use crate::domain::activity::parse_amount;
use crate::domain::routing::{Inquiry, Person, RuleForm, Strategy};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RoutingPage() -> impl IntoView {
    view! {
        <Title text="Lead distribution"/>
        <RequireAccess check=access::view_routing>
            <RoutingView/>
        </RequireAccess>
    }
}

#[component]
fn RoutingView() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let data = Resource::new(move || reload.get(), |_| get_routing());
    view! {
        <section class="page" aria-labelledby="routing-title">
            <div class="page-head">
                <h1 id="routing-title">"Lead distribution"</h1>
                <p class="page-hint">
                    "Every new inquiry goes to the first rule that matches it; the rule picks a rep of its team, skipping anyone away or at capacity. The assignment starts the follow-up clock."
                </p>
            </div>
            <Loaded resource=data loading="Loading the rules…" let:settings>
                <Rules settings=settings.clone() reload/>
                <div class="routing-grid">
                    <People settings=settings.clone() reload/>
                    <Tester settings/>
                </div>
            </Loaded>
        </section>
    }
}

fn field_error(e: &Option<AppError>, name: &str) -> Option<String> {
    e.as_ref().and_then(|e| e.message_for(name))
}

#[component]
fn Rules(settings: RoutingSettings, reload: RwSignal<u32>) -> impl IntoView {
    let can_edit = settings.can_edit_rules;
    let editing = RwSignal::new(None::<(Option<i64>, RuleForm)>);
    let move_rule = ServerAction::<MoveRule>::new();
    let delete = ServerAction::<DeleteRule>::new();
    Effect::new(move || {
        if matches!(move_rule.value().get(), Some(Ok(())))
            || matches!(delete.value().get(), Some(Ok(())))
        {
            reload.update(|n| *n += 1);
        }
    });
    let source_name = {
        let sources = settings.sources.clone();
        move |id: i64| {
            sources
                .iter()
                .find(|s| s.id == id)
                .map_or_else(|| format!("source {id}"), |s| s.name.clone())
        }
    };
    let count = settings.rules.len();
    let rows = settings
        .rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let id = rule.id;
            let form = RuleForm::of(rule);
            let name = rule.name.clone();
            view! {
                <tr class:row-inactive=!rule.active>
                    <td class="num">{i + 1}</td>
                    <th scope="row">
                        <span class="cell-title">{rule.name.clone()}</span>
                        <span class="cell-sub">{rule.conditions.summary(&source_name)}</span>
                    </th>
                    <td>{settings.team_name(rule.team_id)}</td>
                    <td>{rule.strategy.label()}</td>
                    <td>{if rule.active {
                        view! { <span class="badge badge-ok">"On"</span> }.into_any()
                    } else {
                        view! { <span class="badge badge-muted">"Off"</span> }.into_any()
                    }}</td>
                    {can_edit.then(|| view! {
                        <td class="cell-actions">
                            <button class="button button-small button-quiet" type="button" disabled=i == 0
                                aria-label=format!("Move {name} up")
                                on:click=move |_| { move_rule.dispatch(MoveRule { id, up: true }); }>"↑"</button>
                            <button class="button button-small button-quiet" type="button" disabled=i + 1 == count
                                aria-label=format!("Move {name} down")
                                on:click=move |_| { move_rule.dispatch(MoveRule { id, up: false }); }>"↓"</button>
                            <button class="button button-small" type="button"
                                aria-label=format!("Edit {name}")
                                on:click=move |_| editing.set(Some((Some(id), form.clone())))>"Edit"</button>
                            <button class="button button-small button-quiet" type="button"
                                aria-label=format!("Delete {name}")
                                on:click=move |_| { delete.dispatch(DeleteRule { id }); }>"Delete"</button>
                        </td>
                    })}
                </tr>
            }
        })
        .collect_view();
    let failed = move || {
        [move_rule.value().get(), delete.value().get()]
            .into_iter()
            .flatten()
            .find_map(Result::err)
            .map(|e| view! { <p class="notice notice-error" role="alert">{error_text(&e)}</p> })
    };
    let new_form = RuleForm {
        active: true,
        strategy: Strategy::RoundRobin.key().into(),
        team_id: settings.teams.first().map(|t| t.0 .0),
        ..Default::default()
    };
    view! {
        <div class="section-head">
            <h2>"Assignment rules"</h2>
            {can_edit.then(|| view! {
                <button class="button button-primary" type="button"
                    on:click=move |_| editing.set(Some((None, new_form.clone())))>"New rule"</button>
            })}
        </div>
        {failed}
        {if settings.rules.is_empty() {
            view! { <p class="empty-note">"No rules yet: new inquiries wait unassigned until a manager gives them out."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="table">
                        <thead><tr>
                            <th scope="col" class="num">"#"</th>
                            <th scope="col">"Rule"</th>
                            <th scope="col">"Team"</th>
                            <th scope="col">"Picks"</th>
                            <th scope="col">"Status"</th>
                            {can_edit.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }.into_any()
        }}
        {move || editing.get().map(|(id, form)| view! {
            <RuleEditor id form settings=settings.clone() editing reload/>
        })}
    }
}

#[component]
fn RuleEditor(
    id: Option<i64>,
    form: RuleForm,
    settings: RoutingSettings,
    editing: RwSignal<Option<(Option<i64>, RuleForm)>>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let save = ServerAction::<SaveRule>::new();
    let f = RwSignal::new(form);
    Effect::new(move || {
        if matches!(save.value().get(), Some(Ok(_))) {
            editing.set(None);
            reload.update(|n| *n += 1);
        }
    });
    let error = move || save.value().get().and_then(Result::err);
    let err = move |name: &'static str| field_error(&error(), name);
    let text = move |label: &'static str,
                     name: &'static str,
                     hint: &'static str,
                     get: fn(&RuleForm) -> String,
                     set: fn(&mut RuleForm, String)| {
        view! {
            <label class="field">{label}
                <input type="text" prop:value=move || f.with(get)
                    aria-invalid=move || err(name).is_some().then_some("true")
                    on:input=move |e| f.update(|x| set(x, event_target_value(&e)))/>
                <small>{hint}</small>
                {move || err(name).map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
            </label>
        }
    };
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        save.dispatch(SaveRule {
            id,
            form: f.get_untracked(),
        });
    };
    let sources = settings.sources.clone();
    let teams = settings.teams.clone();
    view! {
        <form class="card-form rule-editor" on:submit=submit aria-labelledby="rule-editor-title">
            <h2 id="rule-editor-title">{if id.is_some() { "Edit rule" } else { "New rule" }}</h2>
            {text("Name", "name", "What it does, e.g. “Trade shows to Enterprise East”", |x| x.name.clone(), |x, v| x.name = v)}
            <fieldset class="fieldset">
                <legend>"Sources (none ticked: every source)"</legend>
                <div class="check-grid">
                    {sources.into_iter().map(|s| {
                        let sid = s.id;
                        view! {
                            <label class="check">
                                <input type="checkbox" prop:checked=move || f.with(|x| x.source_ids.contains(&sid))
                                    on:change=move |e| {
                                        let on = event_target_checked(&e);
                                        f.update(|x| {
                                            x.source_ids.retain(|v| *v != sid);
                                            if on { x.source_ids.push(sid); }
                                        });
                                    }/>
                                {s.name.clone()}
                            </label>
                        }
                    }).collect_view()}
                </div>
                {move || err("source_ids").map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
            </fieldset>
            <div class="field-row">
                {text("Product interest contains", "products", "Comma-separated; empty: any", |x| x.products.clone(), |x, v| x.products = v)}
                {text("Countries", "countries", "Two-letter codes: US, CA", |x| x.countries.clone(), |x, v| x.countries = v)}
            </div>
            <div class="field-row">
                {text("Regions or states", "regions", "CA, Oregon, Bavaria", |x| x.regions.clone(), |x, v| x.regions = v)}
                {text("Postcodes starting with", "postcode_prefixes", "941, SW1", |x| x.postcode_prefixes.clone(), |x, v| x.postcode_prefixes = v)}
            </div>
            <div class="field-row">
                {text("Value at least", "min_value", "In dollars; empty: no lower bound", |x| x.min_value.clone(), |x, v| x.min_value = v)}
                {text("Value under", "max_value", "Empty: no upper bound", |x| x.max_value.clone(), |x, v| x.max_value = v)}
            </div>
            <div class="field-row">
                <label class="field">"Team"
                    <select on:change=move |e| f.update(|x| x.team_id = event_target_value(&e).parse().ok())
                        aria-invalid=move || err("team_id").is_some().then_some("true")>
                        <option value="">"Choose…"</option>
                        {teams.into_iter().map(|(t, name)| view! {
                            <option value=t.0.to_string() selected=move || f.with(|x| x.team_id == Some(t.0))>{name}</option>
                        }).collect_view()}
                    </select>
                    {move || err("team_id").map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                </label>
                <label class="field">"Picks the rep by"
                    <select on:change=move |e| f.update(|x| x.strategy = event_target_value(&e))>
                        {Strategy::ALL.into_iter().map(|s| view! {
                            <option value=s.key() selected=move || f.with(|x| x.strategy == s.key())>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <label class="check">
                <input type="checkbox" prop:checked=move || f.with(|x| x.active)
                    on:change=move |e| f.update(|x| x.active = event_target_checked(&e))/>
                "Rule is on"
            </label>
            {move || error().filter(|e| e.fields().is_empty()).map(|e| view! { <p class="notice notice-error" role="alert">{error_text(&e)}</p> })}
            <div class="form-actions">
                <button class="button button-primary" type="submit">"Save rule"</button>
                <button class="button button-quiet" type="button" on:click=move |_| editing.set(None)>"Cancel"</button>
            </div>
        </form>
    }
}

fn status(p: &Person, now: crate::domain::Timestamp) -> (&'static str, String) {
    match p.unavailable(now) {
        None => ("badge-ok", "Takes leads".into()),
        Some(why) => ("badge-warn", why),
    }
}

#[component]
fn People(settings: RoutingSettings, reload: RwSignal<u32>) -> impl IntoView {
    let now = settings.now;
    let rows = settings
        .people
        .iter()
        .filter(|p| p.active)
        .map(|p| {
            let editable = settings.may_set_availability(p.team_id);
            let team = p
                .team_id
                .map(|t| settings.team_name(t))
                .unwrap_or_else(|| "No team".into());
            view! { <PersonRow person=p.clone() team editable now reload/> }
        })
        .collect_view();
    view! {
        <div class="routing-people">
            <h2>"Who takes leads"</h2>
            <p class="page-hint">"Capacity caps a rep's open leads; “away until” is the last day they are out."</p>
            <div class="table-wrap">
                <table class="table table-compact">
                    <thead><tr>
                        <th scope="col">"Rep"</th>
                        <th scope="col" class="num">"Open"</th>
                        <th scope="col">"Capacity"</th>
                        <th scope="col">"Away until"</th>
                        <th scope="col">"Now"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </div>
    }
}

#[component]
fn PersonRow(
    person: Person,
    team: String,
    editable: bool,
    now: crate::domain::Timestamp,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let set = ServerAction::<SetAvailability>::new();
    let capacity = RwSignal::new(person.capacity.map(|c| c.to_string()).unwrap_or_default());
    // The last day away: the stored instant is the morning after.
    let away = RwSignal::new(
        person
            .away_until
            .filter(|t| *t > now)
            .map(|t| t.plus_days(-1).date_string(0))
            .unwrap_or_default(),
    );
    let user_id = person.id.0;
    Effect::new(move || {
        if matches!(set.value().get(), Some(Ok(()))) {
            reload.update(|n| *n += 1);
        }
    });
    let err = move |name: &'static str| field_error(&set.value().get().and_then(Result::err), name);
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        set.dispatch(SetAvailability {
            user_id,
            capacity: capacity.get_untracked(),
            away_until: away.get_untracked(),
        });
    };
    let (class, text) = status(&person, now);
    let form_id = format!("availability-{user_id}");
    let name = person.name.clone();
    view! {
        <tr>
            <th scope="row"><span class="cell-title">{person.name.clone()}</span><span class="cell-sub">{team}</span></th>
            <td class="num">{person.open_leads}</td>
            {if editable {
                view! {
                    <td>
                        <input class="input-small" type="number" min="0" form=form_id.clone() bind:value=capacity
                            placeholder="No cap" aria-label=format!("Capacity of {name}")
                            aria-invalid=move || err("capacity").is_some().then_some("true")/>
                        {move || err("capacity").map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                    </td>
                    <td>
                        <form id=form_id class="inline-form" on:submit=submit>
                            <input type="date" bind:value=away aria-label=format!("{name} is away until")
                                aria-invalid=move || err("away_until").is_some().then_some("true")/>
                            <button class="button button-small" type="submit" aria-label=format!("Save {name}")>"Save"</button>
                        </form>
                        {move || err("away_until").map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                    </td>
                }.into_any()
            } else {
                view! {
                    <td>{person.capacity.map(|c| c.to_string()).unwrap_or_else(|| "No cap".into())}</td>
                    <td>{Some(away.get_untracked()).filter(|a| !a.is_empty()).unwrap_or_else(|| "—".into())}</td>
                }.into_any()
            }}
            <td><span class=format!("badge {class}")>{text}</span></td>
        </tr>
    }
}

#[component]
fn Tester(settings: RoutingSettings) -> impl IntoView {
    let test = ServerAction::<TestRouting>::new();
    let source = RwSignal::new(
        settings
            .sources
            .first()
            .map(|s| s.id.to_string())
            .unwrap_or_default(),
    );
    let product = RwSignal::new(String::new());
    let country = RwSignal::new(String::new());
    let region = RwSignal::new(String::new());
    let postcode = RwSignal::new(String::new());
    let value = RwSignal::new(String::new());
    let value_error = RwSignal::new(None::<String>);
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        let opt = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.trim().is_empty());
        let value_cents = match opt(value) {
            None => None,
            Some(v) => match parse_amount(&v) {
                Ok(c) => Some(c),
                Err(m) => {
                    value_error.set(Some(m));
                    return;
                }
            },
        };
        value_error.set(None);
        test.dispatch(TestRouting {
            inquiry: Inquiry {
                source_id: source.get_untracked().parse().unwrap_or_default(),
                product_interest: opt(product),
                country: opt(country),
                region: opt(region),
                postcode: opt(postcode),
                value_cents,
            },
        });
    };
    view! {
        <form class="card-form tester" on:submit=submit aria-labelledby="tester-title">
            <h2 id="tester-title">"Where would this lead go?"</h2>
            <label class="field">"Source"
                <select on:change=move |e| source.set(event_target_value(&e))>
                    {settings.sources.iter().map(|s| view! {
                        <option value=s.id.to_string()>{format!("{} ({})", s.name, s.channel.label())}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="field">"Product interest"<input type="text" bind:value=product/></label>
            <div class="field-row">
                <label class="field">"Country"<input type="text" bind:value=country placeholder="US" maxlength="2"/></label>
                <label class="field">"Region"<input type="text" bind:value=region placeholder="CA"/></label>
                <label class="field">"Postcode"<input type="text" bind:value=postcode/></label>
            </div>
            <label class="field">"Value"
                <input type="text" bind:value=value placeholder="25,000" inputmode="decimal"
                    aria-invalid=move || value_error.get().is_some().then_some("true")/>
                {move || value_error.get().map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
            </label>
            <button class="button" type="submit">"Test"</button>
            <div aria-live="polite">
                {move || test.value().get().map(|r| match r {
                    Ok(d) => view! {
                        <div class="tester-result">
                            <p class="tester-verdict">{match &d.assigned {
                                Some(a) => format!("→ {} ({}) by “{}”", a.user_name, settings.team_name(a.team_id), a.rule_name),
                                None => "→ Waits unassigned".to_string(),
                            }}</p>
                            <ol class="tester-trace">
                                {d.trace.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}
                            </ol>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <p class="notice notice-error" role="alert">{error_text(&e)}</p> }.into_any(),
                })}
            </div>
        </form>
    }
}
