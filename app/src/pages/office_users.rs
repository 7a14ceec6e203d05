//! 'Kantoorgebruikers': the office's staff logins, and per user the tab
//! 'Gebruikersgegevens' with 'Inlog met twee-factor-authenticatie'
//! (beheerders only).

use leptos::{either::Either, form::ActionForm, prelude::*};
use leptos_meta::Title;
use leptos_router::components::A;

use super::{
    authenticator::ResetAuthenticator,
    clients::EndUserSessions,
    ja_nee,
    step_up::{asks_step_up, StepUpIfAsked},
};
use crate::{
    error::AppError,
    model::{OfficeUserDetail, OfficeUserRow, APP_BOUND_SUMMARY},
};

#[server(endpoint = "list_office_users")]
pub async fn list_office_users() -> Result<Vec<OfficeUserRow>, AppError> {
    crate::core::respond(ssr::list()).await
}

#[server(endpoint = "office_user_detail")]
pub async fn load_office_user_detail(id: i64) -> Result<OfficeUserDetail, AppError> {
    crate::core::respond(ssr::detail(id)).await
}

#[server(endpoint = "save_office_user")]
pub async fn save_office_user(
    id: i64,
    display_name: String,
    email: String,
    mobile: String,
    two_factor: String,
) -> Result<(), AppError> {
    crate::core::respond(ssr::save(id, display_name, email, mobile, two_factor)).await
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::{
        core::core,
        domain::{
            phone::MobileNumber,
            text::{DisplayName, EmailAddress},
        },
        error::AppError,
        factors::{self, ChangedBy, LoginChange},
        model::{AuditAction, OfficeUserDetail, OfficeUserRow, UserKind},
        session::{require_beheerder, AuthUser},
        storage::{
            audit::{self, AuditEntry},
            batch::Batch,
            users::{self, OfficeUserUpdate, UserRecord},
        },
    };

    pub async fn list() -> Result<Vec<OfficeUserRow>, AppError> {
        let auth = require_beheerder().await?;
        let core = core()?;
        let mut rows = Vec::new();
        for id in users::office_user_ids(&core.db, auth.user.office_id).await? {
            if let Some(user) = users::find(&core.db, id).await? {
                rows.push(OfficeUserRow {
                    two_factor: factors::state_of(&core, &user).await?,
                    id: user.id,
                    login_name: user.login_name,
                    display_name: user.display_name,
                    branch: user.branch.unwrap_or_default(),
                    is_beheerder: user.is_beheerder,
                });
            }
        }
        Ok(rows)
    }

    async fn own_office_user(auth: &AuthUser, id: i64) -> Result<UserRecord, AppError> {
        let core = core()?;
        users::find(&core.db, id)
            .await?
            .filter(|u| u.office_id == auth.user.office_id && u.kind == UserKind::Office)
            .ok_or_else(|| AppError::invalid("Deze kantoorgebruiker bestaat niet (meer)."))
    }

    pub async fn detail(id: i64) -> Result<OfficeUserDetail, AppError> {
        let auth = require_beheerder().await?;
        let core = core()?;
        let user = own_office_user(&auth, id).await?;
        // The state already knows whether an app is bound: one read.
        let two_factor = factors::state_of(&core, &user).await?;
        Ok(OfficeUserDetail {
            app_bound: two_factor.app_bound,
            two_factor,
            id: user.id,
            login_name: user.login_name,
            display_name: user.display_name,
            email: user.email,
            mobile: user.mobile,
            branch: user.branch.unwrap_or_default(),
            is_beheerder: user.is_beheerder,
            two_factor_switch: user.two_factor_required,
        })
    }

    /// Checks every field before anything is written: a refused form
    /// changes nothing.
    fn parse_update(
        display_name: &str,
        email: &str,
        mobile: &str,
        two_factor: &str,
    ) -> Result<OfficeUserUpdate, AppError> {
        let display_name = DisplayName::parse(display_name).map_err(AppError::Invalid)?;
        let email = EmailAddress::parse_optional(email).map_err(AppError::Invalid)?;
        let mobile = if mobile.trim().is_empty() {
            None
        } else {
            Some(
                MobileNumber::parse(mobile)
                    .map_err(AppError::Invalid)?
                    .as_str()
                    .to_string(),
            )
        };
        let two_factor_required = match two_factor {
            "ja" => true,
            "nee" => false,
            _ => {
                return Err(AppError::invalid(
                    "Kies bij 'Inlog met twee-factor-authenticatie' 'Ja' of 'Nee'.",
                ))
            }
        };
        Ok(OfficeUserUpdate {
            display_name: display_name.into_string(),
            email: email.map(EmailAddress::into_string),
            mobile,
            two_factor_required,
        })
    }

    /// A change of the user's e-mail address, number or two-factor switch
    /// changes how they log in: it goes through the door (the beheerder's
    /// own step-up, the user's sessions end, the old number and address
    /// are told). A new number waits for its owner's code at their next
    /// login. The name alone is no such change.
    pub async fn save(
        id: i64,
        display_name: String,
        email: String,
        mobile: String,
        two_factor: String,
    ) -> Result<(), AppError> {
        let auth = require_beheerder().await?;
        let core = core()?;
        let update = parse_update(&display_name, &email, &mobile, &two_factor)?;
        let user = own_office_user(&auth, id).await?;
        let mut changes = Vec::new();
        if update.email != user.email {
            changes.push(LoginChange::Email {
                old: user.email.clone(),
                new: update.email.clone(),
            });
        }
        if update.mobile != user.mobile {
            changes.push(LoginChange::Mobile {
                old: user.mobile.clone(),
                new: update.mobile.clone(),
            });
        }
        if update.two_factor_required != user.two_factor_required {
            changes.push(LoginChange::TwoFactorSwitch {
                on: update.two_factor_required,
            });
        }
        let mut batch = Batch::<std::convert::Infallible>::new();
        batch.then(users::update_office_user(id, &update));
        if update.display_name != user.display_name {
            batch.then(audit::record_stmt(
                AuditEntry {
                    old_value: Some(&user.display_name),
                    new_value: Some(&update.display_name),
                    ..AuditEntry::on_behalf(&auth.user, &user, AuditAction::UserDisplayName)
                },
                core.now(),
            ));
        }
        let Ok(()) = if changes.is_empty() {
            core.db.write_batch(batch).await?
        } else {
            factors::commit_login_change(&core, ChangedBy::Beheerder(&auth), &user, changes, batch)
                .await?
        };
        Ok(())
    }
}

