//! The help menu's wizard 'Authenticator app koppelen': the same steps and
//! server functions as 'Mijn gegevens' → 'Authenticator', one at a time,
//! with what to check on the way. Typed codes survive going back and forth;
//! leaving and coming back resumes a binding that has not lapsed.

use leptos::{either::EitherOf3, prelude::*};
use leptos_meta::Title;
use leptos_router::components::A;

use super::authenticator::{
    begin_binding, load_binding_status, ConfirmBinding, SendBindingSms, SetupView,
    SubmitBindingMobile,
};
use super::step_up::StepUpGate;
use crate::{
    countdown::{clock_from, minutes_seconds, remaining, use_ticks, window_left},
    error::AppError,
};

const STEPS: [&str; 5] = [
    "Kies een app",
    "Controleer de tijd op je telefoon",
    "Scan de QR-code",
    "Vul beide codes in",
    "Klaar",
];

/// Binding changes how the account logs in, so the wizard starts with the
/// step-up when the session has none.
#[component]
pub fn WizardPage() -> impl IntoView {
    view! {
        <Title text="Authenticator app koppelen – Tweestap" />
        <h1>"Authenticator app koppelen"</h1>
        <StepUpGate>
            <Wizard />
        </StepUpGate>
    }
}

#[component]
fn Wizard() -> impl IntoView {
    let step = RwSignal::new(1_usize);
    let sms_code = RwSignal::new(String::new());
    let app_code = RwSignal::new(String::new());
    let mobile = RwSignal::new(String::new());
    let sms_sent = RwSignal::new(false);

    let setup = Resource::new(|| (), |_| begin_binding());
    let send = ServerAction::<SendBindingSms>::new();
    let give_mobile = ServerAction::<SubmitBindingMobile>::new();
    let confirm = ServerAction::<ConfirmBinding>::new();
    let status = Resource::new(
        move || {
            (
                step.get() == 4,
                send.version().get(),
                give_mobile.version().get(),
            )
        },
        |_| load_binding_status(),
    );
    let ticks = use_ticks();

    Effect::new(move |_| {
        if let Some(Ok(_)) = confirm.value().get() {
            step.set(5);
        }
    });
    super::widgets::focus_heading_on_step(step);

    let go = move |to: usize| {
        if to == 4 && !sms_sent.get_untracked() {
            // The confirmation SMS goes out once, on the way to step 4.
            send.dispatch(SendBindingSms {});
            sms_sent.set(true);
        }
        step.set(to);
    };

    view! {
        <super::widgets::StepList steps=&STEPS step=step />
        <section class="wizard" aria-labelledby="stap-kop">
            <h2 id="stap-kop" tabindex="-1">{move || format!("Stap {} van 5: {}", step.get(), STEPS[step.get() - 1])}</h2>
            <Suspense fallback=|| view! { <p>"Laden…"</p> }>
                {move || Suspend::new(async move {
                    let setup = setup.await;
                    match step.get() {
                        1 => EitherOf3::A(view! { <ChooseApp already_bound=setup.as_ref().is_ok_and(|s| s.already_bound) /> }.into_any()),
                        2 => EitherOf3::A(match setup {
                            Ok(s) => view! { <ClockCheck server_time=s.server_time app_seconds_left=s.app_seconds_left ticks=ticks /> }.into_any(),
                            Err(e) => super::error_message(e).into_any(),
                        }),
                        3 => EitherOf3::A(match setup {
                            Ok(s) => view! { <SetupView setup=s /> }.into_any(),
                            Err(e) => super::error_message(e).into_any(),
                        }),
                        4 => EitherOf3::B(view! {
                            <Codes status=status ticks=ticks sms_code=sms_code app_code=app_code mobile=mobile
                                send=send give_mobile=give_mobile confirm=confirm />
                        }),
                        _ => EitherOf3::C(view! { <Done codes=confirm.value().get_untracked().and_then(Result::ok) /> }),
                    }
                })}
            </Suspense>
            {super::widgets::action_error(send)}
            <div class="wizard-knoppen">
                <Show when=move || { step.get() > 1 && step.get() < 5 }>
                    <button type="button" class="tweede" on:click=move |_| go(step.get_untracked() - 1)>"Vorige"</button>
                </Show>
                <Show when=move || { step.get() < 4 }>
                    <button type="button" class="primair" on:click=move |_| go(step.get_untracked() + 1)>"Volgende"</button>
                </Show>
            </div>
        </section>
    }
}

#[component]
fn ChooseApp(already_bound: bool) -> impl IntoView {
    view! {
        {already_bound.then(|| view! {
            <p class="melding" role="status">
                "Er is al een authenticator app gekoppeld aan je account. Met deze stappen koppel je een nieuwe telefoon; "
                "de oude app werkt daarna niet meer."
            </p>
        })}
        <p>"Met een authenticator app maakt je telefoon zelf de beveiligingscode. Dat werkt ook zonder bereik, "
           "en je hoeft niet op een SMS te wachten."</p>
        <p>"Elke authenticator app die tijdgebonden codes maakt is goed. Veelgebruikt zijn:"</p>
        <ul>
            <li><strong>"Google Authenticator"</strong></li>
            <li><strong>"Microsoft Authenticator"</strong></li>
        </ul>
        <p>"Beide zijn gratis. Je vindt ze in de App Store (iPhone) of in Google Play (Android). "
           "Installeer er één en kies dan 'Volgende'."</p>
    }
}

