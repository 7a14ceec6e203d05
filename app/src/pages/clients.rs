//! 'Cliënten': the office's clients, and per client the tab
//! 'Authenticatie' with its two-factor policy (beheerders only).

use leptos::{either::Either, form::ActionForm, prelude::*};
use leptos_meta::Title;
use leptos_router::components::A;

use super::authenticator::ResetAuthenticator;
use crate::{
    error::AppError,
    model::{ClientDetail, ClientRow, TwoFactorPolicy},
};

#[server(endpoint = "list_clients")]
pub async fn list_clients() -> Result<Vec<ClientRow>, AppError> {
    crate::core::respond(async {
        let auth = crate::session::require_beheerder().await?;
        let core = crate::core::core()?;
        Ok(crate::storage::clients::list_for_office(&core.db, auth.user.office_id).await?)
    })
    .await
}

#[server(endpoint = "client_detail")]
pub async fn load_client_detail(id: i64) -> Result<ClientDetail, AppError> {
    crate::core::respond(ssr::client_detail(id)).await
}

#[server(endpoint = "save_client_authentication")]
pub async fn save_client_authentication(id: i64, policy: String) -> Result<(), AppError> {
    crate::core::respond(ssr::save_policy(id, policy)).await
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::{
        core::core,
        error::AppError,
        model::{ClientDetail, ClientRow, ClientUserRow, TwoFactorPolicy},
        second_factor,
        session::{require_beheerder, AuthUser},
        storage::{
            audit::{self, AuditEntry},
            authenticators, clients, users,
        },
    };

    /// A client of the beheerder's own office, or a refusal that does not
    /// tell whether it exists elsewhere.
    async fn own_client(auth: &AuthUser, id: i64) -> Result<ClientRow, AppError> {
        let core = core()?;
        clients::find_in_office(&core.db, auth.user.office_id, id)
            .await?
            .ok_or_else(|| AppError::invalid("Deze cliënt bestaat niet (meer)."))
    }

    pub async fn client_detail(id: i64) -> Result<ClientDetail, AppError> {
        let auth = require_beheerder().await?;
        let core = core()?;
        let client = own_client(&auth, id).await?;
        let mut rows = Vec::new();
        for user in users::users_of_client(&core.db, id).await? {
            rows.push(ClientUserRow {
                two_factor: second_factor::state_of(&core, &user).await?,
                id: user.id,
                app_bound: authenticators::bound(&core.db, user.id).await?.is_some(),
                login_name: user.login_name,
                display_name: user.display_name,
            });
        }
        Ok(ClientDetail {
            client,
            users: rows,
        })
    }

    pub async fn save_policy(id: i64, policy: String) -> Result<(), AppError> {
        let auth = require_beheerder().await?;
        let core = core()?;
        let new = TwoFactorPolicy::from_db(&policy)
            .ok_or_else(|| AppError::invalid("Kies 'Ja', 'Nee' of 'Optioneel'."))?;
        let client = own_client(&auth, id).await?;
        if client.policy == new {
            return Ok(());
        }
        clients::set_policy(&core.db, id, new).await?;
        audit::record(
            &core.db,
            AuditEntry {
                office_id: Some(auth.user.office_id),
                actor_user_id: Some(auth.user.id),
                action: "client.two_factor_policy",
                subject: Some(&client.name),
                old_value: Some(client.policy.label()),
                new_value: Some(new.label()),
            },
            core.now(),
        )
        .await?;
        Ok(())
    }
}

#[component]
pub fn ClientsPage() -> impl IntoView {
    let rows = Resource::new(|| (), |_| list_clients());
    view! {
        <Title text="Cliënten – Tweestap" />
        <h1>"Cliënten"</h1>
        <Suspense fallback=|| view! { <p>"Laden…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Ok(rows) => Either::Left(view! {
                    <table class="lijst">
                        <thead><tr>
                            <th scope="col">"Naam"</th>
                            <th scope="col">"Vestiging"</th>
                            <th scope="col">"Authenticatie"</th>
                            <th scope="col">"Gebruikers"</th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|c| view! {
                                <tr>
                                    <td><A href=format!("/clienten/{}", c.id)>{c.name}</A></td>
                                    <td>{c.branch}</td>
                                    <td>{c.policy.label()}</td>
                                    <td>{c.user_count}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    }),
                    Err(e) => Either::Right(super::error_message(e)),
                }
            })}
        </Suspense>
    }
}

