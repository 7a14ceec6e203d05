//! 'Mijn gegevens' → 'Mobiel nummer wijzigen': after the step-up, a code
//! goes to the new number, and 'Nummer bevestigen' with that code makes it
//! the account's number.

use leptos::{either::Either, form::ActionForm, prelude::*};
use leptos_meta::Title;
use leptos_router::components::A;

use super::step_up::StepUpGate;
use crate::{
    countdown::{minutes_seconds, remaining, use_ticks},
    error::AppError,
    model::NumberChangeStatus,
};
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};

pub const PATH: &str = "/mijn-gegevens/mobiel-nummer";

#[server(endpoint = "number_change_status")]
pub async fn load_number_change_status() -> Result<NumberChangeStatus, AppError> {
    serve::user(move |core, auth| async move {
        flows::account::number_change_status(&core, &auth).await
    })
    .await
}

#[server(endpoint = "send_number_code")]
pub async fn send_number_code(mobile: String) -> Result<(), AppError> {
    serve::user(move |core, auth| async move {
        flows::account::send_number_code(&core, &auth, &mobile).await
    })
    .await
}

#[server(endpoint = "confirm_number")]
pub async fn confirm_number(code: String) -> Result<(), AppError> {
    serve::user(move |core, auth| async move {
        flows::account::confirm_number(&core, &auth, &code).await
    })
    .await
}

#[component]
pub fn NumberChangePage() -> impl IntoView {
    view! {
        <Title text="Mobiel nummer wijzigen – Tweestap" />
        <p><A href="/mijn-gegevens">"← Mijn gegevens"</A></p>
        <h1>"Mobiel nummer wijzigen"</h1>
        <StepUpGate>
            <NumberChange />
        </StepUpGate>
    }
}

#[component]
fn NumberChange() -> impl IntoView {
    let send = ServerAction::<SendNumberCode>::new();
    let confirm = ServerAction::<ConfirmNumber>::new();
    let sent = super::successes(send);
    let status = Resource::new(move || sent.get(), |_| load_number_change_status());
    let done = move || matches!(confirm.value().get(), Some(Ok(())));
    let ticks = use_ticks();
    view! {
        <Show when=move || !done() fallback=|| view! {
            <p class="melding bevestiging" role="status" data-testid="nummer-gewijzigd">
                "Je mobiele nummer is gewijzigd. SMS-codes gaan vanaf nu naar het nieuwe nummer."
            </p>
            <p><A href="/mijn-gegevens">"Naar Mijn gegevens"</A></p>
        }>
            <p>"Vul je nieuwe mobiele nummer in. We sturen er een code naartoe; het nummer wordt pas opgeslagen als je die code hebt ingevuld. "
               "Had je al een nummer, dan krijgt dat bericht van de wijziging."</p>
            <ActionForm action=send>
                <div class="veld">
                    <label for="nieuw-mobiel">"Nieuw mobiel nummer"</label>
                    <input id="nieuw-mobiel" name="mobile" type="tel" autocomplete="tel" inputmode="tel" aria-describedby="nieuw-mobiel-uitleg" />
                    <small id="nieuw-mobiel-uitleg">"Bijvoorbeeld 06 12345678, +32 470 12 34 56 of +49 151 23456789"</small>
                </div>
                {super::widgets::action_error(send)}
                <button type="submit" disabled=move || send.pending().get()>"Code sturen"</button>
            </ActionForm>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match status.await {
                        Err(e) => Either::Left(super::error_message(e)),
                        Ok(s) => Either::Right(s.sent_to.clone().map(|to| {
                            let valid = remaining(ticks, s.valid_for);
                            view! {
                                <ActionForm action=confirm>
                                    <p>"We hebben een code gestuurd naar " <strong data-testid="nieuw-nummer">{to}</strong> "."</p>
                                    <div class="veld">
                                        <label for="nummer-code">"Code uit de SMS"</label>
                                        <input id="nummer-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="11" />
                                        <small aria-live="polite">{move || match valid() {
                                            0 => "Er is geen geldige code meer. Vraag een nieuwe aan met 'Code sturen'.".to_string(),
                                            left => format!("De code is nog {} geldig.", minutes_seconds(left)),
                                        }}</small>
                                    </div>
                                    {super::widgets::action_error(confirm)}
                                    <button type="submit" disabled=move || confirm.pending().get()>"Nummer bevestigen"</button>
                                </ActionForm>
                            }
                        })),
                    }
                })}
            </Transition>
        </Show>
    }
}
