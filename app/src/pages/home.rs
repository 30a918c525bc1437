//! Route `/`: sends each user to their start page (the board, or their role's main screen).

use crate::api::accounts::home_for;
use crate::components::guard::{hard_navigate, use_me};
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let me = use_me().0;
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                if let Ok(Some(actor)) = me.await {
                    let to = home_for(&actor);
                    #[cfg(feature = "ssr")]
                    leptos_axum::redirect(to);
                    hard_navigate(to);
                }
            })}
        </Suspense>
    }
}
