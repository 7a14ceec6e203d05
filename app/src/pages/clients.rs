//! 'Cliënten': the office's clients, and per client the tab
//! 'Authenticatie' with its two-factor policy (beheerders only).

use leptos::{either::Either, form::ActionForm, prelude::*};
use leptos_meta::Title;
use leptos_router::components::A;

use super::{
    step_up::{asks_step_up, StepUpIfAsked},
    user_actions::{
        EndUserSessions, ResetAuthenticator, ResetButton, ResetPasskeys, ResetPasskeysButton,
        SetUserMobile,
    },
};
use crate::{
    error::AppError,
    model::{ClientDetail, ClientRow, ClientUserRow, TwoFactorPolicy},
};
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};

#[server(endpoint = "list_clients")]
pub async fn list_clients() -> Result<Vec<ClientRow>, AppError> {
    serve::beheerder(move |core, auth| async move { flows::office::clients(&core, &auth).await })
        .await
}

#[server(endpoint = "client_detail")]
pub async fn load_client_detail(id: i64) -> Result<ClientDetail, AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::client_detail(&core, &auth, id).await
    })
    .await
}

#[server(endpoint = "save_client_authentication")]
pub async fn save_client_authentication(
    id: i64,
    policy: String,
    #[server(default)] required_from: String,
) -> Result<(), AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::save_policy(&core, &auth, id, policy, required_from).await
    })
    .await
}

#[component]
pub fn ClientsPage() -> impl IntoView {
    let rows = Resource::new(|| (), |_| list_clients());
    view! {
        <Title text="Cliënten – Tweestap" />
        <h1>"Cliënten"</h1>
        <p class="knoppen">
            <A href="/clienten/nieuw" attr:class="knop">"Nieuwe cliënt"</A>
            <A href=super::import::PATH attr:class="knop">"Gebruikers importeren"</A>
        </p>
        {super::widgets::loaded(rows, |rows| view! {
                    <table class="lijst" role="table">
                        <thead role="rowgroup"><tr role="row">
                            <th scope="col" role="columnheader">"Naam"</th>
                            <th scope="col" role="columnheader">"Vestiging"</th>
                            <th scope="col" role="columnheader">"Authenticatie"</th>
                            <th scope="col" role="columnheader">"Gebruikers"</th>
                        </tr></thead>
                        <tbody role="rowgroup">
                            {rows.into_iter().map(|c| { let policy = c.policy_text(); view! {
                                <tr role="row">
                                    <td role="cell" data-label="Naam"><A href=format!("/clienten/{}", c.id)>{c.name}</A></td>
                                    <td role="cell" data-label="Vestiging">{c.branch}</td>
                                    <td role="cell" data-label="Authenticatie">{policy}</td>
                                    <td role="cell" data-label="Gebruikers">{c.user_count}</td>
                                </tr>
                            }}).collect_view()}
                        </tbody>
                    </table>
                    })}
    }
}

const POLICY_HELP: [(TwoFactorPolicy, &str); 3] = [
    (TwoFactorPolicy::Ja, "2-factor inlog is verplicht."),
    (TwoFactorPolicy::Nee, "2-factor inlog staat uit."),
    (
        TwoFactorPolicy::Optioneel,
        "Elke gebruiker bij deze cliënt krijgt de keuze om het aan of uit te zetten.",
    ),
];

#[component]
pub fn ClientEditPage() -> impl IntoView {
    let id = super::route_id();
    let save = ServerAction::<SaveClientAuthentication>::new();
    let saves = super::successes(save);
    let detail = Resource::new(
        move || (id(), saves.get()),
        |(id, _)| load_client_detail(id),
    );
    let saved = move || matches!(save.value().get(), Some(Ok(())));
    let save_error = move || save.value().get().and_then(Result::err);

    view! {
        <Title text="Cliënt bewerken – Tweestap" />
        <Transition fallback=|| view! { <p>"Laden…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Err(e) => Either::Right(super::error_message(e)),
                    Ok(d) => Either::Left(view! {
                        <ClientTabs client=d.client.clone() current=Tab::Authenticatie />
                        <section class="tab">
                            <super::accounts::RenameClientForm id=d.client.id name=d.client.name.clone() />
                            <ActionForm action=save>
                                <input type="hidden" name="id" value=d.client.id.to_string() />
                                <fieldset>
                                    <legend>"Inlog met twee-factor-authenticatie"</legend>
                                    {POLICY_HELP.into_iter().map(|(policy, help)| {
                                        let input_id = format!("beleid-{}", policy.as_db());
                                        view! {
                                            <div class="keuze">
                                                <input type="radio" name="policy" id=input_id.clone() value=policy.as_db() checked=d.client.policy == policy />
                                                <label for=input_id>{policy.label()}</label>
                                                <span class="uitleg">{help}</span>
                                            </div>
                                        }
                                    }).collect_view()}
                                </fieldset>
                                <super::widgets::RequiredFromField name="required_from" id="beleid-vanaf" value=d.client.required_from.clone().map(|f| f.iso) />
                                <p class="uitleg">"Een wijziging geldt bij de volgende keer inloggen van de gebruikers. Een latere datum of 'Nee' vraagt eerst om je bevestiging."</p>
                                <button type="submit" disabled=move || save.pending().get()>"Authenticatie opslaan"</button>
                            </ActionForm>
                            <p class="melding bevestiging" role="status">{move || saved().then_some("De authenticatie is opgeslagen.")}</p>
                            <p class="melding fout" role="alert">{move || save_error().map(|e| e.to_string())}</p>
                            <StepUpIfAsked asked=asks_step_up(save) />
                        </section>
                    }),
                }
            })}
        </Transition>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Authenticatie,
    Gebruikers,
}

