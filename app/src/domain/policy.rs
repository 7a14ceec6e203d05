//! Who must give a second factor at login.
//!
//! Office users: the switch a beheerder sets on their account. Client users:
//! the strictest policy of their clients ('Ja' over 'Optioneel' over 'Nee');
//! under 'Optioneel' the user's own choice decides. 'Ja' (and the office
//! switch) may carry a date ('Verplicht vanaf', `domain::deadline`): before
//! it, the policy announces itself ([`PolicyAsks::From`]). The answer is
//! computed at each login from what is stored, so a change applies from the
//! next one.

use super::{clock::UnixTime, deadline::Deadline};
use crate::model::{TwoFactorPolicy, TwoFactorRequirement, UserKind};

/// One client's policy: 'Ja' may apply from a date on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientPolicy {
    pub policy: TwoFactorPolicy,
    /// Only with 'Ja'.
    pub from: Option<Deadline>,
}

impl ClientPolicy {
    pub fn now(policy: TwoFactorPolicy) -> ClientPolicy {
        ClientPolicy { policy, from: None }
    }
}

/// What the rules need to know of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySubject {
    pub kind: UserKind,
    /// Office users: 'Inlog met twee-factor-authenticatie'.
    pub office_switch: bool,
    /// Office users: the switch applies from this date on.
    pub office_from: Option<Deadline>,
    /// Client users: the policies of all their clients.
    pub client_policies: Vec<ClientPolicy>,
    /// Client users: their own choice, used only under 'Optioneel'.
    pub own_choice: bool,
}

/// What the policy asks of a login at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyAsks {
    /// No second factor.
    No,
    /// A second factor.
    Yes,
    /// 'Ja' from this date on, not yet reached: until then a second factor
    /// is asked of whoever has one set up (`domain::factors::login_asks`);
    /// the others log in as before and are told the date.
    From(Deadline),
}

/// Whether the office (a client's 'Ja', or an office user's switch) asks
/// a second factor at `now`, whatever the user chose themselves: a
/// session the password alone made no longer holds then.
pub fn mandated_now(subject: &PolicySubject, now: UnixTime) -> bool {
    let office_only = PolicySubject {
        own_choice: false,
        ..subject.clone()
    };
    asks(&office_only, now) == PolicyAsks::Yes
}

pub fn strictest(policies: &[ClientPolicy]) -> TwoFactorRequirement {
    let has = |p: TwoFactorPolicy| policies.iter().any(|c| c.policy == p);
    if has(TwoFactorPolicy::Ja) {
        TwoFactorRequirement::Mandatory
    } else if has(TwoFactorPolicy::Optioneel) {
        TwoFactorRequirement::UserChoice
    } else {
        TwoFactorRequirement::Off
    }
}

/// Who decides, dates aside: a dated 'Ja' is already the office's.
pub fn requirement(subject: &PolicySubject) -> TwoFactorRequirement {
    match subject.kind {
        UserKind::Office if subject.office_switch => TwoFactorRequirement::Mandatory,
        UserKind::Office => TwoFactorRequirement::Off,
        UserKind::Client => strictest(&subject.client_policies),
    }
}

/// 'Ja' from `from` on, at `now`: in force, or announced.
fn ja(from: Option<Deadline>, now: UnixTime) -> PolicyAsks {
    match from {
        Some(date) if !date.in_force(now) => PolicyAsks::From(date),
        _ => PolicyAsks::Yes,
    }
}

