//! Keyboard shortcuts' shared rules.

use leptos::ev;

/// Whether a key went to a text field (where letters are text, not shortcuts); radios and
/// checkboxes are not.
pub fn typing(e: &ev::KeyboardEvent) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        e.target()
            .and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok())
            .is_some_and(|el| match el.tag_name().as_str() {
                "TEXTAREA" | "SELECT" => true,
                "INPUT" => !matches!(
                    el.get_attribute("type").as_deref(),
                    Some("radio" | "checkbox" | "button")
                ),
                _ => el.has_attribute("contenteditable"),
            })
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = e;
        false
    }
}

/// Whether a key was pressed with Ctrl, Alt or the command key (the browser's, not ours).
pub fn modified(e: &ev::KeyboardEvent) -> bool {
    e.ctrl_key() || e.meta_key() || e.alt_key()
}
