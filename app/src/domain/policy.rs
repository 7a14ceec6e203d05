//! Who must give a second factor at login.
//!
//! Office users: the switch a beheerder sets on their account. Client users:
//! the strictest policy of their clients ('Ja' over 'Optioneel' over 'Nee');
//! under 'Optioneel' the user's own choice decides. The answer is computed
//! at each login, so a change applies from the next one.

use crate::model::{TwoFactorPolicy, TwoFactorRequirement, UserKind};

/// What the rules need to know of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySubject {
    pub kind: UserKind,
    /// Office users: 'Inlog met twee-factor-authenticatie'.
    pub office_switch: bool,
    /// Client users: the policies of all their clients.
    pub client_policies: Vec<TwoFactorPolicy>,
    /// Client users: their own choice, used only under 'Optioneel'.
    pub own_choice: bool,
}

pub fn strictest(policies: &[TwoFactorPolicy]) -> TwoFactorRequirement {
    if policies.contains(&TwoFactorPolicy::Ja) {
        TwoFactorRequirement::Mandatory
    } else if policies.contains(&TwoFactorPolicy::Optioneel) {
        TwoFactorRequirement::UserChoice
    } else {
        TwoFactorRequirement::Off
    }
}

pub fn requirement(subject: &PolicySubject) -> TwoFactorRequirement {
    match subject.kind {
        UserKind::Office if subject.office_switch => TwoFactorRequirement::Mandatory,
        UserKind::Office => TwoFactorRequirement::Off,
        UserKind::Client => strictest(&subject.client_policies),
    }
}

/// True when the next login must include a second factor.
pub fn applies(subject: &PolicySubject) -> bool {
    match requirement(subject) {
        TwoFactorRequirement::Mandatory => true,
        TwoFactorRequirement::UserChoice => subject.own_choice,
        TwoFactorRequirement::Off => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TwoFactorPolicy::{Ja, Nee, Optioneel};

    fn client(policies: &[TwoFactorPolicy], own_choice: bool) -> PolicySubject {
        PolicySubject {
            kind: UserKind::Client,
            office_switch: false,
            client_policies: policies.to_vec(),
            own_choice,
        }
    }

    #[test]
    fn office_users_follow_their_switch_only() {
        for (switch, choice) in [(false, false), (false, true), (true, false), (true, true)] {
            let subject = PolicySubject {
                kind: UserKind::Office,
                office_switch: switch,
                client_policies: vec![Ja],
                own_choice: choice,
            };
            assert_eq!(
                applies(&subject),
                switch,
                "switch {switch}, choice {choice}"
            );
        }
    }

    /// Every combination of up to three client policies, with and without
    /// the user's own choice.
    #[test]
    fn client_users_get_the_strictest_of_their_clients() {
        let all = [Ja, Nee, Optioneel];
        let mut sets: Vec<Vec<TwoFactorPolicy>> = vec![vec![]];
        for a in all {
            sets.push(vec![a]);
            for b in all {
                sets.push(vec![a, b]);
                for c in all {
                    sets.push(vec![a, b, c]);
                }
            }
        }
        for set in sets {
            for choice in [false, true] {
                let expected = if set.contains(&Ja) {
                    true
                } else if set.contains(&Optioneel) {
                    choice
                } else {
                    false
                };
                assert_eq!(
                    applies(&client(&set, choice)),
                    expected,
                    "{set:?} choice {choice}"
                );
            }
        }
    }

    #[test]
    fn requirement_names_who_decides() {
        assert_eq!(
            requirement(&client(&[Nee, Optioneel], false)),
            TwoFactorRequirement::UserChoice
        );
        assert_eq!(
            requirement(&client(&[Optioneel, Ja], false)),
            TwoFactorRequirement::Mandatory
        );
        assert_eq!(
            requirement(&client(&[Nee], true)),
            TwoFactorRequirement::Off
        );
        assert_eq!(requirement(&client(&[], true)), TwoFactorRequirement::Off);
    }
}
