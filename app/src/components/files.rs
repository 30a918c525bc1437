//! Reading the file a person chose in an `<input type="file">`, in the browser (imports of
//! leads and of spend).

/// The input of a change event and the first file chosen in it; none when nothing is chosen.
#[cfg(feature = "hydrate")]
pub fn chosen_file(ev: &leptos::ev::Event) -> Option<(web_sys::HtmlInputElement, web_sys::File)> {
    use wasm_bindgen::JsCast;
    let input = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())?;
    let file = input.files().and_then(|f| f.get(0))?;
    Some((input, file))
}

/// The file's contents as text; none when the browser cannot read it as text.
#[cfg(feature = "hydrate")]
pub async fn file_text(file: &web_sys::File) -> Option<String> {
    wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .ok()
        .and_then(|t| t.as_string())
}
