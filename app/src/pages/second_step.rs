//! The second step of a login: 'Mobiel nummer' when none is known, then the
//! SMS security code ('beveiligingscode'). Only a login that gave the right
//! password reaches these pages and their server functions.

use leptos::{either::Either, form::ActionForm, prelude::*};
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::{
    countdown::{minutes_seconds, remaining, use_ticks, window_left},
    error::AppError,
    model::{CodeStatus, PasskeyChallenge, SmsDelivery},
    pages::widgets::{passkey_ceremony, passkey_error, passkeys_here},
};
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};

#[server(endpoint = "code_status")]
pub async fn load_code_status() -> Result<CodeStatus, AppError> {
    serve::pending(move |core, pending| async move { flows::login::status(&core, &pending).await })
        .await
}

/// `remember`: the box 'Dit apparaat … dagen onthouden' (absent: not ticked).
#[server(endpoint = "verify_code")]
pub async fn verify_code(code: String, remember: Option<String>) -> Result<(), AppError> {
    serve::anyone(move |core| async move {
        flows::login::verify_code(&core, &code, remember.is_some_and(|v| v == "ja")).await
    })
    .await
}

/// 'Inloggen met een herstelcode'.
#[server(endpoint = "verify_recovery_code")]
pub async fn verify_recovery_code(recovery_code: String) -> Result<(), AppError> {
    serve::pending(move |core, pending| async move {
        flows::login::verify_recovery(&core, &pending, &recovery_code).await
    })
    .await
}

/// 'Inloggen met je passkey', first half: the options for the browser.
#[server(endpoint = "begin_login_passkey")]
pub async fn begin_login_passkey() -> Result<PasskeyChallenge, AppError> {
    serve::pending(move |core, pending| async move {
        flows::login::begin_passkey(&core, &pending).await
    })
    .await
}

/// 'Inloggen met je passkey', second half: the browser's answer.
#[server(endpoint = "login_with_passkey")]
pub async fn login_with_passkey(ceremony: String, response: String) -> Result<(), AppError> {
    serve::anyone(move |core| async move {
        flows::login::verify_passkey(&core, &ceremony, &response).await
    })
    .await
}

/// What became of the newest SMS (the page asks until it is known).
#[server(endpoint = "sms_delivery")]
pub async fn load_sms_delivery() -> Result<SmsDelivery, AppError> {
    serve::pending(
        move |core, pending| async move { flows::login::delivery(&core, &pending).await },
    )
    .await
}

#[server(endpoint = "resend_code")]
pub async fn resend_code() -> Result<(), AppError> {
    serve::pending(move |core, pending| async move { flows::login::resend(&core, &pending).await })
        .await
}

#[server(endpoint = "submit_mobile")]
pub async fn submit_mobile(mobile: String) -> Result<(), AppError> {
    serve::pending(move |core, pending| async move {
        flows::login::use_new_mobile(&core, &pending, &mobile).await
    })
    .await
}

fn go_to(path: &str) {
    let _ = window().location().set_href(path);
}

#[component]
pub fn CodePage() -> impl IntoView {
    let verify = ServerAction::<VerifyCode>::new();
    let recover = ServerAction::<VerifyRecoveryCode>::new();
    let resend = ServerAction::<ResendCode>::new();
    let status = Resource::new(move || resend.version().get(), |_| load_code_status());
    Effect::new(move |_| {
        if matches!(verify.value().get(), Some(Ok(())))
            || matches!(recover.value().get(), Some(Ok(())))
        {
            go_to("/");
        }
    });
    let verify_error = move || verify.value().get().and_then(Result::err);
    let resend_error = move || resend.value().get().and_then(Result::err);
    let resent = move || matches!(resend.value().get(), Some(Ok(())));
    let ticks = use_ticks();

    view! {
        <Title text="Beveiligingscode – Tweestap" />
        <main class="inloggen">
            <h1>"Beveiligingscode"</h1>
            <PasskeyFirst status=status />
            <Suspense fallback=|| view! { <p>"Laden…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Err(AppError::NotLoggedIn) => Either::Left(view! { <Redirect path="/inloggen" /> }.into_any()),
                        Err(e) => Either::Left(super::error_message(e).into_any()),
                        Ok(s) if s.needs_mobile => Either::Left(view! { <Redirect path="/inloggen/mobiel" /> }.into_any()),
                        Ok(s) if s.recovery_only() => Either::Left(view! { <RecoveryOnly locked_for=s.locked_for /> }.into_any()),
                        Ok(s) => Either::Right(view! { <CodeState status=s ticks=ticks /> }),
                    }
                })}
            </Suspense>
            // Hidden by the stylesheet when only a herstelcode can answer
            // (`.alleen-herstelcode` in the code's state above).
            <ActionForm action=verify attr:class="codeformulier">
                <div class="veld">
                    <label for="code">"Beveiligingscode"</label>
                    <input
                        id="code"
                        name="code"
                        type="text"
                        inputmode="numeric"
                        autocomplete="one-time-code"
                        maxlength="11"
                        aria-describedby="code-uitleg"
                    />
                    <small id="code-uitleg">"6 cijfers, bijvoorbeeld 123 456"</small>
                </div>
                <RememberBox status=status />
                <p class="melding fout" role="alert">{move || verify_error().map(|e| e.to_string())}</p>
                <button type="submit" disabled=move || verify.pending().get()>"Inloggen"</button>
            </ActionForm>
            <DeliveryNote resend=resend status=status />
            <ResendButton resend=resend status=status ticks=ticks />
            <p class="melding fout" role="alert">{move || resend_error().map(|e| e.to_string())}</p>
            <p class="melding bevestiging" role="status">{move || resent().then_some("Er is een nieuwe code verstuurd.")}</p>
            <RecoveryCodeForm recover=recover status=status />
            <p><a href="/inloggen">"Opnieuw inloggen"</a></p>
        </main>
    }
}

