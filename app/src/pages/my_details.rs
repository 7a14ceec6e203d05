//! 'Mijn gegevens': the user's own account, and the choice of two-factor
//! login where a client's policy is 'Optioneel'.

use leptos::{either::Either, form::ActionForm, prelude::*};
use leptos_meta::Title;

use leptos_router::components::A;

use super::{
    authenticator::{UnbindAuthenticator, SETUP_PATH},
    number_change,
    recovery::RecoverySection,
    step_up::{asks_step_up, StepUpIfAsked},
};
use crate::{
    error::AppError,
    model::{MyDetails, TwoFactorRequirement, APP_BOUND_SUMMARY},
};

#[server(endpoint = "my_details")]
pub async fn load_my_details() -> Result<MyDetails, AppError> {
    crate::core::respond(ssr::my_details()).await
}

#[server(endpoint = "set_my_two_factor")]
pub async fn set_my_two_factor(two_factor: String) -> Result<(), AppError> {
    crate::core::respond(ssr::set_my_two_factor(two_factor)).await
}

/// 'Vergeten' for one of the user's trusted browsers.
#[server(endpoint = "forget_trusted_browser")]
pub async fn forget_trusted_browser(id: i64) -> Result<(), AppError> {
    crate::core::respond(async {
        let auth = crate::session::require_user().await?;
        crate::trusted_browsers::forget(&crate::core::core()?, &auth, id).await
    })
    .await
}

/// 'E-mailadres wijzigen': where security notices go; a change to how
/// the account logs in, so after a step-up, and told to the old address.
#[server(endpoint = "set_my_email")]
pub async fn set_my_email(email: String) -> Result<(), AppError> {
    crate::core::respond(ssr::set_my_email(email)).await
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::{
        core::core,
        domain::text::EmailAddress,
        error::AppError,
        factors::{self, ChangedBy, LoginChange},
        model::{mask_phone, MyDetails, TwoFactorRequirement, UserKind},
        recovery_codes,
        session::require_user,
        storage::{batch::Batch, clients, users},
        trusted_browsers,
    };

    pub async fn my_details() -> Result<MyDetails, AppError> {
        let auth = require_user().await?;
        let core = core()?;
        let user = auth.user.clone();
        let clients = match user.kind {
            UserKind::Client => clients::clients_of_user(&core.db, user.id).await?,
            UserKind::Office => Vec::new(),
        };
        let (recovery_left, recovery_set) = recovery_codes::left(&core, user.id).await?;
        let two_factor = factors::state_of(&core, &user).await?;
        Ok(MyDetails {
            recovery_left,
            recovery_set,
            trusted: trusted_browsers::list(&core, &auth).await?,
            app_bound: two_factor.app_bound,
            two_factor,
            own_choice: user.two_factor_chosen,
            login_name: user.login_name,
            display_name: user.display_name,
            kind: user.kind,
            email: user.email,
            mobile_masked: user.mobile.as_deref().map(mask_phone),
            branch: user.branch,
            clients,
        })
    }

    /// Only where a client's policy leaves the choice to the user. Turning
    /// it off needs a step-up (the door asks for it); on or off, the change
    /// goes through the door.
    pub async fn set_my_two_factor(two_factor: String) -> Result<(), AppError> {
        let auth = require_user().await?;
        let core = core()?;
        let on = match two_factor.as_str() {
            "ja" => true,
            "nee" => false,
            _ => return Err(AppError::invalid("Kies 'Ja' of 'Nee'.")),
        };
        let state = factors::state_of(&core, &auth.user).await?;
        if state.requirement != TwoFactorRequirement::UserChoice {
            return Err(AppError::invalid(
                "Je administratiekantoor bepaalt voor jouw account of twee-factor-authenticatie aan staat.",
            ));
        }
        if on == auth.user.two_factor_chosen {
            return Ok(());
        }
        let mut batch = Batch::<std::convert::Infallible>::new();
        batch.then(users::set_two_factor_choice(auth.user.id, on));
        let Ok(()) = factors::commit_login_change(
            &core,
            ChangedBy::User(&auth),
            &auth.user,
            vec![LoginChange::TwoFactorChoice { on }],
            batch,
        )
        .await?;
        Ok(())
    }

    pub async fn set_my_email(email: String) -> Result<(), AppError> {
        let auth = require_user().await?;
        let core = core()?;
        let new = EmailAddress::parse_optional(&email)
            .map_err(AppError::Invalid)?
            .map(EmailAddress::into_string);
        if new == auth.user.email {
            return Ok(());
        }
        let mut batch = Batch::<std::convert::Infallible>::new();
        batch.then(users::set_email(auth.user.id, new.as_deref()));
        let Ok(()) = factors::commit_login_change(
            &core,
            ChangedBy::User(&auth),
            &auth.user,
            vec![LoginChange::Email {
                old: auth.user.email.clone(),
                new,
            }],
            batch,
        )
        .await?;
        Ok(())
    }
}

