//! Recovery codes ('herstelcodes') on screen: a new set shown once with
//! 'Downloaden' and 'Afdrukken' (after binding an app, and after 'Nieuwe
//! herstelcodes maken'), and the count under 'Mijn gegevens'.

use leptos::{form::ActionForm, prelude::*};

use super::step_up::{asks_step_up, StepUpIfAsked};
use crate::{error::AppError, model::RecoveryCodes};
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};

/// 'Nieuwe herstelcodes maken' (after a step-up): the old set stops working.
#[server(endpoint = "make_recovery_codes")]
pub async fn make_recovery_codes() -> Result<RecoveryCodes, AppError> {
    serve::user(
        move |core, auth| async move { flows::account::new_recovery_codes(&core, &auth).await },
    )
    .await
}

/// A new set, shown this once, to keep on paper or in a file.
#[component]
pub fn NewRecoveryCodes(codes: RecoveryCodes) -> impl IntoView {
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        percent_encode(&codes.as_text())
    );
    view! {
        <section class="herstel" aria-labelledby="herstel-kop" data-testid="herstelcodes">
            <h2 id="herstel-kop">"Je herstelcodes"</h2>
            <p>"Telefoon kwijt of leeg? Met een herstelcode log je toch in: kies bij het inloggen "
               "'Inloggen met een herstelcode'. Elke code werkt maar één keer."</p>
            <p class="belangrijk"><strong>"Bewaar ze nu: "</strong>
               "je ziet deze codes maar één keer. Download of print ze en bewaar ze op een veilige plek, niet op je telefoon."</p>
            <ol class="herstelcodes">
                {codes.codes.iter().map(|c| view! { <li>{c.clone()}</li> }).collect_view()}
            </ol>
            <div class="knoppen">
                <a href=download download="herstelcodes-tweestap.txt">"Downloaden"</a>
                <button type="button" class="tweede" on:click=move |_| { let _ = window().print(); }>"Afdrukken"</button>
            </div>
        </section>
    }
}

/// 'Herstelcodes' under 'Mijn gegevens': how many are left, and a new set.
#[component]
pub fn RecoverySection(left: i64, has_set: bool) -> impl IntoView {
    let make = ServerAction::<MakeRecoveryCodes>::new();
    let count = if !has_set {
        "Je hebt nog geen herstelcodes. Je krijgt ze bij het koppelen van een authenticator app, of maak ze hier.".to_string()
    } else if left == 1 {
        "Je hebt nog 1 herstelcode.".to_string()
    } else {
        format!("Je hebt nog {left} herstelcodes.")
    };
    view! {
        <h3>"Herstelcodes"</h3>
        <p data-testid="herstel-aantal">{count}</p>
        <Show
            when=move || matches!(make.value().get(), Some(Ok(_)))
            fallback=move || view! {
                <ActionForm action=make>
                    <button type="submit" class="tweede" disabled=move || make.pending().get()>"Nieuwe herstelcodes maken"</button>
                </ActionForm>
                <p class="uitleg">"Nieuwe codes maken zet de oude codes buiten werking."</p>
            }
        >
            {move || make.value().get().and_then(Result::ok).map(|codes| view! { <NewRecoveryCodes codes=codes /> })}
        </Show>
        {super::widgets::action_error(make)}
        <StepUpIfAsked asked=asks_step_up(make) />
    }
}

/// Everything but unreserved characters as `%XX` of its UTF-8 bytes, for
/// a `data:` URL.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_download_keeps_every_character() {
        assert_eq!(super::percent_encode("AB-1 é\r\n"), "AB-1%20%C3%A9%0D%0A");
    }
}