/// 'Inloggen met je passkey', first of the ways in for a user who has one
/// (and a browser that can use it); the codes stay below it.
#[component]
fn PasskeyFirst(status: Resource<Result<CodeStatus, AppError>>) -> impl IntoView {
    let here = passkeys_here();
    let use_passkey = Action::new_unsync(|_: &()| {
        passkey_ceremony(begin_login_passkey(), false, |ceremony, response| {
            login_with_passkey(ceremony, response)
        })
    });
    Effect::new(move |_| {
        if matches!(use_passkey.value().get(), Some(Ok(()))) {
            go_to("/");
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let offered = status.await.is_ok_and(|s| s.passkey_available);
                (offered && here.get()).then(|| view! {
                    <div class="passkey-eerst">
                        <p>"Log in met de passkey op dit apparaat of je beveiligingssleutel."</p>
                        <button type="button" data-testid="passkey-inloggen"
                            disabled=move || use_passkey.pending().get()
                            on:click=move |_| { use_passkey.dispatch(()); }>
                            "Inloggen met je passkey"
                        </button>
                        {passkey_error(use_passkey)}
                        <p class="of">"Of gebruik een code:"</p>
                    </div>
                })
            })}
        </Transition>
    }
}

/// Where the code went, how long it stays valid, and a lockout if any.
#[component]
fn CodeState(status: CodeStatus, ticks: ReadSignal<i64>) -> impl IntoView {
    let valid = remaining(ticks, status.valid_for);
    let phone = status.masked_phone.clone().unwrap_or_default();
    view! {
        {status.locked_for.map(|wait| view! {
            <p class="melding fout" role="alert">
                {locked_text(wait)}
            </p>
        })}
        {status.send_failed.then(|| view! {
            <p class="melding fout" role="alert">
                "De SMS met je beveiligingscode kon niet worden verstuurd. Probeer het zo opnieuw met 'Nieuwe code sturen'. "
                "Lukt het niet, neem dan contact op met je administratiekantoor."
            </p>
        })}
        {if status.app_bound {
            let app_left = window_left(ticks, status.app_seconds_left);
            view! {
                <p>"Vul de code in die je authenticator app nu laat zien."</p>
                <p data-testid="app-over">{move || super::widgets::app_next_code_text(app_left())}</p>
                {(status.valid_for > 0).then(|| view! {
                    <p>"Of vul de SMS-code in die we naar " <strong data-testid="nummer">{phone.clone()}</strong> " stuurden."</p>
                })}
            }.into_any()
        } else if status.passkey_available && status.valid_for == 0 {
            // No SMS went out at once: the passkey is asked for first.
            view! {
                {status.sms_available.then(|| view! {
                    <p>"Geen passkey bij de hand? Laat een SMS-code sturen naar " <strong data-testid="nummer">{phone.clone()}</strong> "."</p>
                })}
            }.into_any()
        } else {
            view! {
                <p>"We hebben een SMS met een beveiligingscode gestuurd naar het nummer " <strong data-testid="nummer">{phone}</strong> "."</p>
                <p aria-live="polite" data-testid="geldig">
                    {move || match valid() {
                        0 => "Er is geen geldige code meer. Vraag een nieuwe code aan met 'Nieuwe code sturen'.".to_string(),
                        left => format!("De code is nog {} geldig.", minutes_seconds(left)),
                    }}
                </p>
            }.into_any()
        }}
    }
}

