//! What each server function does after its guard (`pages::serve`), one
//! module per part of the portal.
//!
//! A flow calls `factors`, `session`, `core`, `storage` and `domain`, and
//! never another flow: what two flows share (the password gate, codes,
//! trusted browsers, the door for login changes) lives in `factors`.

pub mod account;
pub mod authenticator;
pub mod delivery;
pub mod dormant;
pub mod login;
pub mod office;
pub mod oidc;
pub mod overview;
pub mod passkeys;
pub mod recovery_links;
pub mod reminders;
pub mod step_up;
