//! The office's dormant rule ('Kantoor' → 'Niet ingelogd', with
//! 'Automatisch blokkeren'): a mail a week before, then the block through
//! the door. Run by every instance's scheduled task; each warning and each
//! block is claimed in the database (`storage::lifecycle`), so one
//! instance does it once. The rule itself is `domain::dormant`.

use crate::{
    core::Core,
    domain::{
        deadline,
        dormant::{self, Due, WARNING_DAYS},
    },
    error::AppError,
    factors::{ChangedBy, LoginChange, LoginChanges},
    mail::{self, MailMessage},
    model::AuditAction,
    storage::{
        audit::{self, AuditEntry},
        batch::Batch,
        lifecycle, offices, users,
    },
};

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Done {
    pub warned: usize,
    pub blocked: usize,
}

/// Warns and blocks what is due now, in every office with the rule on.
pub async fn run_due(core: &Core) -> Result<Done, AppError> {
    let now = core.now();
    let mut done = Done::default();
    for (office_id, days) in offices::blocking_dormant(&core.db).await? {
        // Quiet long enough to be warned, at least.
        let warn_from = dormant::dormant_before(days - WARNING_DAYS, now);
        for user_id in lifecycle::dormant_candidates(&core.db, office_id, warn_from).await? {
            let (Some(user), Some(quiet)) = (
                users::find(&core.db, user_id).await?,
                users::quiet(&core.db, user_id).await?,
            ) else {
                continue;
            };
            match dormant::due(&quiet, days, now) {
                Due::Nothing => {}
                Due::Warn => {
                    // The office's last beheerder is never blocked: no warning.
                    let last = user.is_beheerder
                        && lifecycle::other_beheerders(&core.db, office_id, user.id).await? == 0;
                    if last
                        || !lifecycle::claim_warning(&core.db, user.id, quiet.since(), now).await?
                    {
                        continue;
                    }
                    let on = deadline::in_days(now, WARNING_DAYS).dutch();
                    if let Some(to) = user.email.clone() {
                        mail::send_later(
                            &core.mail,
                            user.login_name.clone(),
                            MailMessage {
                                to,
                                subject: mail::dormant_warning_subject(&user.login_name),
                                body: mail::dormant_warning_body(
                                    &user.login_name,
                                    &user.office_name,
                                    days,
                                    &on,
                                ),
                            },
                        );
                    }
                    audit::record(
                        &core.db,
                        AuditEntry {
                            office_id: Some(user.office_id),
                            subject: Some(&user.login_name),
                            new_value: Some(&on),
                            ..AuditEntry::new(AuditAction::DormantWarned)
                        },
                        now,
                    )
                    .await?;
                    done.warned += 1;
                }
                Due::Block => {
                    // Not the last beheerder, and once: the statement's own
                    // conditions (`blocked_at IS NULL`).
                    let mut batch = Batch::new();
                    batch.must_change(
                        lifecycle::block_stmt(user.id, user.office_id, true, now),
                        (),
                    );
                    let change = LoginChanges::new(
                        core,
                        ChangedBy::OfficeRule,
                        user.clone(),
                        vec![LoginChange::Blocked {
                            dormant_days: Some(days),
                        }],
                    )?;
                    change.add_to(&mut batch, now);
                    if core.db.write_batch_serialised(batch).await?.is_ok() {
                        change.announce(core).await;
                        done.blocked += 1;
                    }
                }
            }
        }
    }
    Ok(done)
}
