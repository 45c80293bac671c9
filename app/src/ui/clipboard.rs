//! Copying text to the clipboard (client id, client secret).

/// Puts `text` on the clipboard. Browser only; on the server it does nothing and says so.
pub async fn copy_to_clipboard(text: String) -> Result<(), String> {
    #[cfg(feature = "hydrate")]
    {
        let window = web_sys::window().ok_or("no browser window")?;
        let promise = window.navigator().clipboard().write_text(&text);
        wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .map(|_| ())
            .map_err(|_| "The browser did not allow copying to the clipboard.".to_string())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        Err("Copying needs the page to finish loading.".into())
    }
}
