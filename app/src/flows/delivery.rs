//! Delivery reports from the SMS providers (the adapters in `server::sms`
//! check who sent them): the SMS moves on, the Logboek hears how it ended.

use crate::{
    core::Core,
    domain::delivery::{self, Applied, Report},
    error::AppError,
    metrics,
    model::{mask_phone, AuditAction},
    sms::provider_label,
    storage::{
        audit::{self, AuditEntry},
        sms_messages, users,
    },
};

/// A report that changed nothing the first time is read again this often
/// (our own "accepted" may have moved the SMS in between).
const ROUNDS: usize = 3;

/// Applies `report` to our SMS of that reference, when it is a step
/// forward for an SMS the reporting provider has, sent within the
/// report window. Of two copies at once (a retry, two instances) one counts.
pub async fn apply(core: &Core, report: &Report) -> Result<Applied, AppError> {
    for _ in 0..ROUNDS {
        let Some(sms) = sms_messages::by_reference(&core.db, &report.reference).await? else {
            return Ok(Applied::Unknown);
        };
        // After a failover only the provider that has it may speak of it.
        if sms.provider != report.provider {
            return Ok(Applied::Unknown);
        }
        let now = core.now();
        if delivery::stale(sms.created_at, now) {
            return Ok(Applied::Stale);
        }
        if !sms.status.may_become(report.status) {
            return Ok(Applied::NotForward);
        }
        if !sms_messages::advance(
            &core.db,
            &sms.reference,
            sms.status,
            report.status,
            report.reason,
            now,
        )
        .await?
        {
            continue;
        }
        metrics::sms_delivery(report.provider, report.status.as_str());
        if report.status.is_final() {
            let login = users::find(&core.db, sms.user_id)
                .await?
                .map(|u| u.login_name);
            let mut shown = format!(
                "{} via {}",
                mask_phone(&sms.phone),
                provider_label(report.provider)
            );
            if let Some(reason) = report.reason.filter(|_| report.status.did_not_arrive()) {
                shown.push_str(&format!(": {}", reason.dutch()));
            }
            let action = if report.status.did_not_arrive() {
                AuditAction::SmsUndelivered
            } else {
                AuditAction::SmsDelivered
            };
            audit::record(
                &core.db,
                AuditEntry {
                    office_id: Some(sms.office_id),
                    actor_user_id: Some(sms.user_id),
                    subject: login.as_deref(),
                    new_value: Some(&shown),
                    ..AuditEntry::new(action)
                },
                now,
            )
            .await?;
        }
        return Ok(Applied::Changed);
    }
    Ok(Applied::NotForward)
}
