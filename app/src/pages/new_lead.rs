//! Route `/leads/new`: the "New lead" form as a page of its own, where the header's button
//! leads at phone width (and without the page's code loaded yet).

use crate::components::guard::RequireAccess;
use crate::components::new_lead::NewLeadForm;
use crate::domain::access;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NewLeadPage() -> impl IntoView {
    view! {
        <Title text="New lead"/>
        <RequireAccess check=access::create_lead>
            <section class="page new-lead-page" aria-labelledby="new-lead-page-title">
                <p class="back-link"><a href="/today">"← My day"</a></p>
                <div class="page-head">
                    <h1 id="new-lead-page-title">"New lead"</h1>
                    <p class="page-hint">"A phone call, a booth visit, a card handed over: type it in, then log the call as its first touch."</p>
                </div>
                <div class="panel new-lead-panel">
                    <NewLeadForm/>
                </div>
            </section>
        </RequireAccess>
    }
}
