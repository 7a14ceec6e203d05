//! 'Mijn gegevens' and the portal around it, for the logged-in user: their
//! details, their own two-factor choice and e-mail address, 'Mobiel nummer
//! wijzigen', 'Nieuwe herstelcodes maken', remembered browsers, and who is
//! calling, switching client and logging out. Every change to how the
//! account logs in goes through the door (`factors::commit_login_change`).

use crate::{
    core::Core,
    domain::{
        clock::dutch_date_time,
        login_form::{check_password_input, LoginName},
        phone::MobileNumber,
        recovery,
        session_lifetime::SessionState,
        sms_quota,
        text::EmailAddress,
        trusted_browser::{self, still_trusted},
    },
    error::AppError,
    factors::{
        self, Answer, ChangedBy, CodeContext, LoginChange, LoginChanges, PasswordSet, Proof,
    },
    model::{
        mask_phone, AuditAction, MyDetails, NumberChangeStatus, RecoveryCodes, SessionRow,
        TrustedBrowserRow, TwoFactorRequirement, UserKind, Viewer,
    },
    session::{self, require_user, AuthUser},
    storage::{
        audit::{self, AuditEntry},
        batch::Batch,
        clients, codes as stored_codes, sessions, trusted,
        users::{self, Confirmed},
        StorageResult,
    },
};

/// Who is calling, for the portal's frame: name, office, the clients to
/// switch between, and the notices to show once.
pub async fn whoami(core: &Core, auth: &AuthUser) -> Result<Viewer, AppError> {
    let clients = match auth.user.kind {
        UserKind::Client => clients::clients_of_user(&core.db, auth.user.id).await?,
        UserKind::Office => Vec::new(),
    };
    // The stored choice wins while the user still belongs to that client.
    let active_client = auth
        .active_client_id
        .and_then(|id| clients.iter().find(|c| c.id == id))
        .or(clients.first())
        .cloned();
    let (recovery_left, recovery_set) = factors::recovery_codes_left(core, auth.user.id).await?;
    // A session's own notice (the phone's clock) is shown once.
    if auth.notice.is_some() {
        sessions::clear_notice(&core.db, &auth.session_hash).await?;
    }
    let notices = auth
        .notice
        .clone()
        .into_iter()
        .chain(recovery::low_warning(recovery_left, recovery_set))
        .collect();
    let mut date_notice = factors::date_notice(core, &auth.user).await?;
    if let Some(later) = date_notice.as_ref().and_then(|n| n.later.as_deref()) {
        // 'Later' holds for the date it was clicked for: a new date shows
        // the notice again.
        if sessions::date_notice_postponed(&core.db, &auth.session_hash)
            .await?
            .as_deref()
            == Some(later)
        {
            date_notice = None;
        }
    }
    Ok(Viewer {
        notices,
        date_notice,
        login_name: auth.user.login_name.clone(),
        display_name: auth.user.display_name.clone(),
        kind: auth.user.kind,
        is_beheerder: auth.user.is_beheerder,
        office_name: auth.user.office_name.clone(),
        active_client,
        clients,
    })
}

/// 'Later' on the notice of an announced date: hidden for this session,
/// for that date. It changes nothing about the login: the date is read
/// from the policy at every login.
pub async fn postpone_date_notice(
    core: &Core,
    auth: &AuthUser,
    date: &str,
) -> Result<(), AppError> {
    if date.len() > 10 {
        return Err(AppError::invalid("Onbekende datum."));
    }
    sessions::postpone_date_notice(&core.db, &auth.session_hash, date).await?;
    Ok(())
}

/// 'Uitloggen': audited when there was a session, ended either way.
pub async fn logout(core: &Core) -> Result<(), AppError> {
    if let Ok(auth) = require_user().await {
        audit::record(
            &core.db,
            AuditEntry::own(&auth.user, crate::model::AuditAction::Logout),
            core.now(),
        )
        .await?;
    }
    session::end(core).await
}

