//! The schema's migrations, built into the binary: the same files, versions,
//! descriptions and checksums that `sqlx::migrate!` would embed, listed here
//! so that sqlx's proc-macro crate is not needed (it compiled sqlx and the
//! bundled SQLite a second time, for the build machine). A test checks each
//! list against its folder, so a new file cannot be forgotten; one list serves both engines.

use std::borrow::Cow;

use sqlx::{
    migrate::{Migration, MigrationType, Migrator},
    SqlStr,
};

use super::Engine;

/// One step of the schema: its file stem and its text for each engine.
struct Step {
    stem: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// `"file", …`: each step's stem, with both engines' texts built in (a
/// step missing for one engine does not compile).
macro_rules! steps {
    ($($file:literal),* $(,)?) => {
        &[$(Step {
            stem: $file,
            sqlite: include_str!(concat!("../../migrations/sqlite/", $file, ".sql")),
            postgres: include_str!(concat!("../../migrations/postgres/", $file, ".sql")),
        }),*]
    };
}

const STEPS: &[Step] = steps!(
    "20261125000001_foundation",
    "20261125000002_second_factor",
    "20261125000003_authenticator",
    "20261125000004_no_way_around",
    "20261126000005_recovery_codes",
    "20261126000006_audit_lookups",
    "20261126000007_trusted_browsers",
    "20261126000008_housekeeping",
    "20261126000009_audit_log_leaner",
    "20261201000010_session_login_time",
    "20261202000011_passkeys",
    "20261202000012_enforcement_date",
    "20261202000013_sms_delivery",
    "20261206000014_link_tokens",
    "20261206000015_account_life",
    "20261206000016_oidc",
);

fn files(engine: Engine) -> impl Iterator<Item = (&'static str, &'static str)> {
    STEPS.iter().map(move |step| {
        let sql = match engine {
            Engine::Sqlite => step.sqlite,
            Engine::Postgres => step.postgres,
        };
        (step.stem, sql)
    })
}

/// The engine's migrations, as `sqlx::migrate!("./migrations/<engine>")`
/// would give them.
pub fn migrator(engine: Engine) -> Migrator {
    Migrator::with_migrations(
        files(engine)
            .map(|(stem, sql)| migration(stem, sql))
            .collect(),
    )
}

/// Whether the database's record of applied migrations is exactly this
/// build's: every step applied, with the same checksum, and none this
/// build does not know (a newer build migrated it). `Err` says how not.
pub async fn check_applied(pool: &sqlx::AnyPool, engine: Engine) -> Result<(), String> {
    use sqlx::Row;
    // The flag as a number: a boolean column reads differently per engine.
    let rows = sqlx::query(
        "SELECT version, checksum, CAST(CASE WHEN success THEN 1 ELSE 0 END AS BIGINT) AS ok \
         FROM _sqlx_migrations ORDER BY version",
    )
    .fetch_all(pool)
    .await
    .map_err(|e| format!("the database does not answer: {e}"))?;
    let ours = migrator(engine);
    let mut applied = Vec::with_capacity(rows.len());
    for row in &rows {
        let version: i64 = row.try_get("version").map_err(|e| e.to_string())?;
        let checksum: Vec<u8> = row.try_get("checksum").map_err(|e| e.to_string())?;
        let ok: i64 = row.try_get("ok").map_err(|e| e.to_string())?;
        if ok != 1 {
            return Err(format!("migration {version} did not finish"));
        }
        applied.push((version, checksum));
    }
    for step in ours.iter() {
        match applied.iter().find(|(v, _)| *v == step.version) {
            None => return Err(format!("migration {} is not applied", step.version)),
            Some((_, sum)) if *sum != *step.checksum => {
                return Err(format!(
                    "migration {} differs from this build's",
                    step.version
                ))
            }
            Some(_) => {}
        }
    }
    if let Some((v, _)) = applied
        .iter()
        .find(|(v, _)| !ours.iter().any(|m| m.version == *v))
    {
        return Err(format!(
            "migration {v} is unknown to this build (a newer one?)"
        ));
    }
    Ok(())
}

/// `20261125000001_second_factor` → version 20261125000001, description
/// 'second factor' (sqlx's own naming, which its table records).
fn migration(stem: &str, sql: &'static str) -> Migration {
    let (version, description) = stem
        .split_once('_')
        .expect("a migration is named <version>_<description>");
    Migration::new(
        version.parse().expect("a migration's version is a number"),
        Cow::Owned(description.replace('_', " ")),
        MigrationType::Simple,
        SqlStr::from_static(sql),
        sql.starts_with("-- no-transaction"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(engine: &str) -> Vec<String> {
        let dir = format!("{}/migrations/{engine}", env!("CARGO_MANIFEST_DIR"));
        let mut stems: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter_map(|name| name.strip_suffix(".sql").map(str::to_string))
            .collect();
        stems.sort();
        stems
    }

    #[test]
    fn every_file_in_the_folders_is_listed_in_order() {
        let listed: Vec<String> = STEPS.iter().map(|s| s.stem.to_string()).collect();
        assert_eq!(listed, folder("sqlite"));
        assert_eq!(listed, folder("postgres"));
    }

    #[test]
    fn versions_and_descriptions_follow_the_file_names() {
        let sqlite = migrator(Engine::Sqlite);
        let first = sqlite.iter().next().unwrap();
        assert_eq!(first.version, 20261125000001);
        assert_eq!(first.description, "foundation");
        let second = sqlite.iter().nth(1).unwrap();
        assert_eq!(second.description, "second factor");
        assert_eq!(sqlite.iter().count(), STEPS.len());
    }
}
