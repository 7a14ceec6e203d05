//! 'Inloggen': login name and password.

use leptos::{form::ActionForm, prelude::*};
use leptos_meta::Title;

use crate::{
    credentials,
    error::AppError,
    model::{LoginOutcome, PasskeyChallenge},
    pages::widgets::{passkey_ceremony, passkey_error},
};
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};

#[server(endpoint = "login")]
pub async fn login(login_name: String, password: String) -> Result<LoginOutcome, AppError> {
    serve::anyone(
        move |core| async move { flows::login::login(&core, &login_name, password).await },
    )
    .await
}

/// Whether this portal's address carries passkeys at all (the office's
/// own switch is known only once the passkey names its account).
#[server(endpoint = "passkeys_offered")]
pub async fn passkeys_offered() -> Result<bool, AppError> {
    serve::anyone(move |core| async move { Ok(flows::login::passkeys_offered(&core)) }).await
}

/// 'Inloggen met een passkey', first half: options any passkey of this
/// portal may answer.
#[server(endpoint = "begin_passwordless")]
pub async fn begin_passwordless_login() -> Result<PasskeyChallenge, AppError> {
    serve::anyone(move |core| async move { flows::login::begin_passwordless(&core).await }).await
}

/// 'Inloggen met een passkey', second half: the passkey's answer logs in
/// without the password.
#[server(endpoint = "passwordless")]
pub async fn passwordless_login(ceremony: String, response: String) -> Result<(), AppError> {
    serve::anyone(move |core| async move {
        flows::login::passwordless(&core, &ceremony, &response).await
    })
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
    // After a new password (a reset link, or the first one chosen).
    let query = leptos_router::hooks::use_query_map();
    let saved = move || query.with(|q| q.get_str("wachtwoord") == Some("opgeslagen"));
    // A login for one of the office's applications names it; the name
    // comes from the portal, never from the link.
    let (application, set_application) = signal(None::<String>);
    Effect::new(move |_| {
        if let Some(client) = query.with_untracked(|q| q.get("koppeling")) {
            leptos::task::spawn_local(async move {
                if let Ok(Some(name)) = super::applications::application_name(client).await {
                    set_application.set(Some(name));
                }
            });
        }
    });

    // Asked by the browser once hydrated, and only where it can use a
    // passkey: a resource here would make the server stream the page in
    // two parts, which cost every login page about 40 ms (TCP's delayed
    // acknowledgement of the second part).
    let (here, set_here) = signal(false);
    Effect::new(move |_| {
        if credentials::supported() {
            leptos::task::spawn_local(async move {
                set_here.set(matches!(passkeys_offered().await, Ok(true)));
            });
        }
    });
    let passkey = Action::new_unsync(|_: &()| {
        passkey_ceremony(begin_passwordless_login(), false, |ceremony, response| {
            passwordless_login(ceremony, response)
        })
    });
    // Where the browser offers passkeys in the login name's autofill, a
    // request waits there until the user picks one (or the page goes).
    let (autofill_error, set_autofill_error) = signal(None::<String>);
    let autofill_started = StoredValue::new(false);
    Effect::new(move |_| {
        if !here.get() || autofill_started.get_value() {
            return;
        }
        autofill_started.set_value(true);
        leptos::task::spawn_local(async move {
            if !credentials::conditional_available().await {
                return;
            }
            let Ok(challenge) = begin_passwordless_login().await else {
                return;
            };
            let outcome = match credentials::get(&challenge.options, true).await {
                Ok(answer) => passwordless_login(challenge.ceremony, answer)
                    .await
                    .map_err(|e| Some(e.to_string())),
                Err(why) => Err(why),
            };
            match outcome {
                Ok(()) => {
                    let _ = window().location().set_href("/");
                }
                Err(why) => set_autofill_error.set(why),
            }
        });
    });
    Effect::new(move |_| {
        if matches!(passkey.value().get(), Some(Ok(()))) {
            let _ = window().location().set_href("/");
        }
    });

    view! {
        <Title text="Inloggen – Tweestap" />
        <main class="inloggen">
            <h1>"Inloggen"</h1>
            {move || application.get().map(|name| view! {
                <p class="koppeling" data-testid="koppeling">"Je logt in bij " <strong>{name}</strong> "."</p>
            })}
            <Show when=saved>
                <p class="melding bevestiging" role="status" data-testid="wachtwoord-opgeslagen">"Je wachtwoord is opgeslagen. Log nu in."</p>
            </Show>
            <ActionForm action=action>
                <div class="veld">
                    <label for="login_name">"Inlognaam"</label>
                    <input id="login_name" name="login_name" type="text" autocomplete="username webauthn" autocapitalize="none" spellcheck="false" />
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
            <p class="vergeten"><a href=super::password::FORGOT_PATH>"Wachtwoord vergeten?"</a></p>
            <Show when=move || here.get()>
                <div class="passkey-inloggen">
                    <p class="of">"Of zonder wachtwoord:"</p>
                    <button type="button" class="tweede" data-testid="passkey-zonder-wachtwoord"
                        disabled=move || passkey.pending().get()
                        on:click=move |_| { passkey.dispatch(()); }>
                        "Inloggen met een passkey"
                    </button>
                    {passkey_error(passkey)}
                    <p class="melding fout" role="alert">{move || autofill_error.get()}</p>
                </div>
            </Show>
        </main>
    }
}
