//! Route `/campaigns`: marketing's campaigns with budget, spend so far and leads brought; new
//! campaigns and changes; spend entries typed in or uploaded as a CSV file (checked line by
//! line before anything is written). Managers and leadership read it.

use crate::api::campaigns::{
    add_spend, campaign_spend, delete_spend, get_campaigns, save_campaign, upload_spend,
    CampaignLine, CampaignsView, SpendUploadReport,
};
use crate::components::guard::RequireAccess;
use crate::components::loaded::Loaded;
use crate::components::status::{error_text, field_error, field_message};
use crate::domain::access;
use crate::domain::campaign::{CampaignForm, SpendForm};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn CampaignsPage() -> impl IntoView {
    view! {
        <Title text="Campaigns"/>
        <RequireAccess check=|a| access::view_roi(a)>
            <CampaignsBody/>
        </RequireAccess>
    }
}

#[component]
fn CampaignsBody() -> impl IntoView {
    // Bumped after every change, so the list re-reads.
    let changed = RwSignal::new(0u32);
    let data = Resource::new(move || changed.get(), |_| get_campaigns());
    let open = RwSignal::new(None::<i64>);
    let editing = RwSignal::new(None::<CampaignForm>);
    let status = RwSignal::new(None::<String>);
    view! {
        <section class="page campaigns" aria-labelledby="campaigns-title">
            <div class="page-head">
                <h1 id="campaigns-title">"Campaigns"</h1>
                <p class="page-hint">
                    "Each campaign runs on a source; leads link to it through intake keys, imports or by hand. Spend entered here is what "
                    <a href="/roi">"ROI"</a>" divides by."
                </p>
                <a class="button button-quiet" href="/spend.csv" download="">"Download all spend (CSV)"</a>
            </div>
            <p class="status-line" role="status" aria-live="polite">{move || status.get()}</p>
            <Loaded resource=data loading="Loading campaigns…" let:v>
                <Campaigns view=v open editing changed status/>
            </Loaded>
        </section>
    }
}

#[component]
fn Campaigns(
    view: CampaignsView,
    open: RwSignal<Option<i64>>,
    editing: RwSignal<Option<CampaignForm>>,
    changed: RwSignal<u32>,
    status: RwSignal<Option<String>>,
) -> impl IntoView {
    let can_edit = view.can_edit;
    let sources = StoredValue::new(view.sources.clone());
    let rows = view.campaigns.clone();
    let names: Vec<(i64, String)> = rows.iter().map(|c| (c.id, c.name.clone())).collect();
    let names = StoredValue::new(names);
    let today = view.today.clone();
    view! {
        {can_edit.then(|| view! {
            <div class="campaign-forms">
                <CampaignEditor sources editing changed status/>
                <SpendUpload changed status/>
            </div>
        })}
        <div class="table-scroll">
            <table class="table campaign-table">
                <caption class="visually-hidden">"Campaigns"</caption>
                <thead><tr>
                    <th scope="col">"Campaign"</th>
                    <th scope="col">"Dates"</th>
                    <th scope="col" class="num">"Budget"</th>
                    <th scope="col" class="num">"Spent"</th>
                    <th scope="col" class="num">"Leads"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|c| view! { <CampaignRow c open editing can_edit/> }).collect_view()}
                </tbody>
            </table>
        </div>
        {move || open.get().map(|id| {
            let name = names.with_value(|n| n.iter().find(|(i, _)| *i == id).map(|(_, n)| n.clone())).unwrap_or_default();
            view! { <SpendPanel campaign_id=id name today=today.clone() can_edit changed status/> }
        })}
    }
}