/// What the policy asks of a login at `now`. Of several clients the
/// strictest wins: 'Ja' in force, then the user's own choice under
/// 'Optioneel', then the earliest announced date.
pub fn asks(subject: &PolicySubject, now: UnixTime) -> PolicyAsks {
    match subject.kind {
        UserKind::Office if subject.office_switch => ja(subject.office_from, now),
        UserKind::Office => PolicyAsks::No,
        UserKind::Client => {
            let mut announced: Option<Deadline> = None;
            let mut optional = false;
            for client in &subject.client_policies {
                match client.policy {
                    TwoFactorPolicy::Ja => match ja(client.from, now) {
                        PolicyAsks::From(date) => {
                            announced = Some(announced.map_or(date, |d| d.min(date)));
                        }
                        _ => return PolicyAsks::Yes,
                    },
                    TwoFactorPolicy::Optioneel => optional = true,
                    TwoFactorPolicy::Nee => {}
                }
            }
            if optional && subject.own_choice {
                PolicyAsks::Yes
            } else if let Some(date) = announced {
                PolicyAsks::From(date)
            } else {
                PolicyAsks::No
            }
        }
    }
}

/// When a 'Ja' saved at `now` starts to apply: at once, or at the first
/// moment of its date. The overview counts who has not logged in since.
pub fn ja_since(from: Option<Deadline>, now: UnixTime) -> UnixTime {
    from.map_or(now, |date| date.starts_at().max(now))
}

/// How strict a policy is at `now`, for comparing two: 'Nee', then
/// 'Optioneel', then 'Ja' from a date (the later, the weaker), then 'Ja'
/// in force. A date already reached counts as 'Ja' in force.
fn strictness(policy: ClientPolicy, now: UnixTime) -> (u8, std::cmp::Reverse<Option<Deadline>>) {
    match policy.policy {
        TwoFactorPolicy::Nee => (0, std::cmp::Reverse(None)),
        TwoFactorPolicy::Optioneel => (1, std::cmp::Reverse(None)),
        TwoFactorPolicy::Ja => match ja(policy.from, now) {
            PolicyAsks::From(date) => (2, std::cmp::Reverse(Some(date))),
            _ => (3, std::cmp::Reverse(None)),
        },
    }
}

/// Whether going from `old` to `new` makes the login weaker: a lower
/// policy, a later date, or a date where 'Ja' applied at once. That needs
/// the beheerder's step-up; an earlier date or no date does not.
pub fn weakens(old: ClientPolicy, new: ClientPolicy, now: UnixTime) -> bool {
    strictness(new, now) < strictness(old, now)
}

/// Not logged in since 'Ja' began to apply (`since`; `None`: no 'Ja').
/// `storage::overview` counts the same in SQL, for the whole office at once.
pub fn not_logged_in_since(since: Option<UnixTime>, last_login: Option<UnixTime>) -> bool {
    since.is_some_and(|since| last_login.is_none_or(|at| at < since))
}

