//! What a new password may be: the one set of rules the invitation, the
//! reset and 'Wachtwoord wijzigen' all call. Length is counted in Unicode
//! characters after NFKC normalisation (so a password typed on a phone and
//! on a laptop counts alike); every printable character is allowed, nothing
//! is cut off, and there are no composition rules (NIST SP 800-63B). What
//! makes a password weak here is that others would guess it: it is on the
//! shipped list of common and breached passwords, or it carries a word the
//! attacker already knows (the login name, the address, a name).
//!
//! Passwords that exist keep working: these rules apply only where a
//! password is set.

use std::{collections::HashSet, sync::LazyLock};

pub use super::password::normalised;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 256;
/// A word of a name shorter than this is too common to refuse ("de", "van").
const MIN_WORD_CHARS: usize = 3;

/// The list of common and breached passwords, lower case, one a line
/// (see `app/data/README.md` for its sources and licences).
static SHIPPED: &str = include_str!("../../data/common-passwords.txt");

/// The shipped list, read once (the server reads it at start, so the first
/// password set pays nothing).
pub struct Blocklist(HashSet<&'static str>);

static BLOCKLIST: LazyLock<Blocklist> = LazyLock::new(|| {
    Blocklist(
        SHIPPED
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect(),
    )
});

impl Blocklist {
    pub fn shipped() -> &'static Blocklist {
        &BLOCKLIST
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Case-insensitively: `lowered` is already lower case.
    fn contains(&self, lowered: &str) -> bool {
        self.0.contains(lowered)
    }
}

/// What the attacker may know of the account: none of it may be in the
/// password.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    pub login_name: &'a str,
    pub email: Option<&'a str>,
    pub display_name: &'a str,
    pub office_name: &'a str,
    pub client_names: &'a [String],
}

/// Which known word the password carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    LoginName,
    Email,
    Name,
    Office,
    Client,
}

/// Why a password is refused; each reads as a Dutch message naming it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    TooShort {
        chars: usize,
    },
    TooLong,
    /// Line breaks, tabs and other characters nobody can see or type back.
    Invisible,
    Common,
    Contains(Known),
    /// 'Herhaal wachtwoord' differs.
    Mismatch,
    /// The same as the password it replaces (decided by the hash).
    Current,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let known = |k: &Known| match k {
            Known::LoginName => "je inlognaam",
            Known::Email => "het eerste deel van je e-mailadres",
            Known::Name => "een deel van je naam",
            Known::Office => "de naam van je administratiekantoor",
            Known::Client => "de naam van je organisatie",
        };
        match self {
            Refusal::Empty => write!(f, "Vul bij 'Nieuw wachtwoord' een wachtwoord in."),
            Refusal::TooShort { chars } => write!(
                f,
                "Het nieuwe wachtwoord is te kort: gebruik minstens {MIN_CHARS} tekens (nu {chars})."
            ),
            Refusal::TooLong => write!(
                f,
                "Het nieuwe wachtwoord is te lang: gebruik hoogstens {MAX_CHARS} tekens."
            ),
            Refusal::Invisible => write!(
                f,
                "Het nieuwe wachtwoord mag geen regeleinden, tabs of andere onzichtbare tekens bevatten."
            ),
            Refusal::Common => write!(
                f,
                "Dit wachtwoord staat op de lijst van veelgebruikte of uitgelekte wachtwoorden: \
                 kies een ander, bijvoorbeeld een zin van een paar woorden."
            ),
            Refusal::Contains(k) => write!(
                f,
                "Het nieuwe wachtwoord bevat {}: dat raadt een ander snel. Kies een ander.",
                known(k)
            ),
            Refusal::Mismatch => write!(
                f,
                "'Herhaal wachtwoord' is niet gelijk aan 'Nieuw wachtwoord'."
            ),
            Refusal::Current => write!(
                f,
                "Het nieuwe wachtwoord is gelijk aan je huidige wachtwoord: kies een ander."
            ),
        }
    }
}

/// A password that passed every rule but "not the current one", in its
/// normalised form.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword([REDACTED])")
    }
}

/// The words of a name worth refusing, lower case.
fn words(name: &str) -> impl Iterator<Item = String> + '_ {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= MIN_WORD_CHARS)
        .map(|w| normalised(w).to_lowercase())
}

/// Which known word `lowered` carries, if any.
fn carries_known(lowered: &str, context: &Context<'_>) -> Option<Known> {
    let has = |word: &str| {
        let word = normalised(word).to_lowercase();
        word.chars().count() >= MIN_WORD_CHARS && lowered.contains(&word)
    };
    if has(context.login_name) {
        return Some(Known::LoginName);
    }
    if let Some(local) = context
        .email
        .and_then(|e| e.rsplit_once('@'))
        .map(|(l, _)| l)
    {
        if has(local) {
            return Some(Known::Email);
        }
    }
    let in_any = |name: &str| words(name).any(|w| lowered.contains(&w));
    if in_any(context.display_name) {
        return Some(Known::Name);
    }
    if in_any(context.office_name) {
        return Some(Known::Office);
    }
    if context.client_names.iter().any(|c| in_any(c)) {
        return Some(Known::Client);
    }
    None
}