#[component]
fn CampaignRow(
    c: CampaignLine,
    open: RwSignal<Option<i64>>,
    editing: RwSignal<Option<CampaignForm>>,
    can_edit: bool,
) -> impl IntoView {
    let id = c.id;
    let dates = match c.ends_at {
        Some(end) => format!("{} – {}", c.starts_at.date_string(0), end.date_string(0)),
        None => format!("from {}", c.starts_at.date_string(0)),
    };
    let used = c.budget_used.map(|p| format!("{p}% of budget"));
    let over = c.budget_used.is_some_and(|p| p > 100);
    let form = c.form.clone();
    let name = c.name.clone();
    view! {
        <tr aria-current=move || (open.get() == Some(id)).then_some("true")>
            <th scope="row">{c.name.clone()}<small class="muted">{format!(" · {}", c.source)}</small></th>
            <td>{dates}</td>
            <td class="num">{c.budget.clone().unwrap_or_else(|| "–".into())}</td>
            <td class="num">
                {c.spent.clone()}
                {used.map(|u| view! { <small class=if over { "budget-used over" } else { "budget-used" }>{u}</small> })}
            </td>
            <td class="num">{c.leads}</td>
            <td class="actions">
                <button type="button" class="button button-small"
                    aria-label=format!("Spend of {name}")
                    aria-expanded=move || (open.get() == Some(id)).to_string()
                    on:click=move |_| open.update(|o| *o = if *o == Some(id) { None } else { Some(id) })>
                    {format!("Spend ({})", c.spend_entries)}
                </button>
                {can_edit.then(|| {
                    let form = form.clone();
                    view! {
                        <button type="button" class="button button-small button-quiet"
                            aria-label=format!("Edit {}", c.name)
                            on:click=move |_| editing.set(Some(form.clone()))>"Edit"</button>
                    }
                })}
            </td>
        </tr>
    }
}

