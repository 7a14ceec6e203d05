//! 'Inloggen': login name and password.

use leptos::{form::ActionForm, prelude::*};
use leptos_meta::Title;

use crate::{error::AppError, model::LoginOutcome};
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};

#[server(endpoint = "login")]
pub async fn login(login_name: String, password: String) -> Result<LoginOutcome, AppError> {
    serve::anyone(
        move |core| async move { flows::login::login(&core, &login_name, password).await },
    )
    .await
}

pub fn next_page(outcome: LoginOutcome) -> &'static str {
    match outcome {
        LoginOutcome::LoggedIn => "/",
        LoginOutcome::NeedsCode => "/inloggen/code",
        LoginOutcome::NeedsMobile => "/inloggen/mobiel",
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let value = action.value();
    Effect::new(move |_| {
        if let Some(Ok(outcome)) = value.get() {
            // A full page load, so the next page is rendered by the server
            // with the new session from the first byte.
            let _ = window().location().set_href(next_page(outcome));
        }
    });
    let error = move || value.get().and_then(Result::err);

    view! {
        <Title text="Inloggen – Tweestap" />
        <main class="inloggen">
            <h1>"Inloggen"</h1>
            <ActionForm action=action>
                <div class="veld">
                    <label for="login_name">"Inlognaam"</label>
                    <input id="login_name" name="login_name" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" />
                </div>
                <div class="veld">
                    <label for="password">"Wachtwoord"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" />
                </div>
                <p class="melding fout" role="alert" aria-live="assertive">
                    {move || error().map(|e| e.to_string())}
                </p>
                <button type="submit" disabled=move || action.pending().get()>"Inloggen"</button>
            </ActionForm>
        </main>
    }
}
