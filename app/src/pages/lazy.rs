//! Every page but the login page, as a route whose code the browser loads
//! when it is first opened (`cargo leptos build --split` puts each in a
//! wasm file of its own, and code that several of them share in pieces of
//! its own). The main bundle is the login page and what all pages share,
//! so the login page fetches only what it runs.
//!
//! One `#[lazy_route]` per page: grouping pages behind one split point
//! (fewer files) made leptos 0.8.23's router fail to swap pages in the
//! browser, and so did fetching pages ahead in the background.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use super::{
    authenticator::{AuthenticatorPage, BindPage},
    clients::{ClientEditPage, ClientUsersPage, ClientsPage},
    help::HelpPage,
    home::HomePage,
    logbook::LogbookPage,
    my_details::MyDetailsPage,
    number_change::NumberChangePage,
    office::OfficePage,
    office_users::{OfficeUserEditPage, OfficeUsersPage},
    portal::Portal,
    second_step::{CodePage, MobilePage},
    wizard::WizardPage,
};

/// `Route => Page`: a lazily loaded route that shows the component `Page`.
macro_rules! lazy_pages {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        #[doc = concat!("[`", stringify!($page), "`], loaded when first opened.")]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    )*};
}

lazy_pages! {
    CodeRoute => CodePage,
    MobileRoute => MobilePage,
    PortalRoute => Portal,
    HomeRoute => HomePage,
    MyDetailsRoute => MyDetailsPage,
    AuthenticatorRoute => AuthenticatorPage,
    BindRoute => BindPage,
    NumberChangeRoute => NumberChangePage,
    HelpRoute => HelpPage,
    WizardRoute => WizardPage,
    ClientsRoute => ClientsPage,
    ClientEditRoute => ClientEditPage,
    ClientUsersRoute => ClientUsersPage,
    OfficeRoute => OfficePage,
    OfficeUsersRoute => OfficeUsersPage,
    OfficeUserEditRoute => OfficeUserEditPage,
    LogbookRoute => LogbookPage,
}
