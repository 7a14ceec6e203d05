//! Plain-Rust rules of the login: no HTTP, no SQL. Time is always passed in,
//! so every rule about expiry is tested with fixed times.

pub mod clock;
pub mod login_form;
pub mod password;
pub mod session_lifetime;
pub mod token;
