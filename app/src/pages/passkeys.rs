//! 'Mijn gegevens' → 'Passkeys': the list with 'Verwijderen', and 'Passkey
//! toevoegen' (also the help-menu wizard's 'Passkey instellen'). Both are
//! changes to how the account logs in, so they sit behind the step-up.

use leptos::{form::ActionForm, prelude::*};

use super::{
    recovery::NewRecoveryCodes,
    step_up::{asks_step_up, StepUpGate, StepUpIfAsked},
    widgets::{passkey_ceremony, passkey_error, passkeys_here, PasskeyResult},
};
use crate::{
    credentials,
    error::AppError,
    model::{PasskeyAdded, PasskeyChallenge, PasskeyRow, PasskeysOfUser},
};
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};

#[server(endpoint = "my_passkeys")]
pub async fn my_passkeys() -> Result<PasskeysOfUser, AppError> {
    serve::user(move |core, auth| async move { flows::passkeys::list(&core, &auth).await }).await
}

#[server(endpoint = "begin_add_passkey")]
pub async fn begin_add_passkey() -> Result<PasskeyChallenge, AppError> {
    serve::user(move |core, auth| async move { flows::passkeys::begin_add(&core, &auth).await })
        .await
}

#[server(endpoint = "add_passkey")]
pub async fn add_passkey(
    ceremony: String,
    response: String,
    name: String,
) -> Result<PasskeyAdded, AppError> {
    serve::user(move |core, auth| async move {
        flows::passkeys::finish_add(&core, &auth, &ceremony, &response, &name).await
    })
    .await
}

#[server(endpoint = "remove_passkey")]
pub async fn remove_passkey(id: i64) -> Result<(), AppError> {
    serve::user(move |core, auth| async move { flows::passkeys::remove(&core, &auth, id).await })
        .await
}

/// The user's passkeys, each with 'Verwijderen', and 'Passkey toevoegen'
/// below them (outside the list's reload, so herstelcodes that came with a
/// first passkey stay on screen). Placed on the page itself, not inside
/// another resource's view: a resource made while the server renders
/// such a view is fetched twice, and the page then does not hydrate (see
/// `StepUpGate`). Shown only where the office allows passkeys.
#[component]
pub fn PasskeysPanel() -> impl IntoView {
    let (added, set_added) = signal(0usize);
    let remove = ServerAction::<RemovePasskey>::new();
    let removes = super::successes(remove);
    let rows = Resource::new(move || (added.get(), removes.get()), |_| my_passkeys());
    let allowed = move || matches!(rows.get(), Some(Ok(PasskeysOfUser { allowed: true, .. })));
    view! {
        <Transition fallback=|| ()>
        <Show when=allowed>
        <h2 id="passkeys">"Passkeys"</h2>
        <p>
            "Met een passkey log je in met de vingerafdruk, het gezicht of de pincode van je apparaat, of met een beveiligingssleutel. "
            "Een passkey werkt alleen op deze portal, dus een nagemaakte inlogpagina kan er niets mee."
        </p>
        <Transition fallback=|| view! { <p>"Laden…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Ok(mine) => view! { <PasskeyList rows=mine.rows remove=remove /> }.into_any(),
                    Err(e) => super::error_message(e).into_any(),
                }
            })}
        </Transition>
        {move || remove.value().get().and_then(Result::err).filter(|e| *e != AppError::StepUpRequired).map(|e| view! {
            <p class="melding fout" role="alert">{e.to_string()}</p>
        })}
        {super::widgets::action_done(remove, "De passkey is verwijderd.")}
        <StepUpIfAsked asked=asks_step_up(remove) />
        <AddPasskey changed=set_added />
        </Show>
        </Transition>
    }
}

