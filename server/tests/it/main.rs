//! The integration tests, one binary: each module tests one part of the
//! portal over real HTTP against the real router, every test once on
//! SQLite and once on PostgreSQL (`on_both_engines!`). One binary links
//! the server once instead of once per file.

#[macro_use]
mod common;

mod account_life;
mod accounts;
mod attempt_limits;
mod authenticator;
mod batches;
mod dormant;
mod enforcement_date;
mod factor_changes;
mod guards;
mod hardening;
mod housekeeping;
mod import;
mod inputs;
mod logbook;
mod login;
mod login_method;
mod mail;
mod oidc;
mod operations;
mod passkeys;
mod passwords;
mod recovery;
mod second_factor;
mod sms_delivery;
mod trusted_browser;
mod two_instances;
mod user_admin;
