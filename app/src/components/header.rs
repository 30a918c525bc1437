//! The top bar: product mark, the pages the signed-in user's role has, the live-connection
//! indicator, notifications and the account menu (API tokens, sign-out).
//!
//! Which pages a role sees is decided once, by [`navigation`], from the same access rules the
//! server enforces. On a desktop the everyday pages are links in the bar and the rest sit in
//! one "Manage" menu; below 68rem everything moves into one "Menu" sheet. Menus are
//! `<details>` elements, so they open before the page's code has loaded; once it has, a
//! navigation, a click elsewhere or Escape closes them.

use super::guard::{hard_navigate, use_me};
use super::keys::{modified, typing};
use super::live::LiveStatus;
use super::new_lead::{dialog_fits, NewLeadDialog};
use crate::api::accounts::SignOut;
use crate::domain::access;
use crate::domain::{Actor, Principal, Role};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate};

/// Pages where `N` opens "New lead": where reps work their leads.
const NEW_LEAD_KEY_PAGES: [&str; 2] = ["/board", "/today"];

/// A page in the navigation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NavLink {
    pub href: String,
    pub label: &'static str,
}

/// A titled group of pages in the "Manage" menu.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NavSection {
    pub title: &'static str,
    pub links: Vec<NavLink>,
}

/// Every page a person can use, as the header shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Navigation {
    /// The everyday pages: links in the bar on a desktop.
    pub primary: Vec<NavLink>,
    /// Occasional and settings-like pages: the "Manage" menu (empty sections left out).
    pub manage: Vec<NavSection>,
    /// The person's own settings, in the account menu.
    pub account: Vec<NavLink>,
}

impl Navigation {
    /// Every link, in the order the phone menu lists them.
    pub fn all(&self) -> impl Iterator<Item = &NavLink> {
        self.primary
            .iter()
            .chain(self.manage.iter().flat_map(|s| s.links.iter()))
            .chain(self.account.iter())
    }
}

fn link(href: impl Into<String>, label: &'static str) -> NavLink {
    NavLink {
        href: href.into(),
        label,
    }
}

/// The pages `actor` may open, grouped as the header shows them. Only pages the role can use
/// are listed: what a page refuses, the header never offers.
pub fn navigation(actor: &Actor) -> Navigation {
    let can = |r: Result<(), access::Denied>| r.is_ok();
    let board = access::view_board(actor).is_ok();
    let mut primary = Vec::new();
    if can(access::view_today(actor)) {
        primary.push(link("/today", "My day"));
    }
    if board {
        primary.push(link("/board", "Board"));
    }
    if can(access::run_reviews(actor)) {
        primary.push(link("/review", "Reviews"));
    } else if actor.role == Role::Rep {
        primary.push(link(format!("/review/{}", actor.id.0), "My review"));
    }
    if can(access::view_leaderboard(actor)) {
        primary.push(link("/leaderboard", "Leaderboard"));
    }
    if access::view_compliance(actor).is_ok() {
        primary.push(link("/compliance", "Compliance"));
    }
    if access::view_forecast(actor).is_ok() {
        primary.push(link("/forecast", "Forecast"));
    }
    if can(access::view_roi(actor)) {
        primary.push(link("/roi", "ROI"));
        primary.push(link("/campaigns", "Campaigns"));
    }
    if can(access::view_wall(&Principal::User(actor.clone()))) {
        primary.push(link("/wall", "Wall"));
    }

    let mut leads = Vec::new();
    if can(access::import_leads(actor)) {
        leads.push(link("/import", "Import leads"));
    }
    if board {
        leads.push(link("/duplicates", "Duplicates"));
    }
    if can(access::create_lead(actor)) {
        leads.push(link("/mail", "E-mail to file"));
    }
    let mut rules = Vec::new();
    if can(access::view_pipeline_settings(actor)) {
        rules.push(link("/settings/pipelines", "Pipelines & stages"));
    }
    if can(access::view_field_settings(actor)) {
        rules.push(link("/settings/fields", "Custom fields"));
    }
    if can(access::view_policies(actor)) {
        rules.push(link("/settings/policy", "Follow-up rules"));
    }
    if can(access::view_routing(actor)) {
        rules.push(link("/settings/routing", "Lead routing"));
    }
    if can(access::manage_intake_keys(actor)) {
        rules.push(link("/settings/intake-keys", "Intake keys"));
    }
    let mut targets = Vec::new();
    if access::view_quotas(actor).is_ok() {
        targets.push(link("/quotas", "Quotas"));
    }
    let mut org = Vec::new();
    if can(access::manage_accounts(actor)) {
        org.push(link("/admin/users", "Users"));
        org.push(link("/admin/teams", "Teams"));
    }
    if can(access::manage_catalogue(actor)) {
        org.push(link("/admin/products", "Products"));
    }
    if can(access::manage_wall_tokens(actor)) {
        org.push(link("/admin/wall-tokens", "Wall tokens"));
    }
    if can(access::manage_mailbox(actor)) {
        org.push(link("/admin/mailbox", "Shared mailbox"));
    }
    if can(access::manage_webhooks(actor)) {
        org.push(link("/admin/webhooks", "Webhooks"));
    }
    if can(access::manage_accounts(actor)) {
        org.push(link("/admin/settings", "Organisation settings"));
    }
    let manage = [
        ("Leads", leads),
        ("Rules", rules),
        ("Targets", targets),
        ("Organisation", org),
    ]
    .into_iter()
    .filter(|(_, links)| !links.is_empty())
    .map(|(title, links)| NavSection { title, links })
    .collect();
    let mut account = Vec::new();
    if can(access::manage_own_api_tokens(actor)) {
        account.push(link("/settings/api-tokens", "API tokens & calendar"));
    }
    Navigation {
        primary,
        manage,
        account,
    }
}

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

