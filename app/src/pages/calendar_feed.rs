//! The calendar feed panel of `/settings/api-tokens`: turn the private feed of one's next steps
//! on (its address shown once, with how to subscribe), replace it, or turn it off.

use crate::api::calendar::{get_calendar_feed, TurnOffCalendarFeed, TurnOnCalendarFeed};
use crate::components::loaded::Loaded;
use crate::components::status::error_text;
use leptos::prelude::*;

#[component]
pub fn CalendarFeedPanel() -> impl IntoView {
    let turn_on = ServerAction::<TurnOnCalendarFeed>::new();
    let turn_off = ServerAction::<TurnOffCalendarFeed>::new();
    let settings = Resource::new(
        move || (turn_on.version().get(), turn_off.version().get()),
        |_| get_calendar_feed(),
    );
    let include_team = RwSignal::new(false);
    view! {
        <section class="panel calendar-feed" aria-labelledby="calendar-title">
            <h2 id="calendar-title">"Calendar feed"</h2>
            <p class="page-hint">"Your next steps, with the lead, company and phone number and a link back, in the calendar you already use. "
                "First-touch deadlines are marked, and each step has a reminder 10 minutes before. "
                "A step you change here shows up at the calendar's next refresh (most refresh every 15 minutes to a few hours)."</p>
            {move || turn_on.value().get().map(|r| match r {
                Ok(issued) => view! {
                    <div class="notice notice-ok secret-once" role="status">
                        <p><strong>"Copy this address now: it will not be shown again."</strong>
                            " Anyone with it can read your next steps, so keep it private."</p>
                        <code class="secret calendar-url">{issued.url.clone()}</code>
                        <ul class="subscribe-how">
                            <li><strong>"Google Calendar: "</strong>"Other calendars, +, From URL; paste the address."</li>
                            <li><strong>"Outlook: "</strong>"Add calendar, Subscribe from web; paste the address."</li>
                            <li><strong>"Apple Calendar: "</strong>"File, New Calendar Subscription; paste the address."</li>
                        </ul>
                    </div>
                }.into_any(),
                Err(e) => view! { <p class="notice notice-error" role="alert">{error_text(&e)}</p> }.into_any(),
            })}
            <Loaded resource=settings loading="Loading…" let:s>
                {match s.feed.clone() {
                    Some(feed) => view! {
                        <p class="calendar-state">
                            <span class="badge badge-ok">"On"</span>
                            " Address starting "<code>{format!("{}…", feed.prefix)}</code>
                            {format!(", turned on {}", feed.created_at.short_date(0))}
                            {if feed.include_team { ", with your teams' overdue items" } else { "" }}
                            {format!(", last fetched {}", feed.last_used_at.map(|t| t.short_date(0)).unwrap_or_else(|| "never".into()))}
                        </p>
                    }.into_any(),
                    None => view! { <p class="calendar-state"><span class="badge badge-muted">"Off"</span>" No calendar reads your next steps."</p> }.into_any(),
                }}
                <div class="form-actions form-actions-start">
                    {s.manages_team.then(|| view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=move || include_team.get()
                                on:change=move |e| include_team.set(event_target_checked(&e))/>
                            "Include my teams' overdue next steps"
                        </label>
                    })}
                    <button class="button button-primary" type="button"
                        on:click=move |_| { turn_on.dispatch(TurnOnCalendarFeed { include_team: include_team.get_untracked() }); }>
                        {if s.feed.is_some() { "Replace the address" } else { "Turn on" }}
                    </button>
                    {s.feed.is_some().then(|| view! {
                        <button class="button" type="button"
                            on:click=move |_| { turn_off.dispatch(TurnOffCalendarFeed {}); }>"Turn off"</button>
                    })}
                </div>
            </Loaded>
        </section>
    }
}