#[component]
pub fn MyDetailsPage() -> impl IntoView {
    let choose = ServerAction::<SetMyTwoFactor>::new();
    let saves = super::successes(choose);
    let unbind = ServerAction::<UnbindAuthenticator>::new();
    let unbinds = super::successes(unbind);
    let forget = ServerAction::<ForgetTrustedBrowser>::new();
    let forgets = super::successes(forget);
    let email = ServerAction::<SetMyEmail>::new();
    let emails = super::successes(email);
    let details = Resource::new(
        move || (saves.get(), unbinds.get(), forgets.get(), emails.get()),
        |_| load_my_details(),
    );
    view! {
        <Title text="Mijn gegevens – Tweestap" />
        <h1>"Mijn gegevens"</h1>
        <Transition fallback=|| view! { <p>"Laden…"</p> }>
            {move || Suspend::new(async move {
                match details.await {
                    Ok(d) => Either::Left({
                    let current_email = d.email.clone().unwrap_or_default();
                    view! {
                    <dl class="gegevens">
                        <dt>"Naam"</dt><dd>{d.display_name}</dd>
                        <dt>"Inlognaam"</dt><dd>{d.login_name}</dd>
                        <dt>"Soort account"</dt><dd>{d.kind.label()}</dd>
                        <dt>"E-mailadres"</dt><dd data-testid="mijn-email">{d.email.clone().unwrap_or_else(|| "–".into())}</dd>
                        <dt>"Mobiel nummer"</dt>
                        <dd>
                            <span data-testid="mijn-nummer">{d.mobile_masked.unwrap_or_else(|| "Niet bekend".into())}</span>
                            " " <A href=number_change::PATH>"Mobiel nummer wijzigen"</A>
                        </dd>
                        {d.branch.map(|b| view! { <dt>"Vestiging"</dt><dd>{b}</dd> })}
                        {(!d.clients.is_empty()).then(|| view! {
                            <dt>"Cliënten"</dt>
                            <dd>{d.clients.into_iter().map(|c| c.name).collect::<Vec<_>>().join(", ")}</dd>
                        })}
                    </dl>
                    <EmailForm action=email current=current_email />
                    <nav class="tabs" aria-label="Onderdelen">
                        <a href="/mijn-gegevens" aria-current="page">"Gegevens"</a>
                        <a href=SETUP_PATH>"Authenticator"</a>
                    </nav>
                    <h2>"Inlog met twee-factor-authenticatie"</h2>
                    {match d.two_factor.requirement {
                        TwoFactorRequirement::UserChoice => Either::Left(view! {
                            <ActionForm action=choose>
                                <super::widgets::JaNeeField legend="Inlog met twee-factor-authenticatie" name="two_factor" id_prefix="mijn-tf" yes=d.own_choice />
                                <p class="uitleg">"Een wijziging geldt vanaf de volgende keer dat je inlogt."</p>
                                <button type="submit" disabled=move || choose.pending().get()>"Opslaan"</button>
                            </ActionForm>
                        }),
                        TwoFactorRequirement::Mandatory => Either::Right(Either::Left(view! {
                            <p data-testid="twee-factor">"Aan. Je administratiekantoor heeft dit verplicht gesteld. Factor: " {d.two_factor.factor} "."</p>
                        })),
                        TwoFactorRequirement::Off => Either::Right(Either::Right(view! {
                            <p data-testid="twee-factor">{if d.two_factor.by_app_only() {
                                format!("{}.", APP_BOUND_SUMMARY)
                            } else {
                                "Uit.".to_string()
                            }}</p>
                        })),
                    }}
                    <h2>"Authenticator app"</h2>
                    {if d.app_bound {
                        Either::Left(view! { <UnbindForm action=unbind /> })
                    } else {
                        Either::Right(view! {
                            <p>"Liever geen SMS? Met een authenticator app maakt je telefoon de code zelf, ook zonder bereik. "
                               <A href=SETUP_PATH>"Authenticator instellen"</A></p>
                        })
                    }}
                    {(d.app_bound || d.recovery_set).then(|| view! {
                        <RecoverySection left=d.recovery_left has_set=d.recovery_set />
                    })}
                    {(!d.trusted.is_empty()).then(|| view! { <TrustedBrowsers rows=d.trusted action=forget /> })}
                    }}),
                    Err(e) => Either::Right(super::error_message(e)),
                }
            })}
        </Transition>
        <p class="melding bevestiging" role="status">
            {move || matches!(choose.value().get(), Some(Ok(()))).then_some("Je keuze is opgeslagen. Die geldt vanaf de volgende keer dat je inlogt.")}
        </p>
        <p class="melding fout" role="alert">
            {move || choose.value().get().and_then(Result::err).map(|e| e.to_string())}
        </p>
        <StepUpIfAsked asked=asks_step_up(choose) />
    }
}

