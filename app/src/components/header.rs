//! The top bar: product mark, the navigation the signed-in user's role has, the
//! live-connection indicator and who is signed in (with sign-out).

use super::guard::{hard_navigate, use_me};
use super::live::LiveStatus;
use crate::api::accounts::SignOut;
use crate::domain::access;
use crate::domain::{Actor, Principal};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Header() -> impl IntoView {
    let me = use_me();
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a class="brand" href="/" aria-label="Closeloop home">
                <span class="brand-mark" aria-hidden="true"></span>
                <span class="brand-name">"Closeloop"</span>
            </a>
            {me.map(|actor| view! { <Nav actor/> })}
        </header>
    }
}

#[component]
fn Nav(actor: Actor) -> impl IntoView {
    let board = access::view_board(&actor).is_ok();
    let today = access::view_today(&actor).is_ok();
    let reviews = access::run_reviews(&actor).is_ok();
    let leaderboard = access::view_leaderboard(&actor).is_ok();
    let own_review =
        (actor.role == crate::domain::Role::Rep).then(|| format!("/review/{}", actor.id.0));
    let admin = access::manage_accounts(&actor).is_ok();
    let intake = access::manage_intake_keys(&actor).is_ok();
    let policy = access::view_policies(&actor).is_ok();
    let routing = access::view_routing(&actor).is_ok();
    let compliance = access::view_compliance(&actor).is_ok();
    let import = access::import_leads(&actor).is_ok();
    let roi = access::view_roi(&actor).is_ok();
    let wall = access::view_wall(&Principal::User(actor.clone())).is_ok();
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move || {
        if sign_out.value().get().is_some() {
            hard_navigate("/signin");
        }
    });
    view! {
        <nav class="topnav" aria-label="Main">
            {today.then(|| view! { <A href="/today">"My day"</A> })}
            {board.then(|| view! { <A href="/board">"Board"</A> })}
            {reviews.then(|| view! { <A href="/review">"Reviews"</A> })}
            {own_review.map(|href| view! { <A href=href>"My review"</A> })}
            {leaderboard.then(|| view! { <A href="/leaderboard">"Leaderboard"</A> })}
            {compliance.then(|| view! { <A href="/compliance">"Compliance"</A> })}
            {roi.then(|| view! { <A href="/roi">"ROI"</A> <A href="/campaigns">"Campaigns"</A> })}
            {board.then(|| view! { <A href="/duplicates">"Duplicates"</A> })}
            {import.then(|| view! { <A href="/import">"Import"</A> })}
            {policy.then(|| view! { <A href="/settings/policy">"Policy"</A> })}
            {routing.then(|| view! { <A href="/settings/routing">"Routing"</A> })}
            {wall.then(|| view! { <A href="/wall">"Wall"</A> })}
            {admin.then(|| view! { <A href="/admin/users">"Users"</A> <A href="/admin/teams">"Teams"</A> <A href="/admin/wall-tokens">"Wall tokens"</A> <A href="/admin/products">"Products"</A> <A href="/admin/settings">"Settings"</A> })}
            {intake.then(|| view! { <A href="/settings/intake-keys">"Intake keys"</A> })}
            <A href="/settings/api-tokens">"API"</A>
        </nav>
        <div class="topbar-end">
            {board.then(|| view! { <LiveStatus/> })}
            <super::bell::Bell/>
            <div class="whoami">
                <span class="avatar avatar-me" aria-hidden="true">{initials(&actor.name)}</span>
                <span class="whoami-text">
                    <span class="whoami-name">{actor.name.clone()}</span>
                    <span class="whoami-role">{actor.role.label()}</span>
                </span>
            </div>
            <ActionForm action=sign_out attr:class="signout-form">
                <button class="button button-quiet" type="submit">"Sign out"</button>
            </ActionForm>
        </div>
    }
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}
