//! A file the user chose, read in the browser through the small script
//! `public/file.js` (which the shell loads on every page): its bytes as
//! base64url for a server function. On the server there is no file.

#[cfg(feature = "hydrate")]
mod js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(js_namespace = tweestapFile)]
    extern "C" {
        #[wasm_bindgen(catch)]
        pub async fn base64(id: &str) -> Result<JsValue, JsValue>;
    }
}

/// Why the file could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotRead {
    /// No file chosen.
    None,
    /// Above the server's limit: not sent at all.
    TooLarge,
    /// The browser could not read it.
    Failed,
}

impl NotRead {
    pub fn message(self) -> &'static str {
        match self {
            NotRead::None => "Bestand: kies eerst een CSV-bestand.",
            NotRead::TooLarge => "Bestand: het bestand is groter dan 5 MB.",
            NotRead::Failed => "Bestand: het bestand kon niet worden gelezen. Kies het opnieuw.",
        }
    }
}

/// The file chosen in the file input with `id`, as base64url.
pub async fn chosen_as_base64(id: &str) -> Result<String, NotRead> {
    #[cfg(feature = "hydrate")]
    {
        match js::base64(id).await {
            Ok(value) => value.as_string().ok_or(NotRead::None),
            Err(err) => {
                let message = js_sys_message(&err);
                Err(if message.contains("TooLarge") {
                    NotRead::TooLarge
                } else {
                    NotRead::Failed
                })
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = id;
        Err(NotRead::Failed)
    }
}

/// The text of a thrown `Error` (its `message`), or of any other value.
#[cfg(feature = "hydrate")]
fn js_sys_message(err: &wasm_bindgen::JsValue) -> String {
    err.as_string().unwrap_or_else(|| format!("{err:?}"))
}
