//! The password's pages: 'Wachtwoord vergeten?', 'Kies je wachtwoord' for a
//! reset link and an invitation, and 'Mijn gegevens' → 'Wachtwoord
//! wijzigen' behind the step-up. None of them logs in: after a new password the login asks
//! the second factor as always.

use leptos::{either::Either, form::ActionForm, prelude::*};
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use super::step_up::StepUpGate;
use crate::{error::AppError, model::LinkAccount};
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};

pub const FORGOT_PATH: &str = "/wachtwoord-vergeten";
pub const CHANGE_PATH: &str = "/mijn-gegevens/wachtwoord";
/// Where a saved password leads: the login page, which says so.
pub const SAVED_PATH: &str = "/inloggen?wachtwoord=opgeslagen";

/// 'Stuur herstellink': the same answer for every input.
#[server(endpoint = "ask_password_reset")]
pub async fn ask_password_reset(account: String) -> Result<(), AppError> {
    serve::anyone(
        move |core| async move { flows::recovery_links::ask_reset(&core, &account).await },
    )
    .await
}

/// Whose password a mailed link sets (`page`: `welkom` or `herstellen`),
/// or the link's refusal.
#[server(endpoint = "link_account")]
pub async fn load_link_account(page: String, token: String) -> Result<LinkAccount, AppError> {
    serve::anyone(move |core| async move {
        flows::recovery_links::link_page(&core, &page, &token).await
    })
    .await
}

#[server(endpoint = "choose_password")]
pub async fn choose_password(
    page: String,
    token: String,
    new_password: String,
    repeat_password: String,
) -> Result<(), AppError> {
    serve::anyone(move |core| async move {
        flows::recovery_links::choose_password(
            &core,
            &page,
            &token,
            &new_password,
            &repeat_password,
        )
        .await
    })
    .await
}

/// 'E-mailadres bevestigen': the button on the confirmation link's page.
#[server(endpoint = "confirm_email")]
pub async fn confirm_email(token: String) -> Result<(), AppError> {
    serve::anyone(
        move |core| async move { flows::recovery_links::confirm_email(&core, &token).await },
    )
    .await
}

#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    repeat_password: String,
) -> Result<(), AppError> {
    serve::user(move |core, auth| async move {
        flows::account::change_password(
            &core,
            &auth,
            current_password,
            &new_password,
            &repeat_password,
        )
        .await
    })
    .await
}

/// 'Nieuw wachtwoord' and 'Herhaal wachtwoord', with what the rules ask.
#[component]
fn NewPasswordFields() -> impl IntoView {
    view! {
        <div class="veld">
            <label for="new_password">"Nieuw wachtwoord"</label>
            <input id="new_password" name="new_password" type="password" autocomplete="new-password"
                required minlength="12" maxlength="256" aria-describedby="wachtwoord-uitleg" />
            <small id="wachtwoord-uitleg">
                "Minstens 12 tekens; spaties en alle tekens mogen. Een zin van een paar woorden is sterk en goed te onthouden. "
                "Niet je naam, inlognaam of e-mailadres, en geen veelgebruikt wachtwoord."
            </small>
        </div>
        <div class="veld">
            <label for="repeat_password">"Herhaal wachtwoord"</label>
            <input id="repeat_password" name="repeat_password" type="password" autocomplete="new-password"
                required maxlength="256" />
        </div>
    }
}

