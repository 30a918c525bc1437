//! The browser entry point: hydrates the server-rendered page and nothing else.

// The view types of the board are deeply nested generics.
#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy: pages other than the board arrive as separate WASM chunks (`--split`).
    leptos::mount::hydrate_lazy(app::App);
}
