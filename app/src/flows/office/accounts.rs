//! Letting people in: 'Nieuwe cliënt', a client's 'Gebruiker toevoegen' and
//! 'Kantoorgebruiker toevoegen', each by invitation; 'Uitnodiging opnieuw
//! versturen' and 'Herstellink sturen'. Every action needs the beheerder's
//! step-up and is audited. The beheerder never types, sees or chooses a
//! password: the invited user chooses it from the mailed link, and an
//! invited account cannot log in before that.

use super::scope::{own_client, own_user};
use crate::{
    core::Core,
    domain::{
        login_form::LoginName,
        phone::MobileNumber,
        text::{DisplayName, EmailAddress},
    },
    error::AppError,
    factors::{self, AskedBy, ResetMail},
    model::{proposed_login_name, AddedUser, AuditAction, BranchRef, Invitation, UserKind},
    session::{require_step_up, AuthUser},
    storage::{
        audit::{self, AuditEntry},
        clients, link_tokens, offices,
        users::{self, NewInvited, UserRecord},
    },
};

/// An invited account's state in the lists: its link opens or has expired.
pub(super) async fn invitation_of(
    core: &Core,
    user: &UserRecord,
) -> Result<Option<Invitation>, AppError> {
    if !user.invited {
        return Ok(None);
    }
    Ok(Some(
        if link_tokens::invitation_open(&core.db, user.id, core.now()).await? {
            Invitation::Open
        } else {
            Invitation::Expired
        },
    ))
}

/// The office's branches, for the forms that ask 'Vestiging'.
pub async fn branches(core: &Core, beheerder: &AuthUser) -> Result<Vec<BranchRef>, AppError> {
    Ok(offices::branches(&core.db, beheerder.user.office_id).await?)
}

/// A branch of the beheerder's own office.
async fn own_branch(core: &Core, beheerder: &AuthUser, typed: i64) -> Result<BranchRef, AppError> {
    branches(core, beheerder)
        .await?
        .into_iter()
        .find(|b| b.id == typed)
        .ok_or_else(|| AppError::invalid("Kies bij 'Vestiging' een vestiging uit de lijst."))
}

/// 'Nieuwe cliënt' → 'Cliënt opslaan': the policy starts at 'Nee'.
pub async fn add_client(
    core: &Core,
    beheerder: &AuthUser,
    name: &str,
    branch_id: i64,
) -> Result<i64, AppError> {
    let name = DisplayName::parse(name).map_err(|e| AppError::invalid(format!("Naam: {e}")))?;
    let branch = own_branch(core, beheerder, branch_id).await?;
    require_step_up(core, beheerder)?;
    let now = core.now();
    let id = clients::create_client(
        &core.db,
        beheerder.user.office_id,
        branch.id,
        name.as_str(),
        crate::model::TwoFactorPolicy::Nee,
        now,
    )
    .await?;
    audit::record(
        &core.db,
        AuditEntry {
            new_value: Some(&branch.name),
            ..AuditEntry::in_office(&beheerder.user, name.as_str(), AuditAction::ClientAdded)
        },
        now,
    )
    .await?;
    Ok(id)
}

/// A client's name changed on its page.
pub async fn rename_client(
    core: &Core,
    beheerder: &AuthUser,
    client_id: i64,
    name: &str,
) -> Result<(), AppError> {
    let client = own_client(core, beheerder, client_id).await?;
    let name = DisplayName::parse(name).map_err(|e| AppError::invalid(format!("Naam: {e}")))?;
    if name.as_str() == client.name {
        return Ok(());
    }
    require_step_up(core, beheerder)?;
    let now = core.now();
    clients::rename(&core.db, client.id, name.as_str()).await?;
    audit::record(
        &core.db,
        AuditEntry {
            old_value: Some(&client.name),
            new_value: Some(name.as_str()),
            ..AuditEntry::in_office(&beheerder.user, name.as_str(), AuditAction::ClientRenamed)
        },
        now,
    )
    .await?;
    Ok(())
}

/// 'Naam', 'Inlognaam', 'E-mailadres' and 'Mobiel nummer' as typed.
#[derive(Debug, Clone)]
pub struct PersonForm {
    pub display_name: String,
    pub login_name: String,
    pub email: String,
    pub mobile: String,
}

/// A person's fields, each checked, before anything is written.
struct Person {
    display_name: DisplayName,
    login_name: LoginName,
    email: EmailAddress,
    mobile: Option<MobileNumber>,
}