/// How often the page asks what became of the SMS: a report shows within
/// this of reaching any instance.
const DELIVERY_POLL_MS: u32 = 500;

/// Asking stops after this many times (ten minutes): the code is long
/// lapsed by then.
const DELIVERY_POLLS: u32 = 1_200;

/// 'Afgeleverd om 09:01', or that the SMS did not arrive with the other
/// ways in. Asked again every half second until the provider's report is
/// in; a new code starts the asking afresh.
#[component]
fn DeliveryNote(
    resend: ServerAction<ResendCode>,
    status: Resource<Result<CodeStatus, AppError>>,
) -> impl IntoView {
    let (polls, set_polls) = signal(0_u32);
    let settled = RwSignal::new(false);
    Effect::new(move |_| {
        resend.version().get();
        settled.set(false);
        set_polls.set(0);
    });
    #[cfg(feature = "hydrate")]
    {
        let interval = gloo_timers::callback::Interval::new(DELIVERY_POLL_MS, move || {
            if !settled.get_untracked() && polls.get_untracked() < DELIVERY_POLLS {
                set_polls.update(|n| *n += 1);
            }
        });
        let interval = send_wrapper::SendWrapper::new(interval);
        on_cleanup(move || drop(interval));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (DELIVERY_POLL_MS, DELIVERY_POLLS);
    let delivery = Resource::new(
        move || (polls.get(), resend.version().get()),
        |_| load_sms_delivery(),
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let delivery = delivery.await.ok();
                if delivery.as_ref().is_some_and(SmsDelivery::is_final) {
                    settled.set(true);
                }
                let ways = status.await.ok();
                match delivery {
                    Some(SmsDelivery::Delivered { at }) => Some(view! {
                        <p class="melding bevestiging" role="status" data-testid="sms-bezorging">
                            {format!("Afgeleverd om {at}")}
                        </p>
                    }.into_any()),
                    Some(SmsDelivery::NotDelivered { reason }) => Some(view! {
                        <div class="melding fout" role="alert" data-testid="sms-bezorging">
                            <p>{format!("Je SMS is niet afgeleverd ({reason}).")}</p>
                            <p>{other_ways(ways.as_ref())}</p>
                        </div>
                    }.into_any()),
                    _ => None,
                }
            })}
        </Transition>
    }
}

/// The ways in besides the SMS that did not arrive.
fn other_ways(status: Option<&CodeStatus>) -> String {
    let mut ways = Vec::new();
    if let Some(s) = status {
        if s.app_bound {
            ways.push("met de code uit je authenticator app");
        }
        if s.passkey_available {
            ways.push("met je passkey");
        }
        if s.recovery_available {
            ways.push("met een herstelcode");
        }
    }
    let resend = "laat met 'Nieuwe code sturen' een nieuwe code sturen";
    match ways.as_slice() {
        [] => format!("Controleer je nummer of {resend}."),
        [one] => format!("Log in {one}, of {resend}."),
        [rest @ .., last] => format!("Log in {} of {last}, of {resend}.", rest.join(", ")),
    }
}

/// A lockout, as the code page says it.
fn locked_text(wait: i64) -> String {
    format!(
        "Er is te vaak een onjuiste code ingevuld. Je kunt het {} opnieuw proberen.",
        crate::model::minutes_text(wait)
    )
}

/// The code page of a user whose only way in is a herstelcode (a lost
/// phone after the beheerder reset the app and cleared the number). The
/// stylesheet hides the six-digit field beside it (`.alleen-herstelcode`).
#[component]
fn RecoveryOnly(locked_for: Option<i64>) -> impl IntoView {
    view! {
        {locked_for.map(|wait| view! {
            <p class="melding fout" role="alert">
                {locked_text(wait)}
            </p>
        })}
        <p class="alleen-herstelcode" data-testid="alleen-herstelcode">
            "Er is geen mobiel nummer en geen authenticator app bekend voor je account. "
            "Log in met een van je herstelcodes; daarna kun je bij 'Mijn gegevens' een nieuw mobiel nummer instellen."
        </p>
    }
}

