//! Dutch mobile numbers, as people type them, normalised to E.164
//! (`+316xxxxxxxx`). Only a value made by `parse` travels further.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MobileNumber(String);

pub const INVALID_MESSAGE: &str =
    "Vul een Nederlands mobiel nummer in, bijvoorbeeld 06 12345678 of +31 6 12345678.";

impl MobileNumber {
    pub fn parse(input: &str) -> Result<MobileNumber, String> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err("Vul je mobiele nummer in.".into());
        }
        // Spaces, dashes, dots and brackets are how people group digits.
        let mut compact: String = trimmed
            .chars()
            .filter(|c| !matches!(c, ' ' | '\u{a0}' | '-' | '.' | '/' | '(' | ')'))
            .collect();
        // "+31 (0)6 …": the trunk zero written in brackets.
        if let Some(rest) = compact
            .strip_prefix("+310")
            .or_else(|| compact.strip_prefix("00310"))
        {
            compact = format!("+31{rest}");
        }
        let national = if let Some(rest) = compact.strip_prefix("+31") {
            rest
        } else if let Some(rest) = compact.strip_prefix("0031") {
            rest
        } else if let Some(rest) = compact.strip_prefix('0') {
            rest
        } else {
            return Err(INVALID_MESSAGE.into());
        };
        let bytes = national.as_bytes();
        let valid = bytes.len() == 9
            && bytes[0] == b'6'
            && bytes[1] != b'0'
            && bytes.iter().all(u8::is_ascii_digit);
        if valid {
            Ok(MobileNumber(format!("+31{national}")))
        } else {
            Err(INVALID_MESSAGE.into())
        }
    }

    /// Trusts a number that was stored after `parse`.
    pub fn from_stored(e164: String) -> MobileNumber {
        MobileNumber(e164)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
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

    #[test]
    fn the_forms_people_type_are_accepted() {
        for input in [
            "06-12345678",
            "06 1234 5678",
            "+31 6 12345678",
            "0031612345678",
            "0612345678",
            "+31612345678",
            "+31 (0)6 12 34 56 78",
            "  06.12.34.56.78 ",
        ] {
            assert_eq!(
                MobileNumber::parse(input).unwrap().as_str(),
                "+31612345678",
                "{input}"
            );
        }
    }

    #[test]
    fn anything_else_gets_a_clear_message() {
        for input in [
            "",
            "020-1234567",
            "06-1234567",
            "06-123456789",
            "+32 6 12345678",
            "0601234567",
            "06-1234567a",
            "٠٦١٢٣٤٥٦٧٨",
            "+31 6 1234 5678 ext 2",
        ] {
            let err = MobileNumber::parse(input).unwrap_err();
            assert!(err.starts_with("Vul"), "{input}: {err}");
        }
    }

    proptest! {
        #[test]
        fn every_grouping_of_a_valid_number_gives_the_same_e164(
            rest in "[1-9][0-9]{7}",
            prefix in prop::sample::select(vec!["06", "+316", "00316", "+31 6", "+31(0)6"]),
            separators in prop::collection::vec(prop::sample::select(vec!["", " ", "-", "."]), 8),
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
        fn parse_never_panics_and_only_yields_dutch_mobiles(input in "\\PC{0,30}") {
            if let Ok(number) = MobileNumber::parse(&input) {
                prop_assert!(number.as_str().starts_with("+316"));
                prop_assert_eq!(number.as_str().len(), 12);
            }
        }

        #[test]
        fn parsing_is_idempotent(rest in "[1-9][0-9]{7}") {
            let once = MobileNumber::parse(&format!("06{rest}")).unwrap();
            let twice = MobileNumber::parse(once.as_str()).unwrap();
            prop_assert_eq!(once, twice);
        }
    }
}
