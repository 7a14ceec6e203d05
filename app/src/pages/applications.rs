//! 'Kantoor' → 'Koppelingen': the office's other applications that log
//! their users in through Tweestap (OpenID Connect), and the page a login
//! for such an application asks to confirm on ('Bevestig dat jij het
//! bent', when the session is too old or too weak for it).

// The registration form's fields arrive as the server function's
// arguments, one each; the macro's generated code carries the lint.
#![allow(clippy::too_many_arguments)]

use leptos::{either::Either, form::ActionForm, prelude::*};
use leptos_meta::Title;

use super::step_up::{load_step_up_status, SendStepUpSms, StepUp, StepUpForm, StepUpGate};
use crate::{
    error::AppError,
    model::{ApplicationCredentials, ApplicationsView},
};
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};

pub const PATH: &str = "/kantoor/koppelingen";

#[server(endpoint = "applications")]
pub async fn load_applications() -> Result<ApplicationsView, AppError> {
    serve::beheerder(
        move |core, auth| async move { flows::office::applications(&core, &auth).await },
    )
    .await
}

#[server(endpoint = "register_application")]
pub async fn register_application(
    name: String,
    redirect_uris: String,
    logout_uri: String,
    kind: String,
    office_users: Option<String>,
    clients: String,
    chosen: String,
    strength: String,
) -> Result<ApplicationCredentials, AppError> {
    serve::beheerder(move |core, auth| async move {
        let form = flows::office::ApplicationForm {
            name,
            redirect_uris,
            logout_uri,
            kind,
            office_users: office_users.is_some(),
            clients,
            chosen,
            strength,
        };
        flows::office::register_application(&core, &auth, form).await
    })
    .await
}

#[server(endpoint = "new_application_secret")]
pub async fn new_application_secret(id: i64) -> Result<ApplicationCredentials, AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::new_application_secret(&core, &auth, id).await
    })
    .await
}

#[server(endpoint = "switch_application")]
pub async fn switch_application(id: i64, on: bool) -> Result<(), AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::switch_application(&core, &auth, id, on).await
    })
    .await
}

#[server(endpoint = "remove_application")]
pub async fn remove_application(id: i64) -> Result<(), AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::remove_application(&core, &auth, id).await
    })
    .await
}

/// The name of the application a login is for ('Inloggen bij …'); `None`
/// for an unknown or switched-off one.
#[server(endpoint = "application_name")]
pub async fn application_name(client_id: String) -> Result<Option<String>, AppError> {
    serve::anyone(move |core| async move { flows::oidc::application_name(&core, &client_id).await })
        .await
}

fn credentials(shown: ApplicationCredentials) -> impl IntoView {
    view! {
        <div class="melding bevestiging" role="status">
            <p>"Client-ID: " <code data-testid="client-id">{shown.client_id}</code></p>
            {shown.secret.map(|secret| view! {
                <p>"Geheim: " <code data-testid="client-secret">{secret}</code></p>
                <p>"Dit geheim zie je maar één keer. Zet het nu in de instellingen van de toepassing."</p>
            })}
        </div>
    }
}

#[component]
pub fn ApplicationsPage() -> impl IntoView {
    view! {
        <Title text="Koppelingen – Tweestap" />
        <h1>"Koppelingen"</h1>
        <p>"Toepassingen van het kantoor die hun gebruikers via dit portaal laten inloggen (OpenID Connect). \
            Zo gelden daar dezelfde twee factoren, passkeys en blokkades."</p>
        <StepUpGate>
            <Applications />
        </StepUpGate>
    }
}

