//! Route `/admin/products`: the product catalogue quotes draw their lines from. Admins add and
//! change products; a product taken out of the catalogue (inactive) stays on the quotes that
//! already name it.

use crate::api::quotes::{list_products, save_product};
use crate::components::guard::RequireAccess;
use crate::components::loaded::Loaded;
use crate::components::status::{field_error, field_message};
use crate::domain::access;
use crate::domain::quote::{plain_amount, Product, ProductInput};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ProductsPage() -> impl IntoView {
    view! {
        <Title text="Products"/>
        <RequireAccess check=access::manage_catalogue>
            <ProductsBody/>
        </RequireAccess>
    }
}

fn blank() -> ProductInput {
    ProductInput {
        currency: "USD".into(),
        active: true,
        ..ProductInput::default()
    }
}

fn input_of(p: &Product) -> ProductInput {
    ProductInput {
        id: Some(p.id),
        name: p.name.clone(),
        sku: p.sku.clone(),
        unit_price: plain_amount(p.unit.cents),
        currency: p.unit.currency.code().to_string(),
        active: p.active,
    }
}

#[component]
fn ProductsBody() -> impl IntoView {
    let changed = RwSignal::new(0u32);
    let data = Resource::new(move || changed.get(), |_| list_products(true));
    let form = RwSignal::new(blank());
    let error = RwSignal::new(None::<AppError>);
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        let f = form.get_untracked();
        busy.set(true);
        leptos::task::spawn_local(async move {
            match save_product(f.clone()).await {
                Ok(p) => {
                    error.set(None);
                    status.set(Some(format!(
                        "{} \u{201c}{}\u{201d} at {}",
                        if f.id.is_some() { "Saved" } else { "Added" },
                        p.name,
                        p.unit.exact()
                    )));
                    form.set(blank());
                    changed.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let text = move |get: fn(&ProductInput) -> &String| move || form.with(|f| get(f).clone());
    let invalid =
        move |name: &'static str| move || field_message(error, name)().is_some().to_string();
    view! {
        <section class="page page-narrow products" aria-labelledby="products-title">
            <div class="page-head">
                <h1 id="products-title">"Products"</h1>
                <p class="page-hint">"The catalogue reps pick quote lines from. Prices are per unit; a quote can still change a line's price. Products taken out of the catalogue stay on quotes that already have them."</p>
            </div>
            <form class="card-form" on:submit=submit aria-labelledby="product-form-title" novalidate>
                <h2 id="product-form-title">
                    {move || if form.with(|f| f.id.is_some()) { "Edit product" } else { "New product" }}
                </h2>
                <div class="field-row">
                    <label class="field">"Name"
                        <input type="text" name="name" maxlength="200" prop:value=text(|f| &f.name)
                            aria-invalid=invalid("name")
                            on:input=move |e| form.update(|f| f.name = event_target_value(&e))/>
                        {field_error(error, "name")}
                    </label>
                    <label class="field field-short">"SKU"
                        <input type="text" name="sku" maxlength="64" prop:value=text(|f| &f.sku)
                            aria-invalid=invalid("sku")
                            on:input=move |e| form.update(|f| f.sku = event_target_value(&e))/>
                        {field_error(error, "sku")}
                    </label>
                </div>
                <div class="field-row">
                    <label class="field">"Unit price"
                        <input type="text" name="unit_price" inputmode="decimal" placeholder="1250.00"
                            prop:value=text(|f| &f.unit_price) aria-invalid=invalid("unit_price")
                            on:input=move |e| form.update(|f| f.unit_price = event_target_value(&e))/>
                        {field_error(error, "unit_price")}
                    </label>
                    <label class="field field-short">"Currency"
                        <input type="text" name="currency" maxlength="3" prop:value=text(|f| &f.currency)
                            aria-invalid=invalid("currency")
                            on:input=move |e| form.update(|f| f.currency = event_target_value(&e))/>
                        {field_error(error, "currency")}
                    </label>
                </div>
                <label class="check">
                    <input type="checkbox" name="active" prop:checked=move || form.with(|f| f.active)
                        on:change=move |e| form.update(|f| f.active = event_target_checked(&e))/>
                    "In the catalogue (reps can pick it)"
                </label>
                <div class="form-actions">
                    <button class="button button-primary" type="submit" disabled=move || busy.get()>
                        {move || if form.with(|f| f.id.is_some()) { "Save product" } else { "Add product" }}
                    </button>
                    {move || form.with(|f| f.id.is_some()).then(|| view! {
                        <button class="button button-quiet" type="button"
                            on:click=move |_| { form.set(blank()); error.set(None); }>"Cancel"</button>
                    })}
                </div>
                <p class="form-status" role="status" aria-live="polite">{move || status.get()}</p>
            </form>
            <Loaded resource=data loading="Loading the catalogue…" let:list>
                {if list.is_empty() {
                    view! { <p class="muted">"No products yet: add the first above."</p> }.into_any()
                } else {
                    view! { <ProductTable list form error/> }.into_any()
                }}
            </Loaded>
        </section>
    }
}

#[component]
fn ProductTable(
    list: Vec<Product>,
    form: RwSignal<ProductInput>,
    error: RwSignal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="table product-table table-stack">
                <caption class="visually-hidden">"Catalogue"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Product"</th>
                        <th scope="col">"SKU"</th>
                        <th scope="col" class="num">"Unit price"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|p| {
                        let input = input_of(&p);
                        view! {
                            <tr class:inactive=!p.active>
                                <th scope="row">{p.name.clone()}</th>
                                <td class="mono" data-label="SKU">{p.sku.clone()}</td>
                                <td class="num" data-label="Unit price">{p.unit.exact()}</td>
                                <td data-label="Status">{if p.active {
                                    view! { <span class="badge badge-ok">"Active"</span> }.into_any()
                                } else {
                                    view! { <span class="badge badge-muted">"Retired"</span> }.into_any()
                                }}</td>
                                <td class="cell-actions">
                                    <button type="button" class="button button-small button-quiet"
                                        aria-label=format!("Edit {}", p.name)
                                        on:click=move |_| { form.set(input.clone()); error.set(None); }>"Edit"</button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
