//! Route `/leads/:id`: one lead as a page of its own (shareable, bookmarkable), the same panel
//! the board's drawer shows.

use crate::components::guard::RequireAccess;
use crate::components::lead_panel::LeadPanel;
use crate::domain::{access, Lead, LeadId};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn LeadPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).map(LeadId));
    // Arrived from "New lead": say what happened, and that the call can be its first touch.
    let query = use_query_map();
    let arrived = move || match query.with(|q| q.get("from")).as_deref() {
        Some("new") => Some(
            "New lead saved. The call that brought it in is usually its first touch: \
             the quick log is ready, press 1 if you reached them.",
        ),
        Some("inquiry") => Some("The inquiry is on this lead now; its owner has been told."),
        _ => None,
    };
    view! {
        <Title text="Lead"/>
        <RequireAccess check=|actor| access::view_board(actor).map(|_| ())>
            <section class="page lead-page">
                <p class="back-link"><a href="/board">"← Board"</a></p>
                {move || arrived().map(|text| view! {
                    <p class="notice notice-ok arrived-notice" role="status">{text}</p>
                })}
                {move || match id() {
                    Some(id) => view! {
                        <LeadPanel id=id on_saved=Callback::new(|_: Lead| ())/>
                    }.into_any(),
                    None => view! {
                        <div class="panel panel-error" role="alert">
                            <p>"That is not a lead number."</p>
                        </div>
                    }.into_any(),
                }}
            </section>
        </RequireAccess>
    }
}
