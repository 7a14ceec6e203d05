//! What a passkey's check costs by itself, without HTTP or a database:
//! webauthn-rs's `finish_passkey_authentication` (the signature check,
//! through OpenSSL) on one soft passkey's answer, in a loop; the JSON the
//! second step reads with it (the ceremony's state and the stored
//! passkey); and OpenSSL's own ECDSA P-256 verification (`openssl speed`).
//! The floor under the passkey row's extra CPU beside the app code's.

use std::{process::Command, time::Instant};

use webauthn_rs::prelude::{Passkey, PasskeyAuthentication};

use crate::prepare::{self, PASSKEY_ORIGIN};

pub struct PasskeyCheck {
    /// webauthn-rs's check of one answer.
    pub check_us: f64,
    /// Reading the ceremony's state and the stored passkey from JSON.
    pub json_us: f64,
    /// `openssl speed ecdsap256`: one verification, nothing around it.
    pub openssl_verify_us: Option<f64>,
}

pub fn cost(rounds: u32) -> anyhow::Result<PasskeyCheck> {
    let (rp, mut key, passkey) =
        prepare::soft_passkey(webauthn_rs::prelude::Uuid::from_bytes([7; 16]))?;
    let origin = url::Url::parse(PASSKEY_ORIGIN)?;
    let (request, state) = rp.start_passkey_authentication(std::slice::from_ref(&passkey))?;
    let answer = key
        .do_authentication(origin, request)
        .map_err(|e| anyhow::anyhow!("soft key: {e:?}"))?;

    // The check reads the state and never changes it: the same answer
    // verifies each round.
    let started = Instant::now();
    for _ in 0..rounds {
        rp.finish_passkey_authentication(&answer, &state)?;
    }
    let check_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);

    let state_json = serde_json::to_string(&state)?;
    let passkey_json = serde_json::to_string(&passkey)?;
    let started = Instant::now();
    for _ in 0..rounds {
        let _: PasskeyAuthentication = serde_json::from_str(&state_json)?;
        let _: Passkey = serde_json::from_str(&passkey_json)?;
    }
    let json_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);

    Ok(PasskeyCheck {
        check_us,
        json_us,
        openssl_verify_us: openssl_verify_us(),
    })
}

/// `openssl speed -seconds 1 ecdsap256`'s verifications per second, as µs.
fn openssl_verify_us() -> Option<f64> {
    let out = Command::new("openssl")
        .args(["speed", "-seconds", "1", "ecdsap256"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // " 256 bits ecdsa (nistp256)   0.0000s   0.0000s  72387.8  24339.0"
    let line = text.lines().find(|l| l.contains("(nistp256)"))?;
    let per_second: f64 = line.split_whitespace().last()?.parse().ok()?;
    Some(1e6 / per_second)
}
