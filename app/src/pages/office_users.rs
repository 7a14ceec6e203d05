//! 'Kantoorgebruikers': the office's staff logins (beheerders only).

use leptos::{either::Either, prelude::*};
use leptos_meta::Title;

use crate::{error::AppError, model::OfficeUserRow};

#[server(endpoint = "list_office_users")]
pub async fn list_office_users() -> Result<Vec<OfficeUserRow>, AppError> {
    crate::core::respond(async {
        let auth = crate::session::require_beheerder().await?;
        let core = crate::core::core()?;
        Ok(crate::storage::users::list_office_users(&core.db, auth.user.office_id).await?)
    })
    .await
}

fn ja_nee(value: bool) -> &'static str {
    if value {
        "Ja"
    } else {
        "Nee"
    }
}

#[component]
pub fn OfficeUsersPage() -> impl IntoView {
    let rows = Resource::new(|| (), |_| list_office_users());
    view! {
        <Title text="Kantoorgebruikers – Tweestap" />
        <h1>"Kantoorgebruikers"</h1>
        <Suspense fallback=|| view! { <p>"Laden…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Ok(rows) => Either::Left(view! {
                    <table class="lijst">
                        <thead><tr>
                            <th scope="col">"Naam"</th>
                            <th scope="col">"Inlognaam"</th>
                            <th scope="col">"Vestiging"</th>
                            <th scope="col">"Beheerder"</th>
                            <th scope="col">"Inlog met twee-factor-authenticatie"</th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|u| view! {
                                <tr>
                                    <td>{u.display_name}</td>
                                    <td>{u.login_name}</td>
                                    <td>{u.branch}</td>
                                    <td>{ja_nee(u.is_beheerder)}</td>
                                    <td>{ja_nee(u.two_factor)}</td>
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
