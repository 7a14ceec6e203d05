//! What the browser gets: the bundle's sizes as the server sends them, and
//! how long headless Chromium takes to hydrate the login page.

use std::{path::Path, process::Command};

use anyhow::{bail, Context};
use serde::Deserialize;

/// One file of the bundle, in bytes on the wire.
#[derive(Debug, Clone)]
pub struct Asset {
    pub kind: &'static str,
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
}

/// The wasm, js and css the login page links to, each fetched three times:
/// without compression, and asking for gzip and for brotli only.
pub async fn sizes(base_url: &str) -> anyhow::Result<Vec<Asset>> {
    let client = reqwest::Client::new();
    let page = client
        .get(format!("{base_url}/inloggen"))
        .send()
        .await?
        .text()
        .await?;
    let mut assets = Vec::new();
    for kind in ["wasm", "js", "css"] {
        let path = linked(&page, kind).with_context(|| format!("the page links no .{kind}"))?;
        let url = format!("{base_url}{path}");
        assets.push(Asset {
            kind,
            raw: fetched(&client, &url, "identity").await?,
            gzip: fetched(&client, &url, "gzip").await?,
            brotli: fetched(&client, &url, "br").await?,
        });
    }
    Ok(assets)
}

/// The first `/pkg/….{ext}` in the page.
fn linked(page: &str, ext: &str) -> Option<String> {
    page.split('"')
        .find(|s| s.starts_with("/pkg/") && s.ends_with(&format!(".{ext}")))
        .map(str::to_string)
}

async fn fetched(client: &reqwest::Client, url: &str, encoding: &str) -> anyhow::Result<u64> {
    let response = client
        .get(url)
        .header("accept-encoding", encoding)
        .send()
        .await?
        .error_for_status()?;
    let served = response
        .headers()
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .to_string();
    if served != encoding {
        bail!("{url}: asked for {encoding}, got {served}");
    }
    // The client has no decompression: these are the bytes on the wire.
    Ok(response.bytes().await?.len() as u64)
}

#[derive(Debug, Deserialize)]
pub struct Hydration {
    /// Milliseconds from navigation start, a fresh browser context each.
    pub cold_ms: Vec<f64>,
    /// The same page loaded again in that context (bundle in the cache).
    pub warm_ms: Vec<f64>,
}

/// Runs `end2end/bench/hydration.mjs` (Playwright driving Debian's
/// Chromium) against the login page.
pub fn hydration(workspace: &Path, base_url: &str, loads: u32) -> anyhow::Result<Hydration> {
    let mut node = Command::new("node");
    node.current_dir(workspace.join("end2end"))
        .arg("bench/hydration.mjs")
        .arg(format!("{base_url}/inloggen"))
        .arg(loads.to_string());
    crate::child::run_for(node, "HYDRATION")
}

pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}