/// The client a client user works for now (the SMS texts and the app name
/// its branch); only one of their own.
pub async fn switch_client(core: &Core, auth: &AuthUser, client_id: i64) -> Result<(), AppError> {
    let mine = clients::clients_of_user(&core.db, auth.user.id).await?;
    if !mine.iter().any(|c| c.id == client_id) {
        return Err(AppError::Forbidden);
    }
    sessions::set_active_client(&core.db, &auth.session_hash, client_id).await?;
    Ok(())
}

/// 'Mijn gegevens'.
pub async fn my_details(core: &Core, auth: &AuthUser) -> Result<MyDetails, AppError> {
    let user = auth.user.clone();
    let clients = match user.kind {
        UserKind::Client => clients::clients_of_user(&core.db, user.id).await?,
        UserKind::Office => Vec::new(),
    };
    let (recovery_left, recovery_set) = factors::recovery_codes_left(core, user.id).await?;
    let two_factor = factors::state_of(core, &user).await?;
    Ok(MyDetails {
        recovery_left,
        recovery_set,
        trusted: trusted_browsers(core, auth).await?,
        sessions: own_sessions(core, auth).await?,
        app_bound: two_factor.app_bound,
        two_factor,
        own_choice: user.two_factor_chosen,
        login_name: user.login_name,
        display_name: user.display_name,
        kind: user.kind,
        email: user.email,
        pending_email: user.pending_email,
        mobile_masked: user.mobile.as_deref().map(mask_phone),
        branch: user.branch,
        clients,
    })
}

/// Only where a client's policy leaves the choice to the user. Turning
/// it off needs a step-up (the door asks for it); on or off, the change
/// goes through the door.
pub async fn set_my_two_factor(
    core: &Core,
    auth: &AuthUser,
    two_factor: String,
) -> Result<(), AppError> {
    let on = crate::domain::text::yes_no("Inlog met twee-factor-authenticatie", &two_factor)
        .map_err(AppError::Invalid)?;
    let state = factors::state_of(core, &auth.user).await?;
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
        core,
        ChangedBy::User(auth),
        &auth.user,
        vec![LoginChange::TwoFactorChoice { on }],
        batch,
    )
    .await?;
    Ok(())
}

/// The user's logged-in sessions that still live.
async fn own_sessions(core: &Core, auth: &AuthUser) -> Result<Vec<SessionRow>, AppError> {
    let now = core.now();
    Ok(sessions::active_of_user(&core.db, auth.user.id)
        .await?
        .into_iter()
        .filter(|s| {
            core.sessions
                .lifetime
                .state(s.logged_in_at, s.last_seen_at, now)
                != SessionState::Expired
        })
        .map(|s| SessionRow {
            reference: sessions::reference(&s),
            logged_in: dutch_date_time(s.logged_in_at),
            last_seen: dutch_date_time(s.last_seen_at),
            this_session: s.id_hash == auth.session_hash,
            method: s.login_method.map(|m| m.dutch().to_string()),
        })
        .collect())
}

/// 'Uitloggen' on another of the user's sessions (a phone left logged in
/// somewhere). It only takes access away, so it needs no step-up; this
/// session ends with 'Uitloggen' at the top of the page.
pub async fn end_my_session(core: &Core, auth: &AuthUser, reference: &str) -> Result<(), AppError> {
    let well_formed = reference.len() == 16
        && reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(AppError::invalid("Kies een sessie uit de lijst."));
    }
    if auth.session_hash.starts_with(reference) {
        return Err(AppError::invalid(
            "Dit is je huidige sessie: log uit met 'Uitloggen' bovenaan.",
        ));
    }
    if sessions::end_by_reference(&core.db, auth.user.id, reference).await? == 0 {
        return Err(AppError::invalid("Deze sessie is al beëindigd."));
    }
    audit::record(
        &core.db,
        AuditEntry::own(&auth.user, AuditAction::SessionEndedByUser),
        core.now(),
    )
    .await?;
    Ok(())
}

