//! Passkeys (WebAuthn) with webauthn-rs: beginning a ceremony (its state
//! kept in the database, so any instance finishes what another began),
//! finishing a registration, and judging an assertion for `proof`. A
//! ceremony works once and for five minutes; the signature counter and the
//! backup flags are checked and stored with each use.

use std::sync::Arc;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::Value;
use webauthn_rs::prelude::{
    CredentialID, DiscoverableAuthentication, DiscoverableKey, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Uuid, Webauthn,
    WebauthnError,
};

use crate::{
    core::{internal, Core},
    domain::{clock::UnixTime, factors::CEREMONY_SECONDS, token::random_bytes},
    error::AppError,
    model::PasskeyChallenge,
    storage::{
        passkeys::{self as stored, Ceremony, Facts, Lookup, OfficePasskeys, Purpose},
        users::UserRecord,
        StorageResult,
    },
};

const UNAVAILABLE: &str = "Passkeys zijn voor je kantoor niet beschikbaar.";
const LAPSED: &str = "Deze passkey-aanvraag is verlopen of al gebruikt. Probeer het opnieuw.";
const UNREADABLE: &str =
    "Het antwoord van je passkey kon niet worden gelezen. Probeer het opnieuw.";

/// The relying party for the portal at `public_url`: its host name is the
/// id passkeys are bound to, its origin the only one accepted. `None` for
/// an address by IP, which WebAuthn cannot bind to.
pub fn relying_party_for(public_url: &str) -> Option<Webauthn> {
    let url = webauthn_rs::prelude::Url::parse(public_url).ok()?;
    let origin = webauthn_rs::prelude::Url::parse(&url.origin().ascii_serialization()).ok()?;
    let rp_id = origin.domain()?.to_string();
    webauthn_rs::WebauthnBuilder::new(&rp_id, &origin)
        .ok()?
        .rp_name("Tweestap")
        .timeout(std::time::Duration::from_secs(CEREMONY_SECONDS as u64))
        .build()
        .ok()
}

/// The relying party, where passkeys are allowed for `office_id`.
pub async fn relying_party(core: &Core, office_id: i64) -> Result<Arc<Webauthn>, AppError> {
    allowing(core, office_settings(core, office_id).await?)
}

/// The relying party, where the office's switches allow passkeys: none
/// where the portal's address carries no passkeys, whatever is stored
/// (the rule [`switches`] applies for what is shown and counted).
fn allowing(core: &Core, office: OfficePasskeys) -> Result<Arc<Webauthn>, AppError> {
    match &core.passkeys {
        Some(rp) if office.allowed => Ok(rp.clone()),
        _ => Err(AppError::invalid(UNAVAILABLE)),
    }
}

/// The office's switches; both off where the portal's address carries no
/// passkeys. What `standing` counts as a factor and every ceremony begins
/// from.
pub async fn office_settings(core: &Core, office_id: i64) -> StorageResult<OfficePasskeys> {
    Ok(switches(
        core,
        stored::office_settings(&core.db, office_id).await?,
    ))
}

