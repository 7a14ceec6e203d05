//! The schema's migrations, built into the binary: the same files, versions,
//! descriptions and checksums that `sqlx::migrate!` would embed, listed here
//! so that sqlx's proc-macro crate is not needed (it compiled sqlx and the
//! bundled SQLite a second time, for the build machine). A test checks each
//! list against its folder, so a new file cannot be forgotten.

use std::borrow::Cow;

use sqlx::{
    migrate::{Migration, MigrationType, Migrator},
    SqlStr,
};

use super::Engine;

/// `engine: "file", …`: each migration file's stem and its text.
macro_rules! migrations {
    ($engine:literal: $($file:literal),* $(,)?) => {
        &[$((
            $file,
            include_str!(concat!("../../migrations/", $engine, "/", $file, ".sql")),
        )),*]
    };
}

const SQLITE: &[(&str, &str)] = migrations!("sqlite":
    "20261125000001_foundation",
    "20261125000002_second_factor",
    "20261125000003_authenticator",
    "20261125000004_no_way_around",
    "20261126000005_recovery_codes",
    "20261126000006_audit_lookups",
    "20261126000007_trusted_browsers",
    "20261126000008_housekeeping",
);

const POSTGRES: &[(&str, &str)] = migrations!("postgres":
    "20261125000001_foundation",
    "20261125000002_second_factor",
    "20261125000003_authenticator",
    "20261125000004_no_way_around",
    "20261126000005_recovery_codes",
    "20261126000006_audit_lookups",
    "20261126000007_trusted_browsers",
    "20261126000008_housekeeping",
);

fn files(engine: Engine) -> &'static [(&'static str, &'static str)] {
    match engine {
        Engine::Sqlite => SQLITE,
        Engine::Postgres => POSTGRES,
    }
}

/// The engine's migrations, as `sqlx::migrate!("./migrations/<engine>")`
/// would give them.
pub fn migrator(engine: Engine) -> Migrator {
    Migrator::with_migrations(
        files(engine)
            .iter()
            .map(|(stem, sql)| migration(stem, sql))
            .collect(),
    )
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

    fn listed(engine: Engine) -> Vec<String> {
        files(engine)
            .iter()
            .map(|(stem, _)| stem.to_string())
            .collect()
    }

    #[test]
    fn every_file_in_the_folders_is_listed_in_order() {
        assert_eq!(listed(Engine::Sqlite), folder("sqlite"));
        assert_eq!(listed(Engine::Postgres), folder("postgres"));
    }

    #[test]
    fn both_engines_have_the_same_steps() {
        assert_eq!(listed(Engine::Sqlite), listed(Engine::Postgres));
    }

    #[test]
    fn versions_and_descriptions_follow_the_file_names() {
        let sqlite = migrator(Engine::Sqlite);
        let first = sqlite.iter().next().unwrap();
        assert_eq!(first.version, 20261125000001);
        assert_eq!(first.description, "foundation");
        let second = sqlite.iter().nth(1).unwrap();
        assert_eq!(second.description, "second factor");
        assert_eq!(sqlite.iter().count(), SQLITE.len());
    }
}
