//! 'Bevestig dat jij het bent': the step-up form that guards every change
//! to how an account logs in. Pages either wrap what needs it in
//! [`StepUpGate`], or show [`StepUpIfAsked`] when a save was refused for
//! want of it.

use leptos::{either::Either, form::ActionForm, prelude::*};

use crate::{
    countdown::{minutes_seconds, remaining, use_ticks},
    error::AppError,
    model::{PasskeyChallenge, StepUpStatus},
    pages::widgets::{passkey_ceremony, passkey_error, passkeys_here},
};
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};

#[server(endpoint = "step_up_status")]
pub async fn load_step_up_status() -> Result<StepUpStatus, AppError> {
    serve::user(move |core, auth| async move { flows::step_up::status(&core, &auth).await }).await
}

#[server(endpoint = "send_step_up_sms")]
pub async fn send_step_up_sms() -> Result<(), AppError> {
    serve::user(move |core, auth| async move { flows::step_up::send_code(&core, &auth).await })
        .await
}

/// `code` is empty for a user without any factor yet.
#[server(endpoint = "step_up")]
pub async fn step_up(password: String, code: String) -> Result<(), AppError> {
    serve::user(move |core, auth| async move {
        flows::step_up::prove(&core, &auth, password, &code, None).await
    })
    .await
}

/// 'Bevestigen met je passkey', first half: the options for the browser.
#[server(endpoint = "begin_step_up_passkey")]
pub async fn begin_step_up_passkey() -> Result<PasskeyChallenge, AppError> {
    serve::user(move |core, auth| async move { flows::step_up::begin_passkey(&core, &auth).await })
        .await
}

/// 'Bevestigen met je passkey': the password and the passkey's answer.
#[server(endpoint = "step_up_passkey")]
pub async fn step_up_passkey(
    password: String,
    ceremony: String,
    response: String,
) -> Result<(), AppError> {
    serve::user(move |core, auth| async move {
        flows::step_up::prove_with_passkey(&core, &auth, password, &ceremony, &response).await
    })
    .await
}

/// Shows `children` only within ten minutes of a step-up in this session;
/// until then, the step-up form.
#[component]
pub fn StepUpGate(children: ChildrenFn) -> impl IntoView {
    let prove = ServerAction::<StepUp>::new();
    let send = ServerAction::<SendStepUpSms>::new();
    let proven = super::successes(prove);
    let (by_passkey, set_by_passkey) = signal(0usize);
    // Not reloaded after an SMS is sent: that would redraw the form and
    // lose a password already typed.
    let status = Resource::new(
        move || (proven.get(), by_passkey.get()),
        |_| load_step_up_status(),
    );
    let children = StoredValue::new(children);
    view! {
        <Transition fallback=|| view! { <p>"Laden…"</p> }>
            {move || Suspend::new(async move {
                let status = status.await;
                // The server calls this closure twice: a dry run that polls
                // once, then the render. If the status is already there in
                // the dry run, the children would be built there too, and
                // their resources (the page's own data, a new binding's key)
                // fetched a second time under an owner that is then dropped:
                // the browser hydrates with the first fetch's answer, which
                // can fail for want of that owner, and the page never
                // hydrates. One pause here keeps the dry run from building
                // them; the browser builds them once, as the render does.
                #[cfg(feature = "ssr")]
                tokio::task::yield_now().await;
                match status {
                    Err(e) => Either::Left(super::error_message(e).into_any()),
                    Ok(s) if s.seconds_left > 0 => Either::Right(children.read_value()()),
                    Ok(s) => Either::Left(view! { <StepUpForm status=s prove=prove send=send proven_by_passkey=set_by_passkey /> }.into_any()),
                }
            })}
        </Transition>
    }
}

/// The step-up form, shown once a save was refused because it needs one.
#[component]
pub fn StepUpIfAsked(#[prop(into)] asked: Signal<bool>) -> impl IntoView {
    view! {
        <Show when=move || asked.get()>
            <StepUpGate>
                <p class="melding bevestiging" role="status">
                    "Bevestigd. Voer de wijziging nu opnieuw uit; dat kan de komende 10 minuten zonder nieuwe bevestiging."
                </p>
            </StepUpGate>
        </Show>
    }
}

/// True when a server action's last answer asked for a step-up.
pub fn asks_step_up<A>(action: ServerAction<A>) -> Signal<bool>
where
    A: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    A::Output: Clone + Send + Sync + 'static,
    A: serde::de::DeserializeOwned,
{
    Signal::derive(move || matches!(action.value().get(), Some(Err(AppError::StepUpRequired))))
}