fn parse_person(form: &PersonForm) -> Result<Person, AppError> {
    let field = |name: &str, e: String| AppError::invalid(format!("{name}: {e}"));
    let display_name = DisplayName::parse(&form.display_name).map_err(|e| field("Naam", e))?;
    let typed_login = match form.login_name.trim() {
        "" => proposed_login_name(display_name.as_str()),
        typed => typed.to_string(),
    };
    let login_name = LoginName::parse(&typed_login).map_err(|e| field("Inlognaam", e))?;
    let email = EmailAddress::parse_optional(&form.email)
        .map_err(|e| field("E-mailadres", e))?
        .ok_or_else(|| {
            AppError::invalid("E-mailadres: vul een e-mailadres in; daar gaat de uitnodiging heen.")
        })?;
    let mobile = match form.mobile.trim() {
        "" => None,
        typed => Some(MobileNumber::parse(typed).map_err(|e| field("Mobiel nummer", e))?),
    };
    Ok(Person {
        display_name,
        login_name,
        email,
        mobile,
    })
}

/// Who already has this login name or address in the office, if anyone;
/// a login name taken in another office is refused without saying where.
async fn existing(
    core: &Core,
    beheerder: &AuthUser,
    person: &Person,
) -> Result<Option<UserRecord>, AppError> {
    if let Some(found) = users::credentials(&core.db, person.login_name.as_str()).await? {
        if found.office_id != beheerder.user.office_id {
            return Err(AppError::invalid(
                "Inlognaam: deze inlognaam is al in gebruik. Kies een andere.",
            ));
        }
        return Ok(users::find(&core.db, found.user_id).await?);
    }
    for id in users::ids_with_any_email(&core.db, person.email.as_str()).await? {
        if let Some(user) = users::find(&core.db, id).await? {
            if user.office_id == beheerder.user.office_id {
                return Ok(Some(user));
            }
        }
    }
    Ok(None)
}

/// Where a new account belongs: a client (a client user), or a branch of
/// the office (an office user, perhaps a beheerder).
enum Place {
    Client(i64),
    Branch { id: i64, is_beheerder: bool },
}

/// A new account, invited by mail to the typed address; its number, when
/// typed, waits for its owner's first code.
async fn invite(
    core: &Core,
    beheerder: &AuthUser,
    person: &Person,
    place: Place,
) -> Result<AddedUser, AppError> {
    let (kind, branch_id, is_beheerder) = match place {
        Place::Client(_) => (UserKind::Client, None, false),
        Place::Branch { id, is_beheerder } => (UserKind::Office, Some(id), is_beheerder),
    };
    let id = users::create_invited(
        &core.db,
        &NewInvited {
            office_id: beheerder.user.office_id,
            kind,
            login_name: person.login_name.as_str(),
            display_name: person.display_name.as_str(),
            email: person.email.as_str(),
            mobile: person.mobile.as_ref().map(MobileNumber::as_str),
            branch_id,
            is_beheerder,
        },
        core.now(),
    )
    .await?
    .ok_or_else(|| {
        AppError::invalid("Inlognaam: deze inlognaam is al in gebruik. Kies een andere.")
    })?;
    let user = users::find(&core.db, id)
        .await?
        .ok_or_else(|| crate::core::internal("an invited user vanished"))?;
    if let Place::Client(client_id) = place {
        clients::link_user(&core.db, user.id, client_id).await?;
    }
    factors::mail_invitation(
        core,
        &user,
        person.email.as_str(),
        &beheerder.user,
        Some(AuditAction::UserInvited),
    )
    .await?;
    Ok(AddedUser::Invited { user_id: user.id })
}

/// A client's 'Gebruiker toevoegen' → 'Uitnodiging versturen'. A login name
/// or address that already belongs to a client user of this office is
/// offered for adding to this client instead: never a second account.
pub async fn invite_client_user(
    core: &Core,
    beheerder: &AuthUser,
    client_id: i64,
    form: PersonForm,
) -> Result<AddedUser, AppError> {
    let client = own_client(core, beheerder, client_id).await?;
    let person = parse_person(&form)?;
    if let Some(user) = existing(core, beheerder, &person).await? {
        return offer_existing(core, &user, client.id).await;
    }
    require_step_up(core, beheerder)?;
    invite(core, beheerder, &person, Place::Client(client.id)).await
}

