//! What a user has: the factors and the policy that applies, and so what
//! their login asks for and a step-up accepts (the rules: `domain::factors`).

use super::passkeys::office_settings;
use crate::{
    core::Core,
    domain::{
        clock::UnixTime,
        deadline::Deadline,
        factors::{self as rules, Factors, LoginDemand, Number, Offer},
        login_method::LoginMethod,
        policy::{self, PolicyAsks, PolicySubject},
    },
    error::AppError,
    model::{DateNotice, TwoFactorState, UserKind},
    session::AuthUser,
    storage::{
        authenticators,
        clients::{self, required_from},
        passkeys, recovery as stored_recovery, sessions,
        users::UserRecord,
        StorageResult,
    },
};

/// What the rules need of a user to know what their login asks for and
/// what proves them at a step-up (`domain::factors`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub factors: Factors,
    pub policy: PolicySubject,
    /// What the policy asks at the moment the standing was read.
    pub asks: PolicyAsks,
    /// Passkeys stored for the user, whether or not the office lets them
    /// count (a beheerder can still remove them).
    pub passkey_count: i64,
}

impl Standing {
    /// What the login asks for after the right password.
    pub fn login_demand(&self, trusted_browser: bool) -> LoginDemand {
        rules::login_demand(&self.factors, self.asks, trusted_browser)
    }

    /// The announced date to tell this user, who logs in without a
    /// second factor until then.
    pub fn announced(&self) -> Option<Deadline> {
        rules::announced(&self.factors, self.asks)
    }

    /// What proves the user at a step-up, besides the password.
    pub fn step_up_proof(&self) -> Offer {
        rules::step_up_proof(&self.factors)
    }
}

/// The factors of `user`, from the record the caller read (the number)
/// and the bound app, the passkeys (where the office allows them) and
/// unused recovery codes; the policy as it stands now.
pub async fn standing(core: &Core, user: &UserRecord) -> StorageResult<Standing> {
    let policy = policy_subject(core, user).await?;
    standing_with(core, user, policy, core.now()).await
}

/// The logged-in session as every entry point takes it (server functions
/// through `pages::serve`, the downloads): one the password alone made,
/// for a user a 'Ja' now applies to (saved at once, or a 'Verplicht vanaf'
/// that has come), no longer holds and is ended here. Only the policy is
/// read, and only for such sessions.
pub async fn session_still_holds(core: &Core, auth: AuthUser) -> Result<AuthUser, AppError> {
    if !auth.login_method.is_some_and(LoginMethod::password_only) {
        return Ok(auth);
    }
    let subject = policy_subject(core, &auth.user).await?;
    if policy::mandated_now(&subject, core.now()) {
        sessions::delete(&core.db, &auth.session_hash).await?;
        return Err(AppError::NotLoggedIn);
    }
    Ok(auth)
}

/// The standing of `user` under `policy`, already read, at `now`.
async fn standing_with(
    core: &Core,
    user: &UserRecord,
    policy: PolicySubject,
    now: UnixTime,
) -> StorageResult<Standing> {
    let app = authenticators::bound(&core.db, user.id).await?.is_some();
    let (recovery_left, _) = stored_recovery::counts(&core.db, user.id).await?;
    let passkey_count = passkeys::count_of_user(&core.db, user.id).await?;
    let passkey = passkey_count > 0 && office_settings(core, user.office_id).await?.allowed;
    Ok(Standing {
        passkey_count,
        factors: Factors {
            app,
            passkey,
            number: match (&user.mobile, user.mobile_confirmed) {
                (None, _) => Number::None,
                (Some(_), false) => Number::Unconfirmed,
                (Some(_), true) => Number::Confirmed,
            },
            recovery_codes: recovery_left > 0,
        },
        asks: policy::asks(&policy, now),
        policy,
    })
}

pub async fn policy_subject(core: &Core, user: &UserRecord) -> StorageResult<PolicySubject> {
    let client_policies = match user.kind {
        UserKind::Client => clients::policies_of_user(&core.db, user.id).await?,
        UserKind::Office => Vec::new(),
    };
    Ok(PolicySubject {
        kind: user.kind,
        office_switch: user.two_factor_required,
        office_from: user.two_factor_from,
        client_policies,
        own_choice: user.two_factor_chosen,
    })
}

/// A user's two-factor state, as 'Mijn gegevens' and the beheerder see it:
/// what the next login asks for (a trusted browser aside).
pub async fn state_of(core: &Core, user: &UserRecord) -> StorageResult<TwoFactorState> {
    let standing = standing(core, user).await?;
    Ok(TwoFactorState {
        applies: rules::login_asks(&standing.factors, standing.asks),
        requirement: policy::requirement(&standing.policy),
        required_from: match standing.asks {
            PolicyAsks::From(date) => Some(required_from(date)),
            _ => None,
        },
        factor: standing.login_demand(false).factor_label().to_string(),
        app_bound: standing.factors.app,
        passkeys: standing.passkey_count,
        protection: standing.factors.protection(),
    })
}

/// What a logged-in user is told of the policy's date: a 'Ja' announced
/// for a day not yet reached, or one in force while they have nothing set
/// up (this session began before it; their next login asks).
pub async fn date_notice(core: &Core, user: &UserRecord) -> StorageResult<Option<DateNotice>> {
    let now = core.now();
    // The policy first: most users have none that asks, and it costs the
    // client users one read.
    let policy = policy_subject(core, user).await?;
    if policy::asks(&policy, now) == PolicyAsks::No {
        return Ok(None);
    }
    let standing = standing_with(core, user, policy, now).await?;
    Ok(match standing.asks {
        PolicyAsks::From(_) => standing.announced().map(|date| DateNotice {
            text: date.notice(now),
            urgent: date.urgent(now),
            later: Some(date.to_stored()),
        }),
        PolicyAsks::Yes if !standing.factors.set_up() => Some(DateNotice {
            text: IN_FORCE_NOTICE.to_string(),
            urgent: true,
            later: None,
        }),
        _ => None,
    })
}

pub const IN_FORCE_NOTICE: &str = "Inloggen met twee-factor-authenticatie is nu verplicht. \
     Stel het nu in: bij de volgende keer inloggen wordt erom gevraagd.";
