//! Small parts the pages share, so that a message or a countdown reads and
//! behaves the same everywhere.

use leptos::prelude::*;

use crate::error::AppError;

/// The refusal or failure of an action's last run, read out when it
/// appears (empty otherwise).
pub fn action_error<A>(action: ServerAction<A>) -> impl IntoView
where
    A: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    A::Output: Clone + Send + Sync + 'static,
    A: serde::de::DeserializeOwned,
{
    view! {
        <p class="melding fout" role="alert">
            {move || action.value().get().and_then(Result::err).map(|e| e.to_string())}
        </p>
    }
}

/// `text` once the action's last run succeeded.
pub fn action_done<A>(action: ServerAction<A>, text: &'static str) -> impl IntoView
where
    A: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    A::Output: Clone + Send + Sync + 'static,
    A: serde::de::DeserializeOwned,
{
    view! {
        <p class="melding bevestiging" role="status">
            {move || matches!(action.value().get(), Some(Ok(_))).then_some(text)}
        </p>
    }
}

/// The wait before 'Nieuwe code sturen' may be used again (`left`: the
/// seconds, ticking).
pub fn resend_wait(left: impl Fn() -> i64 + Send + Sync + 'static) -> impl IntoView {
    view! {
        <span class="wacht" aria-live="polite">
            {move || match left() {
                0 => String::new(),
                s => format!("Over {s} seconden kun je een nieuwe code laten sturen."),
            }}
        </span>
    }
}

/// When the authenticator app shows its next code (`left`: the seconds).
pub fn app_next_code_text(left: i64) -> String {
    format!("Over {left} seconden toont de app een nieuwe code.")
}

/// A 'Ja' / 'Nee' choice as the article shows it (e.g. 'Inlog met
/// twee-factor-authenticatie'), posted as `name` = `ja` or `nee`.
#[component]
pub fn JaNeeField(
    legend: &'static str,
    name: &'static str,
    /// Makes the radio buttons' ids unique on the page.
    id_prefix: &'static str,
    yes: bool,
) -> impl IntoView {
    let (ja, nee) = (format!("{id_prefix}-ja"), format!("{id_prefix}-nee"));
    view! {
        <fieldset>
            <legend>{legend}</legend>
            <div class="keuze">
                <input type="radio" id=ja.clone() name=name value="ja" checked=yes />
                <label for=ja>"Ja"</label>
            </div>
            <div class="keuze">
                <input type="radio" id=nee.clone() name=name value="nee" checked=!yes />
                <label for=nee>"Nee"</label>
            </div>
        </fieldset>
    }
}

/// The frame of an edit page (a client, an office user): the way back,
/// the name, a line under it and the tabs, the current one marked.
#[component]
pub fn EditFrame(
    back_href: &'static str,
    back_label: &'static str,
    title: String,
    subtitle: String,
    /// `(href, label, current)`.
    tabs: Vec<(String, &'static str, bool)>,
) -> impl IntoView {
    view! {
        <p><leptos_router::components::A href=back_href>{back_label}</leptos_router::components::A></p>
        <h1>{title}</h1>
        <p>{subtitle}</p>
        <nav class="tabs" aria-label="Onderdelen">
            {tabs.into_iter().map(|(href, label, current)| view! {
                <a href=href aria-current=current.then_some("page")>{label}</a>
            }).collect_view()}
        </nav>
    }
}

/// The frame around what a page loads: 'Laden…' while it comes, `show`
/// when it is there, the error in words when it failed. While it reloads
/// the old content stays (a form does not flash away).
pub fn loaded<T, V>(
    resource: Resource<Result<T, AppError>>,
    show: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    V: IntoView + Send + 'static,
{
    view! {
        <Transition fallback=|| view! { <p>"Laden…"</p> }>
            {move || {
                let show = show.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(data) => leptos::either::Either::Left(show(data)),
                        Err(e) => leptos::either::Either::Right(super::error_message(e)),
                    }
                })
            }}
        </Transition>
    }
}

/// How long the confirmation SMS code stays valid (`left`: the seconds).
pub fn sms_valid_text(left: i64) -> String {
    match left {
        0 => "Er is geen geldige SMS-code. Vraag een nieuwe aan.".to_string(),
        s => format!(
            "De SMS-code is nog {} geldig.",
            crate::countdown::minutes_seconds(s)
        ),
    }
}
