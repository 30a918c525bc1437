//! Routes whose code the browser loads only when they are visited: everything but the board
//! (where reps live) is split out of the initial WASM (`scripts/lib.sh`, `build_site`). On the
//! server they render like any other route.

use super::{
    access_keys, admin_products, admin_settings, admin_teams, admin_users, campaigns, compliance,
    duplicates, fields, forecast, home, import, lead, leaderboard, mailbox, new_lead, people,
    pipelines, policy, quotas, quote, review, roi, routing, signin, today, wall, webhooks,
};
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// Marks the document once a lazily loaded page is hydrated (`<body data-hydrated>`): until
/// its chunk has arrived, its buttons do nothing, so browser tests wait for this.
#[component]
pub fn Hydrated() -> impl IntoView {
    Effect::new(|_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "");
        }
    });
}

pub struct HomeRoute;

#[lazy_route]
impl LazyRoute for HomeRoute {
    fn data() -> Self {
        HomeRoute
    }

    fn view(this: Self) -> AnyView {
        let HomeRoute = this;
        view! { <Hydrated/> <home::HomePage/> }.into_any()
    }
}

pub struct SignInRoute;

#[lazy_route]
impl LazyRoute for SignInRoute {
    fn data() -> Self {
        SignInRoute
    }

    fn view(this: Self) -> AnyView {
        let SignInRoute = this;
        view! { <Hydrated/> <signin::SignInPage/> }.into_any()
    }
}

pub struct LeadRoute;

#[lazy_route]
impl LazyRoute for LeadRoute {
    fn data() -> Self {
        LeadRoute
    }

    fn view(this: Self) -> AnyView {
        let LeadRoute = this;
        view! { <Hydrated/> <lead::LeadPage/> }.into_any()
    }
}

pub struct NewLeadRoute;

#[lazy_route]
impl LazyRoute for NewLeadRoute {
    fn data() -> Self {
        NewLeadRoute
    }

    fn view(this: Self) -> AnyView {
        let NewLeadRoute = this;
        view! { <Hydrated/> <new_lead::NewLeadPage/> }.into_any()
    }
}

pub struct WallRoute;

#[lazy_route]
impl LazyRoute for WallRoute {
    fn data() -> Self {
        WallRoute
    }

    fn view(this: Self) -> AnyView {
        let WallRoute = this;
        view! { <Hydrated/> <wall::WallPage/> }.into_any()
    }
}

pub struct UsersRoute;

#[lazy_route]
impl LazyRoute for UsersRoute {
    fn data() -> Self {
        UsersRoute
    }

    fn view(this: Self) -> AnyView {
        let UsersRoute = this;
        view! { <Hydrated/> <admin_users::UsersPage/> }.into_any()
    }
}

pub struct TeamsRoute;

#[lazy_route]
impl LazyRoute for TeamsRoute {
    fn data() -> Self {
        TeamsRoute
    }

    fn view(this: Self) -> AnyView {
        let TeamsRoute = this;
        view! { <Hydrated/> <admin_teams::TeamsPage/> }.into_any()
    }
}

pub struct WallTokensRoute;

#[lazy_route]
impl LazyRoute for WallTokensRoute {
    fn data() -> Self {
        WallTokensRoute
    }

    fn view(this: Self) -> AnyView {
        let WallTokensRoute = this;
        view! { <Hydrated/> <access_keys::WallTokensPage/> }.into_any()
    }
}

pub struct ApiTokensRoute;

#[lazy_route]
impl LazyRoute for ApiTokensRoute {
    fn data() -> Self {
        ApiTokensRoute
    }

    fn view(this: Self) -> AnyView {
        let ApiTokensRoute = this;
        view! { <Hydrated/> <access_keys::ApiTokensPage/> }.into_any()
    }
}

pub struct ImportRoute;

#[lazy_route]
impl LazyRoute for ImportRoute {
    fn data() -> Self {
        ImportRoute
    }

    fn view(this: Self) -> AnyView {
        let ImportRoute = this;
        view! { <Hydrated/> <import::ImportPage/> }.into_any()
    }
}

pub struct IntakeKeysRoute;