/// 'E-mailadres wijzigen': where notices and reset links go. Through the
/// door (after a step-up, told to the old address); a new address counts
/// once the link mailed to it is used, and until then the old one gets
/// everything.
pub async fn set_my_email(core: &Core, auth: &AuthUser, email: String) -> Result<(), AppError> {
    let typed = EmailAddress::parse_optional(&email).map_err(AppError::Invalid)?;
    let Some(step) = factors::address_step(&auth.user, typed.as_ref().map(EmailAddress::as_str))
    else {
        return Ok(());
    };
    let mut batch = Batch::<std::convert::Infallible>::new();
    batch.then(users::set_addresses(
        auth.user.id,
        step.email.as_deref(),
        step.pending_email.as_deref(),
    ));
    let Ok(()) = factors::commit_login_change(
        core,
        ChangedBy::User(auth),
        &auth.user,
        vec![step.change],
        batch,
    )
    .await?;
    if let Some(new) = step.confirm {
        factors::mail_address_confirmation(core, &auth.user, &new, factors::AskedBy::Anyone)
            .await?;
    }
    Ok(())
}

/// 'Wachtwoord wijzigen': behind the step-up (checked before the current
/// password, so a stolen cookie cannot even guess it), the current
/// password through the password gate (its tries count towards the
/// account's lockout), then the new one through the door: the user's other
/// sessions and trusted browsers end, and they are told.
pub async fn change_password(
    core: &Core,
    auth: &AuthUser,
    current: String,
    new: &str,
    repeated: &str,
) -> Result<(), AppError> {
    session::require_step_up(core, auth)?;
    if current.is_empty() {
        return Err(AppError::invalid(
            "Vul bij 'Huidig wachtwoord' je huidige wachtwoord in.",
        ));
    }
    check_password_input(&current).map_err(AppError::Invalid)?;
    let name = LoginName::parse(&auth.user.login_name).map_err(AppError::Invalid)?;
    let stored = users::credentials(&core.db, name.as_str())
        .await?
        .filter(|c| c.user_id == auth.user.id)
        .and_then(|c| c.password_hash);
    if !factors::judge_password(core, &name, stored, current).await? {
        return Err(AppError::invalid(
            "Het wachtwoord bij 'Huidig wachtwoord' klopt niet.",
        ));
    }
    let password = factors::checked_new_password(core, &auth.user, new, repeated).await?;
    let Ok(()) = factors::commit_new_password(
        core,
        ChangedBy::User(auth),
        &auth.user,
        PasswordSet::Changed,
        password,
        Batch::<std::convert::Infallible>::new(),
    )
    .await?;
    Ok(())
}

fn number_context(auth: &AuthUser) -> CodeContext<'_> {
    CodeContext::NumberChange(&auth.session_hash)
}

/// What the page 'Mobiel nummer wijzigen' shows: the number a code went
/// to and how long that code holds.
pub async fn number_change_status(
    core: &Core,
    auth: &AuthUser,
) -> Result<NumberChangeStatus, AppError> {
    let now = core.now();
    let key = number_context(auth).key();
    let latest = stored_codes::latest_for_session(&core.db, &key).await?;
    Ok(NumberChangeStatus {
        sent_to: latest.as_ref().map(|c| mask_phone(&c.phone)),
        valid_for: latest
            .filter(|c| c.state.check(now).is_ok())
            .map_or(0, |c| c.state.expires_at - now),
        resend_in: sms_quota::resend_in(stored_codes::last_sent_at(&core.db, &key).await?, now),
    })
}

/// 'Code sturen': a code to the typed number (the stored one stays).
pub async fn send_number_code(core: &Core, auth: &AuthUser, typed: &str) -> Result<(), AppError> {
    session::require_step_up(core, auth)?;
    let number = MobileNumber::parse(typed).map_err(AppError::Invalid)?;
    if auth.user.mobile.as_deref() == Some(number.as_str()) && auth.user.mobile_confirmed {
        return Err(AppError::invalid("Dit nummer is al je mobiele nummer."));
    }
    factors::send_code(
        core,
        &auth.user,
        auth.active_client_id,
        number_context(auth),
        &number,
    )
    .await
}

