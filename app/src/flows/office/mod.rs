//! The beheerder's screens: 'Cliënten' and their policy, 'Kantoorgebruikers',
//! the buttons for one user (reset the app, end sessions, a new number),
//! 'Kantoor' (the days a browser is remembered, passkeys) and the 'Logboek'. Every
//! query is bound to the beheerder's own office; an id from elsewhere gets
//! the answer of one that does not exist.
//!
//! One file per screen; `accounts` lets people in (clients, users,
//! invitations); `scope` says what a beheerder may reach.

mod accounts;
mod applications;
mod clients;
mod import;
mod lifecycle;
mod logbook;
mod office_users;
mod scope;
mod settings;
mod user_actions;

pub use accounts::*;
pub use applications::*;
pub use clients::*;
pub use import::*;
pub use lifecycle::*;
pub use logbook::*;
pub use office_users::*;
pub use scope::own_user;
pub use settings::*;
pub use user_actions::*;
