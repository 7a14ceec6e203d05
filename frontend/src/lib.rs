//! The browser half: hydrates the server-rendered page. Everything it shows
//! lives in `app`; this crate only exists so that the wasm build switches on
//! `app/hydrate` and nothing server-side.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
