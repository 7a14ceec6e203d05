//! Plain-Rust rules of the login: no HTTP, no SQL. Time is always passed in,
//! so every rule about expiry, lockout and limits is tested with fixed times.

pub mod address;
pub mod binding;
pub mod clock;
pub mod clock_offset;
pub mod code_verdict;
pub mod codes;
pub mod csv;
pub mod csv_import;
pub mod deadline;
pub mod delivery;
pub mod dormant;
pub mod factors;
pub mod import_plan;
pub mod link_token;
pub mod lockout;
pub mod login_form;
pub mod login_method;
pub mod oidc;
pub mod password;
pub mod password_rules;
pub mod phone;
pub mod policy;
pub mod recovery;
pub mod retention;
pub mod return_to;
pub mod secret_box;
pub mod session_lifetime;
pub mod signing_keys;
pub mod sms_quota;
pub mod step_up;
pub mod text;
pub mod token;
pub mod totp;
pub mod trusted_browser;
