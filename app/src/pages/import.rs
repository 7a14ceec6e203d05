//! 'Cliënten' → 'Gebruikers importeren': choose the office's CSV file, see
//! per row what it will do, then 'Importeren' and the invitations' progress.

use leptos::{either::Either, form::ActionForm, prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::components::A;

use super::step_up::StepUpGate;
use crate::{
    error::AppError,
    files,
    model::{ImportCounts, ImportPreview, ImportProgress},
};
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};

pub const PATH: &str = "/clienten/importeren";

/// The server function's path, which alone takes a body of a file's size
/// (the server's body limit makes room for it).
pub const PREVIEW_ENDPOINT: &str = "/api/preview_import";

/// 'Voorbeeld bekijken': `file` is the CSV file, base64url.
#[server(endpoint = "preview_import")]
pub async fn preview_import(file: String) -> Result<ImportPreview, AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::preview_import(&core, &auth, &file).await
    })
    .await
}

/// 'Importeren'.
#[server(endpoint = "import_users")]
pub async fn import_users(import_id: i64) -> Result<ImportCounts, AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::import_users(&core, &auth, import_id).await
    })
    .await
}

#[server(endpoint = "import_progress")]
pub async fn load_import_progress(import_id: i64) -> Result<ImportProgress, AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::import_progress(&core, &auth, import_id).await
    })
    .await
}

const FILE_INPUT: &str = "bestand";

#[component]
pub fn ImportPage() -> impl IntoView {
    let preview = ServerAction::<PreviewImport>::new();
    let import = ServerAction::<ImportUsers>::new();
    let not_read = RwSignal::new(None::<&'static str>);
    let choose = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        not_read.set(None);
        spawn_local(async move {
            match files::chosen_as_base64(FILE_INPUT).await {
                Ok(file) => {
                    preview.dispatch(PreviewImport { file });
                }
                Err(why) => not_read.set(Some(why.message())),
            }
        });
    };
    let error = move || {
        not_read.get().map(str::to_string).or_else(|| {
            preview
                .value()
                .get()
                .and_then(Result::err)
                .or_else(|| import.value().get().and_then(Result::err))
                .map(|e| e.to_string())
        })
    };
    view! {
        <Title text="Gebruikers importeren – Tweestap" />
        <p><A href="/clienten">"← Cliënten"</A></p>
        <h1>"Gebruikers importeren"</h1>
        <StepUpGate>
            <p>"Een CSV-bestand uit je eigen administratie, zoals Excel het opslaat ('CSV (gescheiden door lijstscheidingsteken)' of 'CSV UTF-8'). De eerste regel noemt de kolommen, in elke volgorde: "
                <strong>"Cliënt"</strong>", "<strong>"Naam"</strong>", "<strong>"E-mailadres"</strong>
                ", en naar keuze "<strong>"Inlognaam"</strong>" (anders voorgesteld uit de naam), "
                <strong>"Mobiel nummer"</strong>" en "<strong>"Vestiging"</strong>" (anders die van jou). Andere kolommen worden overgeslagen."</p>
            <p>"Er wordt niets opgeslagen voordat je het voorbeeld hebt gezien en op 'Importeren' drukt. Hoogstens 20.000 regels en 5 MB."</p>
            <form on:submit=choose class="actie-formulier">
                <div class="veld">
                    <label for=FILE_INPUT>"Bestand"</label>
                    <input id=FILE_INPUT name="bestand" type="file" accept=".csv,text/csv,text/plain" />
                </div>
                <div class="veld">
                    <button type="submit" disabled=move || preview.pending().get()>"Voorbeeld bekijken"</button>
                </div>
            </form>
            <p class="melding fout" role="alert">{error}</p>
            {move || match (import.value().get(), preview.value().get()) {
                (Some(Ok(done)), Some(Ok(p))) => Either::Left(view! { <Done counts=done import_id=p.import_id /> }),
                (_, Some(Ok(p))) => Either::Right(Some(view! { <Preview preview=p import=import /> })),
                _ => Either::Right(None),
            }}
        </StepUpGate>
    }
}

#[component]
fn Counts(counts: ImportCounts) -> impl IntoView {
    view! {
        <dl class="gegevens" data-testid="import-tellingen">
            <dt>"Nieuwe cliënten"</dt><dd>{counts.new_clients}</dd>
            <dt>"Nieuwe gebruikers"</dt><dd>{counts.new_users}</dd>
            <dt>"Aan een cliënt toegevoegd"</dt><dd>{counts.added}</dd>
            <dt>"Ongewijzigd (staat er al)"</dt><dd>{counts.unchanged}</dd>
            <dt>"Geweigerd"</dt><dd>{counts.refused}</dd>
        </dl>
    }
}

#[component]
fn Preview(preview: ImportPreview, import: ServerAction<ImportUsers>) -> impl IntoView {
    let nothing = preview.counts.new_users + preview.counts.added + preview.counts.new_clients == 0;
    view! {
        <section class="deel" aria-labelledby="voorbeeld-kop">
            <h2 id="voorbeeld-kop">"Voorbeeld"</h2>
            <Counts counts=preview.counts />
            <div>
                <table class="lijst">
                    <thead><tr>
                        <th scope="col">"Regel"</th><th scope="col">"Cliënt"</th><th scope="col">"Naam"</th>
                        <th scope="col">"Inlognaam"</th><th scope="col">"E-mailadres"</th><th scope="col">"Wat er gebeurt"</th>
                    </tr></thead>
                    <tbody>
                        {preview.rows.into_iter().map(|r| view! {
                            <tr class:geweigerd=r.refused>
                                <td data-label="Regel">{r.line}</td>
                                <td data-label="Cliënt">{r.client}</td>
                                <td data-label="Naam">{r.name}</td>
                                <td data-label="Inlognaam">{r.login}</td>
                                <td data-label="E-mailadres">{r.email}</td>
                                <td data-label="Wat er gebeurt">{r.outcome}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {(preview.not_shown > 0).then(|| view! { <p>{format!("En nog {} regels die worden geïmporteerd.", preview.not_shown)}</p> })}
            {if nothing {
                Either::Left(view! { <p>"Er is niets te importeren."</p> })
            } else {
                Either::Right(view! {
                    <ActionForm action=import>
                        <input type="hidden" name="import_id" value=preview.import_id.to_string() />
                        <button type="submit" disabled=move || import.pending().get()>"Importeren"</button>
                    </ActionForm>
                })
            }}
        </section>
    }
}

/// The import's counts, and its invitations as they go out.
#[component]
fn Done(counts: ImportCounts, import_id: i64) -> impl IntoView {
    let ticks = crate::countdown::use_ticks();
    let progress = Resource::new(
        move || ticks.get() / 2,
        move |_| load_import_progress(import_id),
    );
    view! {
        <section class="deel" aria-labelledby="klaar-kop">
            <h2 id="klaar-kop">"Geïmporteerd"</h2>
            <Counts counts=counts />
            <p role="status" data-testid="uitnodigingen">
                <Transition fallback=|| "Uitnodigingen: bezig…">
                    {move || progress.get().and_then(Result::ok).map(|p| {
                        format!("Uitnodigingen verstuurd: {} van {}.", p.sent, p.total)
                    })}
                </Transition>
            </p>
            <p><A href="/clienten">"Naar Cliënten"</A></p>
        </section>
    }
}
