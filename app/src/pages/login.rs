//! 'Inloggen': login name and password.

use leptos::{form::ActionForm, prelude::*};
use leptos_meta::Title;

use crate::{error::AppError, model::LoginOutcome};

#[server(endpoint = "login")]
pub async fn login(login_name: String, password: String) -> Result<LoginOutcome, AppError> {
    crate::core::respond(ssr::login(login_name, password)).await
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::{
        core::{core, internal},
        domain::login_form::{check_password_input, LoginName},
        error::AppError,
        model::LoginOutcome,
        second_factor,
        storage::{
            audit::{self, AuditEntry},
            users,
        },
    };

    pub async fn login(login_name: String, password: String) -> Result<LoginOutcome, AppError> {
        let core = core()?;
        let name = LoginName::parse(&login_name).map_err(AppError::Invalid)?;
        check_password_input(&password).map_err(AppError::Invalid)?;

        let found = users::credentials(&core.db, name.as_str()).await?;
        // An unknown name is checked against a dummy hash: same work, same
        // answer, so neither timing nor text tells which names exist.
        let right = core
            .passwords
            .verify(password, found.as_ref().map(|c| c.password_hash.clone()))
            .await
            .map_err(internal)?;
        let now = core.now();
        let office_id = found.as_ref().map(|c| c.office_id);
        let Some(user) = found.filter(|_| right) else {
            audit::record(
                &core.db,
                AuditEntry {
                    office_id,
                    action: "login.failed",
                    subject: Some(name.as_str()),
                    ..Default::default()
                },
                now,
            )
            .await?;
            return Err(AppError::BadCredentials);
        };

        let record = users::find(&core.db, user.user_id)
            .await?
            .ok_or_else(|| internal("user vanished during login"))?;
        let outcome = second_factor::after_password(&core, &record).await?;
        audit::record(
            &core.db,
            AuditEntry {
                office_id: Some(user.office_id),
                actor_user_id: Some(user.user_id),
                action: match outcome {
                    LoginOutcome::LoggedIn => "login.ok",
                    _ => "login.password_ok",
                },
                subject: Some(name.as_str()),
                ..Default::default()
            },
            now,
        )
        .await?;
        Ok(outcome)
    }
}

pub fn next_page(outcome: LoginOutcome) -> &'static str {
    match outcome {
        LoginOutcome::LoggedIn => "/",
        LoginOutcome::NeedsCode => "/inloggen/code",
        LoginOutcome::NeedsMobile => "/inloggen/mobiel",
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let value = action.value();
    Effect::new(move |_| {
        if let Some(Ok(outcome)) = value.get() {
            // A full page load, so the next page is rendered by the server
            // with the new session from the first byte.
            let _ = window().location().set_href(next_page(outcome));
        }
    });
    let error = move || value.get().and_then(Result::err);

    view! {
        <Title text="Inloggen – Tweestap" />
        <main class="inloggen">
            <h1>"Inloggen"</h1>
            <ActionForm action=action>
                <div class="veld">
                    <label for="login_name">"Inlognaam"</label>
                    <input id="login_name" name="login_name" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" />
                </div>
                <div class="veld">
                    <label for="password">"Wachtwoord"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" />
                </div>
                <p class="melding fout" role="alert" aria-live="assertive">
                    {move || error().map(|e| e.to_string())}
                </p>
                <button type="submit" disabled=move || action.pending().get()>"Inloggen"</button>
            </ActionForm>
        </main>
    }
}
