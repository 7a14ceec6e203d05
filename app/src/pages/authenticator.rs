//! 'Mijn gegevens' → 'Authenticator': scan the QR code (or type the key),
//! 'Verder' sends a confirmation SMS, and 'Nu koppelen' binds the app when
//! the SMS code and the app's code are both right.

use leptos::{either::Either, form::ActionForm, prelude::*};
use leptos_meta::Title;
use leptos_router::components::{Redirect, A};

use super::{recovery::NewRecoveryCodes, step_up::StepUpGate};
use crate::{
    countdown::{minutes_seconds, remaining, use_ticks, window_left},
    error::AppError,
    model::{BindingSetup, BindingStatus, RecoveryCodes},
};
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};

#[server(endpoint = "begin_binding")]
pub async fn begin_binding() -> Result<BindingSetup, AppError> {
    serve::user(move |core, auth| async move { flows::authenticator::setup(&core, &auth).await })
        .await
}

/// 'Verder'. `false`: a mobile number must be given first.
#[server(endpoint = "send_binding_sms")]
pub async fn send_binding_sms() -> Result<bool, AppError> {
    serve::user(move |core, auth| async move {
        flows::authenticator::send_confirmation(&core, &auth).await
    })
    .await
}

#[server(endpoint = "submit_binding_mobile")]
pub async fn submit_binding_mobile(mobile: String) -> Result<(), AppError> {
    serve::user(move |core, auth| async move {
        flows::authenticator::use_new_mobile(&core, &auth, &mobile).await
    })
    .await
}

#[server(endpoint = "binding_status")]
pub async fn load_binding_status() -> Result<BindingStatus, AppError> {
    serve::user(move |core, auth| async move { flows::authenticator::status(&core, &auth).await })
        .await
}

#[server(endpoint = "confirm_binding")]
pub async fn confirm_binding(
    sms_code: String,
    app_code: String,
) -> Result<RecoveryCodes, AppError> {
    serve::user(move |core, auth| async move {
        flows::authenticator::confirm(&core, &auth, &sms_code, &app_code).await
    })
    .await
}

/// 'Authenticator ontkoppelen' (after a step-up).
#[server(endpoint = "unbind_authenticator")]
pub async fn unbind_authenticator() -> Result<(), AppError> {
    serve::user(move |core, auth| async move { flows::authenticator::unbind(&core, &auth).await })
        .await
}

pub const SETUP_PATH: &str = "/mijn-gegevens/authenticator";
pub const CONFIRM_PATH: &str = "/mijn-gegevens/authenticator/koppelen";

#[component]
pub fn AuthenticatorPage() -> impl IntoView {
    view! {
        <Title text="Authenticator – Tweestap" />
        <p><A href="/mijn-gegevens">"← Mijn gegevens"</A></p>
        <h1>"Authenticator"</h1>
        <StepUpGate>
            <Setup />
        </StepUpGate>
    }
}

#[component]
fn Setup() -> impl IntoView {
    let setup = Resource::new(|| (), |_| begin_binding());
    let next = ServerAction::<SendBindingSms>::new();
    Effect::new(move |_| {
        // On to the next page, also when it must ask for a number first.
        if let Some(Ok(_)) = next.value().get() {
            leptos_router::hooks::use_navigate()(CONFIRM_PATH, Default::default());
        }
    });
    view! {
        <Suspense fallback=|| view! { <p>"Laden…"</p> }>
            {move || Suspend::new(async move {
                match setup.await {
                    Err(e) => Either::Right(super::error_message(e)),
                    Ok(s) => Either::Left(view! { <SetupView setup=s /> }),
                }
            })}
        </Suspense>
        <ActionForm action=next>
            <button type="submit" disabled=move || next.pending().get()>"Verder"</button>
        </ActionForm>
        {super::widgets::action_error(next)}
    }
}

/// The QR code, the typed key and what to check first.
#[component]
pub fn SetupView(setup: BindingSetup) -> impl IntoView {
    view! {
        {setup.already_bound.then(|| view! {
            <p class="melding" role="status">
                "Er is al een authenticator app gekoppeld. Met deze stappen koppel je een nieuwe telefoon; "
                "de oude app werkt daarna niet meer."
            </p>
        })}
        <p>"Scan deze QR-code met je authenticator app, bijvoorbeeld Google Authenticator of Microsoft Authenticator. "
           "In de app verschijnt een regel met de naam " <strong>{setup.issuer.clone()}</strong> "."</p>
        <div class="qr" role="img" aria-label=format!("QR-code voor {} ({})", setup.issuer, setup.account) inner_html=setup.qr_svg></div>
        <p>"Kun je niet scannen? Kies in de app voor het invoeren van een sleutel en typ:"</p>
        <p class="sleutel" data-testid="sleutel">{setup.key}</p>
        <p class="uitleg">{format!("Account: {}. Soort: op tijd gebaseerd.", setup.account)}</p>
        <p class="belangrijk"><strong>"Belangrijk: "</strong>
           "zorg dat de tijd op je telefoon synchroon loopt met die van het mobiele netwerk (automatische tijd aan). "
           "Anders kloppen de codes uit de app niet."</p>
    }
}

