//! The status line of an admin page: the outcome of the last action, spoken politely on
//! success and as an alert on failure.

use crate::error::AppError;
use leptos::prelude::*;

/// The message of an error, or of its first field error, for a form.
pub fn error_text(e: &AppError) -> String {
    match e.fields().first() {
        Some(f) => format!("{}: {}", f.field.replace('_', " "), f.message),
        None => e.to_string(),
    }
}

/// The message of field `name` in the form's last error, if it has one (for `aria-invalid`
/// and the message under the field).
pub fn field_message(
    error: RwSignal<Option<AppError>>,
    name: &'static str,
) -> impl Fn() -> Option<String> + Copy {
    move || error.with(|e| e.as_ref().and_then(|e| e.message_for(name)))
}

/// The message under field `name`, announced as an alert, while the last error names it.
pub fn field_error(error: RwSignal<Option<AppError>>, name: &'static str) -> impl IntoView {
    let text = field_message(error, name);
    move || text().map(|m| view! { <span class="field-error" role="alert">{m}</span> })
}

/// (succeeded, text) of the last action on the page.
pub type Status = RwSignal<Option<(bool, String)>>;

/// Puts the outcome of an action into `status`: "`ok`: <name of the result>" or the error.
pub fn report<T: Clone + Send + Sync + 'static>(
    value: Signal<Option<Result<T, AppError>>>,
    ok: &'static str,
    name: fn(&T) -> String,
    status: Status,
) {
    Effect::new(move || match value.get() {
        Some(Ok(v)) => status.set(Some((true, format!("{ok}: {}", name(&v))))),
        Some(Err(e)) => status.set(Some((false, error_text(&e)))),
        None => {}
    });
}

#[component]
pub fn StatusLine(status: Status) -> impl IntoView {
    view! {
        <div aria-live="polite" class="form-status">
            {move || status.get().map(|(ok, m)| view! {
                <p class=if ok { "notice notice-ok" } else { "notice notice-error" }
                    role=if ok { "status" } else { "alert" }>{m}</p>
            })}
        </div>
    }
}
