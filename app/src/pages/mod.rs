//! The portal's pages, one module each, every one with the server functions
//! it calls beside it.

pub mod authenticator;
pub mod clients;
pub mod help;
pub mod home;
pub mod lazy;
pub mod logbook;
pub mod login;
pub mod my_details;
pub mod not_found;
pub mod number_change;
pub mod office;
pub mod office_users;
pub mod portal;
pub mod recovery;
pub mod second_step;
pub mod step_up;
pub mod widgets;
pub mod wizard;

use leptos::prelude::*;

use crate::error::AppError;

/// How a page shows a server function's refusal or failure.
pub fn error_message(error: AppError) -> impl IntoView {
    view! { <p class="melding fout" role="alert">{error.to_string()}</p> }
}

pub fn ja_nee(value: bool) -> &'static str {
    if value {
        "Ja"
    } else {
        "Nee"
    }
}

/// The route's `:id` as a number; 0, which matches no row, when it is not one.
pub fn route_id() -> impl Fn() -> i64 + Copy + 'static {
    let params = leptos_router::hooks::use_params_map();
    move || {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    }
}

/// Counts an action's successful runs: pages reload their data on these
/// only, so a refused form keeps what the user typed.
pub fn successes<A>(action: ServerAction<A>) -> Signal<usize>
where
    A: leptos::server_fn::ServerFn<Output = (), Error = AppError> + Clone + Send + Sync + 'static,
    A: serde::de::DeserializeOwned,
{
    let count = RwSignal::new(0_usize);
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            count.update(|n| *n += 1);
        }
    });
    count.into()
}
