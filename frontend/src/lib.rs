//! The browser half: hydrates the server-rendered page. Everything it shows
//! lives in `app`; this crate only exists so that the wasm build switches on
//! `app/hydrate` and nothing server-side.

use leptos::prelude::document;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else {
            return;
        };
        // Asynchronous hydration (what `hydrate_lazy` does): a page whose code
        // loads on demand (`app::pages::lazy`) is fetched before the part of
        // the page it rendered is hydrated.
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        // Only now does every part of the page answer clicks; an effect in
        // `App` would run while the lazy pages are still loading. End-to-end
        // tests and the bench wait for this mark.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
