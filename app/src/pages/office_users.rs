//! 'Kantoorgebruikers': the office's staff logins, and per user the tab
//! 'Gebruikersgegevens' with 'Inlog met twee-factor-authenticatie'
//! (beheerders only).

use leptos::{either::Either, form::ActionForm, prelude::*};
use leptos_meta::Title;
use leptos_router::components::A;

use super::{
    ja_nee,
    step_up::{asks_step_up, StepUpIfAsked},
    user_actions::{
        EndUserSessions, ResetAuthenticator, ResetButton, ResetPasskeys, ResetPasskeysButton,
    },
};
use crate::{
    error::AppError,
    model::{OfficeUserDetail, OfficeUserRow, APP_BOUND_SUMMARY},
};
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};

#[server(endpoint = "list_office_users")]
pub async fn list_office_users() -> Result<Vec<OfficeUserRow>, AppError> {
    serve::beheerder(
        move |core, auth| async move { flows::office::office_users(&core, &auth).await },
    )
    .await
}

#[server(endpoint = "office_user_detail")]
pub async fn load_office_user_detail(id: i64) -> Result<OfficeUserDetail, AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::office_user_detail(&core, &auth, id).await
    })
    .await
}

#[server(endpoint = "save_office_user")]
pub async fn save_office_user(
    id: i64,
    display_name: String,
    email: String,
    mobile: String,
    two_factor: String,
    #[server(default)] two_factor_from: String,
) -> Result<(), AppError> {
    serve::beheerder(move |core, auth| async move {
        let form = flows::office::OfficeUserForm {
            display_name,
            email,
            mobile,
            two_factor,
            two_factor_from,
        };
        flows::office::save_office_user(&core, &auth, id, form).await
    })
    .await
}