/// The client's name, branch and its two tabs (and the way back).
#[component]
fn ClientTabs(client: ClientRow, current: Tab) -> impl IntoView {
    let base = format!("/clienten/{}", client.id);
    let tabs = vec![
        (base.clone(), "Authenticatie", current == Tab::Authenticatie),
        (
            format!("{base}/gebruikers"),
            "Gebruikers",
            current == Tab::Gebruikers,
        ),
    ];
    view! {
        <super::widgets::EditFrame back_href="/clienten" back_label="← Cliënten" title=client.name
            subtitle=format!("Vestiging {}", client.branch) tabs=tabs />
    }
}

/// 'Cliënten' → client → 'Gebruikers': each user's two-factor state and
/// last login, and what a beheerder can do for them.
#[component]
pub fn ClientUsersPage() -> impl IntoView {
    let id = super::route_id();
    let filter = super::user_filter();
    let reset = ServerAction::<ResetAuthenticator>::new();
    let end = ServerAction::<EndUserSessions>::new();
    let number = ServerAction::<SetUserMobile>::new();
    let passkeys = ServerAction::<ResetPasskeys>::new();
    let changes = Signal::derive({
        let (resets, ends, numbers, passkey_resets) = (
            super::successes(reset),
            super::successes(end),
            super::successes(number),
            super::successes(passkeys),
        );
        move || resets.get() + ends.get() + numbers.get() + passkey_resets.get()
    });
    let changed = RwSignal::new(0_usize);
    let detail = Resource::new(
        move || (id(), changes.get(), filter.get(), changed.get()),
        |(id, ..)| load_client_detail(id),
    );
    let asked = Signal::derive(move || {
        asks_step_up(reset).get()
            || asks_step_up(end).get()
            || asks_step_up(number).get()
            || asks_step_up(passkeys).get()
    });
    // What the newest action did, in words (a refusal for want of a
    // step-up shows the step-up form instead).
    let outcome = RwSignal::new(None::<Result<&'static str, AppError>>);
    let report = move |value: Option<Result<(), AppError>>, done: &'static str| match value {
        Some(Ok(())) => outcome.set(Some(Ok(done))),
        Some(Err(AppError::StepUpRequired)) => outcome.set(None),
        Some(Err(e)) => outcome.set(Some(Err(e))),
        None => {}
    };
    Effect::new(move |_| {
        report(
            reset.value().get(),
            "De authenticator app is gereset. De gebruiker logt weer in met een SMS-code.",
        )
    });
    Effect::new(move |_| {
        report(
            passkeys.value().get(),
            "De passkeys zijn verwijderd. De gebruiker logt weer in met een andere factor.",
        )
    });
    Effect::new(move |_| {
        report(
            end.value().get(),
            "De sessies zijn beëindigd. De gebruiker moet opnieuw inloggen.",
        )
    });
    Effect::new(move |_| {
        report(
            number.value().get(),
            "Het mobiele nummer is gewijzigd. De gebruiker bevestigt het bij de volgende keer inloggen met een SMS-code.",
        )
    });
    view! {
        <Title text="Gebruikers van cliënt – Tweestap" />
        <Transition fallback=|| view! { <p>"Laden…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Err(e) => Either::Right(super::error_message(e)),
                    Ok(d) => Either::Left(view! {
                        <ClientTabs client=d.client.clone() current=Tab::Gebruikers />
                        <section class="tab">
                            <p><A href=format!("/clienten/{}/gebruikers/nieuw", d.client.id) attr:class="knop">"Gebruiker toevoegen"</A></p>
                            {d.users.is_empty().then(|| view! { <p>"Deze cliënt heeft nog geen gebruikers."</p> })}
                            {filter.get_untracked().map(|f| view! {
                                <p data-testid="filter">{f.caption()} " · "
                                    <A href=format!("/clienten/{}/gebruikers", d.client.id)>"Alle gebruikers tonen"</A></p>
                            })}
                            {d.users.into_iter()
                                .filter(|u| filter.get_untracked().is_none_or(|f| f.keeps(u.two_factor.protection, u.not_since, u.dormant)))
                                .map(|u| view! { <UserCard user=u client_id=d.client.id reset=reset end=end number=number passkeys=passkeys changed=changed /> }).collect_view()}
                        </section>
                    }),
                }
            })}
        </Transition>
        <p class="melding bevestiging" role="status">
            {move || outcome.get().and_then(Result::ok)}
        </p>
        <p class="melding fout" role="alert">
            {move || outcome.get().and_then(Result::err).map(|e| e.to_string())}
        </p>
        <StepUpIfAsked asked=asked />
    }
}

