//! The router's state: Leptos' options plus the `Core` that server
//! functions receive as context, and the settings of the HTTP layers, each
//! of which takes its own part (`FromRef`).

use std::{path::PathBuf, sync::Arc};

use app::core::Core;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::{
    middleware::{
        client_ip::TrustedProxies, host_check::AllowedHosts, same_origin::Origin,
        security_headers::Hsts,
    },
    sms::reports::ReportKeys,
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub core: Core,
    /// The development outbox's file, when that is the SMS sender; only
    /// then does `/dev/sms` exist.
    pub outbox: Option<PathBuf>,
    /// The development mail outbox's file, when that is the mail sender;
    /// only then does `/dev/mail` exist. (Skipped by `FromRef`: it has
    /// the SMS outbox's type; the router hands each page its file.)
    #[from_ref(skip)]
    pub mail_outbox: Option<PathBuf>,
    /// The public URL's origin: a server function call from it is ours
    /// even when a proxy rewrote `Host` (`same_origin`).
    pub public_origin: Arc<Origin>,
    /// HSTS, sent only when the public URL is https.
    pub hsts: Hsts,
    pub hosts: Arc<AllowedHosts>,
    pub trusted_proxies: Arc<TrustedProxies>,
    /// What the SMS providers' delivery reports are checked against.
    pub sms_reports: Arc<ReportKeys>,
    /// Request times go to the metrics (only with `--metrics-listen`).
    #[from_ref(skip)]
    pub timed: bool,
}
