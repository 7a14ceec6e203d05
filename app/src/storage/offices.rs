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

/// 'Niet ingelogd' on 'Kantoor': the days, and whether such accounts are
/// blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DormantRule {
    pub days: i64,
    pub block: bool,
}

pub async fn dormant_rule(db: &Db, office_id: i64) -> StorageResult<DormantRule> {
    let row = Stmt::new("SELECT dormant_days, dormant_block FROM offices WHERE id = $1")
        .bind(office_id)
        .fetch_one(db.pool())
        .await?;
    Ok(DormantRule {
        days: crate::domain::dormant::clamp_days(row.try_get("dormant_days")?),
        block: super::batch::Columns::flag(&row, "dormant_block")?,
    })
}

pub fn set_dormant_rule_stmt(office_id: i64, rule: DormantRule) -> Stmt {
    Stmt::new("UPDATE offices SET dormant_days = $2, dormant_block = $3 WHERE id = $1")
        .bind(office_id)
        .bind(rule.days)
        .bind(rule.block)
}

/// The offices whose dormant accounts are blocked, with their days.
pub async fn blocking_dormant(db: &Db) -> StorageResult<Vec<(i64, i64)>> {
    let rows = Stmt::new("SELECT id, dormant_days FROM offices WHERE dormant_block = $1")
        .bind(true)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            let days = r.try_get("dormant_days")?;
            Ok((r.try_get("id")?, crate::domain::dormant::clamp_days(days)))
        })
        .collect()
}