/// The page of a link that no longer opens, with the way to a new one:
/// a reset link anyone asks for again; an invitation only the office can
/// send again; an address is typed again under 'Mijn gegevens'.
#[component]
pub fn LinkGone(page: &'static str) -> impl IntoView {
    let way = match page {
        "welkom" => Either::Left(view! {
            <p>"Vraag je administratiekantoor om een nieuwe uitnodiging. Heb je al een wachtwoord gekozen? "
               <A href="/inloggen">"Ga naar Inloggen"</A>"."</p>
        }),
        "e-mailadres" => Either::Right(Either::Left(view! {
            <p>"Geef het e-mailadres opnieuw op bij 'Mijn gegevens'; je krijgt dan een nieuwe link. "
               <A href="/inloggen">"Ga naar Inloggen"</A>"."</p>
        })),
        _ => Either::Right(Either::Right(view! {
            <p><A href=FORGOT_PATH>"Vraag een nieuwe herstellink aan"</A>" of "<A href="/inloggen">"ga naar Inloggen"</A>"."</p>
        })),
    };
    view! {
        <p class="melding fout" role="alert">{AppError::LinkGone.to_string()}</p>
        {way}
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let ask = ServerAction::<AskPasswordReset>::new();
    let asked = move || matches!(ask.value().get(), Some(Ok(())));
    view! {
        <Title text="Wachtwoord vergeten – Tweestap" />
        <main class="inloggen">
            <h1>"Wachtwoord vergeten?"</h1>
            <Show
                when=asked
                fallback=move || view! {
                    <p>"Vul je inlognaam of het e-mailadres van je account in. We sturen een link waarmee je een nieuw wachtwoord kiest naar het e-mailadres dat bij je account hoort."</p>
                    <ActionForm action=ask>
                        <div class="veld">
                            <label for="account">"Inlognaam of e-mailadres"</label>
                            <input id="account" name="account" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required />
                        </div>
                        {super::widgets::action_error(ask)}
                        <button type="submit" disabled=move || ask.pending().get()>"Stuur herstellink"</button>
                    </ActionForm>
                }
            >
                <p class="melding bevestiging" role="status" data-testid="herstellink-gevraagd">
                    "Als er een account bij hoort, is er nu een herstellink onderweg naar het e-mailadres van dat account. "
                    "De link werkt 30 minuten en één keer."
                </p>
                <p>"Geen mail binnen een paar minuten? Kijk bij je ongewenste e-mail, of vraag je administratiekantoor om hulp."</p>
            </Show>
            <p><A href="/inloggen">"Terug naar Inloggen"</A></p>
        </main>
    }
}

/// `/wachtwoord-herstellen/<token>`: a reset link.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    view! { <ChoosePasswordPage page="herstellen" /> }
}

/// `/welkom/<token>`: an invitation.
#[component]
pub fn WelcomePage() -> impl IntoView {
    view! { <ChoosePasswordPage page="welkom" /> }
}

/// 'Kies je wachtwoord' for either link.
#[component]
fn ChoosePasswordPage(page: &'static str) -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let link = Resource::new(token, move |token| {
        load_link_account(page.to_string(), token)
    });
    let save = ServerAction::<ChoosePassword>::new();
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(()))) {
            let _ = window().location().set_href(SAVED_PATH);
        }
    });
    // A link used meanwhile (in another tab) gets the link's own page.
    let gone = move || matches!(save.value().get(), Some(Err(AppError::LinkGone)));
    view! {
        <Title text="Kies je wachtwoord – Tweestap" />
        <main class="inloggen">
            <h1>"Kies je wachtwoord"</h1>
            <Transition fallback=|| view! { <p>"Laden…"</p> }>
                {move || Suspend::new(async move {
                    match link.await {
                        Err(AppError::LinkGone) => Either::Left(view! { <LinkGone page=page /> }.into_any()),
                        Err(e) => Either::Left(super::error_message(e).into_any()),
                        Ok(account) => Either::Right({
                            let login = StoredValue::new(account.login_name);
                            view! {
                            <Show when=move || !gone() fallback=move || view! { <LinkGone page=page /> }>
                                <p>"Voor je account " <strong data-testid="link-inlognaam">{login.get_value()}</strong> "."</p>
                                <ActionForm action=save>
                                    <input type="hidden" name="page" value=page />
                                    <input type="hidden" name="token" value=token() />
                                    // For the browser's password manager: which account this is.
                                    <input type="text" name="username" autocomplete="username" value=login.get_value() hidden readonly />
                                    <NewPasswordFields />
                                    {super::widgets::action_error(save)}
                                    <button type="submit" disabled=move || save.pending().get()>"Wachtwoord opslaan"</button>
                                </ActionForm>
                            </Show>
                        }}),
                    }
                })}
            </Transition>
        </main>
    }
}

