//! Route `/duplicates`: the merge screen. Each pair of leads that are likely one person's, side
//! by side with why they match; a rep or manager keeps one (merging the other into it), says
//! they are one person, or dismisses the pair.

use crate::api::dedupe::{list_duplicates, DuplicatePair, Resolution, ResolveDuplicate};
use crate::components::guard::RequireAccess;
use crate::components::loaded::Loaded;
use crate::components::status::error_text;
use crate::domain::access;
use crate::domain::Lead;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DuplicatesPage() -> impl IntoView {
    view! {
        <Title text="Possible duplicates"/>
        <RequireAccess check=see_leads>
            <DuplicatesView/>
        </RequireAccess>
    }
}

#[component]
fn DuplicatesView() -> impl IntoView {
    let resolve = ServerAction::<ResolveDuplicate>::new();
    let pairs = Resource::new(move || resolve.version().get(), |_| list_duplicates());
    view! {
        <section class="page" aria-labelledby="dupes-title">
            <div class="page-head">
                <h1 id="dupes-title">"Possible duplicates"</h1>
                <p class="page-hint">
                    "New inquiries that look like someone already on file, but not surely (same company and a similar name, or the same name). Merging keeps the history of both leads."
                </p>
            </div>
            <div aria-live="polite">
                {move || resolve.value().get().map(|r| match r {
                    Ok(()) => view! { <p class="notice notice-ok" role="status">"Done."</p> }.into_any(),
                    Err(e) => view! { <p class="notice notice-error" role="alert">{error_text(&e)}</p> }.into_any(),
                })}
            </div>
            <Loaded resource=pairs loading="Loading…" let:list>
                {if list.is_empty() {
                    view! { <p class="empty-note">"No possible duplicates to look at."</p> }.into_any()
                } else {
                    view! {
                        <ul class="dupe-list">
                            {list.into_iter().map(|p| view! { <Pair pair=p resolve/> }).collect_view()}
                        </ul>
                    }
                    .into_any()
                }}
            </Loaded>
        </section>
    }
}

#[component]
fn Pair(pair: DuplicatePair, resolve: ServerAction<ResolveDuplicate>) -> impl IntoView {
    let id = pair.id;
    let reasons = pair
        .reasons
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join(" · ");
    let keep = move |kept: &Lead, absorbed: &Lead| {
        let resolution = Resolution::Merge {
            keep: kept.id,
            keep_version: kept.version,
            absorb_version: absorbed.version,
        };
        let label = format!("Keep {} and merge the other into it", kept.title());
        view! {
            <button class="button button-primary button-small" type="button" aria-label=label
                on:click=move |_| { resolve.dispatch(ResolveDuplicate { id, resolution: resolution.clone() }); }>
                "Keep this one"
            </button>
        }
    };
    let (a, b) = (pair.lead.clone(), pair.other.clone());
    let keep_a = pair.can_merge.then(|| keep(&a, &b));
    let keep_b = pair.can_merge.then(|| keep(&b, &a));
    view! {
        <li class="dupe-card">
            <p class="dupe-why"><strong>{format!("{}% alike", pair.score)}</strong>" · "{reasons}</p>
            <div class="dupe-sides">
                <LeadSide lead=a.clone() label="New inquiry">
                    {keep_a}
                </LeadSide>
                <LeadSide lead=b.clone() label="On file">
                    {keep_b}
                </LeadSide>
            </div>
            {(!pair.can_decide).then(|| view! {
                <p class="cell-sub">
                    "Merging needs someone who may change both leads: their owners' manager, or "
                    "a manager of both teams once one lead is reassigned."
                </p>
            })}
            {pair.can_dismiss.then(|| view! {
                <div class="button-row">
                    {(pair.can_decide && !pair.can_merge).then(|| view! {
                        <button class="button button-small" type="button"
                            on:click=move |_| { resolve.dispatch(ResolveDuplicate { id, resolution: Resolution::SamePerson }); }>
                            "Same person, keep both leads"
                        </button>
                    })}
                    <button class="button button-small button-quiet" type="button"
                        on:click=move |_| { resolve.dispatch(ResolveDuplicate { id, resolution: Resolution::Distinct }); }>
                        "Different people"
                    </button>
                </div>
            })}
        </li>
    }
}

#[component]
fn LeadSide(lead: Lead, label: &'static str, children: Children) -> impl IntoView {
    let line = |k: &'static str, v: Option<String>| {
        v.map(|v| view! { <div class="dupe-field"><dt>{k}</dt><dd>{v}</dd></div> })
    };
    view! {
        <article class="dupe-side">
            <p class="cell-sub">{label}</p>
            <h2 class="dupe-title"><a href=format!("/leads/{}", lead.id)>{lead.title().to_string()}</a></h2>
            <dl>
                {line("Contact", Some(lead.contact_name.clone()))}
                {line("E-mail", lead.email.clone())}
                {line("Phone", lead.phone.clone())}
                {line("Company", lead.company.clone())}
                {line("Source", Some(lead.source_name.clone()))}
                {line("Owner", lead.owner.as_ref().map(|o| o.name.clone()))}
                {line("Arrived", Some(lead.created_at.short_date(0)))}
                {line("Status", Some(match lead.close_reason {
                    Some(r) => format!("Closed ({})", r.label()),
                    None if lead.closed_at.is_some() => "Won".to_string(),
                    None => "Open".to_string(),
                }))}
            </dl>
            {children()}
        </article>
    }
}

/// Whoever works or oversees leads (the pages then show only the leads they may see).
fn see_leads(actor: &crate::domain::Actor) -> Result<(), access::Denied> {
    access::view_board(actor).map(|_| ())
}
