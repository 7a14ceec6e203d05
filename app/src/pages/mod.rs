//! The portal's pages, one module each, every one with the server functions
//! it calls beside it.

pub mod clients;
pub mod help;
pub mod home;
pub mod login;
pub mod my_details;
pub mod not_found;
pub mod office_users;
pub mod portal;

use leptos::prelude::*;

use crate::error::AppError;

/// How a page shows a server function's refusal or failure.
pub fn error_message(error: AppError) -> impl IntoView {
    view! { <p class="melding fout" role="alert">{error.to_string()}</p> }
}
