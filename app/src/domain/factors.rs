//! Which factors a user has, and from that alone what a login asks for and
//! what a step-up accepts. Both read the same [`Factors`], so they cannot
//! disagree: a user who has any factor is asked for one of the factors
//! they have, and the password alone never enrols a new one (only a user
//! with no factor at all types a number, confirmed by the code sent to it).

use super::{deadline::Deadline, policy::PolicyAsks};
use crate::model::Protection;

/// How long a passkey ceremony may take, from its start on the server to
/// the browser's answer; after that its challenge no longer counts.
pub const CEREMONY_SECONDS: i64 = 5 * 60;

/// 'Inloggen met een passkey' begun from one source address (as the
/// password gate counts them, /64 for IPv6). The login page begins one at
/// each view, for the login name's autofill: generous for an office behind
/// one address, a brake on a script that fills the table.
pub const PASSWORDLESS_BEGIN_ADDRESS: super::link_token::RateRule = super::link_token::RateRule {
    max: 300,
    seconds: 15 * 60,
};

/// Open passwordless ceremonies at most, of every address together: a full
/// table refuses new ones (and says so in the metrics) before the disk
/// fills. Lapsed ones are deleted as new ones begin.
pub const OPEN_PASSWORDLESS_CAP: i64 = 10_000;

/// The account's mobile number, as far as it is a factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Number {
    None,
    /// A beheerder set it; its owner confirms it with the code at the next
    /// login.
    Unconfirmed,
    Confirmed,
}

/// What the user has besides the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Factors {
    pub app: bool,
    /// At least one passkey, in an office that allows them.
    pub passkey: bool,
    pub number: Number,
    /// Unused recovery codes ('herstelcodes') are left.
    pub recovery_codes: bool,
}

/// The factors that may answer: each one the user has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Offer {
    /// The bound app's code.
    pub app: bool,
    /// A passkey's assertion, with user verification.
    pub passkey: bool,
    /// An SMS code, always to the stored number.
    pub sms: bool,
    pub recovery: bool,
}

impl Offer {
    pub fn any(&self) -> bool {
        self.app || self.passkey || self.sms || self.recovery
    }
}

/// What a login asks for after the right password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginDemand {
    /// Nothing more: logged in.
    Password,
    /// One of the offered factors.
    Factor(Offer),
    /// A second factor is required and the user has none: the portal asks
    /// for a mobile number and sends a code to it, which makes it theirs.
    EnrolNumber,
}

impl Factors {
    pub fn offer(&self) -> Offer {
        Offer {
            app: self.app,
            passkey: self.passkey,
            sms: self.number != Number::None,
            recovery: self.recovery_codes,
        }
    }
}

impl Factors {
    /// How the user logs in, as 'Overzicht' counts it: by the strongest
    /// factor they have, in the order the login offers them.
    pub fn protection(&self) -> Protection {
        if self.passkey {
            Protection::Passkey
        } else if self.app {
            Protection::App
        } else if self.number != Number::None {
            Protection::Sms
        } else {
            Protection::Nothing
        }
    }

    /// A factor to log in with is set up: an app, a passkey or a number.
    /// (Recovery codes alone are for a lost phone, not for every day.)
    pub fn set_up(&self) -> bool {
        self.app || self.passkey || self.number != Number::None
    }
}

/// Whether the login takes a second step: the policy asks, or the user
/// chose the stronger login by binding an app or adding a passkey, or a
/// number a beheerder set waits for its owner's code. Before the date of
/// an announced 'Ja', whoever has a factor set up is asked for it as if
/// 'Ja' applied; only who has none logs in as before.
pub fn login_asks(factors: &Factors, policy: PolicyAsks) -> bool {
    let chosen = factors.app || factors.passkey || factors.number == Number::Unconfirmed;
    match policy {
        PolicyAsks::Yes => true,
        PolicyAsks::From(_) => chosen || factors.set_up(),
        PolicyAsks::No => chosen,
    }
}

/// The date to tell a user who logs in with the password alone while a
/// 'Ja' is announced: 'Vanaf … is inloggen met twee-factor-authenticatie
/// verplicht.' Nobody the login asks is told: they are set up.
pub fn announced(factors: &Factors, policy: PolicyAsks) -> Option<Deadline> {
    match policy {
        PolicyAsks::From(date) if !login_asks(factors, policy) => Some(date),
        _ => None,
    }
}

