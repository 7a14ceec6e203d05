//! What a user has: the factors and the policy that applies, and so what
//! their login asks for and a step-up accepts (the rules: `domain::factors`).

use super::passkeys::office_settings;
use crate::{
    core::Core,
    domain::{
        factors::{self as rules, Factors, LoginDemand, Number, Offer},
        policy::{self, PolicySubject},
    },
    model::{TwoFactorState, UserKind},
    storage::{
        authenticators, clients, passkeys, recovery as stored_recovery, users::UserRecord,
        StorageResult,
    },
};

/// What the rules need of a user to know what their login asks for and
/// what proves them at a step-up (`domain::factors`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub factors: Factors,
    pub policy: PolicySubject,
    /// Passkeys stored for the user, whether or not the office lets them
    /// count (a beheerder can still remove them).
    pub passkey_count: i64,
}

impl Standing {
    /// Whether the policy asks this user for a second factor.
    pub fn policy_asks(&self) -> bool {
        policy::applies(&self.policy)
    }

    /// What the login asks for after the right password.
    pub fn login_demand(&self, trusted_browser: bool) -> LoginDemand {
        rules::login_demand(&self.factors, self.policy_asks(), trusted_browser)
    }

    /// What proves the user at a step-up, besides the password.
    pub fn step_up_proof(&self) -> Offer {
        rules::step_up_proof(&self.factors)
    }
}

/// The factors of `user`, from the record the caller read (the number)
/// and the bound app, the passkeys (where the office allows them) and
/// unused recovery codes.
pub async fn standing(core: &Core, user: &UserRecord) -> StorageResult<Standing> {
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
        policy: policy_subject(core, user).await?,
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
        client_policies,
        own_choice: user.two_factor_chosen,
    })
}

/// A user's two-factor state, as 'Mijn gegevens' and the beheerder see it:
/// what the next login asks for (a trusted browser aside).
pub async fn state_of(core: &Core, user: &UserRecord) -> StorageResult<TwoFactorState> {
    let standing = standing(core, user).await?;
    Ok(TwoFactorState {
        applies: rules::login_asks(&standing.factors, standing.policy_asks()),
        requirement: policy::requirement(&standing.policy),
        factor: standing.login_demand(false).factor_label().to_string(),
        app_bound: standing.factors.app,
        passkeys: standing.passkey_count,
    })
}
