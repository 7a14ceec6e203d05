//! Plain-Rust rules of the login: no HTTP, no SQL. Time is always passed in,
//! so every rule about expiry, lockout and limits is tested with fixed times.

pub mod clock;
pub mod codes;
pub mod lockout;
pub mod login_form;
pub mod password;
pub mod phone;
pub mod policy;
pub mod session_lifetime;
pub mod sms_quota;
pub mod token;
