//! Route `/quotes/:id`: one quote on a lead. A draft is edited here (lines from the catalogue
//! or free text, discounts, tax, notes) with running totals from the shared domain code; the
//! document below is the quote as the buyer gets it, printed from the browser on A4 or Letter
//! (`@page` per paper size in the stylesheet). Sent, accepted and rejected are buttons here;
//! the server records each as an event and moves the lead (see `service::quotes`).

use crate::api::quotes::{get_quote, save_quote, set_quote_status, QuoteView};
use crate::components::guard::RequireAccess;
use crate::components::status::error_text;
use crate::domain::access;
use crate::domain::quote::{
    parse_rate, plain_amount, rate_text, LineInput, Product, QuoteContent, QuoteDraft, QuoteStatus,
    StatusChange,
};
use crate::domain::time::{date_text, parse_date};
use crate::domain::{Currency, Money};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn QuotePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()));
    view! {
        <Title text="Quote"/>
        <RequireAccess check=|actor| access::view_board(actor).map(|_| ())>
            {move || match id() {
                Some(id) => view! { <QuoteBody id/> }.into_any(),
                None => view! {
                    <section class="page">
                        <div class="panel panel-error" role="alert"><p>"That is not a quote number."</p></div>
                    </section>
                }.into_any(),
            }}
        </RequireAccess>
    }
}