#[component]
pub fn OfficeUsersPage() -> impl IntoView {
    let rows = Resource::new(|| (), |_| list_office_users());
    view! {
        <Title text="Kantoorgebruikers – Tweestap" />
        <h1>"Kantoorgebruikers"</h1>
        {super::widgets::loaded(rows, |rows| view! {
                    <table class="lijst" role="table">
                        <thead role="rowgroup"><tr role="row">
                            <th scope="col" role="columnheader">"Naam"</th>
                            <th scope="col" role="columnheader">"Inlognaam"</th>
                            <th scope="col" role="columnheader">"Vestiging"</th>
                            <th scope="col" role="columnheader">"Beheerder"</th>
                            <th scope="col" role="columnheader">"Inlog met twee-factor-authenticatie"</th>
                            <th scope="col" role="columnheader">"Factor"</th>
                        </tr></thead>
                        <tbody role="rowgroup">
                            {rows.into_iter().map(|u| view! {
                                <tr role="row">
                                    <td role="cell" data-label="Naam"><A href=format!("/kantoorgebruikers/{}", u.id)>{u.display_name}</A></td>
                                    <td role="cell" data-label="Inlognaam">{u.login_name}</td>
                                    <td role="cell" data-label="Vestiging">{u.branch}</td>
                                    <td role="cell" data-label="Beheerder">{ja_nee(u.is_beheerder)}</td>
                                    <td role="cell" data-label="Inlog met twee-factor-authenticatie">{u.two_factor.summary()}</td>
                                    <td role="cell" data-label="Factor">{u.two_factor.factor}</td>
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
    let detail = Resource::new(
        move || (id(), saves.get(), resets.get()),
        |(id, _, _)| load_office_user_detail(id),
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
                            <h2>"Sessies"</h2>
                            <p>"Apparaat kwijt of verdacht? Beëindig alle sessies: de gebruiker moet dan overal opnieuw inloggen."</p>
                            <ActionForm action=end>
                                <input type="hidden" name="user_id" value=u.id.to_string() />
                                <button type="submit" class="tweede" disabled=move || end.pending().get()>"Sessies beëindigen"</button>
                            </ActionForm>
                            <p class="melding fout" role="alert">{move || end.value().get().and_then(Result::err).filter(|e| *e != AppError::StepUpRequired).map(|e| e.to_string())}</p>
                            {super::widgets::action_done(end, "De sessies zijn beëindigd.")}
                            <StepUpIfAsked asked=Signal::derive(move || asks_step_up(save).get() || asks_step_up(reset).get() || asks_step_up(end).get()) />
                        </section>
                        }
                    }),
                }
            })}
        </Transition>
    }
}

/// 'Authenticator resetten' for one user (beheerders only).
#[component]
pub fn ResetButton(
    action: ServerAction<ResetAuthenticator>,
    user_id: i64,
    name: String,
) -> impl IntoView {
    view! {
        <ActionForm action=action>
            <input type="hidden" name="user_id" value=user_id.to_string() />
            <button type="submit" class="tweede" aria-label=format!("Authenticator resetten van {name}")>"Authenticator resetten"</button>
        </ActionForm>
    }
}
