//! The page for an address the portal does not know.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Pagina niet gevonden – Tweestap" />
        <main class="inhoud">
            <h1>"Pagina niet gevonden"</h1>
            <p>"Deze pagina bestaat niet. " <a href="/">"Naar de startpagina"</a></p>
        </main>
    }
}
