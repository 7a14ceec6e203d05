//! Small parts the pages share, so that a message or a countdown reads and
//! behaves the same everywhere.

use leptos::prelude::*;

use crate::{credentials, error::AppError, model::PasskeyChallenge};

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

/// What a passkey ceremony in the browser ends with: `Err(None)` when the
/// user closed the browser's dialog (nothing to say), otherwise the
/// message to show.
pub type PasskeyResult<T> = Result<T, Option<String>>;

/// One passkey ceremony: the server's options (`begin`), the browser's
/// answer (a new passkey with `make`, else an assertion), the server's
/// verdict on it (`finish`, given the ceremony and the answer).
pub async fn passkey_ceremony<T, F>(
    begin: impl std::future::Future<Output = Result<PasskeyChallenge, AppError>>,
    make: bool,
    finish: impl FnOnce(String, String) -> F,
) -> PasskeyResult<T>
where
    F: std::future::Future<Output = Result<T, AppError>>,
{
    let challenge = begin.await.map_err(|e| Some(e.to_string()))?;
    let answer = match make {
        true => credentials::create(&challenge.options).await?,
        false => credentials::get(&challenge.options, false).await?,
    };
    finish(challenge.ceremony, answer)
        .await
        .map_err(|e| Some(e.to_string()))
}

/// The message of a passkey ceremony's last run, read out when it appears.
pub fn passkey_error<T: Clone + Send + Sync + 'static>(
    action: Action<(), PasskeyResult<T>>,
) -> impl IntoView {
    view! {
        <p class="melding fout" role="alert">
            {move || action.value().get().and_then(|r| r.err().flatten())}
        </p>
    }
}

/// Whether this browser can use passkeys; false until hydrated (the
/// server cannot know), so a button that needs one appears only where it
/// works.
pub fn passkeys_here() -> ReadSignal<bool> {
    let (here, set_here) = signal(false);
    Effect::new(move |_| set_here.set(credentials::supported()));
    here
}

/// A wizard's numbered steps, the current one marked for screen readers.
#[component]
pub fn StepList(steps: &'static [&'static str], step: RwSignal<usize>) -> impl IntoView {
    view! {
        <ol class="stappen" aria-label="Stappen">
            {steps.iter().enumerate().map(|(i, name)| {
                let n = i + 1;
                view! {
                    <li aria-current=move || (step.get() == n).then_some("step") class:huidig=move || step.get() == n>
                        {format!("{n}. {name}")}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

/// Keyboard and screen-reader users land on each new step's heading
/// (`#stap-kop`) when a wizard's `step` changes.
pub fn focus_heading_on_step(step: RwSignal<usize>) {
    Effect::new(move |previous: Option<usize>| {
        let now = step.get();
        if previous.is_some_and(|p| p != now) {
            if let Some(heading) = document().get_element_by_id("stap-kop") {
                use leptos::wasm_bindgen::JsCast;
                if let Ok(heading) = heading.dyn_into::<leptos::web_sys::HtmlElement>() {
                    let _ = heading.focus();
                }
            }
        }
        now
    });
}

/// 'Verplicht vanaf' beside a 'Ja': an optional date from which it applies.
#[component]
pub fn RequiredFromField(
    /// The form field's name.
    name: &'static str,
    id: &'static str,
    /// The stored date (`2027-02-01`), if any.
    value: Option<String>,
) -> impl IntoView {
    let help = format!("{id}-uitleg");
    view! {
        <div class="veld">
            <label for=id>"Verplicht vanaf"</label>
            <input id=id name=name type="date" value=value.unwrap_or_default() aria-describedby=help.clone() />
            <small id=help>"Alleen bij 'Ja'. Leeg: meteen. Tot die datum loggen gebruikers zonder tweede factor in zoals nu en zien ze een melding met de datum."</small>
        </div>
    }
}