#[component]
fn Applications() -> impl IntoView {
    let register = ServerAction::<RegisterApplication>::new();
    let secret = ServerAction::<NewApplicationSecret>::new();
    let switch = ServerAction::<SwitchApplication>::new();
    let remove = ServerAction::<RemoveApplication>::new();
    let list = Resource::new(
        move || {
            (
                register.version().get(),
                switch.version().get(),
                remove.version().get(),
                secret.version().get(),
            )
        },
        |_| load_applications(),
    );
    let shown = move || match (register.value().get(), secret.value().get()) {
        (Some(Ok(c)), _) | (_, Some(Ok(c))) => Some(c),
        _ => None,
    };
    view! {
        {move || shown().map(credentials)}
        {super::widgets::action_error(secret)}
        {super::widgets::action_error(switch)}
        {super::widgets::action_error(remove)}
        <Transition fallback=|| view! { <p>"Laden…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Err(e) => Either::Left(super::error_message(e).into_any()),
                    Ok(view) => Either::Right(view! {
                        <p>"Adres voor de toepassingen (issuer): " <code data-testid="issuer">{view.issuer.clone()}</code></p>
                        {if view.applications.is_empty() {
                            Either::Left(view! { <p>"Er zijn nog geen koppelingen."</p> })
                        } else {
                            Either::Right(view! {
                                <table class="lijst">
                                    <thead><tr><th>"Naam"</th><th>"Voor wie"</th><th>"Hoe sterk"</th><th>"Laatst gebruikt"</th><th>"Status"</th><th></th></tr></thead>
                                    <tbody>
                                        {view.applications.into_iter().map(|app| {
                                            let id = app.id;
                                            let on = app.enabled;
                                            view! {
                                                <tr data-testid="koppeling">
                                                    <td>{app.name}<br/><small>"Client-ID: "<code>{app.client_id}</code>{if app.confidential { " (vertrouwelijk)" } else { " (openbaar)" }}</small></td>
                                                    <td>{app.audience}</td>
                                                    <td>{app.strength}</td>
                                                    <td>{app.last_used.unwrap_or_else(|| "Nooit".to_string())}</td>
                                                    <td>{if on { "Aan" } else { "Uit" }}</td>
                                                    <td>
                                                        {app.confidential.then(|| view! {
                                                            <button type="button" class="tweede" on:click=move |_| { secret.dispatch(NewApplicationSecret { id }); }>"Nieuw geheim"</button>
                                                        })}
                                                        <button type="button" class="tweede" on:click=move |_| { switch.dispatch(SwitchApplication { id, on: !on }); }>
                                                            {if on { "Uitzetten" } else { "Aanzetten" }}
                                                        </button>
                                                        <button type="button" class="tweede" on:click=move |_| { remove.dispatch(RemoveApplication { id }); }>"Verwijderen"</button>
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            })
                        }}
                    }.into_any()),
                }
            })}
        </Transition>
        <h2>"Toepassing koppelen"</h2>
        <ActionForm action=register>
            <div class="veld">
                <label for="app_name">"Naam"</label>
                <input id="app_name" name="name" type="text" maxlength="80" />
                <small>"Zo heet de toepassing op de inlogpagina."</small>
            </div>
            <div class="veld">
                <label for="app_redirect_uris">"Terugkeeradressen (één per regel)"</label>
                <textarea id="app_redirect_uris" name="redirect_uris" rows="3"></textarea>
                <small>"Precies zoals de toepassing ze stuurt; https (http alleen op deze computer)."</small>
            </div>
            <div class="veld">
                <label for="app_logout_uri">"Afmeldadres voor back-channel logout (optioneel)"</label>
                <input id="app_logout_uri" name="logout_uri" type="text" />
            </div>
            <div class="veld">
                <label for="app_kind">"Soort"</label>
                <select id="app_kind" name="kind">
                    <option value="vertrouwelijk">"Vertrouwelijk (met geheim)"</option>
                    <option value="openbaar">"Openbaar (alleen PKCE)"</option>
                </select>
            </div>
            <fieldset>
                <legend>"Voor wie"</legend>
                <div class="veld">
                    <label><input type="checkbox" name="office_users" value="ja" />" Kantoorgebruikers"</label>
                </div>
                <div class="veld">
                    <label for="app_clients">"Cliënten"</label>
                    <select id="app_clients" name="clients">
                        <option value="geen">"Geen cliënten"</option>
                        <option value="alle">"Alle cliënten"</option>
                        <option value="gekozen">"Gekozen cliënten"</option>
                    </select>
                </div>
                <div class="veld">
                    <label for="app_chosen">"Gekozen cliënten (één naam per regel)"</label>
                    <textarea id="app_chosen" name="chosen" rows="2"></textarea>
                </div>
            </fieldset>
            <div class="veld">
                <label for="app_strength">"Hoe sterk"</label>
                <select id="app_strength" name="strength">
                    <option value="twee">"Twee factoren"</option>
                    <option value="passkey">"Passkey"</option>
                </select>
            </div>
            {super::widgets::action_error(register)}
            <button type="submit" disabled=move || register.pending().get()>"Koppelen"</button>
        </ActionForm>
    }
}

/// 'Bevestig dat jij het bent' for an application (or a protected host)
/// whose login asks more than this session proved: always the form, then
/// back through `/`, which follows the kept return address.
#[component]
pub fn ConfirmForApplicationPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let passkey = query.with_untracked(|q| q.get_str("sterkte") == Some("passkey"));
    let client = query.with_untracked(|q| q.get("koppeling"));
    let name = Resource::new(
        move || client.clone(),
        |client| async move {
            match client {
                Some(id) => application_name(id).await.ok().flatten(),
                None => None,
            }
        },
    );
    let prove = ServerAction::<StepUp>::new();
    let send = ServerAction::<SendStepUpSms>::new();
    let (by_passkey, set_by_passkey) = signal(0usize);
    Effect::new(move |_| {
        if matches!(prove.value().get(), Some(Ok(()))) || by_passkey.get() > 0 {
            let _ = window().location().set_href("/");
        }
    });
    let status = Resource::new(|| (), |_| load_step_up_status());
    view! {
        <Title text="Bevestig dat jij het bent – Tweestap" />
        <main class="inloggen">
            <Transition fallback=|| view! { <p>"Laden…"</p> }>
                {move || Suspend::new(async move {
                    let name = name.await;
                    let intro = match (name, passkey) {
                        (Some(n), true) => format!("{n} vraagt om inloggen met een passkey. Bevestig met je wachtwoord en je passkey."),
                        (Some(n), false) => format!("{n} vraagt je opnieuw te bevestigen dat jij het bent."),
                        (None, true) => "Hiervoor is inloggen met een passkey nodig. Bevestig met je wachtwoord en je passkey.".to_string(),
                        (None, false) => "Bevestig opnieuw dat jij het bent.".to_string(),
                    };
                    match status.await {
                        Err(e) => Either::Left(super::error_message(e).into_any()),
                        Ok(s) => Either::Right(view! {
                            <StepUpForm status=s prove=prove send=send proven_by_passkey=set_by_passkey intro=intro />
                        }.into_any()),
                    }
                })}
            </Transition>
        </main>
    }
}