#[component]
fn QuoteBody(id: i64) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let data = Resource::new(move || reload.get(), move |_| get_quote(id));
    // Outlives the re-read after a status change, so the confirmation stays on screen.
    let message = RwSignal::new(None::<String>);
    view! {
        <section class="page quote-page">
            <Transition fallback=|| view! { <p class="loading">"Loading the quote…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <QuoteScreen view=v reload message/> }.into_any(),
                        Err(e) => view! {
                            <div class="panel panel-error" role="alert"><p>{error_text(&e)}</p></div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// One line being edited, with a key that survives removing the lines before it.
type EditLine = (u32, RwSignal<LineInput>);

#[component]
fn QuoteScreen(
    view: QuoteView,
    reload: RwSignal<u32>,
    message: RwSignal<Option<String>>,
) -> impl IntoView {
    let quote = view.quote.clone();
    let status = quote.status;
    let editing = view.can_edit && status == QuoteStatus::Draft;
    let start = quote.draft();
    let next_key = StoredValue::new(start.lines.len() as u32);
    let lines: RwSignal<Vec<EditLine>> = RwSignal::new(
        start
            .lines
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, l)| (i as u32, RwSignal::new(l)))
            .collect(),
    );
    let currency = RwSignal::new(start.currency.clone());
    let discount = RwSignal::new(start.discount.clone());
    let tax = RwSignal::new(start.tax.clone());
    let notes = RwSignal::new(start.notes.clone());
    let valid_until = RwSignal::new(start.valid_until.clone());
    // Advances with each save of the draft (the page is not re-read for a save).
    let version = RwSignal::new(quote.version);
    let draft = move || QuoteDraft {
        version: version.get(),
        currency: currency.get(),
        lines: lines.with(|ls| ls.iter().map(|(_, l)| l.get()).collect()),
        discount: discount.get(),
        tax: tax.get(),
        notes: notes.get(),
        valid_until: valid_until.get(),
    };
    let stored = StoredValue::new(quote.clone());
    let shown = move || {
        if editing {
            let d = draft();
            QuoteContent {
                lines: d
                    .lines
                    .iter()
                    .enumerate()
                    .filter_map(|(i, l)| l.read(i).ok())
                    .collect(),
                discount: parse_rate(&d.discount).unwrap_or(0),
                tax: parse_rate(&d.tax).unwrap_or(0),
                currency: Currency::parse(&d.currency).unwrap_or(Currency::USD),
                notes: d.notes.trim().to_string(),
                valid_until: parse_date(&d.valid_until),
            }
        } else {
            stored.with_value(|q| q.content.clone())
        }
    };

    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let paper = RwSignal::new(match quote.content.currency.code() {
        "USD" | "CAD" => "letter",
        _ => "a4",
    });

    // Saves the draft, then (if asked) moves it on to `then`.
    let act = move |then: Option<QuoteStatus>| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let d = draft();
        leptos::task::spawn_local(async move {
            let mut current = d.version;
            let mut result = Ok(());
            if editing {
                match save_quote(id_of(stored), d).await {
                    Ok(v) => {
                        current = v.quote.version;
                        version.set(current);
                    }
                    Err(e) => result = Err(e),
                }
            }
            if let (Ok(()), Some(to)) = (&result, then) {
                let change = StatusChange {
                    version: current,
                    to,
                };
                if let Err(e) = set_quote_status(id_of(stored), change).await {
                    result = Err(e);
                }
            }
            busy.set(false);
            match result {
                Ok(()) => {
                    error.set(None);
                    message.set(Some(
                        match then {
                            None => "Draft saved",
                            Some(QuoteStatus::Sent) => "Marked as sent: the lead is in Quoted",
                            Some(QuoteStatus::Accepted) => {
                                "Accepted: the lead's value is the quote's total"
                            }
                            Some(QuoteStatus::Rejected) => "Marked as rejected",
                            Some(QuoteStatus::Draft) => "Back to draft: edit and send again",
                        }
                        .to_string(),
                    ));
                    if then.is_some() {
                        reload.update(|n| *n += 1);
                    }
                }
                Err(e) => {
                    message.set(None);
                    error.set(Some(e));
                }
            }
        });
    };

    let add_line = move |l: LineInput| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        lines.update(|ls| ls.push((key, RwSignal::new(l))));
    };
    let products = StoredValue::new(view.products.clone());
    let lead = view.lead.clone();
    let number = quote.number();
    let title = format!("{number} · {}", lead.title());

    view! {
        <Title text=title/>
        <div class="quote-bar no-print">
            <p class="back-link"><a href=format!("/leads/{}", lead.id)>{format!("← {}", lead.title())}</a></p>
            <div class="quote-bar-main">
                <h1 class="quote-title">{format!("Quote {number}")}</h1>
                <span class=format!("quote-status quote-status-{}", status.key())>{status.label()}</span>
                <span class="muted">{format!("Lead in {}", view.stage)}</span>
            </div>
            <div class="quote-actions" role="group" aria-label="Quote actions">
                {(view.can_edit && status == QuoteStatus::Draft).then(|| view! {
                    <button type="button" class="button" disabled=move || busy.get()
                        on:click=move |_| act(None)>"Save draft"</button>
                    <button type="button" class="button button-primary" disabled=move || busy.get()
                        on:click=move |_| act(Some(QuoteStatus::Sent))>"Mark as sent"</button>
                })}
                {(view.can_edit && status == QuoteStatus::Sent).then(|| view! {
                    <button type="button" class="button button-primary" disabled=move || busy.get()
                        on:click=move |_| act(Some(QuoteStatus::Accepted))>"Accepted"</button>
                    <button type="button" class="button" disabled=move || busy.get()
                        on:click=move |_| act(Some(QuoteStatus::Rejected))>"Rejected"</button>
                    <button type="button" class="button button-quiet" disabled=move || busy.get()
                        on:click=move |_| act(Some(QuoteStatus::Draft))>"Back to draft"</button>
                })}
                <fieldset class="paper-choice">
                    <legend class="visually-hidden">"Paper"</legend>
                    {[("a4", "A4"), ("letter", "Letter")].into_iter().map(|(key, label)| view! {
                        <label class="segment">
                            <input type="radio" name="paper" value=key
                                prop:checked=move || paper.get() == key
                                on:change=move |_| paper.set(key)/>
                            <span>{label}</span>
                        </label>
                    }).collect_view()}
                </fieldset>
                <button type="button" class="button" on:click=move |_| print()>"Print"</button>
            </div>
            <p class="form-status" role="status" aria-live="polite">{move || message.get()}</p>
            {move || error.get().map(|e| view! {
                <div class="panel panel-error" role="alert"><p>{problem_text(&e)}</p></div>
            })}
        </div>
        {editing.then(|| view! {
            <Editor lines currency discount tax notes valid_until error products add_line/>
        })}
        <QuoteDocument view=view.clone() shown=Signal::derive(shown) paper=paper.into()/>
    }
}