#[component]
fn ClockCheck(server_time: String, app_seconds_left: i64, ticks: ReadSignal<i64>) -> impl IntoView {
    let clock = clock_from(ticks, &server_time);
    let window = window_left(ticks, app_seconds_left);
    view! {
        <p>"De codes in de app hangen af van de tijd. Loopt de klok van je telefoon voor of achter, dan kloppen ze niet."</p>
        <p class="klok">"Tijd volgens het portaal: " <strong data-testid="servertijd">{clock}</strong></p>
        <p aria-live="off" data-testid="app-over">{move || format!("Over {} seconden maakt de app een nieuwe code.", window())}</p>
        <p>"Vergelijk dit met de tijd op je telefoon. Scheelt het meer dan een paar seconden? "
           "Zet dan in de instellingen van je telefoon 'Automatische datum en tijd' (of 'Netwerktijd gebruiken') aan."</p>
    }
}

#[component]
#[allow(clippy::too_many_arguments)]
fn Codes(
    status: Resource<Result<crate::model::BindingStatus, AppError>>,
    ticks: ReadSignal<i64>,
    sms_code: RwSignal<String>,
    app_code: RwSignal<String>,
    mobile: RwSignal<String>,
    send: ServerAction<SendBindingSms>,
    give_mobile: ServerAction<SubmitBindingMobile>,
    confirm: ServerAction<ConfirmBinding>,
) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <p>"Laden…"</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Err(e) => super::error_message(e).into_any(),
                    Ok(s) if s.lapsed => view! {
                        <p class="melding fout" role="alert">
                            "Het koppelen is verlopen: het moet binnen 10 minuten worden afgerond. "
                            "Laad deze pagina opnieuw om met een nieuwe QR-code te beginnen."
                        </p>
                    }.into_any(),
                    Ok(s) if s.needs_mobile => view! {
                        <p>"We sturen een bevestigings-SMS. Er is nog geen mobiel nummer van je bekend; "
                           "het wordt opgeslagen zodra het koppelen lukt."</p>
                        <div class="veld">
                            <label for="wizard-mobiel">"Mobiel nummer"</label>
                            <input id="wizard-mobiel" type="tel" autocomplete="tel" inputmode="tel"
                                prop:value=move || mobile.get() on:input=move |ev| mobile.set(event_target_value(&ev)) />
                        </div>
                        {super::widgets::action_error(give_mobile)}
                        <button type="button" class="primair" on:click=move |_| {
                            give_mobile.dispatch(SubmitBindingMobile { mobile: mobile.get_untracked() });
                        }>"Code sturen"</button>
                    }.into_any(),
                    Ok(s) => {
                        let sms_valid = remaining(ticks, s.sms_valid_for);
                        let resend_left = remaining(ticks, s.resend_in);
                        let app_left = window_left(ticks, s.app_seconds_left);
                        let lapses = remaining(ticks, s.lapses_in);
                        view! {
                            {s.send_failed.then(|| view! {
                                <p class="melding fout" role="alert">"De bevestigings-SMS kon niet worden verstuurd. Probeer het zo opnieuw met 'Nieuwe code sturen'."</p>
                            })}
                            <p>"We hebben een bevestigings-SMS gestuurd naar " <strong>{s.masked_phone.clone().unwrap_or_default()}</strong> ". "
                               "Vul die code in, en de code die je authenticator app nu laat zien."</p>
                            <div class="veld">
                                <label for="wizard-sms">"SMS-code"</label>
                                <input id="wizard-sms" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="11"
                                    prop:value=move || sms_code.get() on:input=move |ev| sms_code.set(event_target_value(&ev)) />
                                <small aria-live="polite">{move || super::widgets::sms_valid_text(sms_valid())}</small>
                            </div>
                            <div class="veld">
                                <label for="wizard-app">"Code uit de app"</label>
                                <input id="wizard-app" type="text" inputmode="numeric" autocomplete="off" maxlength="11"
                                    prop:value=move || app_code.get() on:input=move |ev| app_code.set(event_target_value(&ev)) />
                                <small>{move || super::widgets::app_next_code_text(app_left())}</small>
                            </div>
                            {super::widgets::action_error(confirm)}
                            <button type="button" class="primair" disabled=move || confirm.pending().get() on:click=move |_| {
                                confirm.dispatch(ConfirmBinding { sms_code: sms_code.get_untracked(), app_code: app_code.get_untracked() });
                            }>"Nu koppelen"</button>
                            <button type="button" class="tweede" disabled=move || { resend_left() > 0 || send.pending().get() }
                                on:click=move |_| { send.dispatch(SendBindingSms {}); }>"Nieuwe code sturen"</button>
                            {super::widgets::resend_wait(resend_left)}
                            <p class="uitleg">{move || format!("Rond het koppelen af binnen {}.", minutes_seconds(lapses()))}</p>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn Done(codes: Option<crate::model::RecoveryCodes>) -> impl IntoView {
    view! {
        <p class="melding bevestiging" role="status" data-testid="gekoppeld">"Je account is gekoppeld aan je authenticator app."</p>
        <p>"Wat verandert er? Vanaf de volgende keer dat je inlogt, vraagt het portaal na je wachtwoord om de code "
           "die de app op dat moment laat zien. Heb je je telefoon niet bij de hand, kies dan 'Stuur mij een SMS-code', "
           "of 'Inloggen met een herstelcode' als je telefoon kwijt is."</p>
        {codes.map(|codes| view! { <super::recovery::NewRecoveryCodes codes=codes /> })}
        <p><A href="/">"Naar de startpagina"</A></p>
    }
}
