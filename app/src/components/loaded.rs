//! A page's data, once loaded: a "Loading…" line the first time, the previous value kept on
//! screen while it reloads, and the error in a panel (naming the field, if any) when it fails.
//! The skeleton every list and settings page shares.

use crate::components::status::error_text;
use crate::error::AppError;
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Renders `children` with the value of `resource` (`loading`: what to say meanwhile).
#[component]
pub fn Loaded<T, V, F>(
    resource: Resource<Result<T, AppError>>,
    loading: &'static str,
    children: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
{
    let children = StoredValue::new(children);
    view! {
        <Transition fallback=move || view! { <p class="loading">{loading}</p> }>
            {move || Suspend::new(async move {
                match resource.await {
                    Ok(value) => children.with_value(|c| c(value)).into_any(),
                    Err(e) => view! {
                        <div class="panel panel-error" role="alert"><p>{error_text(&e)}</p></div>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}