/// 'Nummer bevestigen': the code sent to the new number makes it the
/// account's number, in the transaction that uses the code.
pub async fn confirm_number(core: &Core, auth: &AuthUser, typed: &str) -> Result<(), AppError> {
    session::require_step_up(core, auth)?;
    let answer = Answer::parse_code(typed)?;
    let user = &auth.user;
    let proven = factors::prove(
        core,
        number_context(auth),
        &answer,
        "Er is nog geen code naar het nieuwe nummer gestuurd. Kies 'Code sturen'.",
        |_, proof, batch, now| {
            let Proof::Sms { phone, .. } = proof else {
                return Err(AppError::invalid(
                    "Vul de code uit de SMS naar je nieuwe nummer in.",
                ));
            };
            batch.then(users::set_mobile(user.id, phone, Confirmed::ByCode));
            let change = LoginChanges::new(
                core,
                ChangedBy::User(auth),
                user.clone(),
                vec![LoginChange::Mobile {
                    old: user.mobile.clone(),
                    new: Some(phone.clone()),
                }],
            )?;
            change.add_to(batch, now);
            Ok(change)
        },
    )
    .await?;
    proven.finished.announce(core).await;
    Ok(())
}

/// 'Nieuwe herstelcodes maken': after a step-up; voids the old set
/// through the door (other sessions end, the number and address are told).
pub async fn new_recovery_codes(core: &Core, auth: &AuthUser) -> Result<RecoveryCodes, AppError> {
    let user = &auth.user;
    let (codes, hashes) = factors::new_recovery_set(core, user);
    let mut batch = Batch::<std::convert::Infallible>::new();
    factors::replace_recovery_set(&mut batch, user, &hashes, core.now());
    let Ok(()) = factors::commit_login_change(
        core,
        ChangedBy::User(auth),
        user,
        vec![LoginChange::RecoveryCodes],
        batch,
    )
    .await?;
    Ok(RecoveryCodes {
        codes,
        login_name: user.login_name.clone(),
    })
}

/// 'Mijn gegevens': the user's trusted browsers.
pub async fn trusted_browsers(
    core: &Core,
    auth: &AuthUser,
) -> StorageResult<Vec<TrustedBrowserRow>> {
    let this = match factors::request_token_hash(core) {
        Some(hash) => trusted::find(&core.db, &hash).await?.map(|row| row.id),
        None => None,
    };
    let now = core.now();
    let days = trusted::office_days(&core.db, auth.user.office_id).await?;
    let mut rows = Vec::new();
    for row in trusted::of_user(&core.db, auth.user.id).await? {
        if !still_trusted(row.created_at, row.expires_at, days, now) {
            continue;
        }
        rows.push(TrustedBrowserRow {
            this_browser: this == Some(row.id),
            id: row.id,
            description: row.description,
            added: dutch_date_time(row.created_at),
            until: dutch_date_time(
                row.expires_at
                    .min(trusted_browser::expires_at(row.created_at, days)),
            ),
            last_used: dutch_date_time(row.last_used_at),
        });
    }
    Ok(rows)
}

/// 'Vergeten': the next login from that browser asks for the code again.
pub async fn forget_browser(core: &Core, auth: &AuthUser, id: i64) -> Result<(), AppError> {
    if !trusted::forget(&core.db, auth.user.id, id).await? {
        return Err(AppError::invalid(
            "Dit apparaat wordt al niet (meer) onthouden.",
        ));
    }
    audit::record(
        &core.db,
        AuditEntry::own(&auth.user, AuditAction::TrustedForgotten),
        core.now(),
    )
    .await?;
    Ok(())
}

/// 'Mijn gegevens downloaden' (AVG art. 15): after a step-up, audited.
pub async fn my_data(core: &Core, auth: &AuthUser) -> Result<String, AppError> {
    session::require_step_up(core, auth)?;
    let data = factors::personal_data(core, &auth.user).await?;
    audit::record(
        &core.db,
        AuditEntry::own(&auth.user, AuditAction::DataExported),
        core.now(),
    )
    .await?;
    Ok(data)
}
