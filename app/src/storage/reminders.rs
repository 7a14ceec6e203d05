//! Reminders of 'Verplicht vanaf': who might get one, and the claim that
//! makes each go out once (`deadline_reminders`).

use sqlx::Row;

use super::{batch::Stmt, Db, StorageResult};
use crate::domain::clock::UnixTime;

/// Users with an e-mail address under a 'Ja' whose date lies in
/// `(after, until]` (ISO dates compare as text): their client's, or for
/// office users their own switch's. Whether they have set anything up is
/// for the caller to judge, with the rest of their standing.
pub async fn candidates(db: &Db, after: &str, until: &str) -> StorageResult<Vec<i64>> {
    let rows = Stmt::new(
        "SELECT DISTINCT u.id FROM users u \
         JOIN client_users cu ON cu.user_id = u.id \
         JOIN clients c ON c.id = cu.client_id \
         WHERE c.two_factor_policy = 'ja' AND c.two_factor_from > $1 AND c.two_factor_from <= $2 \
           AND u.email IS NOT NULL \
         UNION \
         SELECT u.id FROM users u \
         WHERE u.kind = 'kantoor' AND u.two_factor_required = $3 \
           AND u.two_factor_required_from > $1 AND u.two_factor_required_from <= $2 \
           AND u.email IS NOT NULL",
    )
    .bind(after)
    .bind(until)
    .bind(true)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
}

/// Claims the reminder `days_before` of `deadline` for the user: true for
/// the one caller, of any instance, that may send it.
pub async fn claim(
    db: &Db,
    user_id: i64,
    deadline: &str,
    days_before: i64,
    now: UnixTime,
) -> StorageResult<bool> {
    let claimed = db
        .execute(
            Stmt::new(
                "INSERT INTO deadline_reminders (user_id, deadline, days_before, sent_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(user_id)
            .bind(deadline)
            .bind(days_before)
            .bind(now),
        )
        .await?;
    Ok(claimed == 1)
}