/// The office's stored switches as they hold on this portal.
pub fn switches(core: &Core, stored: OfficePasskeys) -> OfficePasskeys {
    match core.passkeys {
        Some(_) => stored,
        None => OfficePasskeys {
            allowed: false,
            passwordless: false,
        },
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(internal)
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, AppError> {
    serde_json::from_str(text).map_err(|_| AppError::invalid(UNREADABLE))
}

/// webauthn-rs's `Passkey` as the database keeps it (`passkeys.passkey`).
fn stored_passkey(text: &str) -> Result<Passkey, AppError> {
    serde_json::from_str(text).map_err(internal)
}

/// How a credential id is stored and looked up.
pub fn credential_key(id: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(id)
}

async fn begin(
    core: &Core,
    purpose: Purpose,
    session_hash: &str,
    state: &impl serde::Serialize,
    options: &impl serde::Serialize,
) -> Result<PasskeyChallenge, AppError> {
    let ceremony = URL_SAFE_NO_PAD.encode(random_bytes::<18>());
    stored::begin(
        &core.db,
        &ceremony,
        purpose,
        session_hash,
        &json(state)?,
        core.now(),
    )
    .await?;
    Ok(PasskeyChallenge {
        ceremony,
        options: json(options)?,
    })
}

/// The ceremony `id` begun for `purpose` in `session_hash`, still fresh;
/// otherwise the answer says it lapsed (no try counted: nothing was
/// guessed).
pub async fn fresh_ceremony(
    core: &Core,
    id: &str,
    purpose: Purpose,
    session_hash: &str,
    now: UnixTime,
) -> Result<Ceremony, AppError> {
    fresh(
        stored::ceremony(&core.db, id, purpose, session_hash).await?,
        now,
    )
}

/// A ceremony as read, if it is still fresh.
fn fresh(found: Option<Ceremony>, now: UnixTime) -> Result<Ceremony, AppError> {
    match found {
        Some(c) if now - c.created_at <= CEREMONY_SECONDS => Ok(c),
        _ => Err(AppError::invalid(LAPSED)),
    }
}

// ---------------------------------------------------------------- registration

/// The user's passkey handle, made with their first passkey.
async fn handle(core: &Core, user: &UserRecord) -> Result<Uuid, AppError> {
    if stored::handle_of(&core.db, user.id).await?.is_none() {
        let fresh = Uuid::from_bytes(random_bytes::<16>());
        stored::set_handle_once(&core.db, user.id, &fresh.to_string()).await?;
    }
    // A parallel first registration may have set another: read it back.
    let text = stored::handle_of(&core.db, user.id)
        .await?
        .ok_or_else(|| internal("a passkey handle just set is not there"))?;
    Uuid::parse_str(&text).map_err(internal)
}

/// Begins making a passkey for `user` in `session_hash`. It is asked for
/// as a discoverable credential with user verification, so that it can
/// also log in without the password; the user's passkeys are excluded, so
/// one authenticator holds one passkey per account.
pub async fn begin_registration(
    core: &Core,
    user: &UserRecord,
    session_hash: &str,
) -> Result<PasskeyChallenge, AppError> {
    let rp = relying_party(core, user.office_id).await?;
    let handle = handle(core, user).await?;
    let exclude = stored::of_user(&core.db, user.id)
        .await?
        .iter()
        .map(|row| stored_passkey(&row.passkey).map(|p| p.cred_id().clone()))
        .collect::<Result<Vec<CredentialID>, _>>()?;
    let (options, state): (_, PasskeyRegistration) = rp
        .start_passkey_registration(handle, &user.login_name, &user.display_name, Some(exclude))
        .map_err(internal)?;
    // webauthn-rs asks for a server-side credential; the passwordless login
    // needs one the authenticator can find by itself. Nothing it checks at
    // the finish depends on this.
    let mut options = serde_json::to_value(&options).map_err(internal)?;
    if let Some(Value::Object(selection)) = options.pointer_mut("/publicKey/authenticatorSelection")
    {
        selection.insert("residentKey".into(), Value::from("required"));
        selection.insert("requireResidentKey".into(), Value::from(true));
    }
    begin(core, Purpose::Register, session_hash, &state, &options).await
}

/// A passkey the browser made, checked against its ceremony.
#[derive(Debug, Clone)]
pub struct Registered {
    pub ceremony: String,
    pub credential_id: String,
    pub passkey: String,
    pub counter: i64,
    pub backup_eligible: bool,
    pub backup_state: bool,
}

/// Checks the browser's answer to the registration `ceremony` of
/// `session_hash`. The caller stores it, using the ceremony up in the
/// same transaction.
pub async fn finish_registration(
    core: &Core,
    user: &UserRecord,
    session_hash: &str,
    ceremony: &str,
    response: &str,
) -> Result<Registered, AppError> {
    let rp = relying_party(core, user.office_id).await?;
    let begun = fresh_ceremony(core, ceremony, Purpose::Register, session_hash, core.now()).await?;
    let state: PasskeyRegistration = serde_json::from_str(&begun.state).map_err(internal)?;
    let answer: RegisterPublicKeyCredential = parse(response)?;
    let passkey = rp
        .finish_passkey_registration(&answer, &state)
        .map_err(|err| {
            tracing::info!(user = %user.login_name, "passkey not registered: {err}");
            AppError::invalid(
                "De passkey is niet aangemaakt: je apparaat gaf geen geldig antwoord. Probeer het opnieuw.",
            )
        })?;
    // The counter and flags as webauthn-rs keeps them inside the passkey.
    let serialised = serde_json::to_value(&passkey).map_err(internal)?;
    let field = |name: &str| serialised.pointer(&format!("/cred/{name}")).cloned();
    Ok(Registered {
        ceremony: begun.id,
        credential_id: credential_key(passkey.cred_id().as_ref()),
        passkey: json(&passkey)?,
        counter: field("counter").and_then(|v| v.as_i64()).unwrap_or(0),
        backup_eligible: field("backup_eligible").and_then(|v| v.as_bool()) == Some(true),
        backup_state: field("backup_state").and_then(|v| v.as_bool()) == Some(true),
    })
}

// ---------------------------------------------------------------- assertions

/// Begins an assertion by one of `user`'s passkeys for `session_hash` (the
/// login's second step or a step-up).
pub async fn begin_assertion(
    core: &Core,
    user: &UserRecord,
    session_hash: &str,
) -> Result<PasskeyChallenge, AppError> {
    let rp = relying_party(core, user.office_id).await?;
    let keys = stored::of_user(&core.db, user.id)
        .await?
        .iter()
        .map(|row| stored_passkey(&row.passkey))
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Err(AppError::invalid("Je hebt nog geen passkey."));
    }
    let (options, state): (_, PasskeyAuthentication) =
        rp.start_passkey_authentication(&keys).map_err(internal)?;
    begin(core, Purpose::Assert, session_hash, &state, &options).await
}

/// Begins a login without the password: any passkey of this portal may
/// answer. The browser chooses how to ask (autofill in the login name
/// field, or a dialog).
pub async fn begin_passwordless(core: &Core) -> Result<PasskeyChallenge, AppError> {
    let rp = core
        .passkeys
        .clone()
        .ok_or_else(|| AppError::invalid(UNAVAILABLE))?;
    let (mut options, state): (_, DiscoverableAuthentication) =
        rp.start_discoverable_authentication().map_err(internal)?;
    options.mediation = None;
    begin(core, Purpose::Passwordless, "", &state, &options).await
}

/// A passkey's answer, as the browser gave it.
#[derive(Debug, Clone)]
pub struct PasskeyAnswer {
    pub ceremony: String,
    pub response: Box<PublicKeyCredential>,
    /// The passkey it names, as stored (`credential_key`).
    pub credential_id: String,
    /// Begun as a login without the password (not bound to a session).
    pub passwordless: bool,
}

impl PasskeyAnswer {
    pub fn parse(ceremony: &str, response: &str, passwordless: bool) -> Result<Self, AppError> {
        let response: Box<PublicKeyCredential> = Box::new(parse(response)?);
        Ok(PasskeyAnswer {
            ceremony: ceremony.to_string(),
            credential_id: credential_key(response.get_credential_id()),
            response,
            passwordless,
        })
    }

    /// What to read to judge it, as an answer in `session_hash` (a
    /// passwordless one was begun in none).
    pub fn lookup<'a>(&'a self, session_hash: &'a str) -> Lookup<'a> {
        let (purpose, bound_to) = match self.passwordless {
            true => (Purpose::Passwordless, ""),
            false => (Purpose::Assert, session_hash),
        };
        Lookup {
            ceremony: &self.ceremony,
            purpose,
            bound_to,
            credential_id: &self.credential_id,
        }
    }

    /// The account the passkey says it belongs to (a passwordless login
    /// finds its user by it); `None`: it names none of ours.
    pub async fn claimed_user(&self, core: &Core) -> Result<Option<i64>, AppError> {
        let Some(handle) = self
            .response
            .get_user_unique_id()
            .and_then(|b| Uuid::from_slice(b).ok())
        else {
            return Ok(None);
        };
        Ok(stored::user_of_handle(&core.db, &handle.to_string()).await?)
    }
}

/// What `answer` is judged against for `user`, read alone: the
/// passwordless login's first look, before it has a session. The second
/// step reads the same inside its one read.
pub async fn passkey_facts(
    core: &Core,
    user: &UserRecord,
    answer: &PasskeyAnswer,
) -> Result<Facts, AppError> {
    stored::facts(&core.db, user.id, &answer.lookup(""))
        .await?
        .ok_or(AppError::NotLoggedIn)
}

/// A use that proved the user: what storing it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyUse {
    pub ceremony: String,
    pub passkey_id: i64,
    pub counter_read: i64,
    pub passkey: String,
    pub counter: i64,
    pub backup_state: bool,
}

