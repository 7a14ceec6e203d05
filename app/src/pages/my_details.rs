//! 'Mijn gegevens': the user's own account, and the choice of two-factor
//! login where a client's policy is 'Optioneel'.

use leptos::{either::Either, form::ActionForm, prelude::*};
use leptos_meta::Title;

use leptos_router::components::A;

use super::{
    authenticator::{UnbindAuthenticator, SETUP_PATH},
    number_change,
    recovery::RecoverySection,
    step_up::{asks_step_up, StepUpIfAsked},
};
use crate::{
    error::AppError,
    model::{MyDetails, SessionRow, TwoFactorRequirement, APP_BOUND_SUMMARY},
};
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};

#[server(endpoint = "my_details")]
pub async fn load_my_details() -> Result<MyDetails, AppError> {
    serve::user(move |core, auth| async move { flows::account::my_details(&core, &auth).await })
        .await
}

#[server(endpoint = "set_my_two_factor")]
pub async fn set_my_two_factor(two_factor: String) -> Result<(), AppError> {
    serve::user(move |core, auth| async move {
        flows::account::set_my_two_factor(&core, &auth, two_factor).await
    })
    .await
}

/// 'Vergeten' for one of the user's trusted browsers.
#[server(endpoint = "forget_trusted_browser")]
pub async fn forget_trusted_browser(id: i64) -> Result<(), AppError> {
    serve::user(
        move |core, auth| async move { flows::account::forget_browser(&core, &auth, id).await },
    )
    .await
}

/// 'E-mailadres wijzigen': where security notices go; a change to how
/// the account logs in, so after a step-up, and told to the old address.
/// 'Uitloggen' on another of the user's sessions.
#[server(endpoint = "end_my_session")]
pub async fn end_my_session(reference: String) -> Result<(), AppError> {
    serve::user(move |core, auth| async move {
        flows::account::end_my_session(&core, &auth, &reference).await
    })
    .await
}

#[server(endpoint = "set_my_email")]
pub async fn set_my_email(email: String) -> Result<(), AppError> {
    serve::user(
        move |core, auth| async move { flows::account::set_my_email(&core, &auth, email).await },
    )
    .await
}

#[component]
pub fn MyDetailsPage() -> impl IntoView {
    let choose = ServerAction::<SetMyTwoFactor>::new();
    let saves = super::successes(choose);
    let unbind = ServerAction::<UnbindAuthenticator>::new();
    let unbinds = super::successes(unbind);
    let forget = ServerAction::<ForgetTrustedBrowser>::new();
    let forgets = super::successes(forget);
    let email = ServerAction::<SetMyEmail>::new();
    let emails = super::successes(email);
    let end = ServerAction::<EndMySession>::new();
    let ends = super::successes(end);
    let details = Resource::new(
        move || {
            (
                saves.get(),
                unbinds.get(),
                forgets.get(),
                emails.get() + ends.get(),
            )
        },
        |_| load_my_details(),
    );
    view! {
        <Title text="Mijn gegevens – Tweestap" />
        <h1>"Mijn gegevens"</h1>
        <Transition fallback=|| view! { <p>"Laden…"</p> }>
            {move || Suspend::new(async move {
                match details.await {
                    Ok(d) => Either::Left(view! {
                        <Details d=d.clone() email=email />
                        <Security d=d choose=choose unbind=unbind forget=forget end=end />
                    }),
                    Err(e) => Either::Right(super::error_message(e)),
                }
            })}
        </Transition>
        <super::passkeys::PasskeysPanel />
        <p class="melding bevestiging" role="status">
            {move || matches!(choose.value().get(), Some(Ok(()))).then_some("Je keuze is opgeslagen. Die geldt vanaf de volgende keer dat je inlogt.")}
        </p>
        <p class="melding fout" role="alert">
            {move || choose.value().get().and_then(Result::err).map(|e| e.to_string())}
        </p>
        <StepUpIfAsked asked=asks_step_up(choose) />
    }
}

/// 'Gegevens': who the account is, and where it is told of changes.
#[component]
fn Details(d: MyDetails, email: ServerAction<SetMyEmail>) -> impl IntoView {
    let current_email = d
        .pending_email
        .clone()
        .or(d.email.clone())
        .unwrap_or_default();
    view! {
        <section class="deel" aria-labelledby="gegevens-kop">
            <h2 id="gegevens-kop">"Gegevens"</h2>
            <dl class="gegevens">
                <dt>"Naam"</dt><dd>{d.display_name}</dd>
                <dt>"Inlognaam"</dt><dd>{d.login_name}</dd>
                <dt>"Soort account"</dt><dd>{d.kind.label()}</dd>
                <dt>"E-mailadres"</dt>
                <dd>
                    <span data-testid="mijn-email">{d.email.clone().unwrap_or_else(|| "–".into())}</span>
                    {d.pending_email.clone().map(|p| view! {
                        <br /><small data-testid="wacht-op-bevestiging">{format!("Wacht op bevestiging: {p}")}</small>
                    })}
                </dd>
                <dt>"Mobiel nummer"</dt>
                <dd><span data-testid="mijn-nummer">{d.mobile_masked.unwrap_or_else(|| "Niet bekend".into())}</span></dd>
                {d.branch.map(|b| view! { <dt>"Vestiging"</dt><dd>{b}</dd> })}
                {(!d.clients.is_empty()).then(|| view! {
                    <dt>"Cliënten"</dt>
                    <dd>{d.clients.into_iter().map(|c| c.name).collect::<Vec<_>>().join(", ")}</dd>
                })}
            </dl>
            <EmailForm action=email current=current_email />
            <p><A href="/mijn-gegevens/downloaden">"Mijn gegevens downloaden"</A></p>
        </section>
    }
}