/// Checks a new password and its repetition against every rule but "not
/// the current one", which needs the stored hash: the caller asks that
/// last and answers [`Refusal::Current`].
pub fn check(
    typed: &str,
    repeated: &str,
    context: &Context<'_>,
    blocklist: &Blocklist,
) -> Result<NewPassword, Refusal> {
    if typed.is_empty() {
        return Err(Refusal::Empty);
    }
    let password = normalised(typed);
    if password.chars().any(char::is_control) {
        return Err(Refusal::Invisible);
    }
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(Refusal::TooShort { chars });
    }
    if chars > MAX_CHARS {
        return Err(Refusal::TooLong);
    }
    if normalised(repeated) != password {
        return Err(Refusal::Mismatch);
    }
    let lowered = password.to_lowercase();
    if blocklist.contains(&lowered) {
        return Err(Refusal::Common);
    }
    if let Some(known) = carries_known(&lowered, context) {
        return Err(Refusal::Contains(known));
    }
    Ok(NewPassword(password))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Context<'static> {
        static CLIENTS: LazyLock<Vec<String>> =
            LazyLock::new(|| vec!["Hoveniersbedrijf Groen".to_string()]);
        Context {
            login_name: "hovenier",
            email: Some("h.devries@voorbeeld.example"),
            display_name: "Henk de Vries",
            office_name: "Administratiekantoor Voorbeeld",
            client_names: &CLIENTS,
        }
    }

    fn verdict(password: &str) -> Result<String, Refusal> {
        check(password, password, &context(), Blocklist::shipped()).map(NewPassword::into_string)
    }

    #[test]
    fn the_shipped_list_is_large_and_read_once() {
        assert!(
            Blocklist::shipped().len() >= 100_000,
            "{}",
            Blocklist::shipped().len()
        );
        assert!(std::ptr::eq(Blocklist::shipped(), Blocklist::shipped()));
    }

    #[test]
    fn every_rule_in_one_table() {
        let long = "ä".repeat(MAX_CHARS);
        let too_long = "ä".repeat(MAX_CHARS + 1);
        // 'ﬃ' is one character that NFKC makes three: counted after.
        let ligatures = "ﬃﬃﬃﬃ";
        let cases: Vec<(&str, Result<&str, Refusal>)> = vec![
            ("", Err(Refusal::Empty)),
            ("kort-maar-x", Err(Refusal::TooShort { chars: 11 })),
            ("twaalf-tekst", Ok("twaalf-tekst")),
            ("elf tekens!", Err(Refusal::TooShort { chars: 11 })),
            (ligatures, Ok("ffiffiffiffi")),
            ("ﬃﬃﬃ", Err(Refusal::TooShort { chars: 9 })),
            (long.as_str(), Ok(long.as_str())),
            (too_long.as_str(), Err(Refusal::TooLong)),
            // Emoji count as one character each; spaces are welcome.
            ("🐢🐢🐢 traag maar zeker", Ok("🐢🐢🐢 traag maar zeker")),
            (
                "🐢🐢🐢🐢🐢🐢🐢🐢🐢🐢🐢",
                Err(Refusal::TooShort { chars: 11 }),
            ),
            ("regel\neinde en meer", Err(Refusal::Invisible)),
            ("tab\tgescheiden tekst", Err(Refusal::Invisible)),
            // On the list, in any case.
            ("password1234", Err(Refusal::Common)),
            ("PASSWORD1234", Err(Refusal::Common)),
            ("PassWord1234", Err(Refusal::Common)),
            // The account's own words.
            (
                "ik-ben-HOVENIER-2027",
                Err(Refusal::Contains(Known::LoginName)),
            ),
            ("post-h.devries-bus", Err(Refusal::Contains(Known::Email))),
            (
                "henk-zijn-fiets-is-rood",
                Err(Refusal::Contains(Known::Name)),
            ),
            ("fiets-van-vries-rood", Err(Refusal::Contains(Known::Name))),
            (
                "mijn-voorbeeld-fiets",
                Err(Refusal::Contains(Known::Office)),
            ),
            (
                "groen-gras-in-de-zon",
                Err(Refusal::Contains(Known::Client)),
            ),
            // 'de' is a word of the name too short to refuse.
            ("de blauwe reiger vliegt", Ok("de blauwe reiger vliegt")),
        ];
        for (typed, expected) in cases {
            assert_eq!(verdict(typed), expected.map(str::to_string), "{typed:?}");
        }
    }

    #[test]
    fn the_repetition_must_match_after_normalising() {
        let ctx = context();
        let list = Blocklist::shipped();
        assert_eq!(
            check("blauwe reiger 7", "blauwe reiger 8", &ctx, list),
            Err(Refusal::Mismatch)
        );
        assert!(check("ﬃ blauwe reiger", "ffi blauwe reiger", &ctx, list).is_ok());
    }

    #[test]
    fn every_refusal_names_what_to_change() {
        for refusal in [
            Refusal::Empty,
            Refusal::TooShort { chars: 3 },
            Refusal::TooLong,
            Refusal::Invisible,
            Refusal::Common,
            Refusal::Contains(Known::LoginName),
            Refusal::Contains(Known::Email),
            Refusal::Contains(Known::Name),
            Refusal::Contains(Known::Office),
            Refusal::Contains(Known::Client),
            Refusal::Mismatch,
            Refusal::Current,
        ] {
            let text = refusal.to_string();
            assert!(text.ends_with('.'), "{text}");
            assert!(
                text.contains("wachtwoord") || text.contains("Wachtwoord"),
                "{text}"
            );
        }
    }
}