/// How an assertion was judged.
pub enum Assertion {
    Right(PasskeyUse),
    /// A try counted; `cloned`: the counter went backwards (audited).
    Wrong {
        cloned: bool,
    },
}

pub const WRONG_PASSKEY: &str =
    "Deze passkey is niet geaccepteerd. Gebruik een passkey van je eigen account, of kies een andere manier.";

/// Judges `answer` as a proof for `user`, against `facts` as one read
/// saw them. Errors cost no try (a lapsed or used ceremony, passkeys not
/// allowed).
pub fn judge_assertion(
    core: &Core,
    user: &UserRecord,
    facts: &Facts,
    answer: &PasskeyAnswer,
    now: UnixTime,
) -> Result<Assertion, AppError> {
    let rp = allowing(core, facts.office)?;
    let begun = fresh(facts.ceremony.clone(), now)?;
    // Only the user's own passkey can answer: one of another account, or
    // one that was removed, is not found among theirs.
    let Some(row) = &facts.passkey else {
        return Ok(Assertion::Wrong { cloned: false });
    };
    let mut key = stored_passkey(&row.passkey)?;
    let checked = match answer.passwordless {
        true => {
            let state: DiscoverableAuthentication =
                serde_json::from_str(&begun.state).map_err(internal)?;
            let own = [DiscoverableKey::from(&key)];
            rp.finish_discoverable_authentication(&answer.response, state, &own)
        }
        false => {
            let state: PasskeyAuthentication =
                serde_json::from_str(&begun.state).map_err(internal)?;
            rp.finish_passkey_authentication(&answer.response, &state)
        }
    };
    let result = match checked {
        Ok(result) => result,
        Err(WebauthnError::CredentialPossibleCompromise) => {
            tracing::warn!(user = %user.login_name, passkey = row.id, "passkey counter went backwards");
            return Ok(Assertion::Wrong { cloned: true });
        }
        Err(err) => {
            tracing::info!(user = %user.login_name, "passkey assertion refused: {err}");
            return Ok(Assertion::Wrong { cloned: false });
        }
    };
    // webauthn-rs checked the flags and the counter against the stored
    // credential; keep what it reported.
    key.update_credential(&result);
    Ok(Assertion::Right(PasskeyUse {
        ceremony: begun.id,
        passkey_id: row.id,
        counter_read: row.counter,
        passkey: json(&key)?,
        counter: i64::from(result.counter()),
        backup_state: result.backup_state(),
    }))
}
