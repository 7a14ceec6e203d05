//! Back-channel logout's sender: every few seconds, on every instance,
//! the logout tokens that are due (each claimed by one instance in the
//! database) are POSTed to the applications; how each went is recorded
//! by the flow (done, retried later, or given up and logged).

use std::time::Duration;

use app::{core::Core, flows::oidc};

/// How often each instance looks for ended sessions and due tokens.
pub const EVERY: Duration = Duration::from_secs(2);
const SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// One round; returns how many tokens were delivered.
pub async fn run_once(core: &Core, http: &reqwest::Client) -> usize {
    let due = match oidc::due_logouts(core).await {
        Ok(due) => due,
        Err(err) => {
            tracing::warn!("back-channel logout: {err}");
            return 0;
        }
    };
    let mut delivered = 0;
    for sent in due {
        let ok = http
            .post(&sent.delivery.logout_uri)
            .form(&[("logout_token", sent.token.as_str())])
            .timeout(SEND_TIMEOUT)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        delivered += usize::from(ok);
        if let Err(err) = oidc::logout_sent(core, &sent, ok).await {
            tracing::warn!("back-channel logout: {err}");
        }
    }
    delivered
}

pub fn spawn(core: Core) {
    tokio::spawn(async move {
        let http = reqwest::Client::new();
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            run_once(&core, &http).await;
        }
    });
}
