//! The second factors themselves, below every flow that uses them (the
//! login, the step-up, binding an app, every change):
//!
//! - what a user has and so what a login asks for and a step-up accepts
//!   (`standing`; the rules are `domain::factors`);
//! - every password check through its gate (`password_gate`);
//! - counting a try before judging it (`tries`), sending and using SMS
//!   codes (`sms_codes`), the app's sealed secret (`app_codes`),
//!   herstelcodes (`recovery_codes`), trusted browsers
//!   (`trusted_browsers`), passkeys and their ceremonies (`passkeys`);
//! - proving a second factor (`proof`): one read, one judgement, one
//!   transaction that uses the code, for the login and the step-up alike;
//! - the one door for every change to how an account logs in (`door`):
//!   the step-up checked, the change, the end of other sessions and
//!   trusted browsers and the audit rows in one transaction, then the old
//!   number and address told (`notices`);
//! - setting a new password through that door (`new_password`), and
//!   mailing the links that lead to it (`links`).
//!
//! Flows depend on this module and never on each other. Its parts import
//! each other by name, never this file: it only declares and re-exports.

mod app_codes;
mod door;
mod links;
mod new_password;
mod notices;
mod passkeys;
mod password_gate;
mod personal_data;
mod proof;
mod recovery_codes;
mod sms_codes;
mod standing;
mod tries;
mod trusted_browsers;

pub use app_codes::*;
pub use door::*;
pub use links::*;
pub use new_password::*;
pub use notices::*;
pub use passkeys::*;
pub use password_gate::*;
pub use personal_data::*;
pub use proof::*;
pub use recovery_codes::*;
pub use sms_codes::*;
pub use standing::*;
pub use tries::*;
pub use trusted_browsers::*;
