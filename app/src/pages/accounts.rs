//! Letting people in (beheerders only, each action after the step-up):
//! 'Nieuwe cliënt', a client's 'Gebruiker toevoegen', 'Kantoorgebruiker
//! toevoegen', and per user 'Uitnodiging opnieuw versturen' or
//! 'Herstellink sturen'. No page here asks or shows a password.

use leptos::{either::Either, form::ActionForm, prelude::*};
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use super::step_up::{asks_step_up, StepUpGate, StepUpIfAsked};
use crate::{
    error::AppError,
    model::{proposed_login_name, AddedUser, BranchRef, Invitation},
};
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};

#[server(endpoint = "office_branches")]
pub async fn office_branches() -> Result<Vec<BranchRef>, AppError> {
    serve::beheerder(move |core, auth| async move { flows::office::branches(&core, &auth).await })
        .await
}

#[server(endpoint = "add_client")]
pub async fn add_client(name: String, branch_id: i64) -> Result<i64, AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::add_client(&core, &auth, &name, branch_id).await
    })
    .await
}

#[server(endpoint = "rename_client")]
pub async fn rename_client(id: i64, name: String) -> Result<(), AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::rename_client(&core, &auth, id, &name).await
    })
    .await
}

#[server(endpoint = "invite_client_user")]
pub async fn invite_client_user(
    client_id: i64,
    display_name: String,
    login_name: String,
    email: String,
    #[server(default)] mobile: String,
) -> Result<AddedUser, AppError> {
    serve::beheerder(move |core, auth| async move {
        let form = flows::office::PersonForm {
            display_name,
            login_name,
            email,
            mobile,
        };
        flows::office::invite_client_user(&core, &auth, client_id, form).await
    })
    .await
}

#[server(endpoint = "add_to_client")]
pub async fn add_to_client(client_id: i64, user_id: i64) -> Result<(), AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::add_existing_to_client(&core, &auth, client_id, user_id).await
    })
    .await
}

#[server(endpoint = "invite_office_user")]
pub async fn invite_office_user(
    display_name: String,
    login_name: String,
    email: String,
    #[server(default)] mobile: String,
    branch_id: i64,
    #[server(default)] beheerder: String,
) -> Result<AddedUser, AppError> {
    serve::beheerder(move |core, auth| async move {
        let form = flows::office::PersonForm {
            display_name,
            login_name,
            email,
            mobile,
        };
        let is_beheerder = beheerder == "ja";
        flows::office::invite_office_user(&core, &auth, form, branch_id, is_beheerder).await
    })
    .await
}

#[server(endpoint = "resend_invitation")]
pub async fn resend_invitation(user_id: i64) -> Result<(), AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::resend_invitation(&core, &auth, user_id).await
    })
    .await
}

#[server(endpoint = "send_reset_link")]
pub async fn send_reset_link(user_id: i64) -> Result<(), AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::send_reset_link(&core, &auth, user_id).await
    })
    .await
}

/// The 'Vestiging' choice.
#[component]
fn BranchField(branches: Vec<BranchRef>) -> impl IntoView {
    view! {
        <div class="veld">
            <label for="vestiging">"Vestiging"</label>
            <select id="vestiging" name="branch_id">
                {branches.into_iter().map(|b| view! { <option value=b.id.to_string()>{b.name}</option> }).collect_view()}
            </select>
        </div>
    }
}

