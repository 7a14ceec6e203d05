//! 'Logboek': the audit log of the beheerder's own office, newest first,
//! filtered by user and by kind, fifty rows a page (beheerders only).
//!
//! The filter lives in the query string (`?gebruiker=…&soort=…&voor=…`), so
//! links, reloads and the back button keep it.

use crate::{
    error::AppError,
    model::{kind_label, AuditAction, LogFilter, LogPage, LogUser},
};
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};
use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};

#[server(endpoint = "audit_log")]
pub async fn audit_log(
    gebruiker: Option<i64>,
    soort: Option<String>,
    voor: Option<i64>,
) -> Result<LogPage, AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::log_page(
            &core,
            &auth,
            LogFilter {
                user: gebruiker,
                action: soort,
                before: voor,
            },
        )
        .await
    })
    .await
}

#[server(endpoint = "audit_log_users")]
pub async fn audit_log_users() -> Result<Vec<LogUser>, AppError> {
    serve::beheerder(move |core, auth| async move { flows::office::log_users(&core, &auth).await })
        .await
}

/// The filter in the current URL; a value that is not a number is ignored.
fn filter_from_query() -> Memo<LogFilter> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|q| {
            let number = |key| q.get_str(key).and_then(|v| v.trim().parse::<i64>().ok());
            LogFilter {
                user: number("gebruiker"),
                action: q.get("soort").filter(|v| !v.is_empty()),
                before: number("voor"),
            }
        })
    })
}

/// `/logboek` with the filter and, for an older page, where it starts. Only
/// a listed kind goes into the link, so it needs no escaping.
fn log_link(filter: &LogFilter, before: Option<i64>) -> String {
    let mut parts = Vec::new();
    if let Some(user) = filter.user {
        parts.push(format!("gebruiker={user}"));
    }
    if let Some(action) = filter
        .action
        .as_deref()
        .filter(|a| AuditAction::from_stored(a).is_some())
    {
        parts.push(format!("soort={action}"));
    }
    if let Some(before) = before {
        parts.push(format!("voor={before}"));
    }
    if parts.is_empty() {
        "/logboek".to_string()
    } else {
        format!("/logboek?{}", parts.join("&"))
    }
}

#[component]
pub fn LogbookPage() -> impl IntoView {
    let filter = filter_from_query();
    let users = Resource::new(|| (), |_| audit_log_users());
    // The page comes with the filter that asked for it, so its links and
    // the form's choices always match the rows shown.
    let page = Resource::new(
        move || filter.get(),
        |f| async move {
            let page = audit_log(f.user, f.action.clone(), f.before).await;
            (f, page)
        },
    );

    view! {
        <Title text="Logboek – Tweestap" />
        <h1>"Logboek"</h1>
        <Transition fallback=|| view! { <p>"Laden…"</p> }>
            {move || Suspend::new(async move {
                let (current, page) = page.await;
                match users.await {
                    // Not a beheerder, or the list failed: one message, no form.
                    Err(e) => Either::Right(super::error_message(e)),
                    Ok(users) => Either::Left(view! {
                        <FilterForm users=users current=current.clone() />
                        {match page {
                            Ok(page) => Either::Left(view! { <LogTable page=page current=current /> }),
                            Err(e) => Either::Right(super::error_message(e)),
                        }}
                    }),
                }
            })}
        </Transition>
    }
}

#[component]
fn FilterForm(users: Vec<LogUser>, current: LogFilter) -> impl IntoView {
    let action = current.action.clone();
    view! {
        <Form method="get" action="/logboek">
            <div class="veld">
                <label for="gebruiker">"Gebruiker"</label>
                <select id="gebruiker" name="gebruiker">
                    <option value="" selected=current.user.is_none()>"Alle gebruikers"</option>
                    {users.into_iter().map(|u| {
                        let selected = current.user == Some(u.id);
                        view! {
                            <option value=u.id.to_string() selected=selected>
                                {format!("{} ({})", u.display_name, u.login_name)}
                            </option>
                        }
                    }).collect_view()}
                </select>
            </div>
            <div class="veld">
                <label for="soort">"Soort"</label>
                <select id="soort" name="soort">
                    <option value="" selected=action.is_none()>"Alle soorten"</option>
                    {AuditAction::ALL.into_iter().map(|kind| {
                        let selected = action.as_deref() == Some(kind.as_str());
                        view! { <option value=kind.as_str() selected=selected>{kind.label()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <button type="submit">"Filteren"</button>
        </Form>
    }
}

#[component]
fn LogTable(page: LogPage, current: LogFilter) -> impl IntoView {
    if page.rows.is_empty() {
        return Either::Left(view! {
            <p role="status">"Geen regels gevonden."</p>
            {current.before.is_some().then(|| view! {
                <p><A href=log_link(&current, None)>"Nieuwste regels"</A></p>
            })}
        });
    }
    let older = page.older.map(|id| log_link(&current, Some(id)));
    let newest = current.before.is_some().then(|| log_link(&current, None));
    Either::Right(view! {
        <table class="lijst" role="table">
            <caption>"Regels van het logboek, nieuwste eerst"</caption>
            <thead role="rowgroup"><tr role="row">
                <th scope="col" role="columnheader">"Tijdstip"</th>
                <th scope="col" role="columnheader">"Door"</th>
                <th scope="col" role="columnheader">"Soort"</th>
                <th scope="col" role="columnheader">"Betreft"</th>
                <th scope="col" role="columnheader">"Oud"</th>
                <th scope="col" role="columnheader">"Nieuw"</th>
            </tr></thead>
            <tbody role="rowgroup">
                {page.rows.into_iter().map(|r| view! {
                    <tr role="row">
                        <td role="cell" data-label="Tijdstip">{r.at}</td>
                        <td role="cell" data-label="Door">{r.actor}</td>
                        <td role="cell" data-label="Soort">{kind_label(&r.action).to_string()}</td>
                        <td role="cell" data-label="Betreft">{r.subject}</td>
                        <td role="cell" data-label="Oud">{r.old_value}</td>
                        <td role="cell" data-label="Nieuw">{r.new_value}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        {(newest.is_some() || older.is_some()).then(|| view! {
            <nav class="bladeren" aria-label="Bladeren door het logboek">
                {newest.map(|href| view! { <A href=href>"Nieuwste regels"</A> })}
                " "
                {older.map(|href| view! { <A href=href>"Oudere regels"</A> })}
            </nav>
        })}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_label_and_unknown_actions_show_as_stored() {
        assert_eq!(kind_label("login.ok"), "Ingelogd");
        assert_eq!(kind_label("sessions.ended"), "Sessies beëindigd");
        assert_eq!(kind_label("iets.nieuws"), "iets.nieuws");
    }

    #[test]
    fn links_keep_the_filter() {
        let filter = LogFilter {
            user: Some(7),
            action: Some("login.ok".into()),
            before: Some(99),
        };
        assert_eq!(
            log_link(&filter, Some(42)),
            "/logboek?gebruiker=7&soort=login.ok&voor=42"
        );
        assert_eq!(
            log_link(&filter, None),
            "/logboek?gebruiker=7&soort=login.ok"
        );
        let odd = LogFilter {
            action: Some("x&voor=1".into()),
            ..LogFilter::default()
        };
        assert_eq!(log_link(&odd, None), "/logboek");
    }
}
