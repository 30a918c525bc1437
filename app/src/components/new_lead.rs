//! "New lead": a lead typed in by hand, from a phone call or a trade-show booth. The header
//! opens it as a dialog (`N` on the board and My day); at phone width it is the page
//! `/leads/new`. While the person types, the server says who is already on file (only leads
//! the typist may see) and who the new lead would go to; saving goes through the same intake
//! service as the REST API, with one idempotency key per open form, and lands on the lead with
//! the quick log ready for the call that created it.

use crate::api::new_lead::{
    add_inquiry, create_lead, get_new_lead_choices, IntakeOutcome, IntakeReceipt, NewLeadChoices,
    NewLeadPreview, NewLeadRequest, NewLeadSaved,
};
use crate::components::loaded::Loaded;
use crate::components::status::{error_text, field_message};
use crate::domain::activity::parse_amount;
use crate::domain::LeadId;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// Currencies offered besides the organisation's own.
const CURRENCIES: [&str; 7] = ["USD", "EUR", "GBP", "CAD", "AUD", "CHF", "JPY"];

/// How long typing must pause before the server is asked who is on file.
#[cfg(feature = "hydrate")]
const DEBOUNCE_MS: u32 = 250;

/// Where the person lands after saving: the lead, telling its page what just happened.
pub fn landing(receipt: &IntakeReceipt) -> Option<String> {
    let id = receipt.lead_id?;
    let from = match receipt.outcome {
        IntakeOutcome::Attached => "inquiry",
        _ => "new",
    };
    Some(format!("/leads/{id}?from={from}"))
}

/// The form, with its choices loaded. `on_close` (a dialog's) shows a Cancel button, and
/// saving calls it before going to the lead.
#[component]
pub fn NewLeadForm(#[prop(optional, into)] on_close: Option<Callback<()>>) -> impl IntoView {
    let choices = Resource::new(|| (), |_| get_new_lead_choices());
    view! {
        <Loaded resource=choices loading="Getting the form ready…" let:c>
            <Form choices=c on_close/>
        </Loaded>
    }
}

/// The form's fields as typed.
#[derive(Clone, Copy)]
struct Fields {
    name: RwSignal<String>,
    email: RwSignal<String>,
    phone: RwSignal<String>,
    company: RwSignal<String>,
    product: RwSignal<String>,
    value: RwSignal<String>,
    currency: RwSignal<String>,
    source: RwSignal<i64>,
    campaign: RwSignal<Option<i64>>,
    owner: RwSignal<Option<i64>>,
    message: RwSignal<String>,
}

impl Fields {
    fn new(c: &NewLeadChoices) -> Self {
        Fields {
            name: RwSignal::new(String::new()),
            email: RwSignal::new(String::new()),
            phone: RwSignal::new(String::new()),
            company: RwSignal::new(String::new()),
            product: RwSignal::new(String::new()),
            value: RwSignal::new(String::new()),
            currency: RwSignal::new(c.currency.clone()),
            source: RwSignal::new(c.sources.first().map(|s| s.id).unwrap_or(0)),
            campaign: RwSignal::new(None),
            owner: RwSignal::new(None),
            message: RwSignal::new(String::new()),
        }
    }

    /// The request as the fields stand, checked by the same code as the server checks it
    /// (and the amount, which only the form has as text): every field's problem at once.
    fn request(&self) -> Result<NewLeadRequest, AppError> {
        let draft = self.draft();
        let mut problems = match crate::model::intake::check(&draft.inquiry()) {
            Ok(_) => Vec::new(),
            Err(e) => e.fields().to_vec(),
        };
        let value = self.value.get_untracked();
        if let Err(m) = Some(value.trim())
            .filter(|v| !v.is_empty())
            .map_or(Ok(0), parse_amount)
        {
            problems.push(crate::error::FieldError {
                field: "value_cents".into(),
                message: m,
            });
        }
        if problems.is_empty() {
            Ok(draft)
        } else {
            Err(AppError::invalid(problems))
        }
    }