#[component]
pub fn StepUpForm(
    status: StepUpStatus,
    prove: ServerAction<StepUp>,
    send: ServerAction<SendStepUpSms>,
    proven_by_passkey: WriteSignal<usize>,
    /// What the form is for, instead of a change to the login.
    #[prop(optional)]
    intro: Option<String>,
) -> impl IntoView {
    let ticks = use_ticks();
    let here = passkeys_here();
    let password = NodeRef::<leptos::html::Input>::new();
    let passkey = Action::new_unsync(move |_: &()| {
        let typed = password
            .get()
            .map(|input| input.value())
            .unwrap_or_default();
        passkey_ceremony(begin_step_up_passkey(), false, move |ceremony, response| {
            step_up_passkey(typed, ceremony, response)
        })
    });
    Effect::new(move |_| {
        if matches!(passkey.value().get(), Some(Ok(()))) {
            proven_by_passkey.update(|n| *n += 1);
        }
    });
    let offers_passkey = status.passkey;
    let resend_left = remaining(ticks, status.resend_in);
    let needs_code = status.needs_code();
    let code_label = match (status.app, status.sms_to.is_some()) {
        (true, true) => "Code uit de app of SMS-code",
        (true, false) => "Code uit de app",
        (false, true) => "SMS-code",
        (false, false) => "Herstelcode",
    };
    // The same field takes a recovery code, for a phone that is lost.
    let recovery_hint = (status.recovery && (status.app || status.sms_to.is_some()))
        .then_some("Telefoon kwijt? Vul dan een van je herstelcodes in.");
    let sms_to = status.sms_to.clone();
    let has_sms = sms_to.is_some();
    view! {
        <section class="bevestigen" aria-labelledby="bevestig-kop">
            <h2 id="bevestig-kop">"Bevestig dat jij het bent"</h2>
            <p>{intro.unwrap_or_else(|| if needs_code {
                "Voor een wijziging van je inlog vragen we je wachtwoord en een code van je huidige tweede factor. \
                 Zo kan niemand anders dit wijzigen, ook niet als die jouw sessie in handen heeft."
            } else {
                "Voor een wijziging van je inlog vragen we eerst je wachtwoord."
            }.to_string())}</p>
            <ActionForm action=prove>
                <div class="veld">
                    <label for="stepup_password">"Wachtwoord"</label>
                    <input id="stepup_password" name="password" type="password" autocomplete="current-password" node_ref=password />
                </div>
                <Show when=move || offers_passkey && here.get()>
                    <p>
                        <button type="button" data-testid="passkey-bevestigen"
                            disabled=move || passkey.pending().get()
                            on:click=move |_| { passkey.dispatch(()); }>
                            "Bevestigen met je passkey"
                        </button>
                    </p>
                    {passkey_error(passkey)}
                </Show>
                {if needs_code {
                    Either::Left(view! {
                        <div class="veld">
                            <label for="stepup_code">{code_label}</label>
                            <input id="stepup_code" name="code" type="text" autocomplete="one-time-code" maxlength="20"
                                inputmode=if status.recovery { "text" } else { "numeric" } />
                            {recovery_hint.map(|hint| view! { <small>{hint}</small> })}
                            {(has_sms && status.sms_valid_for > 0).then(|| view! {
                                <small>{format!("Er is al een SMS-code verstuurd; die is nog {} geldig.", minutes_seconds(status.sms_valid_for))}</small>
                            })}
                        </div>
                    })
                } else {
                    Either::Right(view! { <input type="hidden" name="code" value="" /> })
                }}
                {super::widgets::action_error(prove)}
                <button type="submit" disabled=move || prove.pending().get()>"Bevestigen"</button>
            </ActionForm>
            {sms_to.map(|to| view! {
                <ActionForm action=send>
                    <button type="submit" class="tweede" disabled=move || { resend_left() > 0 || send.pending().get() }>"Stuur mij een SMS-code"</button>
                    {super::widgets::resend_wait(resend_left)}
                </ActionForm>
                <p class="melding" role="status">{move || match send.value().get() {
                    Some(Ok(())) => Some(format!("Er is een SMS-code verstuurd naar {to}.")),
                    Some(Err(e)) => Some(e.to_string()),
                    None => None,
                }}</p>
            })}
        </section>
    }
}
