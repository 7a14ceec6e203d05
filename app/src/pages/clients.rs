//! 'Cliënten': the office's clients and their two-factor policy
//! (beheerders only).

use leptos::{either::Either, prelude::*};
use leptos_meta::Title;

use crate::{error::AppError, model::ClientRow};

#[server(endpoint = "list_clients")]
pub async fn list_clients() -> Result<Vec<ClientRow>, AppError> {
    crate::core::respond(async {
        let auth = crate::session::require_beheerder().await?;
        let core = crate::core::core()?;
        Ok(crate::storage::clients::list_for_office(&core.db, auth.user.office_id).await?)
    })
    .await
}

#[component]
pub fn ClientsPage() -> impl IntoView {
    let rows = Resource::new(|| (), |_| list_clients());
    view! {
        <Title text="Cliënten – Tweestap" />
        <h1>"Cliënten"</h1>
        <Suspense fallback=|| view! { <p>"Laden…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Ok(rows) => Either::Left(view! {
                    <table class="lijst">
                        <thead><tr>
                            <th scope="col">"Naam"</th>
                            <th scope="col">"Vestiging"</th>
                            <th scope="col">"Authenticatie"</th>
                            <th scope="col">"Gebruikers"</th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|c| view! {
                                <tr>
                                    <td>{c.name}</td>
                                    <td>{c.branch}</td>
                                    <td>{c.policy.label()}</td>
                                    <td>{c.user_count}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    }),
                    Err(e) => Either::Right(super::error_message(e)),
                }
            })}
        </Suspense>
    }
}
