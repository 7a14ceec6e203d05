//! The router's HTTP layers, one file each. Each takes only the part of
//! the state it needs (`State<Arc<TrustedProxies>>`, `State<Hsts>`, …),
//! handed to it by `router::build`, and none imports the router's state.

pub mod body_limit;
pub mod client_ip;
pub mod form_text;
pub mod host_check;
pub mod page_guard;
pub mod same_origin;
pub mod security_headers;