/// 'Inloggen en beveiliging': the password and each way in as one row
/// with its state and its action, then remembered devices and sessions.
#[component]
fn Security(
    d: MyDetails,
    choose: ServerAction<SetMyTwoFactor>,
    unbind: ServerAction<UnbindAuthenticator>,
    forget: ServerAction<ForgetTrustedBrowser>,
    end: ServerAction<EndMySession>,
) -> impl IntoView {
    let recovery = if !d.recovery_set {
        "Nog niet gemaakt".to_string()
    } else {
        format!("{} over", d.recovery_left)
    };
    view! {
        <section class="deel" aria-labelledby="beveiliging-kop">
            <h2 id="beveiliging-kop">"Inloggen en beveiliging"</h2>
            <TwoFactor d=d.clone() choose=choose />
            <ul class="manieren" aria-label="Manieren van inloggen">
                <WayIn name="Wachtwoord" state="Ingesteld".to_string()>
                    <A href=super::password::CHANGE_PATH>"Wachtwoord wijzigen"</A>
                </WayIn>
                <WayIn name="SMS-code" state=d.mobile_masked.clone().map_or("Geen mobiel nummer".to_string(), |m| format!("Naar {m}"))>
                    <A href=number_change::PATH>"Mobiel nummer wijzigen"</A>
                </WayIn>
                <WayIn name="Authenticator app" state=if d.app_bound { "Gekoppeld" } else { "Niet gekoppeld" }.to_string()>
                    {if d.app_bound {
                        Either::Left(view! { <A href=SETUP_PATH>"Authenticator vervangen"</A> })
                    } else {
                        Either::Right(view! { <A href=SETUP_PATH>"Authenticator instellen"</A> })
                    }}
                </WayIn>
                <WayIn name="Passkeys" state=match d.two_factor.passkeys { 0 => "Geen".to_string(), 1 => "1 passkey".to_string(), n => format!("{n} passkeys") }>
                    <a href="#passkeys">"Passkeys beheren"</a>
                </WayIn>
                <WayIn name="Herstelcodes" state=recovery>
                    <a href="#herstelcodes">"Naar herstelcodes"</a>
                </WayIn>
            </ul>
            {d.app_bound.then(|| view! { <UnbindForm action=unbind /> })}
            <div id="herstelcodes">
                <RecoverySection left=d.recovery_left has_set=d.recovery_set />
            </div>
            {(!d.trusted.is_empty()).then(|| view! { <TrustedBrowsers rows=d.trusted action=forget /> })}
            <Sessions rows=d.sessions end=end />
        </section>
    }
}

/// One way in: its name, its state, its action.
#[component]
fn WayIn(name: &'static str, state: String, children: Children) -> impl IntoView {
    view! {
        <li class="manier">
            <span class="manier-naam">{name}</span>
            <span class="manier-staat">{state}</span>
            <span class="manier-actie">{children()}</span>
        </li>
    }
}

/// 'Inlog met twee-factor-authenticatie': the user's own choice under
/// 'Optioneel', otherwise what the office decided.
#[component]
fn TwoFactor(d: MyDetails, choose: ServerAction<SetMyTwoFactor>) -> impl IntoView {
    view! {
        <h3>"Inlog met twee-factor-authenticatie"</h3>
        {match d.two_factor.requirement {
            TwoFactorRequirement::UserChoice => Either::Left(view! {
                <ActionForm action=choose>
                    <super::widgets::JaNeeField legend="Inlog met twee-factor-authenticatie" name="two_factor" id_prefix="mijn-tf" yes=d.own_choice />
                    <p class="uitleg">"Een wijziging geldt vanaf de volgende keer dat je inlogt."</p>
                    <button type="submit" disabled=move || choose.pending().get()>"Opslaan"</button>
                </ActionForm>
            }),
            TwoFactorRequirement::Mandatory => Either::Right(Either::Left(match d.two_factor.required_from.clone() {
                None => Either::Left(view! {
                    <p data-testid="twee-factor">"Aan. Je administratiekantoor heeft dit verplicht gesteld. Factor: " {d.two_factor.factor} "."</p>
                }),
                Some(from) => Either::Right(view! {
                    <p data-testid="twee-factor">
                        <strong>"Verplicht vanaf " {from.dutch} "."</strong> " "
                        {if d.two_factor.applies {
                            format!("Aan. Factor: {}.", d.two_factor.factor)
                        } else {
                            "Je administratiekantoor heeft het verplicht gesteld. Stel het vóór die datum in.".to_string()
                        }}
                    </p>
                }),
            })),
            TwoFactorRequirement::Off => Either::Right(Either::Right(view! {
                <p data-testid="twee-factor">{if d.two_factor.by_app_only() {
                    format!("{}.", APP_BOUND_SUMMARY)
                } else {
                    "Uit.".to_string()
                }}</p>
            })),
        }}
    }
}

