//! The measuring tools (wrk, the hydration script) run as child processes
//! and end their output with one line `<TAG> {json}`: their result.

use std::process::Command;

use anyhow::{bail, Context};
use serde::de::DeserializeOwned;

/// Runs `cmd` to the end and reads the JSON on its `tag` line; a failed run
/// or a missing line is an error that shows what the tool printed.
pub fn run_for<T: DeserializeOwned>(mut cmd: Command, tag: &str) -> anyhow::Result<T> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd
        .output()
        .with_context(|| format!("running {program} (scripts/setup --bench installs it)"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!("{program} failed ({}):\n{stdout}\n{stderr}", out.status);
    }
    let prefix = format!("{tag} ");
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .with_context(|| format!("{program} printed no {tag} line:\n{stdout}\n{stderr}"))?;
    Ok(serde_json::from_str(line)?)
}