/// True when the policy asks every login for a second factor at `now`.
pub fn applies(subject: &PolicySubject, now: UnixTime) -> bool {
    asks(subject, now) == PolicyAsks::Yes
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use TwoFactorPolicy::{Ja, Nee, Optioneel};

    const NOW: UnixTime = 1_800_000_000; // 2027-01-15, Amsterdam

    fn client(policies: &[TwoFactorPolicy], own_choice: bool) -> PolicySubject {
        PolicySubject {
            kind: UserKind::Client,
            office_switch: false,
            office_from: None,
            client_policies: policies.iter().copied().map(ClientPolicy::now).collect(),
            own_choice,
        }
    }

    fn dated(policies: &[(TwoFactorPolicy, Option<Deadline>)], own_choice: bool) -> PolicySubject {
        PolicySubject {
            client_policies: policies
                .iter()
                .map(|&(policy, from)| ClientPolicy { policy, from })
                .collect(),
            ..client(&[], own_choice)
        }
    }

    #[test]
    fn office_users_follow_their_switch_only() {
        for (switch, choice) in [(false, false), (false, true), (true, false), (true, true)] {
            let subject = PolicySubject {
                kind: UserKind::Office,
                office_switch: switch,
                office_from: None,
                client_policies: vec![ClientPolicy::now(Ja)],
                own_choice: choice,
            };
            assert_eq!(
                applies(&subject, NOW),
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
                    applies(&client(&set, choice), NOW),
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

    #[test]
    fn a_dated_ja_announces_itself_until_its_day() {
        let later = Deadline::new(date(2027, 2, 1));
        let earlier = Deadline::new(date(2027, 1, 20));
        let past = Deadline::new(date(2027, 1, 15)); // today: in force
        assert_eq!(
            asks(&dated(&[(Ja, Some(later))], false), NOW),
            PolicyAsks::From(later)
        );
        assert_eq!(
            asks(&dated(&[(Ja, Some(past))], false), NOW),
            PolicyAsks::Yes
        );
        assert_eq!(asks(&dated(&[(Ja, None)], false), NOW), PolicyAsks::Yes);
        // On the date it applies, whatever was announced.
        assert_eq!(
            asks(&dated(&[(Ja, Some(later))], false), later.starts_at()),
            PolicyAsks::Yes
        );
        assert_eq!(
            asks(&dated(&[(Ja, Some(later))], false), later.starts_at() - 1),
            PolicyAsks::From(later)
        );
        // Of two clients: the earliest date, and 'Ja' now over any date.
        assert_eq!(
            asks(
                &dated(&[(Ja, Some(later)), (Ja, Some(earlier))], false),
                NOW
            ),
            PolicyAsks::From(earlier)
        );
        assert_eq!(
            asks(&dated(&[(Ja, Some(later)), (Ja, None)], false), NOW),
            PolicyAsks::Yes
        );
        // The user's own choice under 'Optioneel' asks now.
        assert_eq!(
            asks(&dated(&[(Ja, Some(later)), (Optioneel, None)], true), NOW),
            PolicyAsks::Yes
        );
        assert_eq!(
            asks(&dated(&[(Ja, Some(later)), (Optioneel, None)], false), NOW),
            PolicyAsks::From(later)
        );
        assert_eq!(
            asks(&dated(&[(Nee, None), (Ja, Some(later))], false), NOW),
            PolicyAsks::From(later)
        );
        // A dated 'Ja' is the office's decision already.
        assert_eq!(
            requirement(&dated(&[(Ja, Some(later)), (Optioneel, None)], true)),
            TwoFactorRequirement::Mandatory
        );
    }

    #[test]
    fn an_office_users_switch_may_carry_a_date() {
        let later = Deadline::new(date(2027, 2, 1));
        let subject = |on: bool, from: Option<Deadline>| PolicySubject {
            kind: UserKind::Office,
            office_switch: on,
            office_from: from,
            client_policies: vec![],
            own_choice: false,
        };
        assert_eq!(
            asks(&subject(true, Some(later)), NOW),
            PolicyAsks::From(later)
        );
        assert_eq!(asks(&subject(true, None), NOW), PolicyAsks::Yes);
        assert_eq!(asks(&subject(false, Some(later)), NOW), PolicyAsks::No);
        assert_eq!(
            asks(&subject(true, Some(later)), later.starts_at()),
            PolicyAsks::Yes
        );
    }

    /// Every pair of policies among 'Nee', 'Optioneel', 'Ja' now, 'Ja'
    /// from an earlier and from a later date, and from a date reached.
    #[test]
    fn weakening_is_a_lower_policy_or_a_later_date() {
        let earlier = Some(Deadline::new(date(2027, 2, 1)));
        let later = Some(Deadline::new(date(2027, 3, 1)));
        let reached = Some(Deadline::new(date(2027, 1, 1)));
        let p = |policy, from| ClientPolicy { policy, from };
        // In order from weak to strict; `reached` is as strict as 'Ja' now.
        let ladder = [
            vec![p(Nee, None)],
            vec![p(Optioneel, None)],
            vec![p(Ja, later)],
            vec![p(Ja, earlier)],
            vec![p(Ja, None), p(Ja, reached)],
        ];
        for (i, a_rung) in ladder.iter().enumerate() {
            for (j, b_rung) in ladder.iter().enumerate() {
                for &a in a_rung {
                    for &b in b_rung {
                        assert_eq!(weakens(a, b, NOW), j < i, "{a:?} -> {b:?}");
                    }
                }
            }
        }
    }
}