#[component]
pub fn BindPage() -> impl IntoView {
    view! {
        <Title text="Authenticator koppelen – Tweestap" />
        <p><A href=SETUP_PATH>"← Authenticator"</A></p>
        <h1>"Authenticator koppelen"</h1>
        <StepUpGate>
            <Bind />
        </StepUpGate>
    }
}

#[component]
fn Bind() -> impl IntoView {
    let confirm = ServerAction::<ConfirmBinding>::new();
    let mobile = ServerAction::<SubmitBindingMobile>::new();
    let resend = ServerAction::<SendBindingSms>::new();
    let status = Resource::new(
        move || (mobile.version().get(), resend.version().get()),
        |_| load_binding_status(),
    );
    let done = move || matches!(confirm.value().get(), Some(Ok(_)));
    let ticks = use_ticks();

    view! {
        <Show when=move || !done() fallback=move || view! {
            <p class="melding bevestiging" role="status" data-testid="gekoppeld">
                "Je account is gekoppeld aan je authenticator app. "
                "Vanaf nu gebruik je de code in de app om in te loggen."
            </p>
            {confirm.value().get().and_then(Result::ok).map(|codes| view! { <NewRecoveryCodes codes=codes /> })}
            <p><A href="/mijn-gegevens">"Naar Mijn gegevens"</A></p>
        }>
            <Transition fallback=|| view! { <p>"Laden…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Err(AppError::NotLoggedIn) => Either::Left(view! { <Redirect path="/inloggen" /> }.into_any()),
                        Err(e) => Either::Left(super::error_message(e).into_any()),
                        Ok(s) if s.lapsed => Either::Left(view! {
                            <p class="melding fout" role="alert">
                                "Het koppelen is verlopen: het moet binnen 10 minuten worden afgerond. "
                                <A href=SETUP_PATH>"Begin opnieuw"</A>
                            </p>
                        }.into_any()),
                        Ok(s) if s.needs_mobile => Either::Left(view! { <MobileStep action=mobile /> }.into_any()),
                        Ok(s) => Either::Right(view! { <CodesStep status=s ticks=ticks confirm=confirm resend=resend /> }),
                    }
                })}
            </Transition>
        </Show>
    }
}

#[component]
fn MobileStep(action: ServerAction<SubmitBindingMobile>) -> impl IntoView {
    view! {
        <p>"Voor het koppelen sturen we een bevestigings-SMS. Er is nog geen mobiel nummer van je bekend. "
           "Het nummer wordt opgeslagen zodra het koppelen lukt."</p>
        <ActionForm action=action>
            <div class="veld">
                <label for="mobile">"Mobiel nummer"</label>
                <input id="mobile" name="mobile" type="tel" autocomplete="tel" inputmode="tel" />
            </div>
            {super::widgets::action_error(action)}
            <button type="submit" disabled=move || action.pending().get()>"Code sturen"</button>
        </ActionForm>
    }
}

#[component]
fn CodesStep(
    status: BindingStatus,
    ticks: ReadSignal<i64>,
    confirm: ServerAction<ConfirmBinding>,
    resend: ServerAction<SendBindingSms>,
) -> impl IntoView {
    let sms_valid = remaining(ticks, status.sms_valid_for);
    let resend_left = remaining(ticks, status.resend_in);
    let app_left = window_left(ticks, status.app_seconds_left);
    let lapses = remaining(ticks, status.lapses_in);
    let phone = status.masked_phone.clone().unwrap_or_default();
    view! {
        {status.send_failed.then(|| view! {
            <p class="melding fout" role="alert">
                "De bevestigings-SMS kon niet worden verstuurd. Probeer het zo opnieuw met 'Nieuwe code sturen'."
            </p>
        })}
        <p>"We hebben een bevestigings-SMS gestuurd naar " <strong data-testid="nummer">{phone}</strong> ". "
           "Vul de code uit die SMS in, en de code die je authenticator app nu laat zien."</p>
        <ActionForm action=confirm>
            <div class="veld">
                <label for="sms_code">"SMS-code"</label>
                <input id="sms_code" name="sms_code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="11" />
                <small aria-live="polite" data-testid="sms-geldig">{move || super::widgets::sms_valid_text(sms_valid())}</small>
            </div>
            <div class="veld">
                <label for="app_code">"Code uit de app"</label>
                <input id="app_code" name="app_code" type="text" inputmode="numeric" autocomplete="off" maxlength="11" />
                <small data-testid="app-over">{move || super::widgets::app_next_code_text(app_left())}</small>
            </div>
            {super::widgets::action_error(confirm)}
            <button type="submit" disabled=move || confirm.pending().get()>"Nu koppelen"</button>
        </ActionForm>
        <ActionForm action=resend>
            <button type="submit" class="tweede" disabled=move || { resend_left() > 0 || resend.pending().get() }>"Nieuwe code sturen"</button>
            {super::widgets::resend_wait(resend_left)}
        </ActionForm>
        {super::widgets::action_error(resend)}
        <p class="uitleg">{move || format!("Rond het koppelen af binnen {}.", minutes_seconds(lapses()))}</p>
    }
}