#[lazy_route]
impl LazyRoute for IntakeKeysRoute {
    fn data() -> Self {
        IntakeKeysRoute
    }

    fn view(this: Self) -> AnyView {
        let IntakeKeysRoute = this;
        view! { <Hydrated/> <access_keys::IntakeKeysPage/> }.into_any()
    }
}

pub struct PolicyRoute;

#[lazy_route]
impl LazyRoute for PolicyRoute {
    fn data() -> Self {
        PolicyRoute
    }

    fn view(this: Self) -> AnyView {
        let PolicyRoute = this;
        view! { <Hydrated/> <policy::PolicyPage/> }.into_any()
    }
}

pub struct RoutingRoute;

#[lazy_route]
impl LazyRoute for RoutingRoute {
    fn data() -> Self {
        RoutingRoute
    }

    fn view(this: Self) -> AnyView {
        let RoutingRoute = this;
        view! { <Hydrated/> <routing::RoutingPage/> }.into_any()
    }
}

pub struct DuplicatesRoute;

#[lazy_route]
impl LazyRoute for DuplicatesRoute {
    fn data() -> Self {
        DuplicatesRoute
    }

    fn view(this: Self) -> AnyView {
        let DuplicatesRoute = this;
        view! { <Hydrated/> <duplicates::DuplicatesPage/> }.into_any()
    }
}

pub struct ContactRoute;

#[lazy_route]
impl LazyRoute for ContactRoute {
    fn data() -> Self {
        ContactRoute
    }

    fn view(this: Self) -> AnyView {
        let ContactRoute = this;
        view! { <Hydrated/> <people::ContactPage/> }.into_any()
    }
}

pub struct CompanyRoute;

#[lazy_route]
impl LazyRoute for CompanyRoute {
    fn data() -> Self {
        CompanyRoute
    }

    fn view(this: Self) -> AnyView {
        let CompanyRoute = this;
        view! { <Hydrated/> <people::CompanyPage/> }.into_any()
    }
}

pub struct ComplianceRoute;

#[lazy_route]
impl LazyRoute for ComplianceRoute {
    fn data() -> Self {
        ComplianceRoute
    }

    fn view(this: Self) -> AnyView {
        let ComplianceRoute = this;
        view! { <Hydrated/> <compliance::CompliancePage/> }.into_any()
    }
}

pub struct ComplianceLeadsRoute;

#[lazy_route]
impl LazyRoute for ComplianceLeadsRoute {
    fn data() -> Self {
        ComplianceLeadsRoute
    }

    fn view(this: Self) -> AnyView {
        let ComplianceLeadsRoute = this;
        view! { <Hydrated/> <compliance::ComplianceLeadsPage/> }.into_any()
    }
}

pub struct RoiRoute;

#[lazy_route]
impl LazyRoute for RoiRoute {
    fn data() -> Self {
        RoiRoute
    }

    fn view(this: Self) -> AnyView {
        let RoiRoute = this;
        view! { <Hydrated/> <roi::RoiPage/> }.into_any()
    }
}

pub struct CampaignsRoute;

#[lazy_route]
impl LazyRoute for CampaignsRoute {
    fn data() -> Self {
        CampaignsRoute
    }

    fn view(this: Self) -> AnyView {
        let CampaignsRoute = this;
        view! { <Hydrated/> <campaigns::CampaignsPage/> }.into_any()
    }
}

pub struct TodayRoute;

#[lazy_route]
impl LazyRoute for TodayRoute {
    fn data() -> Self {
        TodayRoute
    }

    fn view(this: Self) -> AnyView {
        let TodayRoute = this;
        view! { <Hydrated/> <today::TodayPage/> }.into_any()
    }
}

pub struct SettingsRoute;

#[lazy_route]
impl LazyRoute for SettingsRoute {
    fn data() -> Self {
        SettingsRoute
    }

    fn view(this: Self) -> AnyView {
        let SettingsRoute = this;
        view! { <Hydrated/> <admin_settings::SettingsPage/> }.into_any()
    }
}

pub struct ProductsRoute;

#[lazy_route]
impl LazyRoute for ProductsRoute {
    fn data() -> Self {
        ProductsRoute
    }