async fn offer_existing(
    core: &Core,
    user: &UserRecord,
    client_id: i64,
) -> Result<AddedUser, AppError> {
    if user.kind != UserKind::Client {
        return Err(AppError::invalid(format!(
            "Deze inlognaam of dit e-mailadres hoort bij kantoorgebruiker {}. Kies een andere.",
            user.login_name
        )));
    }
    if clients::clients_of_user(&core.db, user.id)
        .await?
        .iter()
        .any(|c| c.id == client_id)
    {
        return Err(AppError::invalid(format!(
            "{} ({}) is al gebruiker van deze cliënt.",
            user.display_name, user.login_name
        )));
    }
    Ok(AddedUser::Existing {
        user_id: user.id,
        login_name: user.login_name.clone(),
        display_name: user.display_name.clone(),
    })
}

/// 'Ook aan deze cliënt toevoegen': a client user of the office gets a
/// second client, as the demo's `multi` has.
pub async fn add_existing_to_client(
    core: &Core,
    beheerder: &AuthUser,
    client_id: i64,
    user_id: i64,
) -> Result<(), AppError> {
    let client = own_client(core, beheerder, client_id).await?;
    let user = own_user(core, beheerder, user_id).await?;
    if let AddedUser::Existing { .. } = offer_existing(core, &user, client.id).await? {
        require_step_up(core, beheerder)?;
        clients::link_user(&core.db, user.id, client.id).await?;
        audit::record(
            &core.db,
            AuditEntry {
                new_value: Some(&client.name),
                ..AuditEntry::on_behalf(&beheerder.user, &user, AuditAction::UserAddedToClient)
            },
            core.now(),
        )
        .await?;
    }
    Ok(())
}

/// 'Kantoorgebruiker toevoegen': the same fields, a branch and 'Beheerder'.
pub async fn invite_office_user(
    core: &Core,
    beheerder: &AuthUser,
    form: PersonForm,
    branch_id: i64,
    is_beheerder: bool,
) -> Result<AddedUser, AppError> {
    let person = parse_person(&form)?;
    let branch = own_branch(core, beheerder, branch_id).await?;
    if let Some(user) = existing(core, beheerder, &person).await? {
        return Err(AppError::invalid(format!(
            "Deze inlognaam of dit e-mailadres hoort al bij {} ({}).",
            user.display_name, user.login_name
        )));
    }
    require_step_up(core, beheerder)?;
    let place = Place::Branch {
        id: branch.id,
        is_beheerder,
    };
    invite(core, beheerder, &person, place).await
}

/// 'Uitnodiging opnieuw versturen': a new link; the earlier one no longer
/// opens.
pub async fn resend_invitation(
    core: &Core,
    beheerder: &AuthUser,
    user_id: i64,
) -> Result<(), AppError> {
    let user = own_user(core, beheerder, user_id).await?;
    let Some(address) = user.pending_email.clone().filter(|_| user.invited) else {
        return Err(AppError::invalid(
            "Deze gebruiker heeft zijn wachtwoord al gekozen: stuur zo nodig een herstellink.",
        ));
    };
    require_step_up(core, beheerder)?;
    factors::mail_invitation(
        core,
        &user,
        &address,
        &beheerder.user,
        Some(AuditAction::InvitationResent),
    )
    .await
}

/// 'Herstellink sturen': a reset link to the user's confirmed address, as
/// 'Wachtwoord vergeten?' sends it; the beheerder never sees it.
pub async fn send_reset_link(
    core: &Core,
    beheerder: &AuthUser,
    user_id: i64,
) -> Result<(), AppError> {
    let user = own_user(core, beheerder, user_id).await?;
    if user.invited {
        return Err(AppError::invalid(
            "Deze gebruiker is nog uitgenodigd: stuur de uitnodiging opnieuw.",
        ));
    }
    require_step_up(core, beheerder)?;
    match factors::mail_reset_link(core, &user, AskedBy::Beheerder(&beheerder.user)).await? {
        ResetMail::Sent => Ok(()),
        ResetMail::NoAddress => Err(AppError::invalid(
            "Deze gebruiker heeft geen bevestigd e-mailadres: een herstellink kan nergens heen.",
        )),
        ResetMail::Blocked => Err(AppError::invalid(
            "Dit account is geblokkeerd. Hef eerst de blokkade op.",
        )),
        ResetMail::Limited => Err(AppError::TooMany(
            "Er zijn het afgelopen uur al drie herstellinks naar deze gebruiker gestuurd. Probeer het later opnieuw."
                .into(),
        )),
    }
}
