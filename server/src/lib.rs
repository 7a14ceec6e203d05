//! The server: configuration, start-up, the HTTP router and its layers.
//! What a page or server function does lives in `app`; this crate wires it
//! to a socket.

pub mod config;
pub mod dev_outbox;
pub mod export;
pub mod forward_auth;
pub mod health;
pub mod mail;
pub mod metrics;
pub mod middleware;
pub mod oidc;
pub mod precompress;
pub mod router;
pub mod seed;
pub mod sms;
pub mod state;