#[component]
fn PasskeyList(rows: Vec<PasskeyRow>, remove: ServerAction<RemovePasskey>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p data-testid="geen-passkeys">"Je hebt nog geen passkeys."</p> }
            .into_any();
    }
    view! {
        <ul class="apparaten">
            {rows.into_iter().map(|p| {
                let label = format!("{} verwijderen", p.name);
                let used = p.last_used.clone().map_or_else(
                    || "Nog niet gebruikt.".to_string(),
                    |at| format!("Laatst gebruikt {at}."),
                );
                view! {
                    <li data-testid="passkey">
                        <strong>{p.name.clone()}</strong>
                        <br />
                        <small>{format!("Toegevoegd {}. {used}", p.added)}</small>
                        <ActionForm action=remove>
                            <input type="hidden" name="id" value=p.id.to_string() />
                            <button type="submit" class="tweede" aria-label=label>"Verwijderen"</button>
                        </ActionForm>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// 'Passkey toevoegen': opened on request, behind the step-up; the name
/// defaults to the browser and system ('Chrome op Windows').
#[component]
pub fn AddPasskey(changed: WriteSignal<usize>) -> impl IntoView {
    let open = RwSignal::new(false);
    let here = passkeys_here();
    view! {
        <Show
            when=move || here.get()
            fallback=|| view! {
                <p class="uitleg">"Deze browser kan hier geen passkey maken. Probeer het in een recente versie van Chrome, Edge, Safari of Firefox."</p>
            }
        >
            <Show
                when=move || open.get()
                fallback=move || view! {
                    <p><button type="button" data-testid="passkey-toevoegen" on:click=move |_| open.set(true)>"Passkey toevoegen"</button></p>
                }
            >
                <StepUpGate>
                    <NewPasskeyForm changed=changed />
                </StepUpGate>
            </Show>
        </Show>
    }
}

/// The name field and 'Passkey aanmaken'; `changed` ticks once the
/// passkey is stored (the confirmation and any herstelcodes stay shown).
#[component]
pub fn NewPasskeyForm(changed: WriteSignal<usize>) -> impl IntoView {
    let name = RwSignal::new(credentials::device_name());
    let make: Action<(), PasskeyResult<PasskeyAdded>> = Action::new_unsync(move |_: &()| {
        let typed = name.get_untracked();
        passkey_ceremony(begin_add_passkey(), true, move |ceremony, response| {
            add_passkey(ceremony, response, typed)
        })
    });
    Effect::new(move |_| {
        if matches!(make.value().get(), Some(Ok(_))) {
            changed.update(|n| *n += 1);
        }
    });
    view! {
        <form class="passkey-nieuw" on:submit=move |ev| {
            ev.prevent_default();
            make.dispatch(());
        }>
            <div class="veld">
                <label for="passkey-naam">"Naam van de passkey"</label>
                <input id="passkey-naam" name="name" type="text" maxlength="60" autocomplete="off"
                    aria-describedby="passkey-naam-uitleg"
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev)) />
                <small id="passkey-naam-uitleg">"Zo herken je hem later in de lijst, bijvoorbeeld 'Laptop op kantoor'."</small>
            </div>
            {passkey_error(make)}
            <button type="submit" disabled=move || make.pending().get()>"Passkey aanmaken"</button>
        </form>
        {move || make.value().get().and_then(Result::ok).map(|added| view! {
            <p class="melding bevestiging" role="status" data-testid="passkey-toegevoegd">
                {format!("De passkey '{}' is toegevoegd. Je kunt er vanaf nu mee inloggen.", added.name)}
            </p>
            {added.recovery_codes.map(|codes| view! { <NewRecoveryCodes codes=codes /> })}
        })}
    }
}

const WIZARD_STEPS: [&str; 3] = ["Wat je nodig hebt", "Maak je passkey", "Klaar"];

/// The help menu's 'Passkey instellen': the same server functions as
/// 'Mijn gegevens' → 'Passkeys', one step at a time. Behind the step-up,
/// as every change to how the account logs in.
#[component]
pub fn PasskeyWizardPage() -> impl IntoView {
    view! {
        <leptos_meta::Title text="Passkey instellen – Tweestap" />
        <h1>"Passkey instellen"</h1>
        <StepUpGate>
            <PasskeyWizard />
        </StepUpGate>
    }
}

#[component]
fn PasskeyWizard() -> impl IntoView {
    let step = RwSignal::new(1_usize);
    let (made, set_made) = signal(0usize);
    let here = passkeys_here();
    super::widgets::focus_heading_on_step(step);
    view! {
        <super::widgets::StepList steps=&WIZARD_STEPS step=step />
        <section class="wizard" aria-labelledby="stap-kop">
            <h2 id="stap-kop" tabindex="-1">{move || format!("Stap {} van 3: {}", step.get(), WIZARD_STEPS[step.get() - 1])}</h2>
            <Show when=move || step.get() == 1>
                <p>"Een passkey vervangt de code: je bevestigt het inloggen met de vingerafdruk, het gezicht of de pincode van je computer of telefoon, "
                   "of met een beveiligingssleutel (een USB-sleutel)."</p>
                <p>"Je hebt nodig: een recente browser (Chrome, Edge, Safari of Firefox) en een apparaat met schermvergrendeling, of een beveiligingssleutel."</p>
                {move || (!here.get()).then(|| view! {
                    <p class="melding fout" role="alert">"Deze browser kan hier geen passkey maken. Open deze pagina in een recente browser."</p>
                })}
                <div class="knoppen">
                    <button type="button" data-testid="wizard-volgende" disabled=move || !here.get() on:click=move |_| step.set(2)>"Volgende"</button>
                </div>
            </Show>
            <Show when=move || step.get() == 2>
                <p>"Kies een naam en dan 'Passkey aanmaken'. Je browser vraagt daarna om je vingerafdruk, gezicht of pincode, of om je beveiligingssleutel."</p>
                <NewPasskeyForm changed=set_made />
                <div class="knoppen">
                    <button type="button" class="tweede" on:click=move |_| step.set(1)>"Vorige"</button>
                    <Show when=move || { made.get() > 0 }>
                        <button type="button" data-testid="wizard-klaar" on:click=move |_| step.set(3)>"Volgende"</button>
                    </Show>
                </div>
            </Show>
            <Show when=move || step.get() == 3>
                <p data-testid="wizard-passkey-klaar">"Je passkey is ingesteld. Kies bij het inloggen 'Inloggen met een passkey', of na je wachtwoord 'Inloggen met je passkey'."</p>
                <p>"Je passkeys staan bij " <leptos_router::components::A href="/mijn-gegevens">"Mijn gegevens"</leptos_router::components::A> "; daar kun je er een verwijderen."</p>
            </Show>
        </section>
    }
}
