//! What the login form accepts before any password is hashed. Each rule has
//! a Dutch message for the page it was typed on.

/// Login names are compared case-insensitively: stored and looked up in
/// this canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginName(String);

pub const MAX_LOGIN_NAME_CHARS: usize = 100;
/// Far above any real password, and low enough that hashing stays cheap.
pub const MAX_PASSWORD_CHARS: usize = 1024;

impl LoginName {
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err("Vul je inlognaam in.".into());
        }
        if trimmed.chars().count() > MAX_LOGIN_NAME_CHARS {
            return Err(format!(
                "Een inlognaam is hoogstens {MAX_LOGIN_NAME_CHARS} tekens lang."
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err("Een inlognaam bevat geen onzichtbare tekens.".into());
        }
        Ok(LoginName(trimmed.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What 'Wachtwoord vergeten?' was given: a login name or an e-mail
/// address. Only its shape is checked, the same for every input, so the
/// answer tells nothing about which accounts exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountHint(String);

impl AccountHint {
    pub fn parse(input: &str) -> Result<AccountHint, String> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(
                "Vul bij 'Inlognaam of e-mailadres' je inlognaam of e-mailadres in.".into(),
            );
        }
        if trimmed.chars().count() > super::text::MAX_EMAIL_BYTES
            || !super::text::is_plain_text(trimmed)
        {
            return Err(
                "Dit is geen inlognaam of e-mailadres: controleer wat je bij                  'Inlognaam of e-mailadres' hebt ingevuld."
                    .into(),
            );
        }
        Ok(AccountHint(trimmed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Worth looking up as an address too.
    pub fn may_be_email(&self) -> bool {
        self.0.contains('@')
    }
}

/// Checks the typed password's shape only; the hash decides if it is right.
pub fn check_password_input(input: &str) -> Result<(), String> {
    if input.is_empty() {
        return Err("Vul je wachtwoord in.".into());
    }
    if input.chars().count() > MAX_PASSWORD_CHARS {
        return Err(format!(
            "Dit wachtwoord is te lang: hoogstens {MAX_PASSWORD_CHARS} tekens."
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_hint_is_a_name_or_an_address() {
        assert_eq!(AccountHint::parse("  zorg ").unwrap().as_str(), "zorg");
        assert!(!AccountHint::parse("zorg").unwrap().may_be_email());
        assert!(AccountHint::parse("zorg@voorbeeld.example")
            .unwrap()
            .may_be_email());
        for bad in ["", "   ", "a\nb", &"x".repeat(201)] {
            let message = AccountHint::parse(bad).unwrap_err();
            assert!(message.contains("'Inlognaam of e-mailadres'"), "{message}");
        }
    }

    #[test]
    fn login_names_are_trimmed_and_case_folded() {
        assert_eq!(
            LoginName::parse("  Beheerder ").unwrap().as_str(),
            "beheerder"
        );
        assert_eq!(LoginName::parse("ÉLISE").unwrap().as_str(), "élise");
    }

    #[test]
    fn empty_long_and_control_login_names_are_refused_in_dutch() {
        assert_eq!(LoginName::parse("   ").unwrap_err(), "Vul je inlognaam in.");
        assert!(LoginName::parse(&"a".repeat(101))
            .unwrap_err()
            .contains("100"));
        assert!(LoginName::parse(&"a".repeat(100)).is_ok());
        assert!(LoginName::parse("be\u{0}heerder").is_err());
    }

    #[test]
    fn password_shape_is_checked_before_hashing() {
        assert_eq!(
            check_password_input("").unwrap_err(),
            "Vul je wachtwoord in."
        );
        assert!(check_password_input(&"x".repeat(10 * 1024)).is_err());
        assert!(check_password_input(&"é".repeat(1024)).is_ok());
        assert!(check_password_input(" spaties tellen mee ").is_ok());
    }
}