/// The login's demand. A trusted browser ('Dit apparaat … dagen
/// onthouden') stands in for a factor the user has; it never stands in
/// for enrolling one, nor for confirming a number a beheerder set.
pub fn login_demand(factors: &Factors, policy: PolicyAsks, trusted_browser: bool) -> LoginDemand {
    if !login_asks(factors, policy) {
        return LoginDemand::Password;
    }
    let offer = factors.offer();
    if !offer.any() {
        return LoginDemand::EnrolNumber;
    }
    if trusted_browser && factors.number != Number::Unconfirmed {
        return LoginDemand::Password;
    }
    LoginDemand::Factor(offer)
}

/// Whether the login sends an SMS code at once: to a number the user has,
/// unless a bound app's code or a passkey is asked for instead (an SMS
/// then only on request). A number a beheerder set gets its code anyway:
/// that code confirms it.
pub fn sms_at_once(factors: &Factors) -> bool {
    match factors.number {
        Number::None => false,
        Number::Unconfirmed => true,
        Number::Confirmed => !factors.app && !factors.passkey,
    }
}

/// Whether a passkey may log in without the password: the office allows
/// passkeys and allows them instead of the password. The passkey's user
/// verification then stands for the password and the passkey itself for
/// the second factor, so every policy ('Ja' too) is met by it.
pub fn passwordless_allowed(passkeys_allowed: bool, instead_of_password: bool) -> bool {
    passkeys_allowed && instead_of_password
}

/// What proves the user at a step-up, next to the password: any factor
/// they have. An empty offer: the password alone (a user with no factor).
pub fn step_up_proof(factors: &Factors) -> Offer {
    factors.offer()
}

impl LoginDemand {
    /// The factor as 'Mijn gegevens' and the beheerder's lists name it.
    pub fn factor_label(&self) -> &'static str {
        match self {
            LoginDemand::Password => "–",
            LoginDemand::Factor(offer) if offer.passkey => "Passkey",
            LoginDemand::Factor(offer) if offer.app => "Authenticator app",
            LoginDemand::Factor(offer) if offer.sms => "SMS",
            LoginDemand::Factor(_) => "Herstelcode (geen mobiel nummer)",
            LoginDemand::EnrolNumber => "SMS (nog geen mobiel nummer)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn announced_date() -> Deadline {
        Deadline::new(jiff::civil::date(2027, 2, 1))
    }

    const NUMBERS: [Number; 3] = [Number::None, Number::Unconfirmed, Number::Confirmed];