    /// The request as far as it can be read while typing (an amount not yet readable left
    /// out), for the server to say who is on file.
    fn draft(&self) -> NewLeadRequest {
        let text = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.trim().is_empty());
        let value_cents = parse_amount(&self.value.get_untracked()).ok();
        NewLeadRequest {
            source_id: self.source.get_untracked(),
            campaign_id: self.campaign.get_untracked(),
            contact_name: self.name.get_untracked(),
            email: text(self.email),
            phone: text(self.phone),
            company: text(self.company),
            product_interest: text(self.product),
            value_cents,
            currency: value_cents.map(|_| self.currency.get_untracked()),
            message: text(self.message),
            country: None,
            region: None,
            postcode: None,
            owner_id: self.owner.get_untracked(),
        }
    }
}

#[component]
fn Form(choices: NewLeadChoices, on_close: Option<Callback<()>>) -> impl IntoView {
    let f = Fields::new(&choices);
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let preview = RwSignal::new(None::<NewLeadPreview>);
    let done = RwSignal::new(None::<String>);
    // One key per open form: a second press of Save (or a retry after a lost answer) is
    // answered with the first one's lead.
    let key = StoredValue::new(None::<String>);
    let asked = StoredValue::new(0u32);
    let navigate = use_navigate();
    let name_input = NodeRef::<leptos::html::Input>::new();
    let form_ref = NodeRef::<leptos::html::Form>::new();
    // A refused form puts the focus on its first field with a problem.
    Effect::new(move |_| {
        if error.with(|e| e.as_ref().is_some_and(|e| !e.fields().is_empty())) {
            if let Some(form) = form_ref.get_untracked() {
                request_animation_frame(move || {
                    use leptos::wasm_bindgen::JsCast;
                    if let Some(el) = form
                        .query_selector("[aria-invalid='true']")
                        .ok()
                        .flatten()
                        .and_then(|e| e.dyn_into::<leptos::web_sys::HtmlElement>().ok())
                    {
                        let _ = el.focus();
                    }
                });
            }
        }
    });

    // Asks the server what saving would do, once typing pauses; only the latest answer shows.
    let ask = move || {
        let Some(n) = asked.try_update_value(|n| {
            *n += 1;
            *n
        }) else {
            return;
        };
        #[cfg(feature = "hydrate")]
        gloo_timers::callback::Timeout::new(DEBOUNCE_MS, move || {
            if asked.try_get_value() != Some(n) {
                return;
            }
            let draft = f.draft();
            leptos::task::spawn_local(async move {
                if let Ok(answer) = crate::api::new_lead::preview_new_lead(draft).await {
                    if asked.try_get_value() == Some(n) {
                        preview.try_set(Some(answer));
                    }
                }
            });
        })
        .forget();
        #[cfg(not(feature = "hydrate"))]
        let _ = n;
    };

    let finish = {
        let navigate = navigate.clone();
        move |result: Result<NewLeadSaved, AppError>| match result {
            Ok(saved) if saved.visible => {
                if let Some(to) = landing(&saved.receipt) {
                    if let Some(close) = on_close {
                        close.run(());
                    }
                    navigate(&to, Default::default());
                }
            }
            Ok(saved) => {
                // Out of the saver's sight from now on: say where it went, here.
                let to = saved
                    .receipt
                    .assigned_to
                    .unwrap_or_else(|| "nobody yet".into());
                done.set(Some(format!(
                    "Saved. It went to {to}, outside the teams you manage: it is on their board now."
                )));
                busy.set(false);
            }
            Err(e) => {
                error.set(Some(e));
                busy.set(false);
            }
        }
    };
    let the_key = move || {
        key.try_update_value(|k| k.get_or_insert_with(new_key).clone())
            .unwrap_or_else(new_key)
    };
    let save = {
        let finish = finish.clone();
        move || {
            if busy.get_untracked() {
                return;
            }
            let request = match f.request() {
                Ok(r) => r,
                Err(e) => return error.set(Some(e)),
            };
            let key = the_key();
            busy.set(true);
            error.set(None);
            let finish = finish.clone();
            leptos::task::spawn_local(async move {
                // A person on file whose open lead is the typist's gets the inquiry added to
                // it (as the preview said): the server decides that, the same for every path.
                finish(create_lead(request, key).await);
            });
        }
    };
    let add_to = {
        let finish = finish.clone();
        move |lead: LeadId| {
            if busy.get_untracked() {
                return;
            }
            let request = match f.request() {
                Ok(r) => r,
                Err(e) => return error.set(Some(e)),
            };
            let key = the_key();
            busy.set(true);
            error.set(None);
            let finish = finish.clone();
            leptos::task::spawn_local(async move {
                finish(add_inquiry(lead, request, key).await);
            });
        }
    };

    // The name field takes the focus when the form appears (after the frame that mounts it).
    Effect::new(move |_| {
        if let Some(el) = name_input.get() {
            request_animation_frame(move || {
                let _ = el.focus();
            });
        }
    });

    let invalid = move |name: &'static str| move || field_message(error, name)().is_some();
    let message_of = move |name: &'static str| {
        move || {
            field_message(error, name)().map(|m| {
                view! { <span class="field-error" role="alert" id=format!("nl-{name}-error")>{m}</span> }
            })
        }
    };
    let text_field = move |label: &'static str,
                           name: &'static str,
                           kind: &'static str,
                           autocomplete: &'static str,
                           signal: RwSignal<String>,
                           node: NodeRef<leptos::html::Input>| {
        let input = view! {
            <input type=kind name=name autocomplete=autocomplete node_ref=node
                aria-invalid=move || invalid(name)().to_string()
                aria-describedby=format!("nl-{name}-error")
                prop:value=move || signal.get()
                on:input=move |e| { signal.set(event_target_value(&e)); ask(); }/>
        };
        view! {
            <label class="field" class:field-invalid=invalid(name)>
                <span>{label}</span>
                {input}
                {message_of(name)}
            </label>
        }
        .into_any()
    };

    let sources = choices.sources.clone();
    let campaigns = StoredValue::new(choices.campaigns.clone());
    let owners = choices.owners.clone();
    let manager = !owners.is_empty();
    let products = choices.products.clone();
    let mut currencies: Vec<String> = vec![choices.currency.clone()];
    currencies.extend(
        CURRENCIES
            .iter()
            .filter(|c| **c != choices.currency)
            .map(|c| c.to_string()),
    );
    let source_campaigns = move || {
        let source = f.source.get();
        campaigns.with_value(|all| {
            all.iter()
                .filter(|c| c.source_id == source)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let save_label = move || {
        let adds = preview.with(|p| p.as_ref().and_then(|p| p.adds_to).is_some());
        match (busy.get(), adds) {
            (true, _) => "Saving…",
            (false, true) => "Add to their open lead",
            (false, false) => "Save lead",
        }
    };
    let on_submit = {
        let save = save.clone();
        move |e: leptos::ev::SubmitEvent| {
            e.prevent_default();
            save();
        }
    };

    let summary = view! {
        <p id="nl-summary" class="new-lead-goes" role="status">
            {move || preview.with(|p| p.as_ref().and_then(|p| p.goes_to.clone())).map(|g| view! {
                <span class="muted">"Goes to: "</span><strong>{g}</strong>
            })}
        </p>
        <div class="form-actions">
            {on_close.map(|cancel| view! {
                <button type="button" class="button" on:click=move |_| cancel.run(())>"Cancel"</button>
            })}
            <button type="submit" class="button button-primary" disabled=move || busy.get()>
                {save_label}
            </button>
        </div>
    }
    .into_any();
    let form = view! {
        <form class="new-lead-form" novalidate node_ref=form_ref on:submit=on_submit aria-describedby="nl-summary">
            {move || error.with(|e| e.as_ref().filter(|e| e.fields().is_empty()).map(|e| view! {
                <p class="form-error" role="alert">{error_text(e)}</p>
            }))}
            <div class="field-row">
                {text_field("Name", "contact_name", "text", "name", f.name, name_input)}
                {text_field("Company", "company", "text", "organization", f.company, NodeRef::new())}
            </div>
            <div class="field-row">
                {text_field("E-mail", "email", "email", "email", f.email, NodeRef::new())}
                {text_field("Phone", "phone", "tel", "tel", f.phone, NodeRef::new())}
            </div>
            <Matches preview add_to=Callback::new(add_to) busy/>
            {view! {
                <div class="field-row">
                    <label class="field" class:field-invalid=invalid("product_interest")>
                        <span>"Interested in"</span>
                        <input type="text" name="product_interest" list="nl-products" autocomplete="off"
                            aria-invalid=move || invalid("product_interest")().to_string()
                            prop:value=move || f.product.get()
                            on:input=move |e| { f.product.set(event_target_value(&e)); ask(); }/>
                        <datalist id="nl-products">
                            {products.into_iter().map(|p| view! { <option value=p></option> }).collect_view()}
                        </datalist>
                        {message_of("product_interest")}
                    </label>
                    <div class="field value-field" class:field-invalid=move || invalid("value_cents")() || invalid("currency")()>
                        <label for="nl-value">"Estimated value"</label>
                        <div class="value-inputs">
                            <input id="nl-value" type="text" inputmode="decimal" name="value" placeholder="12,500"
                                aria-invalid=move || invalid("value_cents")().to_string()
                                aria-describedby="nl-value_cents-error"
                                prop:value=move || f.value.get()
                                on:input=move |e| { f.value.set(event_target_value(&e)); ask(); }/>
                            <select name="currency" aria-label="Currency"
                                on:change=move |e| f.currency.set(event_target_value(&e))>
                                {currencies.into_iter().map(|c| {
                                    let selected = c == f.currency.get_untracked();
                                    view! { <option value=c.clone() selected=selected>{c.clone()}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        {message_of("value_cents")}
                        {message_of("currency")}
                    </div>
                </div>
            }.into_any()}
            {view! {
                <div class="field-row">
                    <label class="field" class:field-invalid=invalid("source_id")>
                        <span>"Source"</span>
                        <select name="source_id"
                            on:change=move |e| {
                                if let Ok(id) = event_target_value(&e).parse() { f.source.set(id) }
                                f.campaign.set(None);
                                ask();
                            }>
                            {sources.into_iter().map(|s| {
                                let selected = s.id == f.source.get_untracked();
                                view! { <option value=s.id.to_string() selected=selected>{s.name}</option> }
                            }).collect_view()}
                        </select>
                        {message_of("source_id")}
                    </label>
                    <label class="field" class:field-invalid=invalid("campaign_id")>
                        <span>"Campaign " <small>"(optional)"</small></span>
                        <select name="campaign_id"
                            on:change=move |e| f.campaign.set(event_target_value(&e).parse().ok())>
                            <option value="" selected=move || f.campaign.get().is_none()>"None"</option>
                            {move || source_campaigns().into_iter().map(|c| view! {
                                <option value=c.id.to_string() selected=move || f.campaign.get() == Some(c.id)>{c.name}</option>
                            }).collect_view()}
                        </select>
                        {message_of("campaign_id")}
                    </label>
                </div>
            }.into_any()}
            {manager.then(|| view! {
                <label class="field" class:field-invalid=invalid("owner_id")>
                    <span>"Owner"</span>
                    <select name="owner_id"
                        on:change=move |e| { f.owner.set(event_target_value(&e).parse().ok()); ask(); }>
                        <option value="">"By the assignment rules"</option>
                        {owners.into_iter().map(|p| view! {
                            <option value=p.id.0.to_string()>{p.name}</option>
                        }).collect_view()}
                    </select>
                    {message_of("owner_id")}
                </label>
            }.into_any())}
            {view! {
                <label class="field" class:field-invalid=invalid("message")>
                    <span>"What they said " <small>"(the first inquiry, optional)"</small></span>
                    <textarea name="message" rows="3" maxlength="5000"
                        prop:value=move || f.message.get()
                        on:input=move |e| f.message.set(event_target_value(&e))></textarea>
                    {message_of("message")}
                </label>
            }.into_any()}
            {summary}
        </form>
    }
    .into_any();
    let again = on_close;
    view! {
        {move || done.get().map(|text| view! {
            <div class="new-lead-done" role="status">
                <p>{text}</p>
                {again.map(|close| view! {
                    <div class="form-actions">
                        <button type="button" class="button button-primary" on:click=move |_| close.run(())>"Done"</button>
                    </div>
                })}
            </div>
        })}
        <div class:hidden=move || done.with(Option::is_some)>{form}</div>
    }
}

/// The people on file the typed person may be, each with a link and, where allowed, adding
/// the inquiry to their lead instead.
#[component]
fn Matches(
    preview: RwSignal<Option<NewLeadPreview>>,
    add_to: Callback<LeadId>,
    busy: RwSignal<bool>,
) -> impl IntoView {
    move || {
        let p = preview.get()?;
        if p.matches.is_empty() {
            return None;
        }
        let now = p.now;
        let adds_to = p.adds_to;
        Some(view! {
            <section class="known-leads" aria-label="Already on file" aria-live="polite">
                <h3>"Already on file"</h3>
                <ul>
                    {p.matches.into_iter().map(|k| {
                        let id = k.lead_id;
                        let sentence = k.sentence(now);
                        let why = k.reasons.join(", ");
                        let saves_here = adds_to == Some(id);
                        view! {
                            <li class="known-lead" class:known-exact=k.exact>
                                <p>{sentence}</p>
                                <p class="known-why muted">{why}
                                    {saves_here.then_some(" · Saving adds this inquiry to that lead: one person, one open lead")}
                                </p>
                                <p class="known-actions">
                                    <a href=format!("/leads/{id}") target="_blank" rel="noopener">"Open the lead (new tab)"</a>
                                    {(k.can_add && !saves_here).then(|| view! {
                                        <button type="button" class="button button-small" disabled=move || busy.get()
                                            on:click=move |_| add_to.run(id)>
                                            "Add as an inquiry there instead"
                                        </button>
                                    })}
                                </p>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        })
    }
}

/// A fresh idempotency key for an open form.
fn new_key() -> String {
    #[cfg(feature = "hydrate")]
    {
        let random = || (js_sys::Math::random() * 4_294_967_296.0) as u64;
        format!(
            "form-{}-{:08x}{:08x}",
            js_sys::Date::now() as u64,
            random(),
            random()
        )
    }
    #[cfg(not(feature = "hydrate"))]
    {
        "form-server".to_string()
    }
}

/// Whether the window is wide enough for the form as a dialog (narrower: the page).
pub fn dialog_fits() -> bool {
    #[cfg(feature = "hydrate")]
    {
        window()
            .inner_width()
            .ok()
            .and_then(|w| w.as_f64())
            .is_some_and(|w| w >= 640.0)
    }
    #[cfg(not(feature = "hydrate"))]
    true
}

/// The form as a modal dialog over the current page, open while `open` is true: a fresh form
/// (and idempotency key) each time. Escape, Cancel and saving close it; the focus then goes
/// back where it was.
#[component]
pub fn NewLeadDialog(open: RwSignal<bool>) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    Effect::new(move |_| {
        let want = open.get();
        if let Some(el) = dialog.get() {
            if want && !el.open() {
                let _ = el.show_modal();
            } else if !want && el.open() {
                el.close();
            }
        }
    });
    let close = Callback::new(move |_: ()| open.set(false));
    view! {
        <dialog class="modal new-lead-dialog" node_ref=dialog aria-labelledby="new-lead-title"
            on:close=move |_| {
                // The close event comes a moment after Escape; N pressed in that moment has
                // opened the dialog again, which stays open.
                if dialog.get_untracked().is_none_or(|el| !el.open()) {
                    open.set(false);
                }
            }>
            <div class="modal-head">
                <h2 id="new-lead-title">"New lead"</h2>
                <button type="button" class="icon-button" aria-label="Close"
                    on:click=move |_| close.run(())>"×"</button>
            </div>
            {move || open.get().then(|| view! {
                <Suspense fallback=|| view! { <p class="loading">"Getting the form ready…"</p> }>
                    {move || Suspend::new(async move { dialog_form(close).await })}
                </Suspense>
            })}
        </dialog>
    }
}

/// The dialog's form, fetched the first time it opens: its code is a WASM chunk of its own.
#[leptos::lazy]
fn dialog_form(close: Callback<()>) -> AnyView {
    view! { <NewLeadForm on_close=close/> }.into_any()
}
