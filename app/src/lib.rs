//! Tweestap's portal: pages, their server functions and the types both halves
//! share. Everything server-only (domain rules, storage, session handling)
//! sits behind the `ssr` feature, so the wasm bundle carries none of it and
//! the server crate reaches it without a dependency cycle.

pub mod countdown;
pub mod credentials;
pub mod error;
pub mod files;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod core;
#[cfg(feature = "ssr")]
pub mod domain;
#[cfg(feature = "ssr")]
pub mod factors;
#[cfg(feature = "ssr")]
pub mod flows;
#[cfg(feature = "ssr")]
pub mod housekeeping;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod metrics;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod sms;
#[cfg(feature = "ssr")]
pub mod storage;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, Lazy,
};
use pages::lazy::*;

/// The HTML document around the app; rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="nl">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options />
                // navigator.credentials for the passkey pages (credentials.rs).
                <script src="/passkey.js" defer nonce=leptos::nonce::use_nonce()></script>
                // A chosen file's bytes for 'Gebruikers importeren' (files.rs).
                <script src="/file.js" defer nonce=leptos::nonce::use_nonce()></script>
                <leptos_meta::MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Title text="Tweestap" />
        <Router>
            // Only the login page is in the main bundle; every other page's
            // code loads when it is first opened (`pages::lazy`).
            <Routes fallback=pages::not_found::NotFound>
                <Route path=path!("/inloggen") view=pages::login::LoginPage />
                <Route path=path!("/inloggen/code") view={Lazy::<CodeRoute>::new()} />
                <Route path=path!("/inloggen/mobiel") view={Lazy::<MobileRoute>::new()} />
                <Route path=path!("/inloggen/bevestigen") view={Lazy::<ConfirmForApplicationRoute>::new()} />
                <Route path=path!("/wachtwoord-vergeten") view={Lazy::<ForgotPasswordRoute>::new()} />
                <Route path=path!("/wachtwoord-herstellen/:token") view={Lazy::<ResetPasswordRoute>::new()} />
                <Route path=path!("/welkom/:token") view={Lazy::<WelcomeRoute>::new()} />
                <Route path=path!("/e-mailadres-bevestigen/:token") view={Lazy::<ConfirmEmailRoute>::new()} />
                <ParentRoute path=path!("") view={Lazy::<PortalRoute>::new()}>
                    <Route path=path!("") view={Lazy::<HomeRoute>::new()} />
                    <Route path=path!("mijn-gegevens") view={Lazy::<MyDetailsRoute>::new()} />
                    <Route path=path!("mijn-gegevens/authenticator") view={Lazy::<AuthenticatorRoute>::new()} />
                    <Route path=path!("mijn-gegevens/authenticator/koppelen") view={Lazy::<BindRoute>::new()} />
                    <Route path=path!("mijn-gegevens/mobiel-nummer") view={Lazy::<NumberChangeRoute>::new()} />
                    <Route path=path!("mijn-gegevens/wachtwoord") view={Lazy::<ChangePasswordRoute>::new()} />
                    <Route path=path!("mijn-gegevens/downloaden") view={Lazy::<MyDataRoute>::new()} />
                    <Route path=path!("clienten") view={Lazy::<ClientsRoute>::new()} />
                    <Route path=path!("clienten/nieuw") view={Lazy::<NewClientRoute>::new()} />
                    <Route path=path!("clienten/importeren") view={Lazy::<ImportRoute>::new()} />
                    <Route path=path!("clienten/:id") view={Lazy::<ClientEditRoute>::new()} />
                    <Route path=path!("clienten/:id/gebruikers") view={Lazy::<ClientUsersRoute>::new()} />
                    <Route path=path!("clienten/:id/gebruikers/nieuw") view={Lazy::<NewClientUserRoute>::new()} />
                    <Route path=path!("kantoor") view={Lazy::<OfficeRoute>::new()} />
                    <Route path=path!("kantoor/koppelingen") view={Lazy::<ApplicationsRoute>::new()} />
                    <Route path=path!("kantoorgebruikers") view={Lazy::<OfficeUsersRoute>::new()} />
                    <Route path=path!("kantoorgebruikers/nieuw") view={Lazy::<NewOfficeUserRoute>::new()} />
                    <Route path=path!("kantoorgebruikers/:id") view={Lazy::<OfficeUserEditRoute>::new()} />
                    <Route path=path!("gebruikers/:id/gegevens") view={Lazy::<UserDataRoute>::new()} />
                    <Route path=path!("logboek") view={Lazy::<LogbookRoute>::new()} />
                    <Route path=path!("overzicht") view={Lazy::<OverviewRoute>::new()} />
                    <Route path=path!("help") view={Lazy::<HelpRoute>::new()} />
                    <Route path=path!("help/authenticator") view={Lazy::<WizardRoute>::new()} />
                    <Route path=path!("help/passkey") view={Lazy::<PasskeyWizardRoute>::new()} />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