    /// Every combination of app × number × recovery codes × policy ×
    /// trusted browser, and what the login offers and the step-up accepts.
    #[test]
    fn the_login_and_the_step_up_agree_on_every_combination() {
        let mut seen = 0;
        for (app, passkey) in [(false, false), (false, true), (true, false), (true, true)] {
            for number in NUMBERS {
                for recovery_codes in [false, true] {
                    for policy in [
                        PolicyAsks::No,
                        PolicyAsks::Yes,
                        PolicyAsks::From(announced_date()),
                    ] {
                        for trusted in [false, true] {
                            seen += 1;
                            let factors = Factors {
                                app,
                                passkey,
                                number,
                                recovery_codes,
                            };
                            let case = format!(
                                "app {app}, passkey {passkey}, number {number:?}, \
                                 recovery {recovery_codes}, policy {policy:?}, trusted {trusted}"
                            );
                            let has_any =
                                app || passkey || number != Number::None || recovery_codes;
                            let held = Offer {
                                app,
                                passkey,
                                sms: number != Number::None,
                                recovery: recovery_codes,
                            };
                            let step_up = step_up_proof(&factors);
                            let login = login_demand(&factors, policy, trusted);

                            // The step-up accepts exactly the factors held.
                            assert_eq!(step_up, held, "{case}");
                            assert_eq!(step_up.any(), has_any, "{case}");

                            let set_up = app || passkey || number != Number::None;
                            let asks = match policy {
                                PolicyAsks::Yes => true,
                                PolicyAsks::From(_) => set_up,
                                PolicyAsks::No => app || passkey || number == Number::Unconfirmed,
                            };
                            let expected = if !asks {
                                LoginDemand::Password
                            } else if !has_any {
                                LoginDemand::EnrolNumber
                            } else if trusted && number != Number::Unconfirmed {
                                LoginDemand::Password
                            } else {
                                LoginDemand::Factor(held)
                            };
                            assert_eq!(login, expected, "{case}");

                            // An SMS goes out at once only to a number the user has.
                            if sms_at_once(&factors) {
                                assert!(held.sms, "{case}");
                            }
                            // A passkey or an app is asked for first: no SMS
                            // unasked, except to confirm a beheerder's number.
                            if (app || passkey) && number != Number::Unconfirmed {
                                assert!(!sms_at_once(&factors), "{case}");
                            }
                            // Whatever the login offers, the step-up accepts too.
                            if let LoginDemand::Factor(offer) = login {
                                assert_eq!(offer, step_up, "{case}");
                            }
                            // Before an announced date: who has a factor set up
                            // is asked as under 'Ja'; only the others are told
                            // the date, and they are never made to enrol.
                            if let PolicyAsks::From(date) = policy {
                                assert_eq!(
                                    announced(&factors, policy),
                                    (!set_up).then_some(date),
                                    "{case}"
                                );
                                if set_up {
                                    assert_eq!(
                                        login,
                                        login_demand(&factors, PolicyAsks::Yes, trusted),
                                        "{case}"
                                    );
                                } else {
                                    assert_eq!(login, LoginDemand::Password, "{case}");
                                }
                            } else {
                                assert_eq!(announced(&factors, policy), None, "{case}");
                            }
                            // The overview's 'met niets' are exactly those who
                            // have nothing set up, and its classes follow the label.
                            assert_eq!(
                                factors.protection() == Protection::Nothing,
                                !set_up,
                                "{case}"
                            );
                            if let LoginDemand::Factor(_) =
                                login_demand(&factors, PolicyAsks::Yes, false)
                            {
                                if set_up {
                                    assert_eq!(
                                        factors.protection().label(),
                                        login_demand(&factors, PolicyAsks::Yes, false)
                                            .factor_label(),
                                        "{case}"
                                    );
                                }
                            }
                            // A number is typed only by someone with no factor.
                            if login == LoginDemand::EnrolNumber {
                                assert!(!has_any && !step_up.any(), "{case}");
                            }
                            // Recovery codes alone protect the login.
                            if recovery_codes
                                && !app
                                && !passkey
                                && number == Number::None
                                && policy == PolicyAsks::Yes
                            {
                                assert_eq!(
                                    login,
                                    if trusted {
                                        LoginDemand::Password
                                    } else {
                                        LoginDemand::Factor(Offer {
                                            recovery: true,
                                            ..Offer::default()
                                        })
                                    },
                                    "{case}"
                                );
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(seen, 4 * 3 * 2 * 3 * 2);
    }

    #[test]
    fn a_number_to_confirm_is_asked_for_even_in_a_trusted_browser() {
        let factors = Factors {
            app: false,
            passkey: false,
            number: Number::Unconfirmed,
            recovery_codes: false,
        };
        assert_eq!(
            login_demand(&factors, PolicyAsks::No, true),
            LoginDemand::Factor(Offer {
                sms: true,
                ..Offer::default()
            })
        );
    }

    #[test]
    fn the_factor_is_named_as_the_login_asks_for_it() {
        let paper = Factors {
            app: false,
            passkey: false,
            number: Number::None,
            recovery_codes: true,
        };
        assert_eq!(
            login_demand(&paper, PolicyAsks::Yes, false).factor_label(),
            "Herstelcode (geen mobiel nummer)"
        );
        let nothing = Factors {
            recovery_codes: false,
            ..paper
        };
        assert_eq!(
            login_demand(&nothing, PolicyAsks::Yes, false).factor_label(),
            "SMS (nog geen mobiel nummer)"
        );
        assert_eq!(
            login_demand(&nothing, PolicyAsks::No, false).factor_label(),
            "–"
        );
        let key = Factors {
            passkey: true,
            app: true,
            ..nothing
        };
        assert_eq!(
            login_demand(&key, PolicyAsks::No, false).factor_label(),
            "Passkey"
        );
    }

    #[test]
    fn a_passkey_replaces_the_password_only_where_the_office_allows_both() {
        assert!(passwordless_allowed(true, true));
        assert!(!passwordless_allowed(true, false));
        assert!(!passwordless_allowed(false, true));
        assert!(!passwordless_allowed(false, false));
    }
}
