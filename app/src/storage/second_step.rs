//! What a second factor is judged against, in one query: the session, its
//! user, the bound app, the code counter and the newest SMS code sent for
//! the session's purpose (the login's second step, or a step-up), and for
//! a passkey's answer what judging it needs (`passkeys::Facts`). The
//! writes that store the outcome are a `Batch` built by `factors` from the
//! statements of each table's module.

use super::{
    authenticators::{Bound, Sealed},
    batch::{Columns, Stmt},
    codes::{code_record, CodeRecord},
    passkeys::{self, Facts, Lookup},
    sessions::{session_record, SessionRecord},
    throttle,
    users::{user_record, UserRecord},
    Db, StorageResult,
};
use crate::domain::lockout::Throttle;
use std::sync::LazyLock;

/// Everything the second step judges a code against, as one read saw it.
/// The batch that stores the outcome re-checks what a parallel request
/// could have changed (counter, used step, used code, the session itself).
#[derive(Debug, Clone)]
pub struct StepState {
    pub session: SessionRecord,
    pub user: UserRecord,
    pub app: Option<Bound>,
    pub throttle: Throttle,
    pub sms: Option<CodeRecord>,
    /// Read for a passkey's answer only.
    pub passkey: Option<Facts>,
}

// Column names: the session's and the user's under their own names (for
// `session_record` and `user_record`), the code's prefixed.
const COLUMNS: &str = "s.id_hash, s.user_id, s.stage, s.active_client_id, s.pending_mobile, \
        s.created_at, s.logged_in_at, s.last_seen_at, s.stepped_up_at, s.notice, s.login_method, s.sid, \
        u.id, u.office_id, o.name AS office_name, u.kind, u.login_name, u.display_name, \
        u.email, u.mobile, b.name AS branch, u.is_beheerder, u.two_factor_required, \
        u.two_factor_chosen, u.mobile_confirmed, u.two_factor_required_from, \
        u.two_factor_required_since, u.invitation_pending, u.pending_email, u.blocked_at, \
        a.key_id, a.secret_sealed, a.bound_at, a.last_step, \
        t.failed_count, t.lockout_level, t.locked_until, \
        c.id AS code_id, c.phone AS code_phone, c.code_hash AS code_hash, \
        c.created_at AS code_created_at, c.expires_at AS code_expires_at, \
        c.attempts AS code_attempts, c.used_at AS code_used_at";

const FROM: &str = "sessions s \
     JOIN users u ON u.id = s.user_id \
     JOIN offices o ON o.id = u.office_id \
     LEFT JOIN branches b ON b.id = u.branch_id \
     LEFT JOIN authenticators a ON a.user_id = u.id \
     LEFT JOIN code_throttle t ON t.user_id = u.id \
     LEFT JOIN sms_codes c ON c.id = ( \
         SELECT MAX(id) FROM sms_codes WHERE session_hash = $3 AND send_failed = $2)";

static READ: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {COLUMNS} FROM {FROM} WHERE s.id_hash = $1"));

// A passkey's facts join onto the same row: what judging it needs costs
// no read of its own.
static READ_WITH_PASSKEY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS}, {} FROM {FROM} {} WHERE s.id_hash = $1",
        passkeys::FACT_COLUMNS,
        passkeys::fact_joins(4)
    )
});

/// The read of the session `id_hash`, with the newest SMS code that
/// reached the gateway under `code_key` (the purpose's key, see
/// `factors::CodeContext`).
/// With `passkey`, also what judging that answer needs.
pub fn read_stmt(id_hash: &str, code_key: &str, passkey: Option<&Lookup<'_>>) -> Stmt {
    let sql = match passkey {
        None => READ.as_str(),
        Some(_) => READ_WITH_PASSKEY.as_str(),
    };
    let stmt = Stmt::new(sql).bind(id_hash).bind(false).bind(code_key);
    match passkey {
        None => stmt,
        Some(lookup) => passkeys::bind_lookup(stmt, lookup),
    }
}

/// The session `id_hash`, whatever its stage (the caller checks it);
/// `None` when there is no such session.
pub async fn read(
    db: &Db,
    id_hash: &str,
    code_key: &str,
    passkey: Option<&Lookup<'_>>,
) -> StorageResult<Option<StepState>> {
    let map = match passkey {
        None => step_state,
        Some(_) => step_state_with_passkey,
    };
    db.read_row(read_stmt(id_hash, code_key, passkey), map)
        .await
}

fn step_state_with_passkey(r: &dyn Columns) -> StorageResult<StepState> {
    Ok(StepState {
        passkey: Some(passkeys::facts_from_row(r)?),
        ..step_state(r)?
    })
}

fn step_state(r: &dyn Columns) -> StorageResult<StepState> {
    let app = match r.opt_text("key_id")? {
        None => None,
        Some(key_id) => Some(Bound {
            sealed: Sealed {
                key_id,
                secret_sealed: r.text("secret_sealed")?,
            },
            bound_at: r.int("bound_at")?,
            last_step: r.int("last_step")?,
        }),
    };
    let sms = match r.opt_int("code_id")? {
        None => None,
        Some(_) => Some(code_record(r)?),
    };
    Ok(StepState {
        session: session_record(r)?,
        user: user_record(r)?,
        app,
        throttle: throttle::codes_from_row(r)?,
        sms,
        passkey: None,
    })
}