/// One user of the client, with 'Authenticator resetten', 'Mobiel nummer
/// wijzigen' and 'Sessies beëindigen'.
#[component]
fn UserCard(
    user: ClientUserRow,
    client_id: i64,
    changed: RwSignal<usize>,
    reset: ServerAction<ResetAuthenticator>,
    end: ServerAction<EndUserSessions>,
    number: ServerAction<SetUserMobile>,
    passkeys: ServerAction<ResetPasskeys>,
) -> impl IntoView {
    let heading = format!("gebruiker-{}", user.id);
    let input_id = format!("mobiel-{}", user.id);
    let name = user.display_name.clone();
    view! {
        <article class="kaart" aria-labelledby=heading.clone()>
            <h2 id=heading.clone()>{user.display_name.clone()}</h2>
            <dl class="gegevens">
                <dt>"Inlognaam"</dt><dd>{user.login_name.clone()}</dd>
                <dt>"Inlog met twee-factor-authenticatie"</dt><dd>{user.two_factor.summary()}</dd>
                <dt>"Factor"</dt><dd>{user.two_factor.factor.clone()}</dd>
                <dt>"Passkeys"</dt><dd data-testid="aantal-passkeys">{user.two_factor.passkeys}</dd>
                <dt>"Mobiel nummer"</dt>
                <dd>{user.mobile.clone().unwrap_or_else(|| "Niet bekend".into())}
                    {user.mobile_unconfirmed.then_some(" (wacht op bevestiging door de gebruiker)")}</dd>
                <dt>"Laatste login"</dt><dd data-testid="laatste-login">{match user.invitation {
                    Some(invitation) => invitation.label().to_string(),
                    None => user.last_login.clone().unwrap_or_else(|| "Nog nooit".into()),
                }}</dd>
                {user.blocked.then(|| view! { <dt>"Account"</dt><dd data-testid="geblokkeerd">"Geblokkeerd"</dd> })}
            </dl>
            <super::accounts::LinkButtons user_id=user.id name=name.clone() invitation=user.invitation />
            <div class="knoppen">
                {user.app_bound.then(|| view! { <ResetButton action=reset user_id=user.id name=name.clone() /> })}
                {(user.two_factor.passkeys > 0).then(|| view! { <ResetPasskeysButton action=passkeys user_id=user.id name=name.clone() /> })}
                <ActionForm action=end>
                    <input type="hidden" name="user_id" value=user.id.to_string() />
                    <button type="submit" class="tweede" aria-label=format!("Sessies beëindigen van {name}")>"Sessies beëindigen"</button>
                </ActionForm>
            </div>
            <super::account_life::LifeButtons user_id=user.id name=user.display_name.clone() blocked=user.blocked client_id=client_id changed=changed />
            <p><A href=format!("/gebruikers/{}/gegevens", user.id) attr:aria-label=format!("Gegevens downloaden van {}", user.display_name)>"Gegevens downloaden (AVG)"</A></p>
            <ActionForm action=number attr:class="actie-formulier">
                <input type="hidden" name="user_id" value=user.id.to_string() />
                <div class="veld">
                    <label for=input_id.clone()>"Nieuw mobiel nummer"</label>
                    <input id=input_id name="mobile" type="tel" autocomplete="off" inputmode="tel" />
                </div>
                <div class="veld">
                    <button type="submit" class="tweede" aria-label=format!("Mobiel nummer wijzigen van {}", user.display_name)>"Mobiel nummer wijzigen"</button>
                </div>
            </ActionForm>
        </article>
    }
}