/// The problem as a rep reads it: "Line 2, quantity: A whole number of units, like 3", and
/// how many other fields need a look.
fn problem_text(e: &AppError) -> String {
    let fields = e.fields();
    let Some(first) = fields.first() else {
        return e.to_string();
    };
    let name = match first.field.strip_prefix("lines[") {
        Some(rest) => {
            let (i, what) = rest.split_once("].").unwrap_or((rest, ""));
            let n = i.parse::<usize>().map_or(0, |i| i + 1);
            format!("Line {n}, {}", what.replace('_', " "))
        }
        None => {
            let mut f = first.field.replace('_', " ");
            if let Some(c) = f.get_mut(0..1) {
                c.make_ascii_uppercase();
            }
            f
        }
    };
    let more = match fields.len() - 1 {
        0 => String::new(),
        1 => " (and 1 more field)".to_string(),
        n => format!(" (and {n} more fields)"),
    };
    format!("{name}: {}{more}", first.message)
}

fn id_of(stored: StoredValue<crate::domain::quote::Quote>) -> i64 {
    stored.with_value(|q| q.id)
}

fn print() {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().print();
    }
}

fn field(error: RwSignal<Option<AppError>>, name: String) -> Option<String> {
    error.with(|e| e.as_ref().and_then(|e| e.message_for(&name)))
}

#[component]
#[allow(clippy::too_many_arguments)]
fn Editor(
    lines: RwSignal<Vec<EditLine>>,
    currency: RwSignal<String>,
    discount: RwSignal<String>,
    tax: RwSignal<String>,
    notes: RwSignal<String>,
    valid_until: RwSignal<String>,
    error: RwSignal<Option<AppError>>,
    products: StoredValue<Vec<Product>>,
    add_line: impl Fn(LineInput) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let chosen = RwSignal::new(String::new());
    let pick = move |e: leptos::ev::Event| {
        let v = event_target_value(&e);
        let product = v
            .parse::<i64>()
            .ok()
            .and_then(|id| products.with_value(|ps| ps.iter().find(|p| p.id == id).cloned()));
        if let Some(p) = product {
            add_line(LineInput {
                product_id: Some(p.id),
                description: p.name.clone(),
                quantity: "1".into(),
                unit_price: plain_amount(p.unit.cents),
                discount: String::new(),
            });
        }
        chosen.set(String::new());
    };
    let err = move |name: &'static str| move || field(error, name.to_string());
    let invalid =
        move |name: &'static str| move || field(error, name.to_string()).is_some().to_string();
    let top = move |name: &'static str| {
        move || {
            field(error, name.to_string())
                .map(|m| view! { <span class="field-error" role="alert">{m}</span> })
        }
    };
    view! {
        <section class="card-form quote-editor no-print" aria-labelledby="editor-title">
            <h2 id="editor-title">"Lines"</h2>
            <div class="table-scroll">
                <table class="table quote-lines-edit">
                    <thead>
                        <tr>
                            <th scope="col">"Description"</th>
                            <th scope="col" class="num">"Qty"</th>
                            <th scope="col" class="num">"Unit price"</th>
                            <th scope="col" class="num">"Discount %"</th>
                            <th scope="col" class="num">"Amount"</th>
                            <th scope="col"><span class="visually-hidden">"Remove"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || lines.get() key=|(k, _)| *k let:item>
                            <LineRow key=item.0 line=item.1 lines error/>
                        </For>
                    </tbody>
                </table>
            </div>
            {move || err("lines")().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
            <div class="line-adders">
                <label class="field">"Add from the catalogue"
                    <select name="product" prop:value=move || chosen.get() on:change=pick>
                        <option value="">"Choose a product…"</option>
                        {products.with_value(|ps| ps.iter().map(|p| {
                            // A product priced in another currency cannot go on this quote.
                            let priced_in = p.unit.currency;
                            let other = move || {
                                !currency.get().trim().eq_ignore_ascii_case(priced_in.code())
                            };
                            view! {
                                <option value=p.id.to_string() disabled=other>
                                    {format!("{} · {} · {}", p.name, p.sku, p.unit.exact())}
                                    {move || other().then_some(" (another currency)")}
                                </option>
                            }
                        }).collect_view())}
                    </select>
                </label>
                <button type="button" class="button" on:click=move |_| add_line(LineInput {
                    quantity: "1".into(),
                    ..LineInput::default()
                })>"Add a free-text line"</button>
            </div>
            <div class="field-row quote-terms">
                <label class="field field-short">"Discount on the total (%)"
                    <input type="text" name="discount" inputmode="decimal" placeholder="0"
                        prop:value=move || discount.get() aria-invalid=invalid("discount")
                        on:input=move |e| discount.set(event_target_value(&e))/>
                    {top("discount")}
                </label>
                <label class="field field-short">"Tax (%)"
                    <input type="text" name="tax" inputmode="decimal" placeholder="8.875"
                        prop:value=move || tax.get() aria-invalid=invalid("tax")
                        on:input=move |e| tax.set(event_target_value(&e))/>
                    {top("tax")}
                </label>
                <label class="field field-short">"Currency"
                    <input type="text" name="currency" maxlength="3"
                        prop:value=move || currency.get() aria-invalid=invalid("currency")
                        on:input=move |e| currency.set(event_target_value(&e))/>
                    {top("currency")}
                </label>
                <label class="field field-short">"Valid until"
                    <input type="date" name="valid_until"
                        prop:value=move || valid_until.get() aria-invalid=invalid("valid_until")
                        on:input=move |e| valid_until.set(event_target_value(&e))/>
                    {top("valid_until")}
                </label>
            </div>
            <label class="field">"Notes and terms (printed)"
                <textarea name="notes" rows="3" maxlength="2000" prop:value=move || notes.get()
                    aria-invalid=invalid("notes")
                    on:input=move |e| notes.set(event_target_value(&e))></textarea>
                {top("notes")}
            </label>
            <p class="page-hint">"Amounts are rounded half up to the cent at each step: each line's discount, then the discount on the total, then the tax."</p>
        </section>
    }
}

