//! 'Kantoor': settings for the whole office (beheerders only): how many
//! days 'Dit apparaat … dagen onthouden' holds (0: never, and every
//! browser trusted so far is forgotten), and passkeys (at all, and
//! instead of the password).

use leptos::{form::ActionForm, prelude::*};
use leptos_meta::Title;

use super::step_up::{asks_step_up, StepUpIfAsked};
use crate::{error::AppError, model::OfficeSettings};
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};

#[server(endpoint = "office_settings")]
pub async fn load_office_settings() -> Result<OfficeSettings, AppError> {
    serve::beheerder(
        move |core, auth| async move { flows::office::office_settings(&core, &auth).await },
    )
    .await
}

#[server(endpoint = "save_office_settings")]
pub async fn save_office_settings(trust_days: String) -> Result<(), AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::set_office_days(&core, &auth, &trust_days).await
    })
    .await
}

/// 'Passkeys toestaan' and 'Inloggen met een passkey zonder wachtwoord'.
#[server(endpoint = "save_office_passkeys")]
pub async fn save_office_passkeys(allowed: String, passwordless: String) -> Result<(), AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::set_office_passkeys_typed(&core, &auth, &allowed, &passwordless).await
    })
    .await
}

/// 'Niet ingelogd': the days, and 'Automatisch blokkeren'.
#[server(endpoint = "save_office_dormant")]
pub async fn save_office_dormant(
    dormant_days: String,
    dormant_block: String,
) -> Result<(), AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::set_office_dormant(&core, &auth, &dormant_days, &dormant_block).await
    })
    .await
}

#[component]
pub fn OfficePage() -> impl IntoView {
    let save = ServerAction::<SaveOfficeSettings>::new();
    let saves = super::successes(save);
    let passkeys = ServerAction::<SaveOfficePasskeys>::new();
    let passkey_saves = super::successes(passkeys);
    let dormant = ServerAction::<SaveOfficeDormant>::new();
    let dormant_saves = super::successes(dormant);
    let settings = Resource::new(
        move || (saves.get(), passkey_saves.get(), dormant_saves.get()),
        |_| load_office_settings(),
    );
    view! {
        <Title text="Kantoor – Tweestap" />
        <h1>"Kantoor"</h1>
        <p><leptos_router::components::A href=super::applications::PATH>"Koppelingen"</leptos_router::components::A>
            ": toepassingen van het kantoor die via dit portaal inloggen."</p>
        {super::widgets::loaded(settings, move |s| view! {
                        <p>{s.name.clone()}</p>
                        <ActionForm action=save>
                            <div class="veld">
                                <label for="trust_days">"Apparaat onthouden (dagen)"</label>
                                <input id="trust_days" name="trust_days" type="text" inputmode="numeric"
                                    value=s.trust_days.to_string() aria-describedby="trust-days-uitleg" />
                                <small id="trust-days-uitleg">
                                    "Na de tweede stap kan een gebruiker 'Dit apparaat onthouden' kiezen: daar wordt dan zoveel dagen "
                                    "alleen het wachtwoord gevraagd. Een kortere termijn geldt ook voor apparaten die al onthouden zijn. "
                                    "0 zet het uit en vergeet meteen alle onthouden apparaten van het kantoor: daar wordt weer de code gevraagd, "
                                    "ook als het onthouden later weer aan gaat."
                                </small>
                            </div>
                            <button type="submit" disabled=move || save.pending().get()>"Opslaan"</button>
                        </ActionForm>
                        <h2>"Passkeys"</h2>
                        <ActionForm action=passkeys>
                            <super::widgets::JaNeeField legend="Passkeys toestaan" name="allowed" id_prefix="passkeys" yes=s.passkeys_allowed />
                            <super::widgets::JaNeeField legend="Inloggen met een passkey zonder wachtwoord" name="passwordless" id_prefix="zonder-wachtwoord" yes=s.passkeys_passwordless />
                            <p class="uitleg">
                                "Een passkey is een tweede factor die niet kan worden nagemaakt of doorgestuurd. Zonder wachtwoord telt een passkey "
                                "met vingerafdruk, gezicht of pincode als beide stappen. Uitzetten vraagt eerst een bevestiging; gebruikers houden hun andere manieren van inloggen."
                            </p>
                            <button type="submit" disabled=move || passkeys.pending().get()>"Passkey-instellingen opslaan"</button>
                        </ActionForm>
                        <h2>"Niet ingelogd"</h2>
                        <ActionForm action=dormant>
                            <div class="veld">
                                <label for="dormant_days">"Niet ingelogd na (dagen)"</label>
                                <input id="dormant_days" name="dormant_days" type="text" inputmode="numeric"
                                    value=s.dormant_days.to_string() aria-describedby="dormant-uitleg" />
                            </div>
                            <super::widgets::JaNeeField legend="Automatisch blokkeren" name="dormant_block" id_prefix="blokkeren" yes=s.dormant_block />
                            <p class="uitleg" id="dormant-uitleg">
                                "'Overzicht' telt per cliënt wie zo lang niet heeft ingelogd. Met 'Automatisch blokkeren' wordt zo'n account geblokkeerd; "
                                "de gebruiker krijgt een week eerder een e-mail en kan dat voorkomen door in te loggen. Een beheerder heft een blokkade op bij de gebruiker."
                            </p>
                            <button type="submit" disabled=move || dormant.pending().get()>"Instelling niet ingelogd opslaan"</button>
                        </ActionForm>
                    })}
        {super::widgets::action_done(passkeys, "De passkey-instellingen zijn opgeslagen.")}
        // Only when there is one: the days' message above has the page's alert.
        {move || passkeys.value().get().and_then(Result::err).filter(|e| *e != AppError::StepUpRequired).map(|e| view! {
            <p class="melding fout" role="alert">{e.to_string()}</p>
        })}
        <StepUpIfAsked asked=asks_step_up(passkeys) />
        {super::widgets::action_done(dormant, "De instelling 'Niet ingelogd' is opgeslagen.")}
        {move || dormant.value().get().and_then(Result::err).filter(|e| *e != AppError::StepUpRequired).map(|e| view! {
            <p class="melding fout" role="alert">{e.to_string()}</p>
        })}
        <StepUpIfAsked asked=asks_step_up(dormant) />
        {super::widgets::action_done(save, "De instellingen van het kantoor zijn opgeslagen.")}
        <p class="melding fout" role="alert">
            {move || save.value().get().and_then(Result::err).filter(|e| *e != AppError::StepUpRequired).map(|e| e.to_string())}
        </p>
        <StepUpIfAsked asked=asks_step_up(save) />
    }
}
