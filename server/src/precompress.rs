//! Brotli (quality 11) and gzip (level 9) copies of the bundle, written
//! beside each file after a release build (`server precompress`). The
//! server then sends the smallest form as it is; compressing per request
//! uses a fast level that leaves the wasm about a quarter larger.

use std::{
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
};

use flate2::{write::GzEncoder, Compression};

const EXTENSIONS: [&str; 3] = ["wasm", "js", "css"];

pub struct Compressed {
    pub file: PathBuf,
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
}

/// Compresses every wasm, js and css file in `dir` whose copies are missing
/// or older than the file (names without a hash keep their name across
/// builds, so a stale copy must never be served).
pub fn pkg_dir(dir: &Path) -> io::Result<Vec<Compressed>> {
    let mut done = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let wanted = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e));
        if !wanted {
            continue;
        }
        let raw = fs::read(&path)?;
        let modified = fs::metadata(&path)?.modified()?;
        let copy = |suffix: &str, compress: &dyn Fn(&[u8]) -> io::Result<Vec<u8>>| {
            let target = with_suffix(&path, suffix);
            let fresh = fs::metadata(&target)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= modified);
            if !fresh {
                // Written aside and renamed, so a running server never
                // sends half a file.
                let partial = with_suffix(&path, &format!("{suffix}.partial"));
                fs::write(&partial, compress(&raw)?)?;
                fs::rename(&partial, &target)?;
            }
            Ok::<u64, io::Error>(fs::metadata(&target)?.len())
        };
        done.push(Compressed {
            raw: raw.len() as u64,
            gzip: copy("gz", &gzip)?,
            brotli: copy("br", &brotli)?,
            file: path,
        });
    }
    Ok(done)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

fn gzip(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(data)?;
    encoder.finish()
}

fn brotli(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        // Quality 11, window 2^22: the smallest output browsers accept.
        let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        writer.write_all(data)?;
        writer.flush()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_decompress_to_the_file_and_follow_a_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        let js = dir.path().join("app.js");
        fs::write(&js, "console.log('eerste');".repeat(200)).unwrap();
        fs::write(dir.path().join("notes.txt"), "blijft zoals het is").unwrap();

        let done = pkg_dir(dir.path()).unwrap();
        assert_eq!(done.len(), 1, "only wasm, js and css are compressed");
        assert!(done[0].brotli < done[0].raw && done[0].gzip < done[0].raw);
        assert!(!dir.path().join("notes.txt.br").exists());

        let unbrotli = |p: &Path| {
            let mut out = Vec::new();
            brotli::BrotliDecompress(&mut fs::File::open(p).unwrap(), &mut out).unwrap();
            out
        };
        assert_eq!(unbrotli(&with_suffix(&js, "br")), fs::read(&js).unwrap());
        let mut gunzipped = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(fs::File::open(with_suffix(&js, "gz")).unwrap()),
            &mut gunzipped,
        )
        .unwrap();
        assert_eq!(gunzipped.as_bytes(), fs::read(&js).unwrap());

        // A rebuild under the same name: the copies are made again.
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(&js, "console.log('tweede');".repeat(200)).unwrap();
        pkg_dir(dir.path()).unwrap();
        assert_eq!(unbrotli(&with_suffix(&js, "br")), fs::read(&js).unwrap());
    }
}