/// Loads the office's branches, then shows `form` with them.
#[component]
fn WithBranches<F, V>(form: F) -> impl IntoView
where
    F: Fn(Vec<BranchRef>) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let branches = Resource::new(|| (), |_| office_branches());
    let form = StoredValue::new(form);
    view! {
        <Transition fallback=|| view! { <p>"Laden…"</p> }>
            {move || Suspend::new(async move {
                match branches.await {
                    Ok(list) => Either::Left(form.with_value(|f| f(list))),
                    Err(e) => Either::Right(super::error_message(e)),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn NewClientPage() -> impl IntoView {
    let save = ServerAction::<AddClient>::new();
    Effect::new(move |_| {
        if let Some(Ok(id)) = save.value().get() {
            let _ = window().location().set_href(&format!("/clienten/{id}"));
        }
    });
    view! {
        <Title text="Nieuwe cliënt – Tweestap" />
        <p><A href="/clienten">"← Cliënten"</A></p>
        <h1>"Nieuwe cliënt"</h1>
        <StepUpGate>
            <WithBranches form=move |branches| view! {
                <ActionForm action=save>
                    <div class="veld">
                        <label for="client-naam">"Naam"</label>
                        <input id="client-naam" name="name" type="text" autocomplete="organization" required maxlength="100" />
                    </div>
                    <BranchField branches=branches />
                    <p class="uitleg">"Een nieuwe cliënt begint met 'Inlog met twee-factor-authenticatie': 'Nee'. Dat stel je daarna in bij 'Authenticatie'."</p>
                    {super::widgets::action_error(save)}
                    <button type="submit" disabled=move || save.pending().get()>"Cliënt opslaan"</button>
                </ActionForm>
            } />
        </StepUpGate>
    }
}

/// The client's name on its page, with 'Naam opslaan'.
#[component]
pub fn RenameClientForm(id: i64, name: String) -> impl IntoView {
    let save = ServerAction::<RenameClient>::new();
    view! {
        <ActionForm action=save attr:class="actie-formulier">
            <input type="hidden" name="id" value=id.to_string() />
            <div class="veld">
                <label for="client-nieuwe-naam">"Naam"</label>
                <input id="client-nieuwe-naam" name="name" type="text" value=name required maxlength="100" />
            </div>
            <div class="veld">
                <button type="submit" class="tweede" disabled=move || save.pending().get()>"Naam opslaan"</button>
            </div>
        </ActionForm>
        <p class="melding fout" role="alert">
            {move || save.value().get().and_then(Result::err).filter(|e| *e != AppError::StepUpRequired).map(|e| e.to_string())}
        </p>
        {super::widgets::action_done(save, "De naam is opgeslagen. Laad de pagina opnieuw om hem overal te zien.")}
        <StepUpIfAsked asked=asks_step_up(save) />
    }
}

/// 'Naam', 'Inlognaam' (proposed from the name until typed), 'E-mailadres'
/// and 'Mobiel nummer'.
#[component]
fn PersonFields() -> impl IntoView {
    let (login, set_login) = signal(String::new());
    let (typed, set_typed) = signal(false);
    view! {
        <div class="veld">
            <label for="persoon-naam">"Naam"</label>
            <input id="persoon-naam" name="display_name" type="text" autocomplete="off" required maxlength="100"
                on:input=move |ev| if !typed.get_untracked() { set_login.set(proposed_login_name(&event_target_value(&ev))) } />
        </div>
        <div class="veld">
            <label for="persoon-inlognaam">"Inlognaam"</label>
            <input id="persoon-inlognaam" name="login_name" type="text" autocomplete="off" autocapitalize="none" spellcheck="false"
                maxlength="100" aria-describedby="persoon-inlognaam-uitleg" prop:value=move || login.get()
                on:input=move |ev| { set_typed.set(true); set_login.set(event_target_value(&ev)); } />
            <small id="persoon-inlognaam-uitleg">"Voorgesteld uit de naam; je mag een andere kiezen."</small>
        </div>
        <div class="veld">
            <label for="persoon-email">"E-mailadres"</label>
            <input id="persoon-email" name="email" type="email" autocomplete="off" required maxlength="200"
                aria-describedby="persoon-email-uitleg" />
            <small id="persoon-email-uitleg">"Hier gaat de uitnodiging heen; met de link kiest de gebruiker zelf een wachtwoord."</small>
        </div>
        <div class="veld">
            <label for="persoon-mobiel">"Mobiel nummer"</label>
            <input id="persoon-mobiel" name="mobile" type="tel" inputmode="tel" autocomplete="off" aria-describedby="persoon-mobiel-uitleg" />
            <small id="persoon-mobiel-uitleg">"Niet verplicht. De gebruiker bevestigt het nummer met de eerste SMS-code."</small>
        </div>
    }
}

/// What 'Uitnodiging versturen' did, with 'Ook aan deze cliënt toevoegen'
/// for a user the office already has.
#[component]
fn Outcome(
    outcome: ReadSignal<Option<AddedUser>>,
    #[prop(optional)] client_id: Option<i64>,
    back: &'static str,
    back_href: String,
) -> impl IntoView {
    let add = ServerAction::<AddToClient>::new();
    let back_href = StoredValue::new(back_href);
    view! {
        {move || match outcome.get() {
            None => None,
            Some(AddedUser::Invited { .. }) => Some(Either::Left(view! {
                <p class="melding bevestiging" role="status" data-testid="uitgenodigd">
                    "De uitnodiging is verstuurd. Met de link kiest de gebruiker zelf een wachtwoord; de link werkt 7 dagen."
                </p>
                <p><A href=back_href.get_value()>{back}</A></p>
            })),
            Some(AddedUser::Existing { user_id, login_name, display_name }) => Some(Either::Right(view! {
                <div class="melding" role="status" data-testid="bestaat-al">
                    <p>{format!("{display_name} ({login_name}) heeft al een account bij je kantoor. Er komt geen tweede account.")}</p>
                    {client_id.map(|client_id| view! {
                        <ActionForm action=add>
                            <input type="hidden" name="client_id" value=client_id.to_string() />
                            <input type="hidden" name="user_id" value=user_id.to_string() />
                            <button type="submit" disabled=move || add.pending().get()>"Ook aan deze cliënt toevoegen"</button>
                        </ActionForm>
                    })}
                </div>
            })),
        }}
        {super::widgets::action_done(add, "De gebruiker is aan deze cliënt toegevoegd.")}
        <p class="melding fout" role="alert">
            {move || add.value().get().and_then(Result::err).filter(|e| *e != AppError::StepUpRequired).map(|e| e.to_string())}
        </p>
        <StepUpIfAsked asked=asks_step_up(add) />
    }
}

/// A client's 'Gebruikers' → 'Gebruiker toevoegen'.
#[component]
pub fn NewClientUserPage() -> impl IntoView {
    let params = use_params_map();
    let client_id = move || {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let invite = ServerAction::<InviteClientUser>::new();
    let (outcome, set_outcome) = signal(None::<AddedUser>);
    Effect::new(move |_| {
        if let Some(Ok(added)) = invite.value().get() {
            set_outcome.set(Some(added));
        }
    });
    let users = move || format!("/clienten/{}/gebruikers", client_id());
    view! {
        <Title text="Gebruiker toevoegen – Tweestap" />
        <p><A href=users>"← Gebruikers"</A></p>
        <h1>"Gebruiker toevoegen"</h1>
        <StepUpGate>
            <ActionForm action=invite>
                <input type="hidden" name="client_id" value=client_id().to_string() />
                <PersonFields />
                {super::widgets::action_error(invite)}
                <button type="submit" disabled=move || invite.pending().get()>"Uitnodiging versturen"</button>
            </ActionForm>
            <Outcome outcome=outcome client_id=client_id() back="Naar de gebruikers van deze cliënt" back_href=users() />
        </StepUpGate>
    }
}

/// 'Kantoorgebruikers' → 'Kantoorgebruiker toevoegen'.
#[component]
pub fn NewOfficeUserPage() -> impl IntoView {
    let invite = ServerAction::<InviteOfficeUser>::new();
    let (outcome, set_outcome) = signal(None::<AddedUser>);
    Effect::new(move |_| {
        if let Some(Ok(added)) = invite.value().get() {
            set_outcome.set(Some(added));
        }
    });
    view! {
        <Title text="Kantoorgebruiker toevoegen – Tweestap" />
        <p><A href="/kantoorgebruikers">"← Kantoorgebruikers"</A></p>
        <h1>"Kantoorgebruiker toevoegen"</h1>
        <StepUpGate>
            <WithBranches form=move |branches| view! {
                <ActionForm action=invite>
                    <PersonFields />
                    <BranchField branches=branches />
                    <div class="keuze">
                        <input id="persoon-beheerder" name="beheerder" type="checkbox" value="ja" />
                        <label for="persoon-beheerder">"Beheerder"</label>
                    </div>
                    {super::widgets::action_error(invite)}
                    <button type="submit" disabled=move || invite.pending().get()>"Uitnodiging versturen"</button>
                </ActionForm>
            } />
            <Outcome outcome=outcome back="Naar Kantoorgebruikers" back_href="/kantoorgebruikers".to_string() />
        </StepUpGate>
    }
}

/// 'Uitnodiging opnieuw versturen' for an invited user, 'Herstellink
/// sturen' for one who chose a password.
#[component]
pub fn LinkButtons(user_id: i64, name: String, invitation: Option<Invitation>) -> impl IntoView {
    let resend = ServerAction::<ResendInvitation>::new();
    let reset = ServerAction::<SendResetLink>::new();
    let asked = Signal::derive(move || asks_step_up(resend).get() || asks_step_up(reset).get());
    let error = move || {
        resend
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| reset.value().get().and_then(Result::err))
            .filter(|e| *e != AppError::StepUpRequired)
            .map(|e| e.to_string())
    };
    view! {
        <div class="knoppen">
            {match invitation {
                Some(_) => Either::Left(view! {
                    <ActionForm action=resend>
                        <input type="hidden" name="user_id" value=user_id.to_string() />
                        <button type="submit" class="tweede" aria-label=format!("Uitnodiging opnieuw versturen aan {name}")>"Uitnodiging opnieuw versturen"</button>
                    </ActionForm>
                }),
                None => Either::Right(view! {
                    <ActionForm action=reset>
                        <input type="hidden" name="user_id" value=user_id.to_string() />
                        <button type="submit" class="tweede" aria-label=format!("Herstellink sturen aan {name}")>"Herstellink sturen"</button>
                    </ActionForm>
                }),
            }}
        </div>
        {super::widgets::action_done(resend, "Er is een nieuwe uitnodiging verstuurd; de vorige link werkt niet meer.")}
        {super::widgets::action_done(reset, "Er is een herstellink verstuurd naar het e-mailadres van de gebruiker.")}
        <p class="melding fout" role="alert">{error}</p>
        <StepUpIfAsked asked=asked />
    }
}
