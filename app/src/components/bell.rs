//! The header's notification bell: the unread count, and a list of the newest notifications
//! (escalations from the follow-up sweep) with links to their leads. A page with the live feed
//! (the board) rings it as notifications arrive.

use crate::api::inbox::{get_inbox, mark_inbox_read, Inbox};
use leptos::prelude::*;

/// Rung by the live feed when a notification for the signed-in person arrives.
#[derive(Clone, Copy)]
pub struct Ring(pub RwSignal<u32>);

impl Ring {
    /// Tells the bell that a notification arrived.
    pub fn ring(self) {
        self.0.update(|n| *n += 1);
    }
}

#[component]
pub fn Bell() -> impl IntoView {
    let rings = use_context::<Ring>().map_or_else(|| RwSignal::new(0), |r| r.0);
    let inbox = RwSignal::new(Inbox::default());
    let open = RwSignal::new(false);
    // Loaded in the browser after hydration (and again on every ring): the count is never
    // stale on a page served from cache, and the server render stays cheap.
    Effect::new(move |_| {
        rings.track();
        leptos::task::spawn_local(async move {
            if let Ok(i) = get_inbox().await {
                inbox.set(i);
            }
        });
    });
    let mark_read = move || {
        leptos::task::spawn_local(async move {
            if let Ok(i) = mark_inbox_read().await {
                inbox.set(i);
            }
        });
    };
    let unread = move || inbox.with(|i| i.unread);
    let label = move || match unread() {
        0 => "Notifications".to_string(),
        1 => "Notifications, 1 unread".to_string(),
        n => format!("Notifications, {n} unread"),
    };
    view! {
        <div class="bell">
            <button type="button" class="icon-button bell-button" aria-label=label
                aria-expanded=move || open.get().to_string() aria-controls="bell-list"
                on:click=move |_| open.update(|o| *o = !*o)>
                <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                    <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"/>
                </svg>
                {move || (unread() > 0).then(|| view! {
                    <span class="bell-count" aria-hidden="true">{unread().min(99).to_string()}</span>
                })}
            </button>
            <div id="bell-list" class="bell-panel" role="region" aria-label="Notifications"
                class:hidden=move || !open.get()
                on:keydown=move |e: leptos::ev::KeyboardEvent| if e.key() == "Escape" { open.set(false) }>
                <div class="bell-head">
                    <strong>"Notifications"</strong>
                    <button type="button" class="button button-small" disabled=move || unread() == 0
                        on:click=move |_| mark_read()>"Mark all read"</button>
                </div>
                {move || inbox.with(|i| if i.items.is_empty() {
                    view! { <p class="muted bell-empty">"Nothing yet. Escalations of overdue follow-ups appear here."</p> }.into_any()
                } else {
                    view! {
                        <ul class="bell-items">
                            {i.items.iter().map(|n| {
                                let href = n.lead_id.map(|l| format!("/leads/{l}")).unwrap_or_else(|| "/board".into());
                                view! {
                                    <li class="bell-item" class:bell-unread=!n.read>
                                        <a href=href>
                                            <span class=format!("bell-kind bell-kind-{}", n.kind)>{match n.kind.as_str() {
                                                "alert" => "Alert",
                                                "reassigned" => "Reassigned",
                                                _ => "Reminder",
                                            }}</span>
                                            <span class="bell-message">{n.message.clone()}</span>
                                            <span class="bell-time">{n.at.date_string(0)}</span>
                                        </a>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </div>
        </div>
    }
}
