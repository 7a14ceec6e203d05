//! How a session logged in, kept with it through every renewal: what the
//! Logboek and the session lists show, what a 'Ja' coming into force
//! judges (a password-only session ends), what an application that
//! relies on Tweestap receives as `amr` (RFC 8176), and how strong it is
//! against what an application or a protected host asks (`Strength`).

/// The way a login proved its user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoginMethod {
    /// The password alone (no second factor was asked).
    Password,
    /// The password and an SMS code.
    PasswordSms,
    /// The password and a code of the authenticator app.
    PasswordApp,
    /// The password and a passkey.
    PasswordPasskey,
    /// A passkey with user verification, without the password.
    Passkey,
    /// The password and a herstelcode.
    PasswordRecovery,
    /// The password, a trusted browser standing in for the second factor.
    PasswordTrustedBrowser,
}

impl LoginMethod {
    pub const ALL: [LoginMethod; 7] = [
        LoginMethod::Password,
        LoginMethod::PasswordSms,
        LoginMethod::PasswordApp,
        LoginMethod::PasswordPasskey,
        LoginMethod::Passkey,
        LoginMethod::PasswordRecovery,
        LoginMethod::PasswordTrustedBrowser,
    ];

    /// As stored with the session.
    pub fn as_db(self) -> &'static str {
        match self {
            LoginMethod::Password => "pwd",
            LoginMethod::PasswordSms => "pwd+sms",
            LoginMethod::PasswordApp => "pwd+otp",
            LoginMethod::PasswordPasskey => "pwd+hwk",
            LoginMethod::Passkey => "hwk+user",
            LoginMethod::PasswordRecovery => "pwd+recovery",
            LoginMethod::PasswordTrustedBrowser => "pwd+trusted",
        }
    }

    pub fn from_db(stored: &str) -> Option<LoginMethod> {
        Self::ALL.into_iter().find(|m| m.as_db() == stored)
    }

    /// RFC 8176's Authentication Method Reference values. A herstelcode is
    /// a one-time code (`otp`); a passkey a hardware-bound key (`hwk`),
    /// with user verification (`user`) when it stands alone; a trusted
    /// browser is no factor of the login itself, so it adds nothing.
    pub fn amr(self) -> &'static [&'static str] {
        match self {
            LoginMethod::Password | LoginMethod::PasswordTrustedBrowser => &["pwd"],
            LoginMethod::PasswordSms => &["pwd", "sms", "mfa"],
            LoginMethod::PasswordApp | LoginMethod::PasswordRecovery => &["pwd", "otp", "mfa"],
            LoginMethod::PasswordPasskey => &["pwd", "hwk", "mfa"],
            LoginMethod::Passkey => &["hwk", "user", "mfa"],
        }
    }

    /// As the Logboek and the session lists say it.
    pub fn dutch(self) -> &'static str {
        match self {
            LoginMethod::Password => "Wachtwoord",
            LoginMethod::PasswordSms => "Wachtwoord en SMS-code",
            LoginMethod::PasswordApp => "Wachtwoord en authenticator app",
            LoginMethod::PasswordPasskey => "Wachtwoord en passkey",
            LoginMethod::Passkey => "Passkey (zonder wachtwoord)",
            LoginMethod::PasswordRecovery => "Wachtwoord en herstelcode",
            LoginMethod::PasswordTrustedBrowser => "Wachtwoord op een onthouden apparaat",
        }
    }

    /// Nothing but the password proved this login: a 'Ja' that comes into
    /// force ends such a session. (A trusted browser was the second step
    /// the office allowed in its place.)
    pub fn password_only(self) -> bool {
        self == LoginMethod::Password
    }

    /// The strongest level this method reaches: none for the password
    /// alone; two factors for a second step (a trusted browser is the
    /// second step the office allowed in its place); a passkey.
    pub fn strength(self) -> Option<Strength> {
        if self.password_only() {
            return None;
        }
        Some(match self {
            LoginMethod::PasswordPasskey | LoginMethod::Passkey => Strength::Passkey,
            _ => Strength::TwoFactors,
        })
    }

    /// What a session counts as after a step-up that `proved` this way: the
    /// stronger of the two ([`LoginMethod::strength`]), the newer when
    /// equally strong. A passkey after
    /// an SMS login makes it a passkey session (an application that asks
    /// for one gets it); an SMS step-up never weakens a passkey login.
    pub fn after_step_up(before: Option<LoginMethod>, proved: LoginMethod) -> LoginMethod {
        match before {
            Some(before) if before.strength() > proved.strength() => before,
            _ => proved,
        }
    }
}

