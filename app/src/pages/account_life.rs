//! The end of an account's life and what the AVG asks: 'Account
//! blokkeren' / 'Blokkade opheffen' and 'Verwijderen' (with a confirmation
//! that names the user) for a beheerder, on a client's user cards and on
//! 'Gebruikersgegevens'; and 'Mijn gegevens downloaden', for the user and
//! for a beheerder answering the user's request.

use leptos::{either::Either, form::ActionForm, prelude::*};
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use super::step_up::{asks_step_up, StepUpGate, StepUpIfAsked};
use crate::{error::AppError, model::Removal};
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};

/// The user's own download (a GET route: a download link needs one).
pub const MY_DATA_PATH: &str = "/mijn-gegevens/gegevens.json";

/// A beheerder's download of one user's data.
pub fn user_data_path(user_id: i64) -> String {
    format!("/gebruikers/{user_id}/gegevens.json")
}

/// The route pattern of [`user_data_path`], for the server's router.
pub const USER_DATA_ROUTE: &str = "/gebruikers/{id}/gegevens.json";

#[server(endpoint = "block_user")]
pub async fn block_user(user_id: i64) -> Result<(), AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::block_user(&core, &auth, user_id).await
    })
    .await
}

#[server(endpoint = "unblock_user")]
pub async fn unblock_user(user_id: i64) -> Result<(), AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::unblock_user(&core, &auth, user_id).await
    })
    .await
}

/// What 'Verwijderen' would do; `client_id` 0: the account as a whole.
#[server(endpoint = "removal_of")]
pub async fn load_removal(user_id: i64, client_id: i64) -> Result<Removal, AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::removal_of(&core, &auth, user_id, (client_id > 0).then_some(client_id)).await
    })
    .await
}

/// 'Ja, verwijderen': `deletes_account` is what the confirmation said.
#[server(endpoint = "remove_user")]
pub async fn remove_user(
    user_id: i64,
    client_id: i64,
    deletes_account: bool,
) -> Result<(), AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::remove_user(
            &core,
            &auth,
            user_id,
            (client_id > 0).then_some(client_id),
            deletes_account,
        )
        .await
    })
    .await
}

/// 'Account blokkeren' / 'Blokkade opheffen' and 'Verwijderen' for one
/// user. `client_id`: the client whose card it is on (0 elsewhere);
/// `changed` counts the changes, for the page to load its list again.
#[component]
pub fn LifeButtons(
    user_id: i64,
    name: String,
    blocked: bool,
    #[prop(default = 0)] client_id: i64,
    changed: RwSignal<usize>,
) -> impl IntoView {
    let block = ServerAction::<BlockUser>::new();
    let unblock = ServerAction::<UnblockUser>::new();
    let ask = ServerAction::<LoadRemoval>::new();
    let remove = ServerAction::<RemoveUser>::new();
    for done in [
        super::successes(block),
        super::successes(unblock),
        super::successes(remove),
    ] {
        Effect::new(move |before: Option<usize>| {
            let now = done.get();
            if before.is_some_and(|b| b != now) {
                changed.update(|n| *n += 1);
            }
            now
        });
    }
    let asked = Signal::derive(move || {
        asks_step_up(block).get() || asks_step_up(unblock).get() || asks_step_up(remove).get()
    });
    let error = move || {
        [
            block.value().get().and_then(Result::err),
            unblock.value().get().and_then(Result::err),
            ask.value().get().and_then(Result::err),
            remove.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .find(|e| *e != AppError::StepUpRequired)
        .map(|e| e.to_string())
    };
    let confirming = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(_)) = ask.value().get() {
            confirming.set(true);
        }
    });
    let label = name.clone();
    view! {
        <div class="knoppen">
            {if blocked {
                Either::Left(view! {
                    <ActionForm action=unblock>
                        <input type="hidden" name="user_id" value=user_id.to_string() />
                        <button type="submit" class="tweede" aria-label=format!("Blokkade opheffen van {name}")>"Blokkade opheffen"</button>
                    </ActionForm>
                })
            } else {
                Either::Right(view! {
                    <ActionForm action=block>
                        <input type="hidden" name="user_id" value=user_id.to_string() />
                        <button type="submit" class="tweede" aria-label=format!("Account blokkeren van {name}")>"Account blokkeren"</button>
                    </ActionForm>
                })
            }}
            <ActionForm action=ask>
                <input type="hidden" name="user_id" value=user_id.to_string() />
                <input type="hidden" name="client_id" value=client_id.to_string() />
                <button type="submit" class="tweede" aria-label=format!("Verwijderen: {label}")>"Verwijderen"</button>
            </ActionForm>
        </div>
        <Show when=move || confirming.get()>
            {move || ask.value().get().and_then(Result::ok).map(|r| view! {
                <Confirm removal=r user_id=user_id client_id=client_id remove=remove confirming=confirming />
            })}
        </Show>
        <p class="melding fout" role="alert">{error}</p>
        <StepUpIfAsked asked=asked />
    }
}

