//! Route `/signin`: e-mail and password. Works without JavaScript (a plain form post that the
//! server answers with a redirect) and with it (errors shown in place).

use crate::api::accounts::{home_for, safe_next, SignIn};
use crate::components::guard::{hard_navigate, use_me};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next")).unwrap_or_default();
    // Already signed in: go where the user was heading.
    if let Some(actor) = use_me() {
        let to = safe_next(Some(&next())).unwrap_or_else(|| home_for(&actor).into());
        #[cfg(feature = "ssr")]
        leptos_axum::redirect(&to);
        Effect::new(move || hard_navigate(&to));
    }
    Effect::new(move || {
        if let Some(Ok(actor)) = action.value().get() {
            hard_navigate(&safe_next(Some(&next())).unwrap_or_else(|| home_for(&actor).into()));
        }
    });
    let error = move || match action.value().get() {
        Some(Err(e)) => Some(e),
        _ => None,
    };
    let field_error = move |name: &'static str| {
        move || {
            match error() {
            Some(AppError::Validation { fields, .. }) => fields
                .into_iter()
                .find(|f| f.field == name)
                .map(|f| view! { <span class="field-error" id=format!("{name}-error")>{f.message}</span> }),
            _ => None,
        }
        }
    };
    let general = move || {
        error()
            .filter(|e| !matches!(e, AppError::Validation { .. }))
            .map(|e| view! { <p class="form-alert" role="alert">{e.to_string()}</p> })
    };
    view! {
        <Title text="Sign in"/>
        <section class="auth-page">
            <div class="auth-card">
                <div class="auth-brand">
                    <span class="brand-mark" aria-hidden="true"></span>
                    <span>"Closeloop"</span>
                </div>
                <h1>"Sign in"</h1>
                <p class="auth-lead">"Every inquiry followed up."</p>
                <ActionForm action=action attr:class="stack">
                    <input type="hidden" name="next" value=next/>
                    <label class="field">
                        "E-mail"
                        <input type="email" name="email" autocomplete="username" required
                            autofocus=true inputmode="email"/>
                        {field_error("email")}
                    </label>
                    <label class="field">
                        "Password"
                        <input type="password" name="password" autocomplete="current-password"
                            required/>
                        {field_error("password")}
                    </label>
                    {general}
                    <button class="button button-primary button-block" type="submit"
                        disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
                <p class="auth-foot">"Forgot your password? Ask your admin to reset it."</p>
            </div>
        </section>
    }
}
