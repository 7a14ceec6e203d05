//! 'Overzicht' (beheerders): how far two-factor login got, per client and
//! for the office's own users; every figure leads to the users behind it,
//! and 'Exporteren' downloads the same as CSV.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::{
    error::AppError,
    model::{Overview, OverviewCounts, OverviewRow, Protection, UserFilter},
};
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};

/// Where the exports are served (by the server, outside the page router,
/// for the beheerder's session only).
pub const EXPORT_ROWS_PATH: &str = "/overzicht/export/overzicht.csv";
pub const EXPORT_USERS_PATH: &str = "/overzicht/export/gebruikers.csv";

#[server(endpoint = "overview")]
pub async fn load_overview() -> Result<Overview, AppError> {
    serve::beheerder(move |core, auth| async move { flows::overview::overview(&core, &auth).await })
        .await
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| load_overview());
    view! {
        <Title text="Overzicht – Tweestap" />
        <h1>"Overzicht"</h1>
        <p class="uitleg">"Hoe ver de inlog met twee-factor-authenticatie is, per cliënt en voor de eigen kantoorgebruikers. Elk getal opent de gebruikers erachter."</p>
        {super::widgets::loaded(overview, |o| {
            let dormant = o.dormant_column();
            view! {
            <Totals totals=o.totals dormant=dormant.clone() />
            <div class="knoppen">
                <a class="knop" href=EXPORT_ROWS_PATH download="tweestap-overzicht.csv">"Exporteren"</a>
                <a href=EXPORT_USERS_PATH download="tweestap-gebruikers.csv">"Alle gebruikers exporteren (CSV)"</a>
            </div>
            <table class="lijst" role="table">
                <caption class="sr-only">"Per cliënt"</caption>
                <thead role="rowgroup"><tr role="row">
                    <th scope="col" role="columnheader">"Cliënt"</th>
                    <th scope="col" role="columnheader">"Twee-factor"</th>
                    <th scope="col" role="columnheader" class="getal">"Gebruikers"</th>
                    {Protection::ALL.map(|p| view! { <th scope="col" role="columnheader" class="getal">{p.column()}</th> })}
                    <th scope="col" role="columnheader" class="getal">"Niet ingelogd sinds 'Ja'"</th>
                    <th scope="col" role="columnheader" class="getal">{dormant.clone()}</th>
                    <th scope="col" role="columnheader" class="getal">"Uitgenodigd"</th>
                </tr></thead>
                <tbody role="rowgroup">
                    {o.rows.into_iter().map(|row| view! { <Row row dormant=dormant.clone() /> }).collect_view()}
                </tbody>
            </table>
        }})}
    }
}

#[component]
fn Totals(totals: OverviewCounts, dormant: String) -> impl IntoView {
    view! {
        <ul class="totalen" aria-label="Totalen" data-testid="totalen">
            <li><span class="getal">{totals.users}</span>"Gebruikers"</li>
            {Protection::ALL.map(|p| view! {
                <li><span class="getal">{totals.of(p)}</span>{p.column()}</li>
            })}
            <li><span class="getal">{totals.not_since}</span>"Niet ingelogd sinds 'Ja'"</li>
            <li><span class="getal" data-testid="lang-niet-ingelogd">{totals.dormant}</span>{dormant}</li>
            <li><span class="getal" data-testid="uitgenodigd">{totals.invited}</span>"Uitgenodigd"</li>
        </ul>
    }
}

#[component]
fn Row(row: OverviewRow, dormant: String) -> impl IntoView {
    let name = row.name.clone();
    // The column as the phone's card labels it; the link names its row too.
    let figure = move |count: i64, column: &str, href: String| {
        let column = column.to_string();
        view! {
            <td role="cell" class="getal" data-label=column.clone()>
                <A href=href attr:aria-label=format!("{column}, {name}: {count}")>{count}</A>
            </td>
        }
    };
    let cells = Protection::ALL.map(|p| {
        figure(
            row.counts.of(p),
            p.column(),
            row.users_href(Some(UserFilter::Protected(p))),
        )
    });
    let not_since = if row.has_ja {
        figure(
            row.counts.not_since,
            "Niet ingelogd sinds 'Ja'",
            row.users_href(Some(UserFilter::NotSince)),
        )
        .into_any()
    } else {
        view! { <td role="cell" class="getal" data-label="Niet ingelogd sinds 'Ja'">"–"</td> }
            .into_any()
    };
    view! {
        <tr role="row" data-testid="overzicht-rij">
            <th scope="row" role="rowheader" data-label="Cliënt">{row.name.clone()}</th>
            <td role="cell" data-label="Twee-factor">{row.policy.clone()}</td>
            {figure(row.counts.users, "Gebruikers", row.users_href(None))}
            {cells}
            {not_since}
            {figure(
                row.counts.dormant,
                &dormant,
                row.users_href(Some(UserFilter::Dormant)),
            )}
            <td role="cell" class="getal" data-label="Uitgenodigd">{row.counts.invited}</td>
        </tr>
    }
}
