//! Every page but the login page, as a route whose code the browser loads
//! when a page of its group is first opened (`cargo leptos build --split`
//! puts each group in a wasm file of its own). The main bundle is the login
//! page and what all pages share, so the login page fetches only what it
//! runs. Four groups, by when a user needs them:
//! - the second step (code and mobile number pages), right after the password;
//! - the portal: its frame and every page any user has, so that once logged
//!   in, the help menu's wizard and 'Mijn gegevens' open without a fetch;
//! - the beheerder's screens, which most users never open;
//! - the pages of a forgotten password and an invitation, which a user
//!   opens from the login page or a mailed link.

use leptos::prelude::*;
use leptos_router::LazyRoute;

use super::{
    account_life::{MyDataPage, UserDataPage},
    accounts::{NewClientPage, NewClientUserPage, NewOfficeUserPage},
    applications::{ApplicationsPage, ConfirmForApplicationPage},
    authenticator::{AuthenticatorPage, BindPage},
    clients::{ClientEditPage, ClientUsersPage, ClientsPage},
    help::HelpPage,
    home::HomePage,
    import::ImportPage,
    logbook::LogbookPage,
    my_details::MyDetailsPage,
    number_change::NumberChangePage,
    office::OfficePage,
    office_users::{OfficeUserEditPage, OfficeUsersPage},
    overview::OverviewPage,
    passkeys::PasskeyWizardPage,
    password::{
        ChangePasswordPage, ConfirmEmailPage, ForgotPasswordPage, ResetPasswordPage, WelcomePage,
    },
    portal::Portal,
    second_step::{CodePage, MobilePage},
    wizard::WizardPage,
};

/// Defines a group: an enum naming its pages, one lazily loaded function
/// (the split point) that builds any of them, and a `LazyRoute` per page
/// that asks the group for it. `$preload` is the name `#[leptos::lazy]`
/// gives the function that only fetches the group's code (in the browser).
macro_rules! page_group {
    ($group:ident, $load:ident, $preload:ident: $($route:ident => $page:ident),* $(,)?) => {
        // Named after the page components, which all end in `Page`.
        #[allow(clippy::enum_variant_names)]
        #[derive(Clone, Copy)]
        enum $group {
            $($page,)*
        }

        #[leptos::lazy]
        fn $load(page: $group) -> AnyView {
            match page {
                $($group::$page => view! { <$page /> }.into_any(),)*
            }
        }

        $(
            #[doc = concat!("[`", stringify!($page), "`], loaded with its group.")]
            pub struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                async fn view(_this: Self) -> AnyView {
                    $load($group::$page).await
                }

                // Hydration waits for this, then builds the page at once: without
                // it, the page's code would still be loading when hydration
                // reaches it.
                async fn preload() {
                    #[cfg(feature = "hydrate")]
                    $preload().await;
                }
            }
        )*
    };
}

page_group! { SecondStepPages, second_step_pages, __preload_second_step_pages:
    CodeRoute => CodePage,
    MobileRoute => MobilePage,
}

page_group! { PortalPages, portal_pages, __preload_portal_pages:
    PortalRoute => Portal,
    HomeRoute => HomePage,
    MyDetailsRoute => MyDetailsPage,
    AuthenticatorRoute => AuthenticatorPage,
    BindRoute => BindPage,
    NumberChangeRoute => NumberChangePage,
    HelpRoute => HelpPage,
    WizardRoute => WizardPage,
    PasskeyWizardRoute => PasskeyWizardPage,
    ChangePasswordRoute => ChangePasswordPage,
    MyDataRoute => MyDataPage,
    ConfirmForApplicationRoute => ConfirmForApplicationPage,
}

page_group! { LinkPages, link_pages, __preload_link_pages:
    ForgotPasswordRoute => ForgotPasswordPage,
    ResetPasswordRoute => ResetPasswordPage,
    WelcomeRoute => WelcomePage,
    ConfirmEmailRoute => ConfirmEmailPage,
}

page_group! { AdminPages, admin_pages, __preload_admin_pages:
    ClientsRoute => ClientsPage,
    NewClientRoute => NewClientPage,
    ImportRoute => ImportPage,
    NewClientUserRoute => NewClientUserPage,
    NewOfficeUserRoute => NewOfficeUserPage,
    ClientEditRoute => ClientEditPage,
    ClientUsersRoute => ClientUsersPage,
    OfficeRoute => OfficePage,
    ApplicationsRoute => ApplicationsPage,
    OfficeUsersRoute => OfficeUsersPage,
    OfficeUserEditRoute => OfficeUserEditPage,
    LogbookRoute => LogbookPage,
    OverviewRoute => OverviewPage,
    UserDataRoute => UserDataPage,
}
