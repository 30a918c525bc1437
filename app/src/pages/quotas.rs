//! Route `/quotas`: each rep's (and manager's) quotas, how far along they are this period,
//! and the form a manager sets her reps' quotas with (an admin anyone's). A quota holds from
//! its first month until another one replaces it; an empty target ends it.

use crate::api::quotas::{
    figure, get_quotas, set_quota, Cadence, Measure, Quota, QuotaInput, QuotaPerson, QuotasView,
};
use crate::components::guard::RequireAccess;
use crate::components::quota::QuotaMeter;
use crate::components::status::error_text;
use crate::domain::access;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn QuotasPage() -> impl IntoView {
    view! {
        <Title text="Quotas"/>
        <RequireAccess check=|a| access::view_quotas(a).map(|_| ())>
            <QuotasBody/>
        </RequireAccess>
    }
}

#[component]
fn QuotasBody() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_quotas());
    view! {
        <section class="page quotas" aria-labelledby="quotas-title">
            <div class="page-head">
                <h1 id="quotas-title">"Quotas"</h1>
                <p class="page-hint">"Targets per rep for a month or a quarter: won value, wins, or a follow-up score. A quota holds from its first month until another one replaces it."</p>
            </div>
            <Transition fallback=|| view! { <p class="loading">"Loading quotas…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <Quotas v=v/> }.into_any(),
                        Err(e) => view! {
                            <div class="panel panel-error" role="alert"><p>{error_text(&e)}</p></div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// "$60,000 a month", "8 wins a quarter", "score 85 each month".
fn target_text(q: &Quota) -> String {
    if q.target == 0 {
        return "none".into();
    }
    let every = match q.cadence {
        Cadence::Month => "a month",
        Cadence::Quarter => "a quarter",
    };
    match q.measure {
        Measure::Score => format!("score {} {every}", q.target),
        m => format!("{} {every}", figure(m, q.target, q.currency)),
    }
}

#[component]
fn Quotas(v: QuotasView) -> impl IntoView {
    let page = RwSignal::new(v);
    let editable: Vec<(i64, String)> = page.with_untracked(|v| {
        v.people
            .iter()
            .filter(|p| p.can_edit)
            .map(|p| (p.id, p.name.clone()))
            .collect()
    });
    let this_month = page.with_untracked(|v| v.this_month.clone());
    let form = RwSignal::new(QuotaInput {
        user_id: editable.first().map_or(0, |p| p.0),
        measure: Measure::WonValue.key().into(),
        cadence: Cadence::Month.key().into(),
        starts: this_month.clone(),
        target: String::new(),
        currency: String::new(),
    });
    let target_ref = NodeRef::<leptos::html::Input>::new();
    // "Set" beside a figure picks that person and measure and puts the cursor on the target.
    let pick = Callback::new(move |(user, measure): (i64, Measure)| {
        form.update(|f| {
            f.user_id = user;
            f.measure = measure.key().into();
        });
        if let Some(input) = target_ref.get_untracked() {
            let _ = input.focus();
            input.scroll_into_view();
        }
    });
    let can_edit = !editable.is_empty();
    view! {
        <p class="page-hint">{move || page.with(|v| v.scope.clone())}</p>
        {can_edit.then(|| view! { <QuotaForm page form editable target_ref this_month/> })}
        <div class="table-scroll">
            <table class="table table-stack quotas-table">
                <caption class="visually-hidden">"Quotas and attainment this period"</caption>
                <thead><tr>
                    <th scope="col">"Person"</th>
                    {Measure::ALL.into_iter().map(|m| view! { <th scope="col">{m.label()}</th> }).collect_view()}
                </tr></thead>
                <tbody>
                    {move || page.with(|v| v.people.clone()).into_iter().map(|p| view! {
                        <PersonRow p=p pick/>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <Recent page/>
    }
}

#[component]
fn PersonRow(p: QuotaPerson, pick: Callback<(i64, Measure)>) -> impl IntoView {
    let id = p.id;
    let name = p.name.clone();
    view! {
        <tr>
            <th scope="row">
                <span>{p.name.clone()}</span>
                <span class="cell-sub">{format!("{}{}", p.role.label(), p.team.as_ref().map(|t| format!(" · {t}")).unwrap_or_default())}</span>
            </th>
            {Measure::ALL.into_iter().map(|m| {
                let now = p.current.iter().find(|a| a.measure == m).cloned();
                let later = p.upcoming.iter().find(|q| q.measure == m).cloned();
                let label = format!("Set {name}'s {}", m.label().to_lowercase());
                view! {
                    <td data-label=m.label()>
                        {match now {
                            Some(a) => view! { <QuotaMeter a=a compact=true/> }.into_any(),
                            None => view! { <span class="muted">"No quota"</span> }.into_any(),
                        }}
                        {later.map(|q| view! {
                            <span class="cell-sub">{format!("From {}: {}", q.starts.label(), target_text(&q))}</span>
                        })}
                        {p.can_edit.then(|| view! {
                            <button type="button" class="button button-small button-quiet" aria-label=label.clone()
                                on:click=move |_| pick.run((id, m))>"Set"</button>
                        })}
                    </td>
                }
            }).collect_view()}
        </tr>
    }
}

#[component]
fn QuotaForm(
    page: RwSignal<QuotasView>,
    form: RwSignal<QuotaInput>,
    editable: Vec<(i64, String)>,
    target_ref: NodeRef<leptos::html::Input>,
    this_month: String,
) -> impl IntoView {
    let problem = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let error = move |field: &'static str| move || problem.with(|p| p.as_ref()?.message_for(field));
    let invalid = move |field: &'static str| move || error(field)().is_some().then_some("true");
    let other =
        move || problem.with(|p| p.as_ref().filter(|e| e.fields().is_empty()).map(error_text));
    let measure = move || form.with(|f| Measure::parse(&f.measure).unwrap_or(Measure::WonValue));
    let names = StoredValue::new(editable.clone());
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let input = form.get_untracked();
        busy.set(true);
        saved.set(None);
        leptos::task::spawn_local(async move {
            match set_quota(input.clone()).await {
                Ok(v) => {
                    let who = names.with_value(|n| {
                        n.iter()
                            .find(|p| p.0 == input.user_id)
                            .map_or_else(String::new, |p| p.1.clone())
                    });
                    let set = v
                        .recent
                        .iter()
                        .find(|(_, q)| {
                            q.user_id == input.user_id && q.measure.key() == input.measure
                        })
                        .map(|(_, q)| (q.starts.label(), target_text(q)));
                    saved.set(set.map(|(from, what)| {
                        format!(
                            "Saved: {who}'s {} from {from}: {what}.",
                            measure_label(&input.measure)
                        )
                    }));
                    problem.set(None);
                    form.update(|f| f.target.clear());
                    page.set(v);
                }
                Err(e) => problem.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="panel quota-form" on:submit=submit aria-labelledby="quota-form-title" novalidate>
            <h2 class="section-title" id="quota-form-title">"Set a quota"</h2>
            <div class="form-grid">
                <label class="field">"Person"
                    <select name="user_id" aria-invalid=invalid("user_id") on:change=move |e| {
                        if let Ok(id) = event_target_value(&e).parse() { form.update(|f| f.user_id = id) }
                    }>
                        {editable.into_iter().map(|(id, name)| view! {
                            <option value=id.to_string() selected=move || form.with(|f| f.user_id == id)>{name}</option>
                        }).collect_view()}
                    </select>
                    <span class="field-error" role="alert">{error("user_id")}</span>
                </label>
                <label class="field">"Measure"
                    <select name="measure" aria-invalid=invalid("measure") on:change=move |e| {
                        form.update(|f| f.measure = event_target_value(&e))
                    }>
                        {Measure::ALL.into_iter().map(|m| view! {
                            <option value=m.key() selected=move || measure() == m>{m.label()}</option>
                        }).collect_view()}
                    </select>
                    <span class="field-error" role="alert">{error("measure")}</span>
                </label>
                <label class="field">"Period"
                    <select name="cadence" aria-invalid=invalid("cadence") on:change=move |e| {
                        form.update(|f| f.cadence = event_target_value(&e))
                    }>
                        {Cadence::ALL.into_iter().map(|c| view! {
                            <option value=c.key() selected=move || form.with(|f| f.cadence == c.key())>{c.label()}</option>
                        }).collect_view()}
                    </select>
                    <span class="field-error" role="alert">{error("cadence")}</span>
                </label>
                <label class="field">"From month"
                    <input type="month" name="starts" min=this_month aria-invalid=invalid("starts")
                        prop:value=move || form.with(|f| f.starts.clone())
                        on:input=move |e| form.update(|f| f.starts = event_target_value(&e))/>
                    <span class="field-error" role="alert">{error("starts")}</span>
                </label>
                <label class="field">"Target"
                    <input type="text" name="target" inputmode="decimal" node_ref=target_ref
                        aria-invalid=invalid("target")
                        placeholder=move || match measure() {
                            Measure::WonValue => "60,000",
                            Measure::Wins => "8",
                            Measure::Score => "85",
                        }
                        prop:value=move || form.with(|f| f.target.clone())
                        on:input=move |e| form.update(|f| f.target = event_target_value(&e))/>
                    <small class="field-help">{move || match measure() {
                        Measure::WonValue => "Value won in the period. Empty: no quota from that month.",
                        Measure::Wins => "Leads won in the period. Empty: no quota from that month.",
                        Measure::Score => "Follow-up score (1–100) over the period. Empty: none from that month.",
                    }}</small>
                    <span class="field-error" role="alert">{error("target")}</span>
                </label>
                {move || (measure() == Measure::WonValue).then(|| view! {
                    <label class="field">"Currency"
                        <input type="text" name="currency" maxlength="3" placeholder="USD" autocomplete="off"
                            aria-invalid=invalid("currency")
                            prop:value=move || form.with(|f| f.currency.clone())
                            on:input=move |e| form.update(|f| f.currency = event_target_value(&e))/>
                        <span class="field-error" role="alert">{error("currency")}</span>
                    </label>
                })}
            </div>
            <div class="form-actions">
                <button class="button button-primary" type="submit" disabled=move || busy.get()>"Save quota"</button>
                <p class="form-status" role="status">{move || saved.get()}</p>
            </div>
            {move || other().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
        </form>
    }
}

fn measure_label(key: &str) -> String {
    Measure::parse(key).map_or_else(String::new, |m| m.label().to_lowercase())
}

/// The latest quotas set.
#[component]
fn Recent(page: RwSignal<QuotasView>) -> impl IntoView {
    view! {
        {move || {
            let recent = page.with(|v| v.recent.clone());
            (!recent.is_empty()).then(|| view! {
                <section class="panel quota-recent" aria-labelledby="quota-recent-title">
                    <h2 class="section-title" id="quota-recent-title">"Recently set"</h2>
                    <ul class="quota-recent-list">
                        {recent.into_iter().map(|(name, q)| view! {
                            <li>
                                <strong>{name}</strong>
                                {format!(": {} from {}, {}", q.measure.label().to_lowercase(), q.starts.label(), target_text(&q))}
                                <span class="muted">{format!(" · set by {} on {}", q.set_by.clone().unwrap_or_else(|| "system".into()), q.set_at.short_date(0))}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            })
        }}
    }
}
