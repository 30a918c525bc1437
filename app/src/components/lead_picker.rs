//! Picking one lead out of many: a search box over a sorted list that shows each lead's
//! contact, stage and value (so two "Acme" leads can be told apart), keyboard driven as a
//! combobox. Used wherever a form asks "which lead?".

use crate::domain::lead::LeadOption;
use crate::domain::LeadId;
use leptos::ev;
use leptos::prelude::*;

/// Matches listed at once; typing narrows the rest.
const SHOWN: usize = 50;

#[component]
pub fn LeadPicker(
    /// The leads to choose from, in the order to list them.
    options: Vec<LeadOption>,
    /// The chosen lead (`None`: no lead).
    chosen: RwSignal<Option<LeadId>>,
    /// The field's label.
    label: &'static str,
    /// An id for the list, unique on the page.
    id: &'static str,
) -> impl IntoView {
    let options = StoredValue::new(options);
    let query = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let active = RwSignal::new(0usize);
    let matches = Memo::new(move |_| {
        let q = query.get();
        options.with_value(|o| {
            o.iter()
                .filter(|l| l.matches(&q))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let chosen_option = move || {
        chosen
            .get()
            .and_then(|c| options.with_value(|o| o.iter().find(|l| l.id == c).cloned()))
    };
    let pick = move |l: Option<LeadId>| {
        chosen.set(l);
        query.set(String::new());
        open.set(false);
    };
    let on_key = move |e: ev::KeyboardEvent| {
        let n = matches.with(|m| m.len().min(SHOWN));
        match e.key().as_str() {
            "ArrowDown" => {
                open.set(true);
                active.update(|a| *a = (*a + 1).min(n.saturating_sub(1)));
            }
            "ArrowUp" => active.update(|a| *a = a.saturating_sub(1)),
            "Enter" if open.get_untracked() => {
                let l = matches.with(|m| m.get(active.get_untracked()).map(|l| l.id));
                if l.is_some() {
                    pick(l);
                }
            }
            "Escape" if open.get_untracked() => open.set(false),
            _ => return,
        }
        e.prevent_default();
    };
    let list_id = format!("{id}-list");
    let option_id = move |i: usize| format!("{id}-option-{i}");
    view! {
        <div class="lead-picker">
            <label class="field" for=format!("{id}-input")>{label}</label>
            {move || chosen_option().map(|l| view! {
                <div class="lead-picker-chosen">
                    <span>
                        <strong>{l.title.clone()}</strong>
                        <small class="muted">{format!(" · {}", l.detail())}</small>
                    </span>
                    <button type="button" class="button button-small button-quiet"
                        aria-label=format!("Remove {}", l.title) on:click=move |_| pick(None)>"Remove"</button>
                </div>
            })}
            <input id=format!("{id}-input") type="search" role="combobox" autocomplete="off"
                placeholder=move || if chosen.get().is_some() { "Search for another lead" } else { "Search by company, contact or stage" }
                aria-controls=list_id.clone() aria-autocomplete="list"
                aria-expanded=move || open.get().to_string()
                aria-activedescendant=move || open.get().then(|| option_id(active.get()))
                prop:value=move || query.get()
                on:input=move |e| { query.set(event_target_value(&e)); active.set(0); open.set(true); }
                on:focus=move |_| open.set(true)
                on:keydown=on_key/>
            <ul id=list_id class="lead-picker-list" role="listbox" aria-label=label
                class:hidden=move || !open.get()>
                {move || {
                    let all = matches.get();
                    let total = all.len();
                    let rows = all.into_iter().take(SHOWN).enumerate().map(|(i, l)| {
                        let lid = l.id;
                        view! {
                            <li id=option_id(i) role="option" class="lead-picker-option" data-lead-id=lid.0
                                aria-selected=move || (active.get() == i).to_string()
                                on:pointerdown=move |e| { e.prevent_default(); pick(Some(lid)); }>
                                <span class="lead-picker-title">{l.title.clone()}</span>
                                <span class="lead-picker-detail">{l.detail()}</span>
                            </li>
                        }
                    }).collect_view();
                    view! {
                        {rows}
                        {(total == 0).then(|| view! { <li class="lead-picker-note" role="presentation">"No open lead matches"</li> })}
                        {(total > SHOWN).then(|| view! {
                            <li class="lead-picker-note" role="presentation">
                                {format!("{} more: type to narrow", crate::domain::roi::count_text((total - SHOWN) as u32))}
                            </li>
                        })}
                    }
                }}
            </ul>
        </div>
    }
}
