//! The browser half: hydrates the server-rendered page. Everything it shows
//! lives in `app`; this crate only exists so that the wasm build switches on
//! `app/hydrate` and nothing server-side.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // `hydrate_lazy`: a page whose code loads on demand (`app::pages::lazy`)
    // is fetched before the page it was rendered into is hydrated.
    leptos::mount::hydrate_lazy(app::App);
}