#[component]
fn ResendButton(
    resend: ServerAction<ResendCode>,
    status: Resource<Result<CodeStatus, AppError>>,
    ticks: ReadSignal<i64>,
) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let status = status.await.ok();
                let wait = status.as_ref().map_or(0, |s| s.resend_in);
                let left = remaining(ticks, wait);
                let label = match &status {
                    Some(s) if (s.app_bound || s.passkey_available) && s.valid_for == 0 => {
                        "Stuur mij een SMS-code"
                    }
                    _ => "Nieuwe code sturen",
                };
                let shown = status
                    .as_ref()
                    .is_none_or(|s| !s.recovery_only() && (!s.app_bound || s.sms_available));
                shown.then(|| view! {
                    <ActionForm action=resend>
                        <button type="submit" class="tweede" disabled=move || { left() > 0 || resend.pending().get() }>
                            {label}
                        </button>
                        <span class="wacht" aria-live="polite" data-testid="opnieuw-over">
                            {move || match left() {
                                0 => String::new(),
                                s => format!("Over {s} seconden kun je een nieuwe code laten sturen."),
                            }}
                        </span>
                    </ActionForm>
                })
            })}
        </Transition>
    }
}

/// 'Dit apparaat 30 dagen onthouden' (the office's days), unless the
/// office has it off.
#[component]
fn RememberBox(status: Resource<Result<CodeStatus, AppError>>) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let days = status.await.map_or(0, |s| s.trust_days);
                (days > 0).then(|| view! {
                    <div class="keuze">
                        <input type="checkbox" id="onthouden" name="remember" value="ja" />
                        <label for="onthouden">{format!("Dit apparaat {days} dagen onthouden")}</label>
                        <small class="uitleg">"Alleen op je eigen computer of telefoon: dan vragen we hier geen code, wel je wachtwoord."</small>
                    </div>
                })
            })}
        </Transition>
    }
}

/// 'Inloggen met een herstelcode', for a phone that is lost: offered when
/// the user has recovery codes left, opened on request.
#[component]
fn RecoveryCodeForm(
    recover: ServerAction<VerifyRecoveryCode>,
    status: Resource<Result<CodeStatus, AppError>>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let status = status.await;
                let available = status.as_ref().is_ok_and(|s| s.recovery_available);
                // The only way in: opened at once.
                let only = status.as_ref().is_ok_and(|s| s.recovery_only());
                available.then(|| view! {
                    <Show
                        when=move || only || open.get()
                        fallback=move || view! {
                            <p><button type="button" class="tweede" on:click=move |_| open.set(true)>"Inloggen met een herstelcode"</button></p>
                        }
                    >
                        <ActionForm action=recover>
                            <div class="veld">
                                <label for="herstelcode">"Herstelcode"</label>
                                <input id="herstelcode" name="recovery_code" type="text" autocomplete="off"
                                    autocapitalize="characters" spellcheck="false" maxlength="20" aria-describedby="herstelcode-uitleg" />
                                <small id="herstelcode-uitleg">"Een code van je lijst met herstelcodes, bijvoorbeeld ABCD-EFGH-JK. Elke code werkt één keer."</small>
                            </div>
                            {super::widgets::action_error(recover)}
                            <button type="submit" disabled=move || recover.pending().get()>"Inloggen met herstelcode"</button>
                        </ActionForm>
                    </Show>
                })
            })}
        </Transition>
    }
}

#[component]
pub fn MobilePage() -> impl IntoView {
    let submit = ServerAction::<SubmitMobile>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = submit.value().get() {
            go_to("/inloggen/code");
        }
    });
    let error = move || submit.value().get().and_then(Result::err);
    view! {
        <Title text="Mobiel nummer – Tweestap" />
        <main class="inloggen">
            <h1>"Mobiel nummer"</h1>
            <p>
                "Je administratiekantoor vraagt bij het inloggen om een beveiligingscode per SMS. "
                "Er is nog geen mobiel nummer van je bekend. Vul het hieronder in; we sturen er meteen een code naartoe. "
                "Het nummer wordt pas opgeslagen als je die code goed hebt ingevuld."
            </p>
            <ActionForm action=submit>
                <div class="veld">
                    <label for="mobile">"Mobiel nummer"</label>
                    <input id="mobile" name="mobile" type="tel" autocomplete="tel" inputmode="tel" aria-describedby="mobiel-uitleg" />
                    <small id="mobiel-uitleg">"Bijvoorbeeld 06 12345678"</small>
                </div>
                <p class="melding fout" role="alert">{move || error().map(|e| e.to_string())}</p>
                <button type="submit" disabled=move || submit.pending().get()>"Code sturen"</button>
            </ActionForm>
            <p><a href="/inloggen">"Opnieuw inloggen"</a></p>
        </main>
    }
}
