//! Offices ('kantoren') and their branches ('vestigingen').

use sqlx::Row;

use super::{batch::Stmt, Db, StorageResult};
use crate::{domain::clock::UnixTime, model::BranchRef};

pub async fn create_office(db: &Db, name: &str, now: UnixTime) -> StorageResult<i64> {
    let row = Stmt::new("INSERT INTO offices (name, created_at) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(now)
        .fetch_one(db.writer())
        .await?;
    Ok(row.try_get("id")?)
}

pub async fn create_branch(db: &Db, office_id: i64, name: &str) -> StorageResult<i64> {
    let row = Stmt::new("INSERT INTO branches (office_id, name) VALUES ($1, $2) RETURNING id")
        .bind(office_id)
        .bind(name)
        .fetch_one(db.writer())
        .await?;
    Ok(row.try_get("id")?)
}

/// The office's branches, by name.
pub async fn branches(db: &Db, office_id: i64) -> StorageResult<Vec<BranchRef>> {
    let rows = Stmt::new("SELECT id, name FROM branches WHERE office_id = $1 ORDER BY name, id")
        .bind(office_id)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(BranchRef {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
            })
        })
        .collect()
}

/// The demo seed only ever goes into an installation without offices.
pub async fn office_count(db: &Db) -> StorageResult<i64> {
    let row = Stmt::new("SELECT COUNT(*) AS n FROM offices")
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get("n")?)
}
