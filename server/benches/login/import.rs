//! 'Gebruikers importeren' of 10,000 rows, on the bench's own database:
//! the preview (read the file, what the office has, judge every row) and
//! the import (the same, then every row written in one transaction). The
//! server's own functions, without HTTP: the file's way over the wire is
//! one request and not what is measured.

use std::time::{Duration, Instant};

use app::{
    domain::{csv_import, import_plan},
    model::UserKind,
    storage::{imports, offices, users, Db, Engine},
};

pub const ROWS: usize = 10_000;

#[derive(Debug, Clone)]
pub struct ImportRun {
    pub engine: Engine,
    pub rows: usize,
    pub preview: Duration,
    pub import: Duration,
    pub new_users: usize,
}

/// A file as Dutch Excel writes it: five people per client.
fn file() -> Vec<u8> {
    let mut text = String::from("Cliënt;Naam;E-mailadres;Mobiel nummer\r\n");
    for i in 0..ROWS {
        text.push_str(&format!(
            "Bench Cliënt {};Persoon {i};bench.import.{i}@voorbeeld.example;06 {:08}\r\n",
            i / 5,
            10_000_000 + i
        ));
    }
    text.into_bytes()
}

pub async fn run(db: &Db) -> anyhow::Result<ImportRun> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    let office = offices::create_office(db, &format!("Bench import {now}"), now).await?;
    let branch = offices::create_branch(db, office, "Hoofdkantoor").await?;
    let login = format!("bench.import.beheerder.{now}");
    let beheerder = users::create_user(
        db,
        &users::NewUser {
            office_id: office,
            kind: UserKind::Office,
            login_name: &login,
            display_name: "Bench Beheerder",
            email: None,
            mobile: None,
            password_hash: "",
            branch_id: Some(branch),
            is_beheerder: true,
            two_factor_required: false,
        },
        now,
    )
    .await?;
    let bytes = file();

    let started = Instant::now();
    let sheet = csv_import::read(&bytes).map_err(|e| anyhow::anyhow!(e.message()))?;
    let known = {
        let mut conn = db.pool().acquire().await?;
        imports::known(&mut conn, office, beheerder).await?
    };
    let planned = import_plan::plan(&sheet.rows, &known);
    let preview = started.elapsed();
    anyhow::ensure!(planned.len() == ROWS, "rows planned");

    let import_id = imports::save_upload(db, office, beheerder, "", now).await?;
    let started = Instant::now();
    let sheet = csv_import::read(&bytes).map_err(|e| anyhow::anyhow!(e.message()))?;
    let (_, counts) = imports::apply(db, office, import_id, beheerder, now, |known| {
        import_plan::plan(&sheet.rows, known)
    })
    .await?
    .ok_or_else(|| anyhow::anyhow!("the upload was gone"))?;
    let import = started.elapsed();
    anyhow::ensure!(counts.new_users == ROWS, "every row a new user: {counts:?}");
    Ok(ImportRun {
        engine: db.engine(),
        rows: ROWS,
        preview,
        import,
        new_users: counts.new_users,
    })
}
