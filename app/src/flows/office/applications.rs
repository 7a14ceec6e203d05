//! 'Kantoor' → 'Koppelingen': the office's applications that rely on
//! Tweestap's login (OpenID Connect). Every change is a beheerder's, after
//! a step-up, in the Logboek; a secret is shown once and kept as a hash.

use crate::{
    core::Core,
    domain::{
        clock::dutch_date_time,
        oidc::{parse_name, parse_redirect_uris, Audience, ClientChoice, RedirectUri, Strength},
        token::{new_opaque_id, new_session_token, token_hash},
    },
    error::AppError,
    model::{ApplicationCredentials, ApplicationRow, ApplicationsView, AuditAction},
    session::{require_step_up, AuthUser},
    storage::{
        audit::{self, AuditEntry},
        batch::Batch,
        clients,
        oidc::{self as stored, Application, NewApplication},
    },
};

/// The registration form as typed.
#[derive(Debug, Clone, Default)]
pub struct ApplicationForm {
    pub name: String,
    pub redirect_uris: String,
    pub logout_uri: String,
    /// "vertrouwelijk" or "openbaar".
    pub kind: String,
    pub office_users: bool,
    /// "geen", "alle" or "gekozen".
    pub clients: String,
    /// With "gekozen": the clients' names, one per line.
    pub chosen: String,
    /// "twee" or "passkey".
    pub strength: String,
}

fn row(app: &Application) -> ApplicationRow {
    ApplicationRow {
        id: app.id,
        name: app.name.clone(),
        client_id: app.client_id.clone(),
        confidential: app.secret_hash.is_some(),
        redirect_uris: app.redirect_uris.clone(),
        logout_uri: app.logout_uri.clone(),
        audience: app.audience.dutch(),
        strength: app.strength.dutch().to_string(),
        enabled: app.enabled,
        last_used: app.last_used_at.map(dutch_date_time),
    }
}

pub async fn applications(core: &Core, beheerder: &AuthUser) -> Result<ApplicationsView, AppError> {
    let apps = stored::of_office(&core.db, beheerder.user.office_id).await?;
    Ok(ApplicationsView {
        applications: apps.iter().map(row).collect(),
        issuer: core.links.public_url.clone(),
    })
}

/// The form's audience: the chosen clients by their names, each one of
/// the office's own.
async fn audience(
    core: &Core,
    office_id: i64,
    form: &ApplicationForm,
) -> Result<Audience, AppError> {
    let clients = match form.clients.as_str() {
        "geen" => ClientChoice::None,
        "alle" => ClientChoice::All,
        "gekozen" => {
            let known = clients::list_for_office(&core.db, office_id).await?;
            let mut ids = Vec::new();
            for name in form.chosen.lines().map(str::trim).filter(|n| !n.is_empty()) {
                let found = known
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(name))
                    .ok_or_else(|| {
                        AppError::invalid(format!(
                            "Gekozen cliënten: '{name}' is geen cliënt van het kantoor."
                        ))
                    })?;
                if !ids.contains(&found.id) {
                    ids.push(found.id);
                }
            }
            if ids.is_empty() {
                return Err(AppError::invalid(
                    "Gekozen cliënten: vul ten minste één cliënt in.",
                ));
            }
            ClientChoice::Chosen(ids)
        }
        _ => {
            return Err(AppError::invalid(
                "Kies voor welke cliënten de koppeling is.",
            ))
        }
    };
    let audience = Audience {
        office_users: form.office_users,
        clients,
    };
    if !audience.office_users && audience.clients == ClientChoice::None {
        return Err(AppError::invalid(
            "Kies voor wie de koppeling is: kantoorgebruikers, cliënten of beide.",
        ));
    }
    Ok(audience)
}