/// The header's menus (`<details>`), by selector.
const MENUS: [&str; 3] = [
    ".topbar details.manage-menu",
    ".topbar details.account-menu",
    ".topbar details.appmenu",
];

/// Closes every open header menu but `keep` (the one just clicked), and says whether one was
/// open. The `open` attribute is the state: the menus work before the page's code arrives.
fn close_menus(keep: Option<&leptos::web_sys::Element>) -> Option<leptos::web_sys::Element> {
    let mut closed = None;
    for selector in MENUS {
        let Some(menu) = document().query_selector(selector).ok().flatten() else {
            continue;
        };
        if menu.has_attribute("open") && keep != Some(&menu) {
            let _ = menu.remove_attribute("open");
            closed = Some(menu);
        }
    }
    closed
}

#[component]
fn Nav(actor: Actor) -> impl IntoView {
    let nav = navigation(&actor);
    let board = access::view_board(&actor).is_ok();
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move || {
        if sign_out.value().get().is_some() {
            hard_navigate("/signin");
        }
    });
    let location = use_location();
    // A navigation closes whatever menu led to it.
    Effect::new(move |_| {
        location.pathname.track();
        location.search.track();
        close_menus(None);
    });
    // A press outside the menus closes them; a press on one menu closes the others.
    let outside = window_event_listener(leptos::ev::pointerdown, move |ev| {
        use leptos::wasm_bindgen::JsCast;
        let inside = ev
            .target()
            .and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok())
            .and_then(|e| e.closest(".topbar details").ok().flatten());
        close_menus(inside.as_ref());
    });
    // Escape closes the open menu and gives the focus back to its button.
    let escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() != "Escape" {
            return;
        }
        if let Some(menu) = close_menus(None) {
            use leptos::wasm_bindgen::JsCast;
            if let Some(summary) = menu
                .query_selector("summary")
                .ok()
                .flatten()
                .and_then(|s| s.dyn_into::<leptos::web_sys::HtmlElement>().ok())
            {
                let _ = summary.focus();
            }
        }
    });
    // "New lead": a dialog over the page, or the page of its own on a phone. `N` opens it
    // on the board and My day, unless the key went to a field, an open lead or a dialog.
    let can_enter = access::create_lead(&actor).is_ok();
    let new_open = RwSignal::new(false);
    let navigate = use_navigate();
    let open_new = move || {
        if dialog_fits() {
            new_open.set(true);
        } else {
            navigate("/leads/new", Default::default());
        }
    };
    let n_key = {
        let open_new = open_new.clone();
        window_event_listener(leptos::ev::keydown, move |ev| {
            // The address bar, not the router's location: that one lags a moment behind a
            // client-side navigation (N pressed as My day appears after signing in).
            let here = window()
                .location()
                .pathname()
                .is_ok_and(|p| NEW_LEAD_KEY_PAGES.contains(&p.as_str()));
            if !can_enter
                || !here
                || !ev.key().eq_ignore_ascii_case("n")
                || ev.default_prevented()
                || modified(&ev)
                || typing(&ev)
                || overlay_open()
            {
                return;
            }
            ev.prevent_default();
            open_new();
        })
    };
    on_cleanup(move || {
        outside.remove();
        escape.remove();
        n_key.remove();
    });
    let new_lead_button = {
        let open_new = open_new.clone();
        can_enter.then(|| {
            view! {
                <a class="button new-lead-button" href="/leads/new" aria-keyshortcuts="N"
                    title="New lead (N on the board and My day)"
                    on:click=move |e| {
                        if dialog_fits() && !modified_click(&e) {
                            e.prevent_default();
                            open_new();
                        }
                    }>
                    <span class="new-lead-plus" aria-hidden="true">"+"</span>
                    <span class="new-lead-label">"New lead"</span>
                </a>
                <NewLeadDialog open=new_open/>
            }
        })
    };

    let path = location.pathname;
    let manage_hrefs: Vec<String> = nav
        .manage
        .iter()
        .flat_map(|s| s.links.iter().map(|l| l.href.clone()))
        .collect();
    let in_manage = move || {
        path.with(|p| {
            manage_hrefs
                .iter()
                .any(|h| p == h || p.starts_with(&format!("{h}/")))
        })
    };
    let primary = nav.primary.iter().map(nav_link).collect_view();
    let sections = |nav: &Navigation| {
        nav.manage
            .iter()
            .map(|s| {
                view! {
                    <div class="menu-section">
                        <p class="menu-title">{s.title}</p>
                        {s.links.iter().map(nav_link).collect_view()}
                    </div>
                }
            })
            .collect_view()
    };
    let manage = (!nav.manage.is_empty()).then(|| {
        let in_manage = in_manage.clone();
        view! {
            <details class="menu manage-menu">
                <summary class="menu-button" class:is-current=in_manage>
                    "Manage" <span class="menu-caret" aria-hidden="true"></span>
                </summary>
                <div class="menu-panel">{sections(&nav)}</div>
            </details>
        }
    });
    let account_links = |nav: &Navigation| nav.account.iter().map(nav_link).collect_view();
    let initials = initials(&actor.name);
    let role = actor.role.label();
    let sign_out_form = move || {
        view! {
            <ActionForm action=sign_out attr:class="signout-form">
                <button class="menu-item-button" type="submit">"Sign out"</button>
            </ActionForm>
        }
    };
    view! {
        <nav class="topnav" aria-label="Main">
            {primary}
            {manage}
        </nav>
        <div class="topbar-end">
            {new_lead_button}
            {board.then(|| view! { <LiveStatus/> })}
            <super::bell::Bell/>
            <details class="menu account-menu">
                <summary class="menu-button whoami" aria-label=format!("Account: {}, {}", actor.name, role)>
                    <span class="avatar avatar-me" aria-hidden="true">{initials.clone()}</span>
                    <span class="whoami-name">{actor.name.clone()}</span>
                    <span class="menu-caret" aria-hidden="true"></span>
                </summary>
                <div class="menu-panel menu-panel-end">
                    <div class="menu-who">
                        <strong>{actor.name.clone()}</strong>
                        <span>{role}" · "{actor.email.clone()}</span>
                    </div>
                    {account_links(&nav)}
                    {sign_out_form()}
                </div>
            </details>
            <details class="appmenu">
                <summary class="menu-button appmenu-button">
                    <span class="appmenu-icon" aria-hidden="true"></span>
                    "Menu"
                </summary>
                <nav class="appmenu-sheet" aria-label="All pages">
                    <div class="menu-section">
                        {nav.primary.iter().map(nav_link).collect_view()}
                    </div>
                    {sections(&nav)}
                    <div class="menu-section">
                        <p class="menu-title">{actor.name.clone()}" · "{role}</p>
                        {account_links(&nav)}
                        {sign_out_form()}
                    </div>
                </nav>
            </details>
        </div>
    }
}

