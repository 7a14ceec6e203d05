//! 'Mijn gegevens': the user's own account, and the choice of two-factor
//! login where a client's policy is 'Optioneel'.

use leptos::{either::Either, form::ActionForm, prelude::*};
use leptos_meta::Title;

use leptos_router::components::A;

use super::authenticator::{SendUnbindSms, UnbindAuthenticator, SETUP_PATH};
use crate::{
    error::AppError,
    model::{MyDetails, TwoFactorRequirement},
};

#[server(endpoint = "my_details")]
pub async fn load_my_details() -> Result<MyDetails, AppError> {
    crate::core::respond(ssr::my_details()).await
}

#[server(endpoint = "set_my_two_factor")]
pub async fn set_my_two_factor(two_factor: String) -> Result<(), AppError> {
    crate::core::respond(ssr::set_my_two_factor(two_factor)).await
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::{
        core::core,
        error::AppError,
        model::{mask_phone, MyDetails, TwoFactorRequirement, UserKind},
        second_factor,
        session::require_user,
        storage::{
            audit::{self, AuditEntry},
            authenticators, clients, users,
        },
    };

    pub async fn my_details() -> Result<MyDetails, AppError> {
        let auth = require_user().await?;
        let core = core()?;
        let user = auth.user;
        let clients = match user.kind {
            UserKind::Client => clients::clients_of_user(&core.db, user.id).await?,
            UserKind::Office => Vec::new(),
        };
        Ok(MyDetails {
            two_factor: second_factor::state_of(&core, &user).await?,
            app_bound: authenticators::bound(&core.db, user.id).await?.is_some(),
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

    /// Only where a client's policy leaves the choice to the user.
    pub async fn set_my_two_factor(two_factor: String) -> Result<(), AppError> {
        let auth = require_user().await?;
        let core = core()?;
        let on = match two_factor.as_str() {
            "ja" => true,
            "nee" => false,
            _ => return Err(AppError::invalid("Kies 'Ja' of 'Nee'.")),
        };
        let state = second_factor::state_of(&core, &auth.user).await?;
        if state.requirement != TwoFactorRequirement::UserChoice {
            return Err(AppError::invalid(
                "Je administratiekantoor bepaalt voor jouw account of twee-factor-authenticatie aan staat.",
            ));
        }
        if on == auth.user.two_factor_chosen {
            return Ok(());
        }
        users::set_two_factor_choice(&core.db, auth.user.id, on).await?;
        let yes_no = |b: bool| if b { "Ja" } else { "Nee" };
        audit::record(
            &core.db,
            AuditEntry {
                office_id: Some(auth.user.office_id),
                actor_user_id: Some(auth.user.id),
                action: "user.two_factor_choice",
                subject: Some(&auth.user.login_name),
                old_value: Some(yes_no(auth.user.two_factor_chosen)),
                new_value: Some(yes_no(on)),
            },
            core.now(),
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
    let details = Resource::new(move || (saves.get(), unbinds.get()), |_| load_my_details());
    view! {
        <Title text="Mijn gegevens – Tweestap" />
        <h1>"Mijn gegevens"</h1>
        <Transition fallback=|| view! { <p>"Laden…"</p> }>
            {move || Suspend::new(async move {
                match details.await {
                    Ok(d) => Either::Left(view! {
                    <dl class="gegevens">
                        <dt>"Naam"</dt><dd>{d.display_name}</dd>
                        <dt>"Inlognaam"</dt><dd>{d.login_name}</dd>
                        <dt>"Soort account"</dt><dd>{d.kind.label()}</dd>
                        <dt>"E-mailadres"</dt><dd>{d.email.unwrap_or_else(|| "–".into())}</dd>
                        <dt>"Mobiel nummer"</dt><dd>{d.mobile_masked.unwrap_or_else(|| "Niet bekend".into())}</dd>
                        {d.branch.map(|b| view! { <dt>"Vestiging"</dt><dd>{b}</dd> })}
                        {(!d.clients.is_empty()).then(|| view! {
                            <dt>"Cliënten"</dt>
                            <dd>{d.clients.into_iter().map(|c| c.name).collect::<Vec<_>>().join(", ")}</dd>
                        })}
                    </dl>
                    <nav class="tabs" aria-label="Onderdelen">
                        <a href="/mijn-gegevens" aria-current="page">"Gegevens"</a>
                        <a href=SETUP_PATH>"Authenticator"</a>
                    </nav>
                    <h2>"Inlog met twee-factor-authenticatie"</h2>
                    {match d.two_factor.requirement {
                        TwoFactorRequirement::UserChoice => Either::Left(view! {
                            <ActionForm action=choose>
                                <fieldset>
                                    <legend>"Inlog met twee-factor-authenticatie"</legend>
                                    <div class="keuze">
                                        <input type="radio" id="mijn-tf-ja" name="two_factor" value="ja" checked=d.own_choice />
                                        <label for="mijn-tf-ja">"Ja"</label>
                                    </div>
                                    <div class="keuze">
                                        <input type="radio" id="mijn-tf-nee" name="two_factor" value="nee" checked=!d.own_choice />
                                        <label for="mijn-tf-nee">"Nee"</label>
                                    </div>
                                </fieldset>
                                <p class="uitleg">"Een wijziging geldt vanaf de volgende keer dat je inlogt."</p>
                                <button type="submit" disabled=move || choose.pending().get()>"Opslaan"</button>
                            </ActionForm>
                        }),
                        TwoFactorRequirement::Mandatory => Either::Right(Either::Left(view! {
                            <p data-testid="twee-factor">"Aan. Je administratiekantoor heeft dit verplicht gesteld. Factor: " {d.two_factor.factor} "."</p>
                        })),
                        TwoFactorRequirement::Off => Either::Right(Either::Right(view! {
                            <p data-testid="twee-factor">"Uit."</p>
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
                    }),
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
    }
}

/// 'Authenticator ontkoppelen', confirmed with a current app or SMS code.
#[component]
fn UnbindForm(action: ServerAction<UnbindAuthenticator>) -> impl IntoView {
    let sms = ServerAction::<SendUnbindSms>::new();
    view! {
        <p data-testid="app-gekoppeld">"Je account is gekoppeld aan een authenticator app."</p>
        <ActionForm action=action>
            <div class="veld">
                <label for="unbind_code">"Code uit de app of SMS-code"</label>
                <input id="unbind_code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="11" />
            </div>
            <p class="melding fout" role="alert">{move || action.value().get().and_then(Result::err).map(|e| e.to_string())}</p>
            <button type="submit" disabled=move || action.pending().get()>"Authenticator ontkoppelen"</button>
        </ActionForm>
        <ActionForm action=sms>
            <button type="submit" class="tweede">"Stuur mij een SMS-code"</button>
        </ActionForm>
        <p class="melding" role="status">{move || match sms.value().get() {
            Some(Ok(())) => Some("Er is een SMS-code verstuurd.".to_string()),
            Some(Err(e)) => Some(e.to_string()),
            None => None,
        }}</p>
    }
}