/// How strong the login behind a session must be for an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strength {
    /// 'Twee factoren': the office's own second step (a trusted browser
    /// counts, as it does for the portal).
    TwoFactors,
    /// 'Passkey': phishing-resistant.
    Passkey,
}

impl Strength {
    pub const ALL: [Strength; 2] = [Strength::TwoFactors, Strength::Passkey];

    pub fn as_db(self) -> &'static str {
        match self {
            Strength::TwoFactors => "twee",
            Strength::Passkey => "passkey",
        }
    }

    pub fn from_db(stored: &str) -> Option<Strength> {
        Self::ALL.into_iter().find(|s| s.as_db() == stored)
    }

    /// The `acr` value an ID token carries and `acr_values` may ask for.
    pub fn acr(self) -> &'static str {
        match self {
            Strength::TwoFactors => "urn:tweestap:acr:twee-factoren",
            Strength::Passkey => "urn:tweestap:acr:passkey",
        }
    }

    pub fn dutch(self) -> &'static str {
        match self {
            Strength::TwoFactors => "Twee factoren",
            Strength::Passkey => "Passkey",
        }
    }

    /// The strongest level a session's login reaches (`None`: the
    /// password alone, or a session from before methods were kept).
    pub fn of(method: Option<LoginMethod>) -> Option<Strength> {
        method?.strength()
    }

    pub fn met_by(self, method: Option<LoginMethod>) -> bool {
        Strength::of(method).is_some_and(|reached| reached >= self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_method_is_stored_and_read_back_and_named() {
        for method in LoginMethod::ALL {
            assert_eq!(LoginMethod::from_db(method.as_db()), Some(method));
            assert!(!method.dutch().is_empty());
            let amr = method.amr();
            // RFC 8176 names only.
            for value in amr {
                assert!(
                    ["pwd", "sms", "otp", "hwk", "swk", "user", "mfa"].contains(value),
                    "{value}"
                );
            }
            // 'mfa' exactly where two factors proved the login.
            let factors =
                amr.iter().filter(|v| **v != "mfa").count() - usize::from(amr.contains(&"user"));
            assert_eq!(
                amr.contains(&"mfa"),
                factors >= 2 || method == LoginMethod::Passkey,
                "{method:?}"
            );
        }
        assert_eq!(LoginMethod::from_db("iets"), None);
        assert!(LoginMethod::Password.password_only());
        assert!(!LoginMethod::PasswordTrustedBrowser.password_only());
    }

    #[test]
    fn a_step_up_only_ever_strengthens_a_session() {
        use LoginMethod::*;
        assert_eq!(
            LoginMethod::after_step_up(Some(PasswordSms), PasswordPasskey),
            PasswordPasskey
        );
        assert_eq!(
            LoginMethod::after_step_up(Some(Passkey), PasswordSms),
            Passkey
        );
        assert_eq!(
            LoginMethod::after_step_up(Some(PasswordApp), PasswordSms),
            PasswordSms
        );
        assert_eq!(LoginMethod::after_step_up(None, Password), Password);
        for before in LoginMethod::ALL {
            for proved in LoginMethod::ALL {
                let after = LoginMethod::after_step_up(Some(before), proved);
                assert!(after == before || after == proved);
                assert!(after.strength() >= before.strength().max(proved.strength()));
            }
        }
    }
}
