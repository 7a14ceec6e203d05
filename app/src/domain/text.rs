//! Free text people type into the portal (names, e-mail addresses): it
//! becomes a value only through `parse`, which refuses what could make it
//! read as something else where it is shown or mailed. Line breaks would
//! let a name start a new paragraph of a notice; control characters (NUL
//! among them, which PostgreSQL refuses to store) have no business in a
//! name; and bidirectional overrides make text read differently from how
//! it is stored ("moc.evil" shown as "live.com").

/// Whether `c` may appear in free text.
fn is_plain(c: char) -> bool {
    !(c.is_control()
        || matches!(
            c,
            // Line and paragraph separators.
            '\u{2028}' | '\u{2029}'
            // Bidirectional embeddings, overrides and isolates.
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            // Zero-width space and the byte-order mark: invisible.
            | '\u{200B}'
            | '\u{FEFF}'
        ))
}

/// Whether every character of `text` may appear in free text.
pub fn is_plain_text(text: &str) -> bool {
    text.chars().all(is_plain)
}

/// `input` trimmed, when every character is plain; `field` names it in the
/// message ("De naam", "Het e-mailadres").
fn plain(field: &str, input: &str) -> Result<String, String> {
    let trimmed = input.trim();
    if is_plain_text(trimmed) {
        Ok(trimmed.to_string())
    } else {
        Err(format!(
            "{field} mag geen regeleinden, tabs, onzichtbare tekens of tekens die de leesrichting omdraaien bevatten."
        ))
    }
}

/// A 'Ja' / 'Nee' choice as the forms send it ("ja", "nee"); anything
/// else is refused, naming the field, rather than read as 'Nee'.
pub fn yes_no(field: &str, typed: &str) -> Result<bool, String> {
    match typed {
        "ja" => Ok(true),
        "nee" => Ok(false),
        _ => Err(format!("Kies bij '{field}' 'Ja' of 'Nee'.")),
    }
}

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_EMAIL_BYTES: usize = 200;

/// A person's, client's, office's or branch's name as shown in lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(input: &str) -> Result<DisplayName, String> {
        let name = plain("De naam", input)?;
        if name.is_empty() {
            return Err("Vul een naam in.".into());
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(format!(
                "Een naam is hoogstens {MAX_NAME_CHARS} tekens lang."
            ));
        }
        Ok(DisplayName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// The address security notices go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// An empty field is no address (`None`).
    pub fn parse_optional(input: &str) -> Result<Option<EmailAddress>, String> {
        let address = plain("Het e-mailadres", input)?;
        if address.is_empty() {
            return Ok(None);
        }
        let shape_ok = address.len() <= MAX_EMAIL_BYTES
            && !address.chars().any(char::is_whitespace)
            && address
                .split_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
        if !shape_ok {
            return Err("Vul een geldig e-mailadres in, bijvoorbeeld naam@kantoor.nl.".into());
        }
        Ok(Some(EmailAddress(address)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRICKS: [&str; 12] = [
        "Jan\0",
        "Jan\nKlik hier",
        "Jan\r\nX",
        "Jan\tJansen",
        "Jan\u{7f}",
        "Jan\u{85}X",
        "Jan\u{2028}X",
        "Jan\u{202E}nasnaJ",
        "Jan\u{202A}",
        "Jan\u{2066}x\u{2069}",
        "Jan\u{200B}",
        "\u{FEFF}Jan",
    ];

    #[test]
    fn names_with_tricks_are_refused_and_named() {
        for trick in TRICKS {
            let err = DisplayName::parse(trick).unwrap_err();
            assert!(
                err.starts_with("De naam mag geen regeleinden"),
                "{trick:?}: {err}"
            );
            let err = EmailAddress::parse_optional(&format!("{trick}@kantoor.nl")).unwrap_err();
            assert!(
                err.starts_with("Het e-mailadres mag geen regeleinden"),
                "{trick:?}: {err}"
            );
        }
    }

    #[test]
    fn ordinary_names_pass_as_typed() {
        for name in [
            "Jan de Vries",
            "Zoë Öztürk-Ådahl",
            "محمد",
            "李小龙",
            "O'Neill (Zwolle)",
        ] {
            assert_eq!(DisplayName::parse(name).unwrap().as_str(), name);
        }
        assert_eq!(DisplayName::parse("  Jan  ").unwrap().as_str(), "Jan");
        assert_eq!(DisplayName::parse("   ").unwrap_err(), "Vul een naam in.");
        assert!(DisplayName::parse(&"a".repeat(101)).is_err());
    }

    #[test]
    fn addresses_need_their_shape() {
        assert_eq!(EmailAddress::parse_optional(" ").unwrap(), None);
        assert_eq!(
            EmailAddress::parse_optional(" jan@kantoor.nl ")
                .unwrap()
                .unwrap()
                .as_str(),
            "jan@kantoor.nl"
        );
        for bad in ["jan", "jan@", "@kantoor.nl", "jan @kantoor.nl"] {
            assert!(EmailAddress::parse_optional(bad).is_err(), "{bad}");
        }
    }
}