#[component]
pub fn OfficeUsersPage() -> impl IntoView {
    let filter = super::user_filter();
    let rows = Resource::new(move || filter.get(), |_| list_office_users());
    view! {
        <Title text="Kantoorgebruikers – Tweestap" />
        <h1>"Kantoorgebruikers"</h1>
        <p><A href="/kantoorgebruikers/nieuw" attr:class="knop">"Kantoorgebruiker toevoegen"</A></p>
        {move || filter.get().map(|f| view! {
            <p data-testid="filter">{f.caption()} " · " <A href="/kantoorgebruikers">"Alle gebruikers tonen"</A></p>
        })}
        {super::widgets::loaded(rows, move |rows| view! {
                    <table class="lijst" role="table">
                        <thead role="rowgroup"><tr role="row">
                            <th scope="col" role="columnheader">"Naam"</th>
                            <th scope="col" role="columnheader">"Inlognaam"</th>
                            <th scope="col" role="columnheader">"Vestiging"</th>
                            <th scope="col" role="columnheader">"Beheerder"</th>
                            <th scope="col" role="columnheader">"Inlog met twee-factor-authenticatie"</th>
                            <th scope="col" role="columnheader">"Factor"</th>
                            <th scope="col" role="columnheader">"Passkeys"</th>
                            <th scope="col" role="columnheader">"Laatste login"</th>
                        </tr></thead>
                        <tbody role="rowgroup">
                            {rows.into_iter()
                                .filter(|u| filter.get_untracked().is_none_or(|f| f.keeps(u.two_factor.protection, u.not_since, u.dormant)))
                                .map(|u| view! {
                                <tr role="row">
                                    <td role="cell" data-label="Naam"><A href=format!("/kantoorgebruikers/{}", u.id)>{u.display_name}</A></td>
                                    <td role="cell" data-label="Inlognaam">{u.login_name}</td>
                                    <td role="cell" data-label="Vestiging">{u.branch}</td>
                                    <td role="cell" data-label="Beheerder">{ja_nee(u.is_beheerder)}</td>
                                    <td role="cell" data-label="Inlog met twee-factor-authenticatie">{u.two_factor.summary()}</td>
                                    <td role="cell" data-label="Factor">{u.two_factor.factor}</td>
                                    <td role="cell" data-label="Passkeys">{u.two_factor.passkeys}</td>
                                    <td role="cell" data-label="Laatste login">{match u.invitation {
                                        Some(invitation) => invitation.label().to_string(),
                                        None => u.last_login.unwrap_or_else(|| "Nog nooit".into()),
                                    }}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    })}
    }
}

#[component]
pub fn OfficeUserEditPage() -> impl IntoView {
    let id = super::route_id();
    let save = ServerAction::<SaveOfficeUser>::new();
    let saves = super::successes(save);
    let reset = ServerAction::<ResetAuthenticator>::new();
    let resets = super::successes(reset);
    let end = ServerAction::<EndUserSessions>::new();
    let passkeys = ServerAction::<ResetPasskeys>::new();
    let passkey_resets = super::successes(passkeys);
    let changed = RwSignal::new(0_usize);
    let detail = Resource::new(
        move || {
            (
                id(),
                saves.get(),
                resets.get(),
                passkey_resets.get(),
                changed.get(),
            )
        },
        |(id, ..)| load_office_user_detail(id),
    );
    let saved = move || matches!(save.value().get(), Some(Ok(())));
    let save_error = move || save.value().get().and_then(Result::err);

    view! {
        <Title text="Kantoorgebruiker bewerken – Tweestap" />
        <Transition fallback=|| view! { <p>"Laden…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Err(e) => Either::Right(super::error_message(e)),
                    Ok(u) => Either::Left({
                        let reset_name = u.display_name.clone();
                        let passkey_count = u.two_factor.passkeys;
                        view! {
                        <super::widgets::EditFrame back_href="/kantoorgebruikers" back_label="← Kantoorgebruikers"
                            title=u.display_name.clone()
                            subtitle=format!("Inlognaam {} · vestiging {}", u.login_name, u.branch)
                            tabs=vec![(format!("/kantoorgebruikers/{}", u.id), "Gebruikersgegevens", true)] />
                        <section class="tab">
                            <ActionForm action=save>
                                <input type="hidden" name="id" value=u.id.to_string() />
                                <div class="veld">
                                    <label for="display_name">"Naam"</label>
                                    <input id="display_name" name="display_name" type="text" value=u.display_name.clone() />
                                </div>
                                <div class="veld">
                                    <label for="email">"E-mailadres"</label>
                                    <input id="email" name="email" type="email" value=u.email.clone().unwrap_or_default() />
                                </div>
                                <div class="veld">
                                    <label for="mobile">"Mobiel nummer"</label>
                                    <input id="mobile" name="mobile" type="tel" value=u.mobile.clone().unwrap_or_default() />
                                </div>
                                <super::widgets::JaNeeField legend="Inlog met twee-factor-authenticatie" name="two_factor" id_prefix="tf" yes=u.two_factor_switch />
                                <super::widgets::RequiredFromField name="two_factor_from" id="tf-vanaf" value=u.two_factor_from.clone().map(|f| f.iso) />
                                {u.two_factor.by_app_only().then(|| view! {
                                    <p data-testid="app-gekoppeld">{format!("{APP_BOUND_SUMMARY}.")}</p>
                                })}
                                <p class="uitleg">{format!("Factor bij inloggen: {}. Een wijziging geldt bij de volgende keer inloggen.", u.two_factor.factor)}</p>
                                <button type="submit" disabled=move || save.pending().get()>"Gebruikersgegevens opslaan"</button>
                            </ActionForm>
                            <p class="melding bevestiging" role="status">{move || saved().then_some("De gebruikersgegevens zijn opgeslagen.")}</p>
                            <p class="melding fout" role="alert">{move || save_error().map(|e| e.to_string())}</p>
                            {u.app_bound.then(|| view! {
                                <h2>"Authenticator app"</h2>
                                <p>"Er is een authenticator app gekoppeld. Telefoon kwijt? Na een reset logt de gebruiker weer in met een SMS-code."</p>
                                <ResetButton action=reset user_id=u.id name=reset_name.clone() />
                            })}
                            {super::widgets::action_error(reset)}
                            {super::widgets::action_done(reset, "De authenticator app is gereset.")}
                            <h2>"Passkeys"</h2>
                            <p data-testid="aantal-passkeys">{match passkey_count {
                                0 => "Geen passkeys.".to_string(),
                                1 => "1 passkey.".to_string(),
                                n => format!("{n} passkeys."),
                            }}</p>
                            {(passkey_count > 0).then(|| view! {
                                <ResetPasskeysButton action=passkeys user_id=u.id name=reset_name.clone() />
                            })}
                            {super::widgets::action_error(passkeys)}
                            {super::widgets::action_done(passkeys, "De passkeys zijn verwijderd.")}
                            <h2>"Inloggen"</h2>
                            <p data-testid="uitnodiging">{match u.invitation {
                                Some(invitation) => format!("{}: de gebruiker heeft nog geen wachtwoord gekozen.", invitation.label()),
                                None => "De gebruiker kiest zelf een wachtwoord; met een herstellink kiest hij een nieuw.".to_string(),
                            }}</p>
                            <super::accounts::LinkButtons user_id=u.id name=reset_name.clone() invitation=u.invitation />
                            <h2>"Sessies"</h2>
                            <p>"Apparaat kwijt of verdacht? Beëindig alle sessies: de gebruiker moet dan overal opnieuw inloggen."</p>
                            <ActionForm action=end>
                                <input type="hidden" name="user_id" value=u.id.to_string() />
                                <button type="submit" class="tweede" disabled=move || end.pending().get()>"Sessies beëindigen"</button>
                            </ActionForm>
                            <p class="melding fout" role="alert">{move || end.value().get().and_then(Result::err).filter(|e| *e != AppError::StepUpRequired).map(|e| e.to_string())}</p>
                            {super::widgets::action_done(end, "De sessies zijn beëindigd.")}
                            <StepUpIfAsked asked=Signal::derive(move || asks_step_up(save).get() || asks_step_up(reset).get() || asks_step_up(end).get() || asks_step_up(passkeys).get()) />
                            <h2>"Account"</h2>
                            <p data-testid="blokkade">{if u.blocked {
                                "Geblokkeerd: de gebruiker kan niet inloggen."
                            } else {
                                "Niet geblokkeerd."
                            }}</p>
                            <p><A href=format!("/gebruikers/{}/gegevens", u.id)>"Gegevens downloaden (AVG)"</A></p>
                            <super::account_life::LifeButtons user_id=u.id name=reset_name.clone() blocked=u.blocked changed=changed />
                        </section>
                        }
                    }),
                }
            })}
        </Transition>
    }
}