#[component]
fn LineRow(
    key: u32,
    line: RwSignal<LineInput>,
    lines: RwSignal<Vec<EditLine>>,
    error: RwSignal<Option<AppError>>,
) -> impl IntoView {
    let index = move || {
        lines
            .with(|ls| ls.iter().position(|(k, _)| *k == key))
            .unwrap_or(0)
    };
    let msg = move |f: &'static str| move || field(error, format!("lines[{}].{f}", index()));
    let show = move |f: &'static str| {
        move || msg(f)().map(|m| view! { <span class="field-error" role="alert">{m}</span> })
    };
    let invalid = move |f: &'static str| move || msg(f)().is_some().to_string();
    let label = move |what: &str| format!("{what}, line {}", index() + 1);
    let amount = move || {
        line.with(|l| l.read(0).ok())
            .map(|l| plain_money(l.total().net))
            .unwrap_or_else(|| "–".into())
    };
    let set = move |apply: fn(&mut LineInput, String)| {
        move |e: leptos::ev::Event| line.update(|l| apply(l, event_target_value(&e)))
    };
    view! {
        <tr>
            <td>
                <input type="text" class="line-description" maxlength="300"
                    aria-label=move || label("Description") aria-invalid=invalid("description")
                    prop:value=move || line.with(|l| l.description.clone())
                    on:input=set(|l, v| l.description = v)/>
                {show("description")}
                {show("product_id")}
            </td>
            <td class="num">
                <input type="text" class="line-qty" inputmode="numeric"
                    aria-label=move || label("Quantity") aria-invalid=invalid("quantity")
                    prop:value=move || line.with(|l| l.quantity.clone())
                    on:input=set(|l, v| l.quantity = v)/>
                {show("quantity")}
            </td>
            <td class="num">
                <input type="text" class="line-price" inputmode="decimal"
                    aria-label=move || label("Unit price") aria-invalid=invalid("unit_price")
                    prop:value=move || line.with(|l| l.unit_price.clone())
                    on:input=set(|l, v| l.unit_price = v)/>
                {show("unit_price")}
            </td>
            <td class="num">
                <input type="text" class="line-discount" inputmode="decimal" placeholder="0"
                    aria-label=move || label("Discount") aria-invalid=invalid("discount")
                    prop:value=move || line.with(|l| l.discount.clone())
                    on:input=set(|l, v| l.discount = v)/>
                {show("discount")}
            </td>
            <td class="num line-amount">{amount}</td>
            <td>
                <button type="button" class="icon-button" aria-label=move || label("Remove")
                    on:click=move |_| lines.update(|ls| ls.retain(|(k, _)| *k != key))>"×"</button>
            </td>
        </tr>
    }
}

/// Minor units without a currency symbol: "1,234.50".
fn plain_money(cents: i64) -> String {
    let m = Money::new(cents, Currency::parse("XXX").unwrap_or(Currency::USD)).exact();
    m.trim_start_matches("XXX").to_string()
}