/// Whether a dialog or a lead drawer is open over the page (its keys are its own).
fn overlay_open() -> bool {
    document()
        .query_selector("dialog[open], [aria-modal='true'], .drawer")
        .ok()
        .flatten()
        .is_some()
}

/// Whether a click asks for a new tab or window (the link is then left to the browser).
fn modified_click(e: &leptos::ev::MouseEvent) -> bool {
    e.ctrl_key() || e.meta_key() || e.shift_key() || e.button() != 0
}

fn nav_link(l: &NavLink) -> impl IntoView + use<> {
    let label = l.label;
    view! { <A href=l.href.clone()>{label}</A> }
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{TeamId, UserId};

    fn actor(role: Role) -> Actor {
        Actor {
            id: UserId(7),
            name: "Pat Doe".into(),
            email: "pat@example.com".into(),
            role,
            team_id: Some(TeamId(1)),
            managed_teams: if role == Role::Manager {
                vec![TeamId(1)]
            } else {
                vec![]
            },
            sees_team_board: false,
        }
    }

    fn hrefs(nav: &Navigation) -> Vec<&str> {
        nav.all().map(|l| l.href.as_str()).collect()
    }

    #[test]
    fn each_role_is_offered_exactly_its_pages() {
        let rep = navigation(&actor(Role::Rep));
        assert_eq!(
            hrefs(&rep),
            [
                "/today",
                "/board",
                "/review/7",
                "/leaderboard",
                "/compliance",
                "/forecast",
                "/import",
                "/duplicates",
                "/mail",
                "/settings/policy",
                "/settings/api-tokens"
            ]
        );
        let manager = navigation(&actor(Role::Manager));
        assert_eq!(
            hrefs(&manager),
            [
                "/today",
                "/board",
                "/review",
                "/leaderboard",
                "/compliance",
                "/forecast",
                "/roi",
                "/campaigns",
                "/import",
                "/duplicates",
                "/mail",
                "/settings/pipelines",
                "/settings/fields",
                "/settings/policy",
                "/settings/routing",
                "/quotas",
                "/settings/api-tokens"
            ]
        );
        let marketing = navigation(&actor(Role::Marketing));
        assert_eq!(
            hrefs(&marketing),
            [
                "/roi",
                "/campaigns",
                "/import",
                "/settings/intake-keys",
                "/settings/api-tokens"
            ]
        );
        let admin = navigation(&actor(Role::Admin));
        assert!(hrefs(&admin).contains(&"/admin/users"));
        assert!(hrefs(&admin).contains(&"/admin/settings"));
        assert!(hrefs(&admin).contains(&"/admin/mailbox"));
        assert!(hrefs(&admin).contains(&"/admin/webhooks"));
        assert!(!hrefs(&admin).contains(&"/import"), "admins import nothing");
        for role in [Role::Rep, Role::Manager, Role::Marketing, Role::Leadership] {
            assert!(
                !hrefs(&navigation(&actor(role)))
                    .iter()
                    .any(|h| h.starts_with("/admin")),
                "{role:?} is offered an admin page"
            );
        }
    }

    #[test]
    fn the_desktop_bar_holds_at_most_eight_links_and_no_link_twice() {
        for role in [
            Role::Rep,
            Role::Manager,
            Role::Marketing,
            Role::Leadership,
            Role::Admin,
        ] {
            let nav = navigation(&actor(role));
            assert!(nav.primary.len() <= 8, "{role:?}: {:?}", nav.primary);
            let mut all = hrefs(&nav);
            let n = all.len();
            all.sort();
            all.dedup();
            assert_eq!(all.len(), n, "{role:?} has a link twice");
            assert!(nav.manage.iter().all(|s| !s.links.is_empty()));
        }
    }
}
