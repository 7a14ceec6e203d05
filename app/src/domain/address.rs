//! What typing an e-mail address does to an account. The confirmed
//! address is where notices and reset links go, so a new one counts only
//! once the link mailed to it is used; until then the old address keeps
//! getting everything. Removing the address needs no link (there is
//! nothing to prove), but goes through the door like every change.

/// What a typed address asks for, given the confirmed and the waiting one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressChange {
    /// The confirmed or the waiting address again: nothing changes (a
    /// form saved for another field leaves a waiting address waiting).
    Unchanged,
    /// No address any more, confirmed or waiting.
    Remove,
    /// A new address, waiting for its link (a newer link voids the older).
    Confirm(String),
}

/// Addresses are compared without case, as mailboxes take them.
pub fn change(current: Option<&str>, pending: Option<&str>, typed: Option<&str>) -> AddressChange {
    let same = |a: Option<&str>, b: &str| a.is_some_and(|a| a.eq_ignore_ascii_case(b));
    match typed {
        None if current.is_none() && pending.is_none() => AddressChange::Unchanged,
        None => AddressChange::Remove,
        Some(typed) if same(current, typed) || same(pending, typed) => AddressChange::Unchanged,
        Some(typed) => AddressChange::Confirm(typed.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_combination() {
        let a = Some("a@kantoor.example");
        let a_upper = Some("A@Kantoor.example");
        let b = Some("b@kantoor.example");
        let confirm_b = AddressChange::Confirm("b@kantoor.example".into());
        let cases = [
            // (current, pending, typed) → what happens
            ((None, None, None), AddressChange::Unchanged),
            ((None, b, None), AddressChange::Remove),
            ((a, None, None), AddressChange::Remove),
            ((a, b, None), AddressChange::Remove),
            ((a, None, a), AddressChange::Unchanged),
            ((a, None, a_upper), AddressChange::Unchanged),
            ((a, b, a), AddressChange::Unchanged),
            ((a, b, b), AddressChange::Unchanged),
            ((None, b, b), AddressChange::Unchanged),
            ((a, None, b), confirm_b.clone()),
            ((None, None, b), confirm_b.clone()),
            ((None, a, b), confirm_b),
        ];
        for ((current, pending, typed), expected) in cases {
            assert_eq!(
                change(current, pending, typed),
                expected,
                "{current:?} {pending:?} {typed:?}"
            );
        }
    }
}
