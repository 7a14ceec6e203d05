//! The frame of every page after login: header with the user's name and
//! active client, the menu, and 'Uitloggen'.

use leptos::{either::Either, form::ActionForm, prelude::*};
use leptos_router::components::{Outlet, Redirect, A};

use crate::{
    error::AppError,
    model::{DateNotice, Viewer},
};
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};

/// The viewer as the portal loaded it; pages read it from context.
pub type ViewerResource = Resource<Result<Viewer, AppError>>;

#[server(endpoint = "whoami")]
pub async fn whoami() -> Result<Viewer, AppError> {
    serve::user(move |core, auth| async move { flows::account::whoami(&core, &auth).await }).await
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    serve::anyone(move |core| async move { flows::account::logout(&core).await }).await
}

#[server(endpoint = "postpone_date_notice")]
pub async fn postpone_date_notice(#[server(default)] date: String) -> Result<(), AppError> {
    serve::user(move |core, auth| async move {
        flows::account::postpone_date_notice(&core, &auth, &date).await
    })
    .await
}

#[server(endpoint = "switch_client")]
pub async fn switch_client(client_id: i64) -> Result<(), AppError> {
    serve::user(move |core, auth| async move {
        flows::account::switch_client(&core, &auth, client_id).await
    })
    .await
}

#[component]
pub fn Portal() -> impl IntoView {
    let viewer: ViewerResource = Resource::new(|| (), |_| whoami());
    provide_context(viewer);

    view! {
        <header class="kop">
            <a class="merk" href="/">"Tweestap"</a>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match viewer.await {
                        Ok(v) => Either::Left(view! {
                            <Header viewer=v.clone() />
                            {v.notices.iter().map(|notice| view! {
                                <p class="melding waarschuwing" role="status" data-testid="melding">{notice.clone()}</p>
                            }).collect_view()}
                            {v.date_notice.clone().map(|notice| view! { <DateNoticeBox notice /> })}
                        }),
                        Err(AppError::NotLoggedIn) => Either::Right(Either::Left(view! { <Redirect path="/inloggen" /> })),
                        Err(e) => Either::Right(Either::Right(view! { <p class="melding fout" role="alert">{e.to_string()}</p> })),
                    }
                })}
            </Suspense>
        </header>
        <main class="inhoud">
            <Outlet />
        </main>
    }
}

/// 'Vanaf … is inloggen met twee-factor-authenticatie verplicht.' with
/// 'Nu instellen' (the help menu's wizard, or a number with its code) and,
/// before the date, 'Later' (for this session).
#[component]
fn DateNoticeBox(notice: DateNotice) -> impl IntoView {
    let later = ServerAction::<PostponeDateNotice>::new();
    let hidden = move || matches!(later.value().get(), Some(Ok(())));
    let class = if notice.urgent {
        "melding verplicht dringend"
    } else {
        "melding verplicht"
    };
    view! {
        <section class=class role="status" aria-label="Twee-factor-authenticatie verplicht"
            data-testid="verplicht-melding" hidden=hidden>
            <p>{notice.text.clone()}</p>
            <div class="knoppen">
                <a class="knop" href="/help/authenticator">"Nu instellen"</a>
                <a class="tweede-link" href="/mijn-gegevens/mobiel-nummer">"Of stel een mobiel nummer in"</a>
                {notice.later.clone().map(|date| view! {
                    <ActionForm action=later>
                        <input type="hidden" name="date" value=date />
                        <button type="submit" class="tweede">"Later"</button>
                    </ActionForm>
                })}
            </div>
        </section>
    }
}

#[component]
fn Header(viewer: Viewer) -> impl IntoView {
    let logout_action = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if logout_action.value().get().is_some() {
            let _ = window().location().set_href("/inloggen");
        }
    });
    let beheerder = viewer.is_beheerder;
    let help_menu = NodeRef::<leptos::html::Details>::new();

    view! {
        <div class="gebruiker">
            <span class="naam" data-testid="gebruikersnaam">{viewer.display_name.clone()}</span>
            <ClientSwitch viewer=viewer.clone() />
        </div>
        <nav class="menu" aria-label="Hoofdmenu">
            <ul>
                {beheerder.then(|| view! {
                    <li><A href="/clienten">"Cliënten"</A></li>
                    <li><A href="/kantoorgebruikers">"Kantoorgebruikers"</A></li>
                    <li><A href="/kantoor">"Kantoor"</A></li>
                    <li><A href="/logboek">"Logboek"</A></li>
                    <li><A href="/overzicht">"Overzicht"</A></li>
                })}
                <li><A href="/mijn-gegevens">"Mijn gegevens"</A></li>
                <li>
                    <details class="helpmenu" node_ref=help_menu>
                        <summary>"Help"</summary>
                        // Close the menu once a choice is made (the page
                        // changes without a reload).
                        <ul on:click=move |_| {
                            if let Some(menu) = help_menu.get() {
                                menu.set_open(false);
                            }
                        }>
                            <li><A href="/help">"Uitleg twee-factor-inlog"</A></li>
                            <li><A href="/help/authenticator">"Authenticator app koppelen"</A></li>
                            <li><A href="/help/passkey">"Passkey instellen"</A></li>
                        </ul>
                    </details>
                </li>
                <li>
                    <ActionForm action=logout_action>
                        <button type="submit" class="link">"Uitloggen"</button>
                    </ActionForm>
                </li>
            </ul>
        </nav>
    }
}

/// The active client, and a choice among them for users of several clients.
#[component]
fn ClientSwitch(viewer: Viewer) -> impl IntoView {
    let switch = ServerAction::<SwitchClient>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = switch.value().get() {
            // Everything on the page belongs to the active client: reload it.
            let _ = window().location().reload();
        }
    });
    let active_id = viewer.active_client.as_ref().map(|c| c.id);
    match (viewer.clients.len(), viewer.active_client) {
        (0, _) | (_, None) => Either::Left(()),
        (1, Some(active)) => Either::Right(Either::Left(view! {
            <span class="client" data-testid="actieve-client">{active.name}</span>
        })),
        _ => Either::Right(Either::Right(view! {
            <label class="client">
                <span class="sr-only">"Actieve cliënt"</span>
                <select
                    data-testid="actieve-client"
                    on:change=move |ev| {
                        if let Ok(client_id) = event_target_value(&ev).parse::<i64>() {
                            switch.dispatch(SwitchClient { client_id });
                        }
                    }
                >
                    {viewer.clients.into_iter().map(|c| {
                        let selected = Some(c.id) == active_id;
                        view! { <option value=c.id.to_string() selected=selected>{c.name}</option> }
                    }).collect_view()}
                </select>
            </label>
            {move || switch.value().get().and_then(Result::err).map(|e| view! {
                <p class="melding fout" role="alert">{e.to_string()}</p>
            })}
        })),
    }
}