pub async fn register_application(
    core: &Core,
    beheerder: &AuthUser,
    form: ApplicationForm,
) -> Result<ApplicationCredentials, AppError> {
    require_step_up(core, beheerder)?;
    let office_id = beheerder.user.office_id;
    let name = parse_name(&form.name).map_err(AppError::Invalid)?;
    let uris: Vec<String> = parse_redirect_uris(&form.redirect_uris)
        .map_err(AppError::Invalid)?
        .into_iter()
        .map(|u| u.as_str().to_string())
        .collect();
    let logout_uri = match form.logout_uri.trim() {
        "" => None,
        given => Some(
            RedirectUri::parse(given)
                .map_err(|e| AppError::invalid(format!("Afmeldadres: {e}")))?
                .as_str()
                .to_string(),
        ),
    };
    let confidential = match form.kind.as_str() {
        "vertrouwelijk" => true,
        "openbaar" => false,
        _ => {
            return Err(AppError::invalid(
                "Kies de soort: vertrouwelijk of openbaar.",
            ))
        }
    };
    let strength = Strength::from_db(&form.strength)
        .ok_or_else(|| AppError::invalid("Kies hoe sterk het inloggen moet zijn."))?;
    let audience = audience(core, office_id, &form).await?;
    let client_id = new_opaque_id();
    let secret = confidential.then(new_session_token);
    let secret_hash = secret.as_deref().map(token_hash);
    let now = core.now();
    let mut batch: Batch<()> = Batch::new();
    for stmt in stored::insert_stmts(
        &NewApplication {
            office_id,
            client_id: &client_id,
            name: &name,
            secret_hash: secret_hash.as_deref(),
            redirect_uris: &uris,
            logout_uri: logout_uri.as_deref(),
            audience: &audience,
            strength,
        },
        now,
    ) {
        batch.then(stmt);
    }
    batch.then(audit::record_stmt(
        AuditEntry::in_office(&beheerder.user, &name, AuditAction::ApplicationAdded),
        now,
    ));
    let _ = core.db.write_batch(batch).await?;
    Ok(ApplicationCredentials { client_id, secret })
}

async fn own_application(
    core: &Core,
    beheerder: &AuthUser,
    id: i64,
) -> Result<Application, AppError> {
    stored::of_office(&core.db, beheerder.user.office_id)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or_else(|| AppError::invalid("Deze koppeling bestaat niet (meer)."))
}

/// 'Nieuw geheim': the old secret stops working at once.
pub async fn new_application_secret(
    core: &Core,
    beheerder: &AuthUser,
    id: i64,
) -> Result<ApplicationCredentials, AppError> {
    require_step_up(core, beheerder)?;
    let app = own_application(core, beheerder, id).await?;
    if app.secret_hash.is_none() {
        return Err(AppError::invalid(
            "Een openbare koppeling heeft geen geheim.",
        ));
    }
    let secret = new_session_token();
    let mut batch: Batch<()> = Batch::new();
    batch
        .then(stored::set_secret_stmt(
            app.office_id,
            app.id,
            &token_hash(&secret),
        ))
        .then(audit::record_stmt(
            AuditEntry::in_office(&beheerder.user, &app.name, AuditAction::ApplicationSecret),
            core.now(),
        ));
    let _ = core.db.write_batch(batch).await?;
    Ok(ApplicationCredentials {
        client_id: app.client_id,
        secret: Some(secret),
    })
}

/// 'Uitzetten' / 'Aanzetten'.
pub async fn switch_application(
    core: &Core,
    beheerder: &AuthUser,
    id: i64,
    on: bool,
) -> Result<(), AppError> {
    require_step_up(core, beheerder)?;
    let app = own_application(core, beheerder, id).await?;
    let action = if on {
        AuditAction::ApplicationOn
    } else {
        AuditAction::ApplicationOff
    };
    let mut batch: Batch<()> = Batch::new();
    batch
        .then(stored::set_enabled_stmt(app.office_id, app.id, on))
        .then(audit::record_stmt(
            AuditEntry::in_office(&beheerder.user, &app.name, action),
            core.now(),
        ));
    let _ = core.db.write_batch(batch).await?;
    Ok(())
}

/// 'Verwijderen': its codes and tokens go with it.
pub async fn remove_application(
    core: &Core,
    beheerder: &AuthUser,
    id: i64,
) -> Result<(), AppError> {
    require_step_up(core, beheerder)?;
    let app = own_application(core, beheerder, id).await?;
    let mut batch: Batch<()> = Batch::new();
    for stmt in stored::delete_stmts(app.office_id, app.id) {
        batch.then(stmt);
    }
    batch.then(audit::record_stmt(
        AuditEntry::in_office(&beheerder.user, &app.name, AuditAction::ApplicationRemoved),
        core.now(),
    ));
    let _ = core.db.write_batch(batch).await?;
    Ok(())
}
