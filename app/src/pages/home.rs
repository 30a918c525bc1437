//! Route `/`: sends each user to their start page (the board, or their role's main screen).

use crate::api::accounts::home_for;
use crate::components::guard::{hard_navigate, use_me};
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    if let Some(actor) = use_me() {
        let to = home_for(&actor);
        #[cfg(feature = "ssr")]
        leptos_axum::redirect(to);
        Effect::new(move || hard_navigate(to));
    }
}
