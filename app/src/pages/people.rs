//! Routes `/contacts/:id` and `/companies/:id`: a person or a company with every lead of
//! theirs the viewer may see (open and closed) and the newest activities on them. Admins can
//! erase a person's data on their request.

use crate::api::people::{get_company, get_contact, ContactCard, EraseContact, PeopleView};
use crate::components::guard::RequireAccess;
use crate::components::loaded::Loaded;
use crate::domain::access;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ContactPage() -> impl IntoView {
    let params = use_params_map();
    let erase = ServerAction::<EraseContact>::new();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0));
    let data = Resource::new(
        move || (id(), erase.version().get()),
        |(id, _)| get_contact(id),
    );
    view! {
        <Title text="Contact"/>
        <RequireAccess check=see_leads>
            <Page data erase=Some(erase) what="Contact"/>
        </RequireAccess>
    }
}

#[component]
pub fn CompanyPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0));
    let data = Resource::new(id, get_company);
    view! {
        <Title text="Company"/>
        <RequireAccess check=see_leads>
            <Page data erase=None what="Company"/>
        </RequireAccess>
    }
}

#[component]
fn Page(
    data: Resource<Result<PeopleView, AppError>>,
    erase: Option<ServerAction<EraseContact>>,
    what: &'static str,
) -> impl IntoView {
    view! {
        <section class="page" aria-labelledby="people-title">
            <Loaded resource=data loading="Loading…" let:v>
                <View v erase what/>
            </Loaded>
        </section>
    }
}

#[component]
fn View(
    v: PeopleView,
    erase: Option<ServerAction<EraseContact>>,
    what: &'static str,
) -> impl IntoView {
    let stage = {
        let pipeline = v.pipeline.clone();
        move |l: &crate::domain::Lead| {
            pipeline
                .get(l.stage_id)
                .map_or_else(|| "—".to_string(), |s| s.name.clone())
        }
    };
    let open = v.leads.iter().filter(|l| l.closed_at.is_none()).count();
    let subtitle = format!(
        "{} lead{} ({open} open)",
        v.leads.len(),
        if v.leads.len() == 1 { "" } else { "s" },
    );
    let lead_rows = v
        .leads
        .iter()
        .map(|l| {
            view! {
                <tr class:row-inactive=l.closed_at.is_some()>
                    <th scope="row">
                        <a class="cell-title" href=format!("/leads/{}", l.id)>{l.title().to_string()}</a>
                        {l.contact_beside_title().map(|c| view! { <span class="cell-sub">{c.to_string()}</span> })}
                    </th>
                    <td>{stage(l)}{l.close_reason.map(|r| view! { <span class="cell-sub">{r.label()}</span> })}</td>
                    <td class="num">{l.value.map(|m| m.display()).unwrap_or_else(|| "—".into())}</td>
                    <td>{l.source_name.clone()}</td>
                    <td>{l.owner.as_ref().map(|o| o.name.clone()).unwrap_or_else(|| "Unassigned".into())}</td>
                    <td>{l.created_at.short_date(0)}</td>
                </tr>
            }
        })
        .collect_view();
    let can_erase = v.can_erase && erase.is_some();
    view! {
        <div class="page-head">
            <p class="cell-sub">{what}</p>
            <h1 id="people-title">{v.name.clone()}</h1>
            <p class="page-hint">{subtitle}</p>
        </div>
        <ul class="contact-cards">
            {v.contacts.into_iter().map(|c| view! { <Card c can_erase erase/> }).collect_view()}
        </ul>
        <h2 class="section-title">"Leads"</h2>
        {if v.leads.is_empty() {
            view! { <p class="empty-note">"No leads you can see."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="table">
                        <thead><tr>
                            <th scope="col">"Lead"</th>
                            <th scope="col">"Stage"</th>
                            <th scope="col" class="num">"Value"</th>
                            <th scope="col">"Source"</th>
                            <th scope="col">"Owner"</th>
                            <th scope="col">"Arrived"</th>
                        </tr></thead>
                        <tbody>{lead_rows}</tbody>
                    </table>
                </div>
            }.into_any()
        }}
        <h2 class="section-title">"Activity"</h2>
        {if v.activities.is_empty() {
            view! { <p class="empty-note">"Nothing logged yet."</p> }.into_any()
        } else {
            view! {
                <ol class="timeline">
                    {v.activities.into_iter().map(|a| view! {
                        <li class="timeline-item timeline-activity">
                            <div class="timeline-title">{a.title}" · "
                                <a href=format!("/leads/{}", a.lead_id)>{a.lead_title}</a></div>
                            {a.note.map(|n| view! { <div class="timeline-detail">{n}</div> })}
                            <div class="timeline-meta">
                                {format!("{} · {}", a.who.unwrap_or_else(|| "Closeloop".into()), a.at.date_string(0))}
                            </div>
                        </li>
                    }).collect_view()}
                </ol>
            }.into_any()
        }}
    }
}

#[component]
fn Card(
    c: ContactCard,
    can_erase: bool,
    erase: Option<ServerAction<EraseContact>>,
) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let id = c.id;
    view! {
        <li class="contact-card">
            <h2 class="contact-name"><a href=format!("/contacts/{}", c.id)>{c.name.clone()}</a></h2>
            {c.email.clone().map(|e| view! { <p><a href=format!("mailto:{e}")>{e.clone()}</a></p> })}
            {c.phone.clone().map(|p| view! { <p><a href=format!("tel:{}", p.replace(' ', ""))>{p.clone()}</a></p> })}
            {c.company.clone().map(|(cid, name)| view! { <p><a href=format!("/companies/{cid}")>{name}</a></p> })}
            {c.erased_at.map(|t| view! { <p class="badge badge-muted">{format!("Personal data erased {}", t.short_date(0))}</p> })}
            {(can_erase && c.erased_at.is_none()).then(|| erase.map(|erase| view! {
                <Show when=move || confirming.get() fallback=move || view! {
                    <button class="button button-small button-quiet" type="button"
                        on:click=move |_| confirming.set(true)>"Erase personal data…"</button>
                }>
                    <div class="notice notice-error" role="alert">
                        <p>"Erase this person's name, e-mail, phone and notes everywhere? Their leads stay for the figures. This cannot be undone."</p>
                        <div class="button-row">
                            <button class="button button-small button-danger" type="button"
                                on:click=move |_| { erase.dispatch(EraseContact { id }); confirming.set(false); }>"Erase"</button>
                            <button class="button button-small button-quiet" type="button"
                                on:click=move |_| confirming.set(false)>"Cancel"</button>
                        </div>
                    </div>
                </Show>
            }))}
        </li>
    }
}

/// Whoever works or oversees leads (the pages then show only the leads they may see).
fn see_leads(actor: &crate::domain::Actor) -> Result<(), access::Denied> {
    access::view_board(actor).map(|_| ())
}