/// The quote as the buyer gets it.
#[component]
fn QuoteDocument(
    view: QuoteView,
    shown: Signal<QuoteContent>,
    paper: Signal<&'static str>,
) -> impl IntoView {
    let seller = view.company.clone();
    let lead = view.lead.clone();
    let quote = view.quote.clone();
    let number = quote.number();
    let issued = quote.sent_at.unwrap_or(quote.created_at).date_string(0);
    let seller_name = if seller.name.is_empty() {
        "Your company".to_string()
    } else {
        seller.name.clone()
    };
    let status = quote.status;
    view! {
        <article class=move || format!("quote-doc paper-{}", paper.get()) aria-label=format!("Quote {number}")>
            <header class="quote-doc-head">
                <div class="quote-seller">
                    <h2 class="quote-seller-name">{seller_name}</h2>
                    {(!seller.address.is_empty()).then(|| view! { <p class="quote-address">{seller.address.clone()}</p> })}
                    <p class="quote-contact">
                        {[seller.email.clone(), seller.phone.clone()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ")}
                    </p>
                    {(!seller.tax_id.is_empty()).then(|| view! { <p class="quote-contact">{format!("Tax ID {}", seller.tax_id)}</p> })}
                </div>
                <div class="quote-meta">
                    <p class="quote-word">"Quote"</p>
                    <dl>
                        <dt>"Number"</dt><dd>{number.clone()}</dd>
                        <dt>"Date"</dt><dd>{issued}</dd>
                        {move || shown.with(|s| s.valid_until).map(|d| view! {
                            <dt>"Valid until"</dt><dd>{date_text(d)}</dd>
                        })}
                        {(status != QuoteStatus::Draft).then(|| view! {
                            <dt>"Status"</dt><dd>{status.label()}</dd>
                        })}
                    </dl>
                </div>
            </header>
            <section class="quote-buyer" aria-label="Prepared for">
                <h3>"Prepared for"</h3>
                <p><strong>{lead.contact_name.clone()}</strong></p>
                {lead.company.clone().map(|c| view! { <p>{c}</p> })}
                {lead.email.clone().map(|e| view! { <p>{e}</p> })}
                {lead.phone.clone().map(|p| view! { <p>{p}</p> })}
            </section>
            {move || {
                let s = shown.get();
                let t = s.totals();
                let money = move |c: i64| Money::new(c, s.currency).exact();
                view! {
                    <table class="quote-lines">
                        <thead>
                            <tr>
                                <th scope="col">"Description"</th>
                                <th scope="col" class="num">"Qty"</th>
                                <th scope="col" class="num">"Unit price"</th>
                                <th scope="col" class="num">"Discount"</th>
                                <th scope="col" class="num">"Amount"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {if s.lines.is_empty() {
                                view! { <tr><td colspan="5" class="muted">"No lines yet."</td></tr> }.into_any()
                            } else {
                                s.lines.iter().zip(&t.lines).map(|(l, lt)| view! {
                                    <tr>
                                        <td>{l.description.clone()}</td>
                                        <td class="num">{l.quantity.to_string()}</td>
                                        <td class="num">{money(l.unit_cents)}</td>
                                        <td class="num">{if l.discount == 0 { String::new() } else { rate_text(l.discount) }}</td>
                                        <td class="num">{money(lt.net)}</td>
                                    </tr>
                                }).collect_view().into_any()
                            }}
                        </tbody>
                    </table>
                    <dl class="quote-totals">
                        <dt>"Subtotal"</dt><dd>{money(t.subtotal)}</dd>
                        {(s.discount > 0).then(|| view! {
                            <dt>{format!("Discount {}", rate_text(s.discount))}</dt><dd>{format!("−{}", money(t.discount))}</dd>
                        })}
                        <dt>{format!("Tax {}", rate_text(s.tax))}</dt><dd>{money(t.tax)}</dd>
                        <dt class="quote-total">"Total"</dt><dd class="quote-total">{money(t.total)}</dd>
                    </dl>
                    {(!s.notes.is_empty()).then(|| view! {
                        <section class="quote-notes" aria-label="Notes and terms">
                            <h3>"Notes and terms"</h3>
                            <p>{s.notes.clone()}</p>
                        </section>
                    })}
                }
            }}
            <footer class="quote-foot">
                {view.author.clone().map(|a| format!("Prepared by {a}"))}
            </footer>
        </article>
    }
}
