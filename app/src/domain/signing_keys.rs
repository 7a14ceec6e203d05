//! When the provider's signing keys are made, sign and go (the keys
//! themselves are ring's; see `factors::signing`). A new key is published a
//! day before it signs, so an application that caches the key set has it
//! before the first token under it; a key that stopped signing stays
//! published until its last token has lapsed. Every instance reads the same
//! rows, so all of them agree on both.

use super::{clock::UnixTime, oidc::ID_TOKEN_SECONDS};

const DAY: i64 = 24 * 60 * 60;
/// A key signs for about this long before the next takes over.
pub const ROTATE_AFTER: i64 = 30 * DAY;
/// A new key is in the key set this long before it signs.
pub const PUBLISH_AHEAD: i64 = DAY;
/// Clock differences between the provider and an application.
const LEEWAY: i64 = 5 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyTimes {
    pub generation: i64,
    pub created_at: UnixTime,
    pub signs_from: UnixTime,
}

/// The key that signs now: the newest one whose time has come.
pub fn signer(keys: &[KeyTimes], now: UnixTime) -> Option<KeyTimes> {
    keys.iter()
        .filter(|k| k.signs_from <= now)
        .max_by_key(|k| k.generation)
        .copied()
}

/// When `key` stopped signing: when a newer key began to.
fn retired_at(keys: &[KeyTimes], key: &KeyTimes, now: UnixTime) -> Option<UnixTime> {
    keys.iter()
        .filter(|k| k.generation > key.generation && k.signs_from <= now)
        .map(|k| k.signs_from)
        .min()
}

/// Whether `key` belongs in the published key set: it signs, will sign,
/// or signed a token that may still be checked.
pub fn published(keys: &[KeyTimes], key: &KeyTimes, now: UnixTime) -> bool {
    retired_at(keys, key, now).is_none_or(|r| now < r + ID_TOKEN_SECONDS + LEEWAY)
}

/// The key to make now, if one is due: the first, or the next once the
/// newest is `ROTATE_AFTER` old. Its generation is unique in the table,
/// so of two instances making it at once one succeeds.
pub fn due(keys: &[KeyTimes], now: UnixTime) -> Option<KeyTimes> {
    match keys.iter().max_by_key(|k| k.generation) {
        None => Some(KeyTimes {
            generation: 1,
            created_at: now,
            signs_from: now,
        }),
        Some(newest) if newest.created_at + ROTATE_AFTER <= now => Some(KeyTimes {
            generation: newest.generation + 1,
            created_at: now,
            signs_from: now + PUBLISH_AHEAD,
        }),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotation_publishes_first_signs_later_and_keeps_the_old_key_until_its_tokens_lapse() {
        let t0 = 1_000_000;
        let first = due(&[], t0).unwrap();
        let mut keys = vec![first];
        assert_eq!(signer(&keys, t0), Some(first));
        assert_eq!(due(&keys, t0 + ROTATE_AFTER - 1), None);

        let t1 = t0 + ROTATE_AFTER;
        let second = due(&keys, t1).unwrap();
        assert_eq!(second.generation, 2);
        keys.push(second);
        // Published at once, signing only a day later.
        assert!(published(&keys, &second, t1));
        assert_eq!(signer(&keys, t1), Some(first));
        assert_eq!(signer(&keys, t1 + PUBLISH_AHEAD), Some(second));
        // The old key stays while its last tokens may still be checked.
        let switch = t1 + PUBLISH_AHEAD;
        assert!(published(&keys, &first, switch + ID_TOKEN_SECONDS));
        assert!(!published(
            &keys,
            &first,
            switch + ID_TOKEN_SECONDS + LEEWAY
        ));
        assert!(published(&keys, &second, switch + 10 * DAY));
        // No second rotation while the newest is young.
        assert_eq!(due(&keys, t1 + 1), None);
    }
}
