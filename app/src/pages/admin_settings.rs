//! Route `/admin/settings`: organisation-wide settings: the commission rate behind the
//! estimate on each rep's My day.

use crate::api::quotes::{get_seller, save_seller};
use crate::api::recognition::SetLeaderboardVisibility;
use crate::api::today::{get_org_settings, SaveOrgSettings};
use crate::components::guard::RequireAccess;
use crate::components::loaded::Loaded;
use crate::components::status::error_text;
use crate::domain::access;
use crate::domain::quote::Company;
use crate::domain::recognition::Visibility;
use crate::domain::today::rate_text;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Settings"/>
        <RequireAccess check=access::manage_accounts>
            <SettingsBody/>
        </RequireAccess>
    }
}

#[component]
fn SettingsBody() -> impl IntoView {
    let settings = Resource::new(|| (), |_| get_org_settings());
    view! {
        <section class="page page-narrow" aria-labelledby="settings-title">
            <div class="page-head">
                <h1 id="settings-title">"Settings"</h1>
                <p class="page-hint">"Organisation-wide settings."</p>
            </div>
            <Loaded resource=settings loading="Loading settings…" let:s>
                <CommissionForm bp=s.commission_bp/>
                <LeaderboardForm visibility=s.leaderboard/>
                <SellerForm/>
            </Loaded>
        </section>
    }
}

#[component]
fn CommissionForm(bp: Option<u32>) -> impl IntoView {
    let save = ServerAction::<SaveOrgSettings>::new();
    let typed = RwSignal::new(
        bp.map(|b| rate_text(b).replace(" %", ""))
            .unwrap_or_default(),
    );
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        save.dispatch(SaveOrgSettings {
            commission_rate: typed.get_untracked(),
        });
    };
    let error = move || {
        save.value().get().and_then(Result::err).map(|e| {
            e.message_for("commission_rate")
                .unwrap_or_else(|| error_text(&e))
        })
    };
    let saved = move || {
        save.value()
            .get()
            .and_then(Result::ok)
            .map(|s| match s.commission_bp {
                Some(b) => format!("Saved: reps see their commission at {}.", rate_text(b)),
                None => "Saved: no commission estimate is shown.".to_string(),
            })
    };
    view! {
        <form class="card-form" on:submit=submit aria-labelledby="commission-title">
            <h2 id="commission-title">"Commission"</h2>
            <p class="page-hint">"Each rep's My day estimates their commission on this month's wins at this rate. Payouts come from the incentive export, not from this estimate. Leave empty to show none."</p>
            <label class="field">"Commission rate (%)"
                <input type="text" inputmode="decimal" name="commission_rate" bind:value=typed
                    placeholder="5" aria-invalid=move || error().is_some().then_some("true")/>
                {move || error().map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
            </label>
            <button class="button button-primary" type="submit">"Save"</button>
            <p class="form-status" role="status">{saved}</p>
        </form>
    }
}

#[component]
fn LeaderboardForm(visibility: Visibility) -> impl IntoView {
    let save = ServerAction::<SetLeaderboardVisibility>::new();
    let chosen = RwSignal::new(visibility);
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        save.dispatch(SetLeaderboardVisibility {
            visibility: chosen.get_untracked().key().to_string(),
        });
    };
    view! {
        <form class="card-form" on:submit=submit aria-labelledby="leaderboard-title">
            <h2 id="leaderboard-title">"Leaderboard"</h2>
            <p class="page-hint">"Reps are ranked by follow-up discipline first, then wins. Choose who sees the board; admins always do, and export it for incentive payouts."</p>
            <fieldset class="reasons">
                <legend>"Who sees it"</legend>
                {Visibility::ALL.into_iter().map(|v| view! {
                    <label class="reason">
                        <input type="radio" name="leaderboard" value=v.key()
                            prop:checked=move || chosen.get() == v
                            on:change=move |_| chosen.set(v)/>
                        {v.label()}
                    </label>
                }).collect_view()}
            </fieldset>
            <button class="button button-primary" type="submit">"Save"</button>
            <p class="form-status" role="status">
                {move || save.value().get().map(|r| match r {
                    Ok(v) => format!("Saved: {}.", v.label()),
                    Err(e) => error_text(&e),
                })}
            </p>
        </form>
    }
}

/// The seller's details printed at the head of every quote.
#[component]
fn SellerForm() -> impl IntoView {
    let loaded = Resource::new(|| (), |_| get_seller());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok(c) => view! { <SellerFields company=c/> }.into_any(),
                    Err(e) => view! { <p class="field-error">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SellerFields(company: Company) -> impl IntoView {
    let form = RwSignal::new(company);
    let error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(None::<String>);
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        let c = form.get_untracked();
        leptos::task::spawn_local(async move {
            match save_seller(c).await {
                Ok(c) => {
                    error.set(None);
                    saved.set(Some("Saved: new quotes print these details.".into()));
                    form.set(c);
                }
                Err(e) => {
                    saved.set(None);
                    error.set(Some(e));
                }
            }
        });
    };
    let msg = move |name: &'static str| {
        move || {
            error.with(|e| {
                e.as_ref()
                    .and_then(|e| e.message_for(&format!("company.{name}")))
            })
        }
    };
    let show = move |name: &'static str| {
        move || msg(name)().map(|m| view! { <span class="field-error" role="alert">{m}</span> })
    };
    let text = move |get: fn(&Company) -> &String| move || form.with(|c| get(c).clone());
    view! {
        <form class="card-form" on:submit=submit aria-labelledby="seller-title" novalidate>
            <h2 id="seller-title">"Company details on quotes"</h2>
            <p class="page-hint">"Printed at the head of every quote."</p>
            <label class="field">"Company name"
                <input type="text" name="company_name" maxlength="200" prop:value=text(|c| &c.name)
                    aria-invalid=move || msg("name")().is_some().to_string()
                    on:input=move |e| form.update(|c| c.name = event_target_value(&e))/>
                {show("name")}
            </label>
            <label class="field">"Address"
                <textarea name="company_address" rows="3" maxlength="500" prop:value=text(|c| &c.address)
                    aria-invalid=move || msg("address")().is_some().to_string()
                    on:input=move |e| form.update(|c| c.address = event_target_value(&e))></textarea>
                {show("address")}
            </label>
            <div class="field-row">
                <label class="field">"E-mail"
                    <input type="email" name="company_email" maxlength="254" prop:value=text(|c| &c.email)
                        aria-invalid=move || msg("email")().is_some().to_string()
                        on:input=move |e| form.update(|c| c.email = event_target_value(&e))/>
                    {show("email")}
                </label>
                <label class="field">"Phone"
                    <input type="tel" name="company_phone" maxlength="40" prop:value=text(|c| &c.phone)
                        aria-invalid=move || msg("phone")().is_some().to_string()
                        on:input=move |e| form.update(|c| c.phone = event_target_value(&e))/>
                    {show("phone")}
                </label>
            </div>
            <label class="field">"Tax ID"
                <input type="text" name="company_tax_id" maxlength="64" prop:value=text(|c| &c.tax_id)
                    aria-invalid=move || msg("tax_id")().is_some().to_string()
                    on:input=move |e| form.update(|c| c.tax_id = event_target_value(&e))/>
                {show("tax_id")}
            </label>
            <button class="button button-primary" type="submit">"Save"</button>
            <p class="form-status" role="status">{move || saved.get()}</p>
        </form>
    }
}