/// 'E-mailadres wijzigen': a change to how the account is told about
/// changes, so after a step-up; the old address hears of it.
#[component]
fn EmailForm(action: ServerAction<SetMyEmail>, current: String) -> impl IntoView {
    view! {
        <h2>"E-mailadres"</h2>
        <ActionForm action=action>
            <div class="veld">
                <label for="mijn-email-invoer">"E-mailadres"</label>
                <input id="mijn-email-invoer" name="email" type="email" autocomplete="email" value=current
                    aria-describedby="mijn-email-uitleg" />
                <small id="mijn-email-uitleg">
                    "Hier krijg je bericht als er iets aan je inlog verandert. Bij een nieuw adres krijgt ook het oude adres bericht."
                </small>
            </div>
            <button type="submit" class="tweede" disabled=move || action.pending().get()>"E-mailadres wijzigen"</button>
        </ActionForm>
        <p class="melding fout" role="alert">
            {move || action.value().get().and_then(Result::err).filter(|e| *e != AppError::StepUpRequired).map(|e| e.to_string())}
        </p>
        {super::widgets::action_done(action, "Je e-mailadres is opgeslagen.")}
        <StepUpIfAsked asked=asks_step_up(action) />
    }
}

/// 'Authenticator ontkoppelen', after a step-up.
#[component]
fn UnbindForm(action: ServerAction<UnbindAuthenticator>) -> impl IntoView {
    view! {
        <p data-testid="app-gekoppeld">"Je account is gekoppeld aan een authenticator app."</p>
        <ActionForm action=action>
            <button type="submit" class="tweede" disabled=move || action.pending().get()>"Authenticator ontkoppelen"</button>
        </ActionForm>
        {super::widgets::action_error(action)}
        <StepUpIfAsked asked=asks_step_up(action) />
    }
}

/// The browsers that skip the second factor for a while, each with
/// 'Vergeten'.
#[component]
fn TrustedBrowsers(
    rows: Vec<crate::model::TrustedBrowserRow>,
    action: ServerAction<ForgetTrustedBrowser>,
) -> impl IntoView {
    view! {
        <h2>"Onthouden apparaten"</h2>
        <p>"Op deze apparaten vragen we bij het inloggen alleen je wachtwoord, geen code."</p>
        <ul class="apparaten">
            {rows.into_iter().map(|b| {
                let label = format!("{} vergeten", b.description);
                view! {
                    <li data-testid="onthouden-apparaat">
                        <strong>{b.description.clone()}</strong>
                        {b.this_browser.then_some(" (dit apparaat)")}
                        <br />
                        <small>{format!("Onthouden sinds {}, tot {}. Laatst gebruikt {}.", b.added, b.until, b.last_used)}</small>
                        <ActionForm action=action>
                            <input type="hidden" name="id" value=b.id.to_string() />
                            <button type="submit" class="tweede" aria-label=label>"Vergeten"</button>
                        </ActionForm>
                    </li>
                }
            }).collect_view()}
        </ul>
        {super::widgets::action_error(action)}
    }
}