/// The new-campaign form, or the form of the campaign being edited.
#[component]
fn CampaignEditor(
    sources: StoredValue<Vec<(i64, String)>>,
    editing: RwSignal<Option<CampaignForm>>,
    changed: RwSignal<u32>,
    status: RwSignal<Option<String>>,
) -> impl IntoView {
    let blank = || CampaignForm {
        currency: "USD".into(),
        ..CampaignForm::default()
    };
    let form = RwSignal::new(blank());
    Effect::new(move || {
        if let Some(f) = editing.get() {
            form.set(f);
        }
    });
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let text = move |get: fn(&CampaignForm) -> &String| move || form.with(|f| get(f).clone());
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        let f = form.get_untracked();
        busy.set(true);
        leptos::task::spawn_local(async move {
            match save_campaign(f.clone()).await {
                Ok(_) => {
                    error.set(None);
                    status.set(Some(format!(
                        "Campaign \u{201c}{}\u{201d} {}",
                        f.name.trim(),
                        if f.id.is_some() { "saved" } else { "added" }
                    )));
                    editing.set(None);
                    form.set(blank());
                    changed.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let heading = move || {
        if form.with(|f| f.id.is_some()) {
            "Edit campaign"
        } else {
            "New campaign"
        }
    };
    view! {
        <form class="card-form campaign-form" on:submit=submit aria-labelledby="campaign-form-title" novalidate>
            <h2 id="campaign-form-title">{heading}</h2>
            <label class="field">"Source"
                <select
                    aria-invalid=move || field_message(error, "source_id")().is_some().to_string()
                    on:change=move |e| {
                        let v = event_target_value(&e).parse().ok();
                        form.update(|f| f.source_id = v);
                    }
                    prop:value=move || form.with(|f| f.source_id.map(|s| s.to_string()).unwrap_or_default())>
                    <option value="">"Choose…"</option>
                    {sources.with_value(|s| s.iter().map(|(id, name)| view! {
                        <option value=id.to_string()>{name.clone()}</option>
                    }).collect_view())}
                </select>
                {field_error(error, "source_id")}
            </label>
            <label class="field">"Name"
                <input type="text" maxlength="120" prop:value=text(|f| &f.name)
                    aria-invalid=move || field_message(error, "name")().is_some().to_string()
                    on:input=move |e| form.update(|f| f.name = event_target_value(&e))/>
                {field_error(error, "name")}
            </label>
            <div class="field-row">
                <label class="field">"Starts"
                    <input type="date" prop:value=text(|f| &f.starts_on)
                        aria-invalid=move || field_message(error, "starts_on")().is_some().to_string()
                        on:input=move |e| form.update(|f| f.starts_on = event_target_value(&e))/>
                    {field_error(error, "starts_on")}
                </label>
                <label class="field">"Ends (optional)"
                    <input type="date" prop:value=text(|f| &f.ends_on)
                        aria-invalid=move || field_message(error, "ends_on")().is_some().to_string()
                        on:input=move |e| form.update(|f| f.ends_on = event_target_value(&e))/>
                    {field_error(error, "ends_on")}
                </label>
            </div>
            <div class="field-row">
                <label class="field">"Budget (optional)"
                    <input type="text" inputmode="decimal" placeholder="25000" prop:value=text(|f| &f.budget)
                        aria-invalid=move || field_message(error, "budget")().is_some().to_string()
                        on:input=move |e| form.update(|f| f.budget = event_target_value(&e))/>
                    {field_error(error, "budget")}
                </label>
                <label class="field field-short">"Currency"
                    <input type="text" maxlength="3" prop:value=text(|f| &f.currency)
                        aria-invalid=move || field_message(error, "currency")().is_some().to_string()
                        on:input=move |e| form.update(|f| f.currency = event_target_value(&e))/>
                    {field_error(error, "currency")}
                </label>
            </div>
            <div class="form-actions">
                <button class="button button-primary" type="submit" disabled=move || busy.get()>
                    {move || if form.with(|f| f.id.is_some()) { "Save campaign" } else { "Add campaign" }}
                </button>
                {move || form.with(|f| f.id.is_some()).then(|| view! {
                    <button class="button button-quiet" type="button" on:click=move |_| {
                        editing.set(None);
                        form.set(blank());
                        error.set(None);
                    }>"Cancel"</button>
                })}
            </div>
        </form>
    }
}

/// A campaign's spend entries, and a form to add one.
#[component]
fn SpendPanel(
    campaign_id: i64,
    name: String,
    today: String,
    can_edit: bool,
    changed: RwSignal<u32>,
    status: RwSignal<Option<String>>,
) -> impl IntoView {
    let entries = Resource::new(move || changed.get(), move |_| campaign_spend(campaign_id));
    let date = RwSignal::new(today);
    let amount = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        let form = SpendForm {
            campaign_id: Some(campaign_id),
            spent_on: date.get_untracked(),
            amount: amount.get_untracked(),
            note: note.get_untracked(),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match add_spend(form.clone()).await {
                Ok(()) => {
                    error.set(None);
                    amount.set(String::new());
                    note.set(String::new());
                    status.set(Some(format!("Spend of {} added", form.amount.trim())));
                    changed.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let remove = move |id: i64| {
        leptos::task::spawn_local(async move {
            match delete_spend(id).await {
                Ok(()) => {
                    status.set(Some("Spend entry removed".into()));
                    changed.update(|n| *n += 1);
                }
                Err(e) => status.set(Some(e.to_string())),
            }
        });
    };
    let title = format!("Spend: {name}");
    view! {
        <section class="panel-section spend-panel" aria-labelledby="spend-title">
            <h2 id="spend-title">{title}</h2>
            {can_edit.then(|| view! {
                <form class="spend-form" on:submit=submit aria-label="Add spend" novalidate>
                    <label class="field">"Date"
                        <input type="date" bind:value=date
                            aria-invalid=move || field_message(error, "spent_on")().is_some().to_string()/>
                        {field_error(error, "spent_on")}
                    </label>
                    <label class="field">"Amount"
                        <input type="text" inputmode="decimal" placeholder="1500" bind:value=amount
                            aria-invalid=move || field_message(error, "amount")().is_some().to_string()/>
                        {field_error(error, "amount")}
                    </label>
                    <label class="field field-grow">"Note (optional)"
                        <input type="text" maxlength="500" bind:value=note
                            aria-invalid=move || field_message(error, "note")().is_some().to_string()/>
                        {field_error(error, "note")}
                    </label>
                    <button class="button button-primary" type="submit" disabled=move || busy.get()>"Add spend"</button>
                </form>
            })}
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"No spend entered yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <table class="table spend-table">
                                <caption class="visually-hidden">"Spend entries"</caption>
                                <thead><tr>
                                    <th scope="col">"Date"</th>
                                    <th scope="col" class="num">"Amount"</th>
                                    <th scope="col">"Note"</th>
                                    {can_edit.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|s| {
                                        let id = s.id;
                                        let label = format!("Remove {} of {}", s.amount, s.date);
                                        view! {
                                            <tr>
                                                <td>{s.date.clone()}</td>
                                                <td class="num">{s.amount.clone()}</td>
                                                <td>{s.note.clone().unwrap_or_default()}</td>
                                                {can_edit.then(|| view! {
                                                    <td class="actions"><button type="button" class="button button-small button-quiet"
                                                        aria-label=label on:click=move |_| remove(id)>"Remove"</button></td>
                                                })}
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <p class="field-error" role="alert">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// Spend from a CSV file: checked first (each bad line with its field), then written all at
/// once.
#[component]
fn SpendUpload(changed: RwSignal<u32>, status: RwSignal<Option<String>>) -> impl IntoView {
    let text = RwSignal::new(None::<String>);
    let report = RwSignal::new(None::<SpendUploadReport>);
    let error = RwSignal::new(None::<AppError>);
    let on_file = move |ev: leptos::ev::Event| {
        let _ = &ev;
        #[cfg(feature = "hydrate")]
        {
            use crate::components::files::{chosen_file, file_text};
            let Some((_, file)) = chosen_file(&ev) else {
                return;
            };
            leptos::task::spawn_local(async move {
                let Some(content) = file_text(&file).await else {
                    error.set(Some(AppError::field(
                        "text",
                        "The file cannot be read; is it a CSV file?",
                    )));
                    return;
                };
                match upload_spend(content.clone(), false).await {
                    Ok(r) => {
                        error.set(None);
                        text.set(Some(content));
                        report.set(Some(r));
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let write = move |_| {
        let Some(content) = text.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match upload_spend(content, true).await {
                Ok(r) if r.written => {
                    status.set(Some(format!("{} spend entries added", r.good)));
                    report.set(None);
                    text.set(None);
                    changed.update(|n| *n += 1);
                }
                Ok(r) => report.set(Some(r)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="card-form spend-upload" role="group" aria-labelledby="spend-upload-title">
            <h2 id="spend-upload-title">"Upload spend"</h2>
            <p class="page-hint">"A CSV file with the columns campaign (its name), date (YYYY-MM-DD), amount and, optionally, note. Nothing is written until every line is good."</p>
            <label class="field">"Spend file"
                <input type="file" accept=".csv,text/csv" on:change=on_file/>
                {field_error(error, "text")}
            </label>
            {move || error.get().filter(|e| e.message_for("text").is_none()).map(|e| view! { <p class="field-error" role="alert">{error_text(&e)}</p> })}
            {move || report.get().map(|r| {
                let ok = r.problems.is_empty() && r.good > 0;
                view! {
                    <div class="spend-report" role="status">
                        <p><strong>{format!("{} good line{}", r.good, if r.good == 1 { "" } else { "s" })}</strong>
                            {(!r.problems.is_empty()).then(|| format!(", {} to fix", r.problems.len()))}</p>
                        {(!r.problems.is_empty()).then(|| view! {
                            <ul class="problems">
                                {r.problems.iter().map(|p| view! {
                                    <li>{format!("Line {} · {}: {}", p.line, p.field, p.message)}</li>
                                }).collect_view()}
                            </ul>
                        })}
                        {ok.then(|| view! {
                            <button type="button" class="button button-primary" on:click=write>
                                {format!("Add {} spend entries", r.good)}
                            </button>
                        })}
                    </div>
                }
            })}
        </div>
    }
}
