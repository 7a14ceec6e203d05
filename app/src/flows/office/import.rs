//! 'Cliënten' → 'Gebruikers importeren': a CSV file from the office's own
//! records, previewed row by row before anything is saved, then imported
//! in one transaction; the invitations follow at a steady pace.
//!
//! What an attacker (or a careless file) tries here, and why it fails:
//! - a formula in a field (`=HYPERLINK(…)`): taken as text, and every
//!   export of it guards it (`domain::csv`);
//! - a second account for someone the office has, or a login name of
//!   someone else: refused per row (`domain::import_plan`);
//! - the same file imported twice, or by two beheerders at once: the
//!   import judges again under the office's row lock, so the second finds
//!   every person the first made and changes nothing;
//! - a huge or binary file: refused before it is read (`domain::csv_import`).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};

use crate::{
    core::Core,
    domain::{
        csv_import::{self, MAX_BYTES},
        import_plan::{self, Counts, PlannedRow, Verdict},
    },
    error::AppError,
    factors,
    model::{ImportCounts, ImportPreview, ImportProgress, ImportRow},
    session::{require_step_up, AuthUser},
    storage::{imports, users},
};

/// Rows shown beside the refused ones.
const SHOWN: usize = 500;

/// The file as the page sends it (base64, URL-safe): its bytes, and the
/// sheet read from them.
fn read(file: &str) -> Result<csv_import::Sheet, AppError> {
    // Base64 is 4/3 of the file: a larger text is no file we take.
    if file.len() > MAX_BYTES / 3 * 4 + 4 {
        return Err(AppError::invalid(
            csv_import::FileRefusal::TooLarge.message(),
        ));
    }
    let bytes = URL_SAFE_NO_PAD.decode(file.trim()).map_err(|_| {
        AppError::invalid("Bestand: het bestand kon niet worden gelezen. Kies het opnieuw.")
    })?;
    csv_import::read(&bytes)
        .map_err(|refusal| AppError::invalid(format!("Bestand: {}", refusal.message())))
}

fn counts(counts: Counts) -> ImportCounts {
    ImportCounts {
        new_clients: counts.new_clients,
        new_users: counts.new_users,
        added: counts.added,
        unchanged: counts.unchanged,
        refused: counts.refused,
    }
}

fn shown(row: &PlannedRow) -> ImportRow {
    ImportRow {
        line: row.line,
        client: row.client.clone(),
        name: row.name.clone(),
        login: row.login.clone(),
        email: row.email.clone(),
        outcome: row.verdict.dutch(),
        refused: matches!(row.verdict, Verdict::Refused(_)),
    }
}

/// 'Voorbeeld bekijken': the file is kept for its import, and each row
/// says what it will do. Nothing else is saved.
pub async fn preview_import(
    core: &Core,
    beheerder: &AuthUser,
    file: &str,
) -> Result<ImportPreview, AppError> {
    require_step_up(core, beheerder)?;
    let sheet = read(file)?;
    let office_id = beheerder.user.office_id;
    let known = {
        let mut conn = core
            .db
            .pool()
            .acquire()
            .await
            .map_err(crate::storage::StorageError::from)?;
        imports::known(&mut conn, office_id, beheerder.user.id).await?
    };
    let planned = import_plan::plan(&sheet.rows, &known);
    let import_id = imports::save_upload(
        &core.db,
        office_id,
        beheerder.user.id,
        file.trim(),
        core.now(),
    )
    .await?;
    let mut rows: Vec<ImportRow> = planned
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Refused(_)))
        .map(shown)
        .collect();
    rows.extend(
        planned
            .iter()
            .filter(|r| !matches!(r.verdict, Verdict::Refused(_)))
            .take(SHOWN)
            .map(shown),
    );
    rows.sort_by_key(|r| r.line);
    Ok(ImportPreview {
        import_id,
        counts: counts(Counts::of(&planned)),
        not_shown: planned.len() - rows.len(),
        rows,
    })
}

/// 'Importeren': the accepted rows in one transaction, judged again
/// against what the office has then; the invitations wait to be sent.
pub async fn import_users(
    core: &Core,
    beheerder: &AuthUser,
    import_id: i64,
) -> Result<ImportCounts, AppError> {
    require_step_up(core, beheerder)?;
    let office_id = beheerder.user.office_id;
    let gone = || {
        AppError::invalid("Dit bestand is al geïmporteerd of niet meer bekend. Kies het opnieuw.")
    };
    let file = imports::waiting_upload(&core.db, office_id, import_id)
        .await?
        .ok_or_else(gone)?;
    let sheet = read(&file)?;
    let (_, done) = imports::apply(
        &core.db,
        office_id,
        import_id,
        beheerder.user.id,
        core.now(),
        |known| import_plan::plan(&sheet.rows, known),
    )
    .await?
    .ok_or_else(gone)?;
    Ok(counts(done))
}

/// How far an import's invitations are.
pub async fn import_progress(
    core: &Core,
    beheerder: &AuthUser,
    import_id: i64,
) -> Result<ImportProgress, AppError> {
    let (total, sent) = imports::progress(&core.db, beheerder.user.office_id, import_id).await?;
    Ok(ImportProgress { total, sent })
}

/// Sends up to `most` waiting invitations of any office, each claimed
/// first so one instance sends it; the number sent. Run at a steady pace
/// by every instance (`--mail-per-minute`).
pub async fn send_waiting_invitations(core: &Core, most: i64) -> Result<usize, AppError> {
    let mut sent = 0;
    for waiting in imports::waiting(&core.db, most).await? {
        if !imports::claim(&core.db, waiting.import_id, waiting.user_id, core.now()).await? {
            continue;
        }
        let Some(user) = users::find(&core.db, waiting.user_id).await? else {
            continue;
        };
        // Blocked, or the password chosen by another way meanwhile.
        let Some(address) = user
            .pending_email
            .clone()
            .filter(|_| user.invited && !user.blocked)
        else {
            continue;
        };
        let by = match waiting.by_user_id {
            Some(id) => users::find(&core.db, id).await?,
            None => None,
        };
        factors::mail_invitation(core, &user, &address, by.as_ref().unwrap_or(&user), None).await?;
        sent += 1;
    }
    Ok(sent)
}
