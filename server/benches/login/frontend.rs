//! What the browser gets: the bundle's sizes as the server sends them, what
//! the login page fetches to hydrate, and how long headless Chromium takes
//! to hydrate it and to open the wizard.

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
    let page = text(&client, &format!("{base_url}/inloggen")).await?;
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

/// A page or script as text.
async fn text(client: &reqwest::Client, url: &str) -> anyhow::Result<String> {
    Ok(client
        .get(url)
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?)
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

/// One file as Chromium's network log saw it.
#[derive(Debug, Clone, Deserialize)]
pub struct Fetched {
    pub url: String,
    pub encoding: String,
    /// Body bytes on the wire, in `encoding`.
    pub bytes: u64,
}

#[derive(Debug, Deserialize)]
pub struct Browser {
    /// Milliseconds from navigation start, a fresh browser context each.
    pub cold_ms: Vec<f64>,
    /// The same page loaded again in that context (bundle in the cache).
    pub warm_ms: Vec<f64>,
    /// The wasm and js the first cold load fetched before it was hydrated.
    pub fetched: Vec<Fetched>,
    /// From the click on the wizard's menu item to its first usable form.
    pub wizard_ms: Vec<f64>,
}

/// Runs `end2end/bench/frontend.mjs` (Playwright driving Debian's
/// Chromium) against the server.
pub fn in_browser(workspace: &Path, base_url: &str, loads: u32) -> anyhow::Result<Browser> {
    let mut node = Command::new("node");
    node.current_dir(workspace.join("end2end"))
        .arg("bench/frontend.mjs")
        .arg(base_url)
        .arg(loads.to_string());
    crate::child::run_for(node, "FRONTEND")
}

/// Bytes of a set of files: as brotli (what a browser gets over HTTPS) and raw.
#[derive(Debug, Clone, Default)]
pub struct Bundle {
    pub files: usize,
    pub wasm_brotli: u64,
    pub js_brotli: u64,
    pub raw: u64,
}

impl Bundle {
    pub fn brotli(&self) -> u64 {
        self.wasm_brotli + self.js_brotli
    }

    async fn add(&mut self, client: &reqwest::Client, url: &str) -> anyhow::Result<()> {
        let brotli = fetched(client, url, "br").await?;
        if url.ends_with(".wasm") {
            self.wasm_brotli += brotli;
        } else {
            self.js_brotli += brotli;
        }
        self.raw += fetched(client, url, "identity").await?;
        self.files += 1;
        Ok(())
    }
}

/// The files the browser fetched to hydrate the login page, as brotli.
/// Chromium asks for brotli only over HTTPS; the bench serves plain HTTP
/// on loopback, so the log says which files, and they are fetched again
/// here asking for brotli.
pub async fn login_bundle(base_url: &str, fetched: &[Fetched]) -> anyhow::Result<Bundle> {
    let client = reqwest::Client::new();
    let mut bundle = Bundle::default();
    for file in fetched {
        bundle
            .add(&client, &format!("{base_url}{}", file.url))
            .await?;
    }
    Ok(bundle)
}

/// Every wasm file of the app: the main one the page links, and each file
/// the split loader (imported by the main js) can load.
pub async fn whole_app_wasm(base_url: &str) -> anyhow::Result<Bundle> {
    let client = reqwest::Client::new();
    let page = text(&client, &format!("{base_url}/inloggen")).await?;
    let main_wasm = linked(&page, "wasm").context("the page links no .wasm")?;
    let main_js = linked(&page, "js").context("the page links no .js")?;
    let mut bundle = Bundle::default();
    bundle
        .add(&client, &format!("{base_url}{main_wasm}"))
        .await?;
    let js = text(&client, &format!("{base_url}{main_js}")).await?;
    let Some(loader) = quoted_names(&js, ".js")
        .into_iter()
        .find(|n| n.contains("__wasm_split"))
    else {
        return Ok(bundle);
    };
    let loader_js = text(&client, &format!("{base_url}/pkg/{loader}")).await?;
    for name in quoted_names(&loader_js, ".wasm") {
        bundle
            .add(&client, &format!("{base_url}/pkg/{name}"))
            .await?;
    }
    Ok(bundle)
}

/// File names ending in `ext` in a js text, each once, without a leading `./`.
fn quoted_names(js: &str, ext: &str) -> Vec<String> {
    let mut names: Vec<String> = js
        .split(['"', '\'', '`'])
        .map(|s| s.trim_start_matches("./"))
        .filter(|s| s.ends_with(ext) && !s.contains(['/', ' ']))
        .map(str::to_string)
        .collect();
    names.sort();
    names.dedup();
    names
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