/// The confirmation of 'Verwijderen', naming the user and what goes.
#[component]
fn Confirm(
    removal: Removal,
    user_id: i64,
    client_id: i64,
    remove: ServerAction<RemoveUser>,
    confirming: RwSignal<bool>,
) -> impl IntoView {
    let text = if removal.deletes_account {
        format!(
            "Het account van {} ({}) wordt verwijderd, met alle inlogmethoden, codes, passkeys, \
             sessies en onthouden apparaten. Het Logboek houdt zijn regels, onder 'verwijderde \
             gebruiker'. Dit kan niet ongedaan worden gemaakt.",
            removal.display_name, removal.login_name
        )
    } else {
        format!(
            "{} ({}) verliest de toegang tot deze cliënt. Het account blijft bestaan voor de \
             andere cliënten.",
            removal.display_name, removal.login_name
        )
    };
    view! {
        <div class="bevestigen" role="alertdialog" aria-label="Verwijderen bevestigen">
            <p>{text}</p>
            <div class="knoppen">
                <ActionForm action=remove>
                    <input type="hidden" name="user_id" value=user_id.to_string() />
                    <input type="hidden" name="client_id" value=client_id.to_string() />
                    <input type="hidden" name="deletes_account" value=removal.deletes_account.to_string() />
                    <button type="submit">"Ja, verwijderen"</button>
                </ActionForm>
                <button type="button" class="tweede" on:click=move |_| confirming.set(false)>"Annuleren"</button>
            </div>
        </div>
    }
}

/// 'Mijn gegevens downloaden', behind the step-up.
#[component]
pub fn MyDataPage() -> impl IntoView {
    view! {
        <Title text="Mijn gegevens downloaden – Tweestap" />
        <h1>"Mijn gegevens downloaden"</h1>
        <Explained />
        <StepUpGate>
            <p><a class="knop" href=MY_DATA_PATH download="tweestap-mijn-gegevens.json">"Mijn gegevens downloaden"</a></p>
        </StepUpGate>
        <p><A href="/mijn-gegevens">"Terug naar Mijn gegevens"</A></p>
    }
}

/// The same download for a beheerder, for a request made to the office.
#[component]
pub fn UserDataPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or(0)
    };
    view! {
        <Title text="Gegevens van gebruiker downloaden – Tweestap" />
        <h1>"Gegevens van gebruiker downloaden"</h1>
        <p>"Voor een verzoek om inzage (AVG, artikel 15) dat bij het kantoor is gedaan. Het downloaden komt in het Logboek."</p>
        <Explained />
        <StepUpGate>
            <p><a class="knop" href=user_data_path(id()) download=format!("tweestap-gegevens-{}.json", id())>"Gegevens downloaden"</a></p>
        </StepUpGate>
    }
}

#[component]
fn Explained() -> impl IntoView {
    view! {
        <p>"Je krijgt een JSON-bestand met alles wat het portaal over het account bewaart: de gegevens, de cliënten en hun instellingen, welke inlogmethoden er zijn (met data, namen en laatste gebruik), sessies en onthouden apparaten, de SMS-berichten met hun afleverstatus, de links per e-mail en elke regel in het Logboek over het account."</p>
        <p>"Wachtwoorden, sleutels en codes staan er niet in: die bewaart het portaal alleen versleuteld of als hash."</p>
    }
}
