//! 'Mijn gegevens': the user's own account.

use leptos::{either::Either, prelude::*};
use leptos_meta::Title;

use crate::{error::AppError, model::MyDetails};

#[server(endpoint = "my_details")]
pub async fn load_my_details() -> Result<MyDetails, AppError> {
    crate::core::respond(ssr::my_details()).await
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::{
        core::core,
        error::AppError,
        model::{mask_phone, MyDetails, UserKind},
        session::require_user,
        storage::clients,
    };

    pub async fn my_details() -> Result<MyDetails, AppError> {
        let auth = require_user().await?;
        let core = core()?;
        let user = auth.user;
        let clients = match user.kind {
            UserKind::Client => clients::clients_of_user(&core.db, user.id).await?,
            UserKind::Office => Vec::new(),
        };
        Ok(MyDetails {
            login_name: user.login_name,
            display_name: user.display_name,
            kind: user.kind,
            email: user.email,
            mobile_masked: user.mobile.as_deref().map(mask_phone),
            branch: user.branch,
            clients,
        })
    }
}

#[component]
pub fn MyDetailsPage() -> impl IntoView {
    let details = Resource::new(|| (), |_| load_my_details());
    view! {
        <Title text="Mijn gegevens – Tweestap" />
        <h1>"Mijn gegevens"</h1>
        <Suspense fallback=|| view! { <p>"Laden…"</p> }>
            {move || Suspend::new(async move {
                match details.await {
                    Ok(d) => Either::Left(view! {
                    <dl class="gegevens">
                        <dt>"Naam"</dt><dd>{d.display_name}</dd>
                        <dt>"Inlognaam"</dt><dd>{d.login_name}</dd>
                        <dt>"Soort account"</dt><dd>{d.kind.label()}</dd>
                        <dt>"E-mailadres"</dt><dd>{d.email.unwrap_or_else(|| "–".into())}</dd>
                        <dt>"Mobiel nummer"</dt><dd>{d.mobile_masked.unwrap_or_else(|| "Niet bekend".into())}</dd>
                        {d.branch.map(|b| view! { <dt>"Vestiging"</dt><dd>{b}</dd> })}
                        {(!d.clients.is_empty()).then(|| view! {
                            <dt>"Cliënten"</dt>
                            <dd>{d.clients.into_iter().map(|c| c.name).collect::<Vec<_>>().join(", ")}</dd>
                        })}
                    </dl>
                    }),
                    Err(e) => Either::Right(super::error_message(e)),
                }
            })}
        </Suspense>
    }
}
