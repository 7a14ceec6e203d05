//! The router's state: Leptos' options plus the `Core` that server
//! functions receive as context.

use std::path::PathBuf;

use app::core::Core;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub core: Core,
    /// The development outbox's file, when that is the SMS sender; only
    /// then does `/dev/sms` exist.
    pub outbox: Option<PathBuf>,
}
