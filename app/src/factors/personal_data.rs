//! 'Mijn gegevens downloaden' (AVG art. 15): everything the portal holds
//! about one account as one JSON document, for the user or for a beheerder
//! answering the user's request. Which factors the account has, with
//! dates, names and last use; never a secret, hash or code
//! (`storage::personal_data` names every column it reads).

use serde_json::{json, Map, Value};

use crate::{
    core::{internal, Core},
    domain::clock::dutch_date_time,
    error::AppError,
    model::{AuditAction, UserKind},
    storage::{
        personal_data::{self, Cell, LogRow},
        users::{self, UserRecord},
    },
};

/// The download for `user`, made now.
pub async fn personal_data(core: &Core, user: &UserRecord) -> Result<String, AppError> {
    let now = core.now();
    let state = super::standing::state_of(core, user).await?;
    let last_login = users::last_login(&core.db, user.id).await?;
    let mut document = Map::new();
    document.insert(
        "over".into(),
        json!({
            "portaal": format!("Tweestap, het portaal van {}", user.office_name),
            "gemaakt_op": dutch_date_time(now),
            "toelichting": "Alles wat het portaal over dit account bewaart. Geheimen \
                (wachtwoord, sleutel van de app, passkeys, codes) staan er niet in: die \
                worden alleen versleuteld of als hash bewaard en zijn voor niemand leesbaar.",
        }),
    );
    document.insert(
        "profiel".into(),
        json!({
            "inlognaam": user.login_name,
            "naam": user.display_name,
            "e_mailadres": user.email,
            "e_mailadres_wacht_op_bevestiging": user.pending_email,
            "mobiel_nummer": user.mobile,
            "mobiel_nummer_bevestigd": user.mobile_confirmed,
            "soort": match user.kind {
                UserKind::Office => "kantoorgebruiker",
                UserKind::Client => "cliëntgebruiker",
            },
            "kantoor": user.office_name,
            "vestiging": user.branch,
            "beheerder": user.is_beheerder,
            "uitgenodigd_nog_geen_wachtwoord": user.invited,
            "geblokkeerd": user.blocked,
            "laatst_ingelogd": last_login.map(dutch_date_time),
        }),
    );
    document.insert(
        "tweestapsverificatie".into(),
        json!({
            "volgende_login": state.summary(),
            "tweede_factor": state.factor,
            "authenticator_app_gekoppeld": state.app_bound,
            "aantal_passkeys": state.passkeys,
            "eigen_keuze_bij_optioneel": user.two_factor_chosen,
        }),
    );
    for section in personal_data::SECTIONS {
        let rows = personal_data::rows(&core.db, section, user.id).await?;
        let rows: Vec<Value> = rows
            .into_iter()
            .map(|cells| Value::Object(cells.into_iter().map(cell).collect()))
            .collect();
        document.insert(section.name.into(), Value::Array(rows));
    }
    let log = personal_data::log_rows(&core.db, user.id, user.office_id, &user.login_name).await?;
    document.insert(
        "logboek".into(),
        Value::Array(
            log.into_iter()
                .map(|row| log_row(row, &user.login_name))
                .collect(),
        ),
    );
    serde_json::to_string_pretty(&Value::Object(document)).map_err(internal)
}

fn cell((name, cell): (&'static str, Cell)) -> (String, Value) {
    let value = match cell {
        Cell::Text(text) => json!(text),
        Cell::Flag(flag) => json!(flag),
        Cell::Time(at) => json!(at.map(dutch_date_time)),
    };
    (name.to_string(), value)
}

/// A row the account did to someone else keeps its time and kind, but not
/// the other person's name or values: those are theirs, not this user's.
fn log_row(row: LogRow, own: &str) -> Value {
    let about_self = row.subject.as_deref() == Some(own);
    let what =
        AuditAction::from_stored(&row.action).map_or(row.action.clone(), |a| a.label().to_string());
    json!({
        "tijdstip": dutch_date_time(row.at),
        "gebeurtenis": what,
        "over": if about_self { "jouw account" } else { "een ander account of het kantoor" },
        "door": if row.by_self { "jijzelf" } else { "een ander of het portaal" },
        "oude_waarde": row.old_value.filter(|_| about_self),
        "nieuwe_waarde": row.new_value.filter(|_| about_self),
    })
}
