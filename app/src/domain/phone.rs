//! Mobile numbers, as people type them, normalised to E.164
//! (`+31612345678`). Only a value made by `parse` travels further.
//!
//! Users abroad or with a Belgian or German SIM need SMS codes too, and
//! hand-kept numbering rules for every country would go stale. So the
//! numbering plans come from the `phonenumber` crate (a port of Google's
//! libphonenumber, with its metadata). Numbers without a country code are
//! read as Dutch; only numbers that are certainly or possibly mobile pass.

use std::fmt::{self, Write as _};

use phonenumber::{country, metadata::DATABASE, Mode, Type};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MobileNumber(String);

pub const INVALID_MESSAGE: &str = "Vul een geldig mobiel nummer in, bijvoorbeeld 06 12345678, +32 470 12 34 56 of +49 151 23456789.";

const EMPTY_MESSAGE: &str = "Vul je mobiele nummer in.";

/// Longer input is refused before the parser sees it, so the work per
/// request stays bounded. The longest form people type is well below it.
const MAX_INPUT_CHARS: usize = 40;

impl MobileNumber {
    pub fn parse(input: &str) -> Result<MobileNumber, String> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EMPTY_MESSAGE.into());
        }
        if trimmed.chars().nth(MAX_INPUT_CHARS).is_some() || !only_typed_characters(trimmed) {
            return Err(INVALID_MESSAGE.into());
        }
        // The separators go first: the crate misreads a dash right after
        // the country code ("+316-12345678" is not a country code 316).
        let compact: String = trimmed
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        // Region NL: "06 …" is Dutch; "+…" and "00…" carry their own country.
        // The crate also drops a trunk zero after the country code, so
        // "+31 (0)6 …" and "+49 (0)151 …" work.
        let number = phonenumber::parse(Some(country::NL), &compact)
            .map_err(|_| String::from(INVALID_MESSAGE))?;
        let mobile = matches!(
            number.number_type(&DATABASE),
            Type::Mobile | Type::FixedLineOrMobile
        );
        if number.extension().is_some() || !number.is_valid() || !mobile {
            return Err(INVALID_MESSAGE.into());
        }
        // `to_string` would panic if the formatter failed; `write!` reports it.
        let mut e164 = String::new();
        write!(e164, "{}", number.format().mode(Mode::E164))
            .map_err(|_| String::from(INVALID_MESSAGE))?;
        Ok(MobileNumber(e164))
    }

    /// Trusts a number that was stored after `parse`.
    pub fn from_stored(e164: String) -> MobileNumber {
        MobileNumber(e164)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// ASCII digits, a leading '+', and the separators people group digits
/// with. The crate itself is more lenient: it maps letters to keypad
/// digits ("06 1234 567a"), reads other scripts' digits, skips leading
/// text and understands extensions; none of that belongs in this field.
fn only_typed_characters(trimmed: &str) -> bool {
    trimmed.char_indices().all(|(i, c)| {
        c.is_ascii_digit()
            || (i == 0 && c == '+')
            || matches!(c, ' ' | '\u{a0}' | '-' | '.' | '/' | '(' | ')')
    })
}

impl fmt::Display for MobileNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn e164(input: &str) -> String {
        match MobileNumber::parse(input) {
            Ok(number) => number.as_str().to_string(),
            Err(err) => panic!("{input:?}: {err}"),
        }
    }

    #[test]
    fn the_dutch_forms_people_type_are_accepted() {
        for input in [
            "06-12345678",
            "06 12345678",
            "06 1234 5678",
            "06.12.34.56.78",
            "+31 6 12345678",
            "0031 6 12345678",
            "0031612345678",
            "0612345678",
            "+31612345678",
            "+31 (0)6 12 34 56 78",
            "0031 (0)6 12345678",
            "(06) 12345678",
            "06/12345678",
            "06\u{a0}12\u{a0}34\u{a0}56\u{a0}78",
            "+316-12345678",
            "+31 6-12 34 56 78",
            "  06.12.34.56.78 ",
        ] {
            assert_eq!(e164(input), "+31612345678", "{input}");
        }
    }

    #[test]
    fn belgian_mobiles_are_accepted() {
        for input in [
            "+32 470 12 34 56",
            "0032 470 12 34 56",
            "+32 (0)470 12 34 56",
            "+32-470-12-34-56",
            "+32.470.12.34.56",
            "+32\u{a0}470\u{a0}12\u{a0}34\u{a0}56",
        ] {
            assert_eq!(e164(input), "+32470123456", "{input}");
        }
    }

    #[test]
    fn german_mobiles_are_accepted() {
        for input in [
            "+49 151 23456789",
            "0049 1512 3456789",
            "+49 (0)151 23456789",
            "+49 (0) 151 / 234 567 89",
            "+49-151-234-567-89",
            "0049.151.23456789",
        ] {
            assert_eq!(e164(input), "+4915123456789", "{input}");
        }
    }

    #[test]
    fn landlines_are_refused() {
        for input in [
            "020-1234567",
            "020 123 45 67",
            "+31 20 1234567",
            "0031 (0)20 1234567",
            "+32 2 123 45 67",
            "0032 2 123 45 67",
            "+49 30 1234567",
            "0049 (0)30 1234567",
        ] {
            assert_eq!(
                MobileNumber::parse(input).unwrap_err(),
                INVALID_MESSAGE,
                "{input}"
            );
        }
    }

    #[test]
    fn anything_else_gets_a_clear_message() {
        for input in [
            "06-1234567",
            "06-123456789",
            "+32 6 12345678",
            "+32 470 12 34 5",
            "+49 151 234567890",
            "0601234567",
            "06 61234567",
            "06-1234567a",
            "06 1234 567a",
            "06 CALL ME",
            "mobiel: 0612345678",
            "٠٦١٢٣٤٥٦٧٨",
            "０６１２３４５６７８",
            "06 12345678 ext 2",
            "06 12345678 x2",
            "+31 6 1234 5678 ext 2",
            "06 12345678;ext=2",
            "tel:+31-6-12345678",
            "++31612345678",
            "06+12345678",
            "+",
            "12",
            "()",
        ] {
            let err = MobileNumber::parse(input).unwrap_err();
            assert_eq!(err, INVALID_MESSAGE, "{input}");
            assert!(err.starts_with("Vul"), "{input}: {err}");
        }
    }

    #[test]
    fn empty_input_asks_for_a_number() {
        for input in ["", "   ", "\u{a0}\t"] {
            let err = MobileNumber::parse(input).unwrap_err();
            assert_eq!(err, "Vul je mobiele nummer in.", "{input:?}");
        }
    }

    #[test]
    fn input_over_forty_characters_is_refused_before_parsing() {
        let fits = format!("06{}12345678", " ".repeat(30));
        assert_eq!(fits.chars().count(), 40);
        assert_eq!(e164(&fits), "+31612345678");

        let too_long = format!("06{}12345678", " ".repeat(31));
        assert_eq!(MobileNumber::parse(&too_long).unwrap_err(), INVALID_MESSAGE);
        assert_eq!(
            MobileNumber::parse(&"6".repeat(10_000)).unwrap_err(),
            INVALID_MESSAGE
        );
    }

    #[test]
    fn parsing_the_result_again_gives_the_same_number() {
        for input in [
            "06 12345678",
            "+31 (0)6 12 34 56 78",
            "0032 470 12 34 56",
            "+49 (0)151 23456789",
            "0049 1512 3456789",
        ] {
            let once = MobileNumber::parse(input).unwrap();
            let twice = MobileNumber::parse(once.as_str()).unwrap();
            assert_eq!(once, twice, "{input}");
        }
    }

    #[test]
    fn stored_numbers_display_as_stored() {
        let stored = MobileNumber::from_stored("+32470123456".into());
        assert_eq!(stored.as_str(), "+32470123456");
        assert_eq!(stored.to_string(), "+32470123456");
    }

    fn assert_e164_and_stable(number: &MobileNumber) -> Result<(), TestCaseError> {
        let s = number.as_str();
        prop_assert!(s.starts_with('+'), "{}", s);
        prop_assert!(s[1..].bytes().all(|b| b.is_ascii_digit()), "{}", s);
        prop_assert!((8..=16).contains(&s.len()), "{}", s);
        let again = MobileNumber::parse(s);
        prop_assert_eq!(again.as_ref(), Ok(number));
        Ok(())
    }

    proptest! {
        #[test]
        fn every_grouping_of_a_valid_number_gives_the_same_e164(
            // 061-065 (066 is for pagers; 067-069 are only partly mobile).
            rest in "[1-5][0-9]{7}",
            prefix in prop::sample::select(vec!["06", "+316", "00316", "+31 6", "+31(0)6", "0031 (0)6"]),
            separators in prop::collection::vec(prop::sample::select(vec!["", " ", "-", ".", "/", "\u{a0}"]), 8),
        ) {
            let mut typed = prefix.to_string();
            for (digit, sep) in rest.chars().zip(separators) {
                typed.push_str(sep);
                typed.push(digit);
            }
            let parsed = MobileNumber::parse(&typed).unwrap();
            prop_assert_eq!(parsed.as_str(), format!("+316{rest}"));
        }

        #[test]
        fn parse_never_panics_and_only_yields_e164_that_parses_again(input in "\\PC{0,50}") {
            if let Ok(number) = MobileNumber::parse(&input) {
                assert_e164_and_stable(&number)?;
            }
        }

        #[test]
        fn typed_looking_input_only_yields_e164_that_parses_again(
            input in "\\+?[0-9 ()./\u{a0}-]{0,40}",
        ) {
            if let Ok(number) = MobileNumber::parse(&input) {
                assert_e164_and_stable(&number)?;
            }
        }

        #[test]
        fn parsing_is_idempotent(
            rest in "[1-9][0-9]{7}",
            prefix in prop::sample::select(vec!["06", "+32 4", "0032 4", "+49 151", "0049 (0)151"]),
        ) {
            if let Ok(once) = MobileNumber::parse(&format!("{prefix}{rest}")) {
                let twice = MobileNumber::parse(once.as_str()).unwrap();
                prop_assert_eq!(once, twice);
            }
        }
    }
}
