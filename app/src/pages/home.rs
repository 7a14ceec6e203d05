//! The first page after login.

use leptos::prelude::*;
use leptos_meta::Title;

use super::portal::ViewerResource;

#[component]
pub fn HomePage() -> impl IntoView {
    let viewer = expect_context::<ViewerResource>();
    view! {
        <Title text="Start – Tweestap" />
        <h1>"Welkom"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                viewer.await.ok().map(|v| {
                    let wie = match &v.active_client {
                        Some(client) => format!("namens {}", client.name),
                        None => format!("bij {}", v.office_name),
                    };
                    view! { <p>"Je bent ingelogd als " {v.display_name} ", " {wie} "."</p> }
                })
            })}
        </Suspense>
    }
}
