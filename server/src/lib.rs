//! The server: configuration, start-up, the HTTP router and its layers.
//! What a page or server function does lives in `app`; this crate wires it
//! to a socket.

pub mod client_ip;
pub mod config;
pub mod dev_mail;
pub mod dev_outbox;
pub mod dev_sms;
pub mod guard;
pub mod host_check;
pub mod mail;
pub mod precompress;
pub mod router;
pub mod same_origin;
pub mod security_headers;
pub mod seed;
pub mod sms;
pub mod state;
