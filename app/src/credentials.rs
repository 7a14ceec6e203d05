//! Passkeys in the browser: `navigator.credentials` through the small
//! script `public/passkey.js`, which the shell loads on every page. JSON
//! goes in (the options the server's webauthn-rs made) and JSON comes out
//! (the browser's answer, for the server to check); nothing here judges
//! anything. On the server these only say that no passkey can be used.

/// Why the browser gave no passkey, in Dutch; `None`: the user or the page
/// ended the request (a closed dialog, an autofill request given up), and
/// nothing needs saying.
fn message(name: &str) -> Option<String> {
    Some(match name {
        "AbortError" => return None,
        "NotAllowedError" => {
            "Er is geen passkey gebruikt: de vraag is geannuleerd of verlopen. Probeer het opnieuw."
        }
        "InvalidStateError" => "Dit apparaat heeft al een passkey voor je account.",
        "SecurityError" => "Passkeys werken alleen op het eigen adres van de portal.",
        "NotSupportedError" => "Deze browser of dit apparaat ondersteunt geen passkeys.",
        _ => "Je passkey kon niet worden gebruikt. Probeer het opnieuw.",
    }
    .to_string())
}

#[cfg(feature = "hydrate")]
mod js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(js_namespace = tweestapPasskey)]
    extern "C" {
        #[wasm_bindgen(catch)]
        pub fn supported() -> Result<bool, JsValue>;
        #[wasm_bindgen(catch, js_name = conditionalAvailable)]
        pub async fn conditional_available() -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch)]
        pub async fn create(options: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch)]
        pub async fn get(options: &str, conditional: bool) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = deviceName)]
        pub fn device_name() -> Result<String, JsValue>;
    }
}

/// The browser can make and use passkeys here.
pub fn supported() -> bool {
    #[cfg(feature = "hydrate")]
    {
        js::supported().unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}

/// The browser offers passkeys in the login name field's autofill.
pub async fn conditional_available() -> bool {
    #[cfg(feature = "hydrate")]
    {
        js::conditional_available()
            .await
            .is_ok_and(|v| v.as_bool() == Some(true))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}

/// 'Chrome op Windows': the default name for a passkey made here.
pub fn device_name() -> String {
    #[cfg(feature = "hydrate")]
    {
        js::device_name().unwrap_or_else(|_| "Dit apparaat".into())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}

#[cfg(feature = "hydrate")]
fn outcome(
    result: Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>,
) -> Result<String, Option<String>> {
    match result {
        Ok(json) => json.as_string().ok_or_else(|| message("")),
        Err(name) => Err(message(&name.as_string().unwrap_or_default())),
    }
}

/// Makes a passkey with `options` (a registration's); the browser's
/// answer as JSON, or why there is none.
pub async fn create(options: &str) -> Result<String, Option<String>> {
    #[cfg(feature = "hydrate")]
    {
        outcome(js::create(options).await)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = options;
        Err(message("NotSupportedError"))
    }
}

/// Asks for a passkey with `options` (an assertion's); `conditional`:
/// offered in autofill, waiting until the user picks one.
pub async fn get(options: &str, conditional: bool) -> Result<String, Option<String>> {
    #[cfg(feature = "hydrate")]
    {
        outcome(js::get(options, conditional).await)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (options, conditional);
        Err(message("NotSupportedError"))
    }
}

#[cfg(test)]
mod tests {
    use super::message;

    #[test]
    fn a_dialog_closed_needs_no_message_and_the_rest_say_what_to_do() {
        assert_eq!(message("AbortError"), None);
        for name in [
            "NotAllowedError",
            "InvalidStateError",
            "SecurityError",
            "Weird",
        ] {
            assert!(message(name).is_some_and(|m| m.ends_with('.')), "{name}");
        }
    }
}
