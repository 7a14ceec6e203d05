//! The second factors themselves, below every flow that uses them (the
//! login's second step, binding an app, the step-up, every change):
//!
//! - what a user has ([`standing`]) and so what a login asks for and a
//!   step-up accepts (the rules: `domain::factors`);
//! - counting tries before judging them, sending and using SMS codes;
//! - proving a second factor ([`prove`]): one read, one judgement, one
//!   transaction that uses the code, for the login and the step-up alike;
//! - the one door for every change to how an account logs in
//!   ([`LoginChanges`], [`commit_login_change`]): the step-up checked, the
//!   change, the end of other sessions and trusted browsers and the audit
//!   rows in one transaction, then the old number and address told;
//! - notices that are no change ([`notify`]).
//!
//! Flows depend on this module and never on each other. Its parts import
//! each other by name, never this file: it only declares and re-exports.

mod app_codes;
mod door;
mod notices;
mod password_gate;
mod proof;
mod recovery_codes;
mod sms_codes;
mod standing;
mod tries;
mod trusted_browsers;

pub use app_codes::*;
pub use door::*;
pub use notices::*;
pub use password_gate::*;
pub use proof::*;
pub use recovery_codes::*;
pub use sms_codes::*;
pub use standing::*;
pub use tries::*;
pub use trusted_browsers::*;