    fn view(this: Self) -> AnyView {
        let ProductsRoute = this;
        view! { <Hydrated/> <admin_products::ProductsPage/> }.into_any()
    }
}

pub struct QuoteRoute;

#[lazy_route]
impl LazyRoute for QuoteRoute {
    fn data() -> Self {
        QuoteRoute
    }

    fn view(this: Self) -> AnyView {
        let QuoteRoute = this;
        view! { <Hydrated/> <quote::QuotePage/> }.into_any()
    }
}

pub struct ReviewsRoute;

#[lazy_route]
impl LazyRoute for ReviewsRoute {
    fn data() -> Self {
        ReviewsRoute
    }

    fn view(this: Self) -> AnyView {
        let ReviewsRoute = this;
        view! { <Hydrated/> <review::ReviewsPage/> }.into_any()
    }
}

pub struct ReviewRoute;

#[lazy_route]
impl LazyRoute for ReviewRoute {
    fn data() -> Self {
        ReviewRoute
    }

    fn view(this: Self) -> AnyView {
        let ReviewRoute = this;
        view! { <Hydrated/> <review::ReviewPage/> }.into_any()
    }
}

pub struct LeaderboardRoute;

#[lazy_route]
impl LazyRoute for LeaderboardRoute {
    fn data() -> Self {
        LeaderboardRoute
    }

    fn view(this: Self) -> AnyView {
        let LeaderboardRoute = this;
        view! { <Hydrated/> <leaderboard::LeaderboardPage/> }.into_any()
    }
}

pub struct MailboxAdminRoute;

#[lazy_route]
impl LazyRoute for MailboxAdminRoute {
    fn data() -> Self {
        MailboxAdminRoute
    }

    fn view(this: Self) -> AnyView {
        let MailboxAdminRoute = this;
        view! { <Hydrated/> <mailbox::MailboxAdminPage/> }.into_any()
    }
}

pub struct MailToFileRoute;

#[lazy_route]
impl LazyRoute for MailToFileRoute {
    fn data() -> Self {
        MailToFileRoute
    }

    fn view(this: Self) -> AnyView {
        let MailToFileRoute = this;
        view! { <Hydrated/> <mailbox::MailToFilePage/> }.into_any()
    }
}

pub struct MailMessageRoute;

#[lazy_route]
impl LazyRoute for MailMessageRoute {
    fn data() -> Self {
        MailMessageRoute
    }

    fn view(this: Self) -> AnyView {
        let MailMessageRoute = this;
        view! { <Hydrated/> <mailbox::MailMessagePage/> }.into_any()
    }
}

pub struct WebhooksRoute;

#[lazy_route]
impl LazyRoute for WebhooksRoute {
    fn data() -> Self {
        WebhooksRoute
    }

    fn view(this: Self) -> AnyView {
        let WebhooksRoute = this;
        view! { <Hydrated/> <webhooks::WebhooksPage/> }.into_any()
    }
}

pub struct PipelinesRoute;

#[lazy_route]
impl LazyRoute for PipelinesRoute {
    fn data() -> Self {
        PipelinesRoute
    }

    fn view(this: Self) -> AnyView {
        let PipelinesRoute = this;
        view! { <Hydrated/> <pipelines::PipelinesPage/> }.into_any()
    }
}

pub struct FieldsRoute;

#[lazy_route]
impl LazyRoute for FieldsRoute {
    fn data() -> Self {
        FieldsRoute
    }

    fn view(this: Self) -> AnyView {
        let FieldsRoute = this;
        view! { <Hydrated/> <fields::FieldsPage/> }.into_any()
    }
}

pub struct ForecastRoute;

#[lazy_route]
impl LazyRoute for ForecastRoute {
    fn data() -> Self {
        ForecastRoute
    }

    fn view(this: Self) -> AnyView {
        let ForecastRoute = this;
        view! { <Hydrated/> <forecast::ForecastPage/> }.into_any()
    }
}

pub struct QuotasRoute;

#[lazy_route]
impl LazyRoute for QuotasRoute {
    fn data() -> Self {
        QuotasRoute
    }

    fn view(this: Self) -> AnyView {
        let QuotasRoute = this;
        view! { <Hydrated/> <quotas::QuotasPage/> }.into_any()
    }
}
