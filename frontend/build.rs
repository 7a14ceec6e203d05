//! The wasm keeps one data segment per constant. wasm-ld merges them by
//! default, and the splitter (`--split`) moves a segment into the lazy
//! group that alone uses it, but cannot take one apart. Which constants
//! end up merged shifts with any change to the text, so the login page's
//! wasm carried the other pages' data or not by chance: 58 KB of data in
//! one build, 130 KB in the next, with the same code to the byte.
//! Unmerged, the main file holds only its own code's data (80 KB: each
//! constant pays a segment header and strings are no longer tail-merged).

fn main() {
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch.starts_with("wasm"));
    if wasm {
        println!("cargo:rustc-link-arg-cdylib=--no-merge-data-segments");
    }
}
