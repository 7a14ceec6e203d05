//! 'Stuur herstellink' answered for known and unknown accounts, and what
//! the password rules cost per check.
//!
//! The answer must not tell whether an account exists: the same work
//! happens before it for every input, and the lookup and the mail after
//! it. Known and unknown requests alternate, so both meet the same load;
//! each client sends from an address of its own on loopback (127.0.0.x),
//! so the per-address limit of the form (30 a quarter hour) is not what
//! is measured.

use std::{
    net::{IpAddr, Ipv4Addr},
    time::{Duration, Instant},
};

use app::domain::password_rules::{self, Blocklist, Context};

/// Requests of each kind.
pub const REQUESTS: usize = 100;
/// Requests per source address: below the form's limit per address.
const PER_ADDRESS: usize = 20;

#[derive(Debug, Clone, Default)]
pub struct ResetRun {
    pub known: Vec<Duration>,
    pub unknown: Vec<Duration>,
}

/// The login names of the prepared accounts (`login_name=…&password=…`).
pub fn known_names(logins: &str) -> Vec<String> {
    logins
        .lines()
        .filter_map(|l| l.strip_prefix("login_name="))
        .filter_map(|l| l.split('&').next())
        .map(str::to_string)
        .collect()
}

/// Alternating known and unknown names, one request at a time.
pub async fn answers(base_url: &str, known: &[String]) -> anyhow::Result<ResetRun> {
    anyhow::ensure!(!known.is_empty(), "no prepared accounts");
    let url = format!("{base_url}/api/ask_password_reset");
    let mut run = ResetRun::default();
    let mut client = None;
    for i in 0..2 * REQUESTS {
        if i % PER_ADDRESS == 0 {
            let octet = 2 + (i / PER_ADDRESS) as u8;
            client = Some(
                reqwest::Client::builder()
                    .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, octet)))
                    .build()?,
            );
        }
        let client = client.as_ref().expect("made above");
        let is_known = i % 2 == 0;
        let account = if is_known {
            known[(i / 2) % known.len()].clone()
        } else {
            format!("niemand-{i}")
        };
        let started = Instant::now();
        let response = client
            .post(&url)
            .header("accept", "application/json")
            .form(&[("account", account.as_str())])
            .send()
            .await?;
        let status = response.status();
        response.bytes().await?;
        let took = started.elapsed();
        anyhow::ensure!(status.is_success(), "'Stuur herstellink' answered {status}");
        if is_known {
            run.known.push(took);
        } else {
            run.unknown.push(took);
        }
    }
    Ok(run)
}

/// The `q`-quantile of `samples` (0.5: the median).
pub fn quantile(samples: &[Duration], q: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let at = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted.get(at).copied().unwrap_or_default()
}

/// Microseconds per check of the password rules (the shipped list read
/// once before), over passwords that pass and that each rule refuses.
pub fn rules_cost(checks: usize) -> f64 {
    let list = Blocklist::shipped();
    let clients = vec!["Hoveniersbedrijf Groen".to_string()];
    let context = Context {
        login_name: "hovenier",
        email: Some("h.devries@voorbeeld.example"),
        display_name: "Henk de Vries",
        office_name: "Administratiekantoor Voorbeeld",
        client_names: &clients,
    };
    let candidates = [
        "de blauwe reiger vliegt laag",
        "password1234",
        "ik-ben-hovenier-2027",
        "kort",
        "ﬃ ligaturen tellen na NFKC",
    ];
    let started = Instant::now();
    let mut passed = 0;
    for i in 0..checks {
        let typed = candidates[i % candidates.len()];
        if password_rules::check(typed, typed, &context, list).is_ok() {
            passed += 1;
        }
    }
    assert!(passed > 0);
    started.elapsed().as_secs_f64() * 1e6 / checks as f64
}