/// `/e-mailadres-bevestigen/<token>`: opening shows the address; the
/// button confirms it (a mail scanner that opens links confirms nothing).
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let link = Resource::new(token, |token| {
        load_link_account("e-mailadres".to_string(), token)
    });
    let confirm = ServerAction::<ConfirmEmail>::new();
    let gone = move || matches!(confirm.value().get(), Some(Err(AppError::LinkGone)));
    view! {
        <Title text="E-mailadres bevestigen – Tweestap" />
        <main class="inloggen">
            <h1>"E-mailadres bevestigen"</h1>
            <Transition fallback=|| view! { <p>"Laden…"</p> }>
                {move || Suspend::new(async move {
                    match link.await {
                        Err(AppError::LinkGone) => Either::Left(view! { <LinkGone page="e-mailadres" /> }.into_any()),
                        Err(e) => Either::Left(super::error_message(e).into_any()),
                        Ok(account) => Either::Right({
                            let text = StoredValue::new(format!(
                                "Maak {} het e-mailadres van je account {}.",
                                account.email.unwrap_or_default(),
                                account.login_name
                            ));
                            view! {
                                <Show when=move || !gone() fallback=|| view! { <LinkGone page="e-mailadres" /> }>
                                    <Show
                                        when=move || !matches!(confirm.value().get(), Some(Ok(())))
                                        fallback=|| view! {
                                            <p class="melding bevestiging" role="status" data-testid="adres-bevestigd">"Je e-mailadres is bevestigd. Berichten over je account gaan voortaan hierheen."</p>
                                            <p><A href="/">"Naar het portaal"</A></p>
                                        }
                                    >
                                        <p>{text.get_value()}</p>
                                        <ActionForm action=confirm>
                                            <input type="hidden" name="token" value=token() />
                                            {super::widgets::action_error(confirm)}
                                            <button type="submit" disabled=move || confirm.pending().get()>"E-mailadres bevestigen"</button>
                                        </ActionForm>
                                    </Show>
                                </Show>
                            }
                        }),
                    }
                })}
            </Transition>
        </main>
    }
}

#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    view! {
        <Title text="Wachtwoord wijzigen – Tweestap" />
        <p><A href="/mijn-gegevens">"← Mijn gegevens"</A></p>
        <h1>"Wachtwoord wijzigen"</h1>
        <StepUpGate>
            <ChangePasswordForm />
        </StepUpGate>
    }
}

#[component]
fn ChangePasswordForm() -> impl IntoView {
    let save = ServerAction::<ChangePassword>::new();
    view! {
        <Show
            when=move || !matches!(save.value().get(), Some(Ok(())))
            fallback=|| view! {
                <p class="melding bevestiging" role="status" data-testid="wachtwoord-gewijzigd">
                    "Je wachtwoord is gewijzigd. Op je andere apparaten ben je uitgelogd; je krijgt een bevestiging per e-mail en SMS."
                </p>
                <p><A href="/mijn-gegevens">"Terug naar Mijn gegevens"</A></p>
            }
        >
            <ActionForm action=save>
                <div class="veld">
                    <label for="current_password">"Huidig wachtwoord"</label>
                    <input id="current_password" name="current_password" type="password" autocomplete="current-password" required />
                </div>
                <NewPasswordFields />
                {super::widgets::action_error(save)}
                <button type="submit" disabled=move || save.pending().get()>"Wachtwoord opslaan"</button>
            </ActionForm>
        </Show>
    }
}