/// The user's own sessions, each but this one with 'Uitloggen'.
#[component]
fn Sessions(rows: Vec<SessionRow>, end: ServerAction<EndMySession>) -> impl IntoView {
    view! {
        <h3>"Actieve sessies"</h3>
        <p>"Hier ben je ingelogd. Ken je een sessie niet, log hem dan uit en wijzig je wachtwoord."</p>
        <ul class="apparaten">
            {rows.into_iter().map(|s| {
                let reference = s.reference.clone();
                view! {
                    <li data-testid="sessie">
                        <strong>{if s.this_session { "Deze sessie" } else { "Andere sessie" }}</strong>
                        <br />
                        <small>{format!("Ingelogd {}, laatst actief {}.", s.logged_in, s.last_seen)}</small>
                        {s.method.clone().map(|m| view! { <br /><small data-testid="sessie-methode">{format!("Ingelogd met: {m}.")}</small> })}
                        {(!s.this_session).then(|| view! {
                            <ActionForm action=end>
                                <input type="hidden" name="reference" value=reference.clone() />
                                <button type="submit" class="tweede" aria-label=format!("Uitloggen: sessie van {}", s.logged_in)>"Uitloggen"</button>
                            </ActionForm>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
        {super::widgets::action_error(end)}
        {super::widgets::action_done(end, "De sessie is uitgelogd.")}
    }
}

/// 'E-mailadres wijzigen': a change to how the account is told about
/// changes, so after a step-up; the old address hears of it.
#[component]
fn EmailForm(action: ServerAction<SetMyEmail>, current: String) -> impl IntoView {
    view! {
        <ActionForm action=action>
            <div class="veld">
                <label for="mijn-email-invoer">"E-mailadres"</label>
                <input id="mijn-email-invoer" name="email" type="email" autocomplete="email" value=current
                    aria-describedby="mijn-email-uitleg" />
                <small id="mijn-email-uitleg">
                    "Hier krijg je bericht als er iets aan je inlog verandert, en een herstellink als je je wachtwoord vergeet. "
                    "Een nieuw adres geldt pas als je het bevestigt met de link die we ernaartoe sturen; tot dan gaat alles naar je huidige adres."
                </small>
            </div>
            <button type="submit" class="tweede" disabled=move || action.pending().get()>"E-mailadres wijzigen"</button>
        </ActionForm>
        <p class="melding fout" role="alert">
            {move || action.value().get().and_then(Result::err).filter(|e| *e != AppError::StepUpRequired).map(|e| e.to_string())}
        </p>
        {super::widgets::action_done(action, "Je e-mailadres is opgeslagen.")}
        <StepUpIfAsked asked=asks_step_up(action) />
    }
}

/// 'Authenticator ontkoppelen', after a step-up.
#[component]
fn UnbindForm(action: ServerAction<UnbindAuthenticator>) -> impl IntoView {
    view! {
        <p data-testid="app-gekoppeld">"Je account is gekoppeld aan een authenticator app."</p>
        <ActionForm action=action>
            <button type="submit" class="tweede" disabled=move || action.pending().get()>"Authenticator ontkoppelen"</button>
        </ActionForm>
        {super::widgets::action_error(action)}
        <StepUpIfAsked asked=asks_step_up(action) />
    }
}

/// The browsers that skip the second factor for a while, each with
/// 'Vergeten'.
#[component]
fn TrustedBrowsers(
    rows: Vec<crate::model::TrustedBrowserRow>,
    action: ServerAction<ForgetTrustedBrowser>,
) -> impl IntoView {
    view! {
        <h3>"Onthouden apparaten"</h3>
        <p>"Op deze apparaten vragen we bij het inloggen alleen je wachtwoord, geen code."</p>
        <ul class="apparaten">
            {rows.into_iter().map(|b| {
                let label = format!("{} vergeten", b.description);
                view! {
                    <li data-testid="onthouden-apparaat">
                        <strong>{b.description.clone()}</strong>
                        {b.this_browser.then_some(" (dit apparaat)")}
                        <br />
                        <small>{format!("Onthouden sinds {}, tot {}. Laatst gebruikt {}.", b.added, b.until, b.last_used)}</small>
                        <ActionForm action=action>
                            <input type="hidden" name="id" value=b.id.to_string() />
                            <button type="submit" class="tweede" aria-label=label>"Vergeten"</button>
                        </ActionForm>
                    </li>
                }
            }).collect_view()}
        </ul>
        {super::widgets::action_error(action)}
    }
}