const POLICY_HELP: [(TwoFactorPolicy, &str); 3] = [
    (TwoFactorPolicy::Ja, "2-factor inlog is verplicht."),
    (TwoFactorPolicy::Nee, "2-factor inlog staat uit."),
    (
        TwoFactorPolicy::Optioneel,
        "Elke gebruiker bij deze cliënt krijgt de keuze om het aan of uit te zetten.",
    ),
];

#[component]
pub fn ClientEditPage() -> impl IntoView {
    let id = super::route_id();
    let save = ServerAction::<SaveClientAuthentication>::new();
    let saves = super::successes(save);
    let reset = ServerAction::<ResetAuthenticator>::new();
    let resets = super::successes(reset);
    let detail = Resource::new(
        move || (id(), saves.get(), resets.get()),
        |(id, _, _)| load_client_detail(id),
    );
    let saved = move || matches!(save.value().get(), Some(Ok(())));
    let save_error = move || save.value().get().and_then(Result::err);

    view! {
        <Title text="Cliënt bewerken – Tweestap" />
        <p><A href="/clienten">"← Cliënten"</A></p>
        <Transition fallback=|| view! { <p>"Laden…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Err(e) => Either::Right(super::error_message(e)),
                    Ok(d) => Either::Left(view! {
                        <h1>{d.client.name.clone()}</h1>
                        <p>"Vestiging " {d.client.branch.clone()}</p>
                        <nav class="tabs" aria-label="Onderdelen">
                            <a href=format!("/clienten/{}", d.client.id) aria-current="page">"Authenticatie"</a>
                        </nav>
                        <section class="tab">
                            <ActionForm action=save>
                                <input type="hidden" name="id" value=d.client.id.to_string() />
                                <fieldset>
                                    <legend>"Inloggen met twee-factor-authenticatie"</legend>
                                    {POLICY_HELP.into_iter().map(|(policy, help)| {
                                        let input_id = format!("beleid-{}", policy.as_db());
                                        view! {
                                            <div class="keuze">
                                                <input type="radio" name="policy" id=input_id.clone() value=policy.as_db() checked=d.client.policy == policy />
                                                <label for=input_id>{policy.label()}</label>
                                                <span class="uitleg">{help}</span>
                                            </div>
                                        }
                                    }).collect_view()}
                                </fieldset>
                                <p class="uitleg">"Een wijziging geldt bij de volgende keer inloggen van de gebruikers."</p>
                                <button type="submit" disabled=move || save.pending().get()>"Authenticatie opslaan"</button>
                            </ActionForm>
                            <p class="melding bevestiging" role="status">{move || saved().then_some("De authenticatie is opgeslagen.")}</p>
                            <p class="melding fout" role="alert">{move || save_error().map(|e| e.to_string())}</p>
                            <h2>"Gebruikers van deze cliënt"</h2>
                            <UserStates rows=d.users reset=reset />
                        </section>
                    }),
                }
            })}
        </Transition>
    }
}

#[component]
fn UserStates(
    rows: Vec<crate::model::ClientUserRow>,
    reset: ServerAction<ResetAuthenticator>,
) -> impl IntoView {
    view! {
        <table class="lijst">
            <thead><tr>
                <th scope="col">"Naam"</th>
                <th scope="col">"Inlognaam"</th>
                <th scope="col">"Twee-factor bij inloggen"</th>
                <th scope="col">"Factor"</th>
                <th scope="col"><span class="sr-only">"Acties"</span></th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|u| view! {
                    <tr>
                        <td>{u.display_name.clone()}</td>
                        <td>{u.login_name}</td>
                        <td>{super::ja_nee(u.two_factor.applies)}</td>
                        <td>{u.two_factor.factor}</td>
                        <td>{u.app_bound.then(|| view! { <super::office_users::ResetButton action=reset user_id=u.id name=u.display_name /> })}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <p class="melding fout" role="alert">{move || reset.value().get().and_then(Result::err).map(|e| e.to_string())}</p>
        <super::step_up::StepUpIfAsked asked=super::step_up::asks_step_up(reset) />
    }
}
