//! The portal's pages, one module each, every one with the server functions
//! it calls beside it; each server function is one line into a flow
//! through [`serve`].

pub mod account_life;
pub mod accounts;
pub mod applications;
pub mod authenticator;
pub mod clients;
pub mod help;
pub mod home;
pub mod import;
pub mod lazy;
pub mod logbook;
pub mod login;
pub mod my_details;
pub mod not_found;
pub mod number_change;
pub mod office;
pub mod office_users;
pub mod overview;
pub mod passkeys;
pub mod password;
pub mod portal;
pub mod recovery;
pub mod second_step;
pub mod step_up;
pub mod user_actions;
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

/// 'Overzicht's `?toon=`: the users behind one of its figures.
pub fn user_filter() -> Memo<Option<crate::model::UserFilter>> {
    let query = leptos_router::hooks::use_query_map();
    Memo::new(move |_| {
        query.with(|q| {
            q.get_str("toon")
                .and_then(crate::model::UserFilter::from_slug)
        })
    })
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

/// The one way a server function reaches its flow: the guard in one word,
/// the flow's answer through `core::respond`, so an error always gets its
/// status (422, 403, …) and never shows up as a 500. A server function is
/// one line: `serve::user(move |core, auth| async move { flows::…(&core, &auth).await }).await`.
#[cfg(feature = "ssr")]
pub mod serve {
    use std::future::Future;

    use crate::{
        core::{core, respond, Core},
        error::AppError,
        factors,
        session::{self, AuthUser, PendingLogin},
    };

    /// No guard: the login, logging out, the code page's answer (which
    /// finds its waiting login inside the flow's one read).
    pub async fn anyone<T, F>(flow: impl FnOnce(Core) -> F) -> Result<T, AppError>
    where
        F: Future<Output = Result<T, AppError>>,
    {
        respond(async { flow(core()?).await }).await
    }

    /// A login waiting for its second step.
    pub async fn pending<T, F>(flow: impl FnOnce(Core, PendingLogin) -> F) -> Result<T, AppError>
    where
        F: Future<Output = Result<T, AppError>>,
    {
        respond(async {
            let pending = session::require_pending().await?;
            flow(core()?, pending).await
        })
        .await
    }

    /// A logged-in user.
    pub async fn user<T, F>(flow: impl FnOnce(Core, AuthUser) -> F) -> Result<T, AppError>
    where
        F: Future<Output = Result<T, AppError>>,
    {
        respond(async {
            let core = core()?;
            let auth = factors::session_still_holds(&core, session::require_user().await?).await?;
            flow(core, auth).await
        })
        .await
    }

    /// A logged-in beheerder.
    pub async fn beheerder<T, F>(flow: impl FnOnce(Core, AuthUser) -> F) -> Result<T, AppError>
    where
        F: Future<Output = Result<T, AppError>>,
    {
        respond(async {
            let core = core()?;
            let auth =
                factors::session_still_holds(&core, session::require_beheerder().await?).await?;
            flow(core, auth).await
        })
        .await
    }
}
