//! The provider's ES256 signing keys: made by ring, kept in the database
//! with the private half sealed under the portal's key file (as the
//! authenticator secrets are), so every instance signs with the same key
//! and publishes the same set. When each key is made, signs and goes is
//! `domain::signing_keys`.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use ring::{
    rand::SystemRandom,
    signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING},
};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::{
    core::{internal, Core},
    domain::{
        clock::UnixTime,
        signing_keys::{self, KeyTimes},
    },
    error::AppError,
    storage::oidc::{self as stored, SigningKey},
};

fn times(key: &SigningKey) -> KeyTimes {
    KeyTimes {
        generation: key.generation,
        created_at: key.created_at,
        signs_from: key.signs_from,
    }
}

fn sealing_context(kid: &str) -> Vec<u8> {
    format!("oidc-signing-key:{kid}").into_bytes()
}

/// RFC 7638: the key's thumbprint names it.
fn thumbprint(x: &str, y: &str) -> String {
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

fn new_key(core: &Core, due: KeyTimes) -> Result<SigningKey, AppError> {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .map_err(|_| internal("could not make a signing key"))?;
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
        .map_err(|_| internal("could not read the new signing key"))?;
    // An uncompressed point: 0x04, then x and y of 32 bytes each.
    let point = pair.public_key().as_ref();
    let x = URL_SAFE_NO_PAD.encode(&point[1..33]);
    let y = URL_SAFE_NO_PAD.encode(&point[33..65]);
    let kid = thumbprint(&x, &y);
    let (sealing_key_id, private_sealed) = core.keys.seal(pkcs8.as_ref(), &sealing_context(&kid));
    Ok(SigningKey {
        kid,
        generation: due.generation,
        sealing_key_id,
        private_sealed,
        public_x: x,
        public_y: y,
        created_at: due.created_at,
        signs_from: due.signs_from,
    })
}

/// Makes the key that is due (the first, or the next one a rotation
/// publishes ahead), and drops the keys no token can need any more. Run
/// at start and by the housekeeping, on every instance: the generation is
/// unique, so a race makes one key.
pub async fn rotate(core: &Core, now: UnixTime) -> Result<(), AppError> {
    let keys = stored::signing_keys(&core.db).await?;
    let all: Vec<KeyTimes> = keys.iter().map(times).collect();
    if let Some(due) = signing_keys::due(&all, now) {
        let key = new_key(core, due)?;
        if stored::insert_signing_key(&core.db, &key).await? {
            tracing::info!(kid = %key.kid, generation = key.generation, "new OpenID Connect signing key");
        }
    }
    for key in &keys {
        if !signing_keys::published(&all, &times(key), now) {
            stored::delete_signing_key(&core.db, &key.kid).await?;
        }
    }
    Ok(())
}

/// The stored keys with their times, read once per use: the first key is
/// made here when there is none yet (a fresh database before the first
/// housekeeping round).
struct KeySet {
    keys: Vec<SigningKey>,
    times: Vec<KeyTimes>,
    now: UnixTime,
}

impl KeySet {
    async fn load(core: &Core) -> Result<KeySet, AppError> {
        let now = core.now();
        let mut keys = stored::signing_keys(&core.db).await?;
        if keys.is_empty() {
            rotate(core, now).await?;
            keys = stored::signing_keys(&core.db).await?;
        }
        let times = keys.iter().map(times).collect();
        Ok(KeySet { keys, times, now })
    }

    fn signer(&self) -> Option<&SigningKey> {
        let signer = signing_keys::signer(&self.times, self.now)?;
        self.keys.iter().find(|k| k.generation == signer.generation)
    }

    fn published(&self) -> impl Iterator<Item = &SigningKey> {
        self.keys
            .iter()
            .filter(|k| signing_keys::published(&self.times, &times(k), self.now))
    }
}

/// Signs `claims` with the key that signs now; `typ` for the header
/// (`logout+jwt` for a logout token).
pub async fn sign(core: &Core, claims: &impl Serialize, typ: &str) -> Result<String, AppError> {
    let set = KeySet::load(core).await?;
    let signer = set
        .signer()
        .ok_or_else(|| internal("no signing key signs now"))?;
    let der = core
        .keys
        .open(
            &signer.sealing_key_id,
            &signer.private_sealed,
            &sealing_context(&signer.kid),
        )
        .map_err(internal)?;
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(signer.kid.clone());
    header.typ = Some(typ.to_string());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_ec_der(&der)).map_err(internal)
}

/// The published key set (`jwks_uri`).
pub async fn published(core: &Core) -> Result<Value, AppError> {
    let set: Vec<Value> = KeySet::load(core)
        .await?
        .published()
        .map(|k| {
            json!({
                "kty": "EC", "crv": "P-256", "x": k.public_x, "y": k.public_y,
                "kid": k.kid, "use": "sig", "alg": "ES256",
            })
        })
        .collect();
    Ok(json!({ "keys": set }))
}

/// The claims of a token this provider signed with a published key,
/// whether or not it has lapsed (an `id_token_hint` may be old).
pub async fn verified_claims(core: &Core, token: &str, issuer: &str) -> Option<Value> {
    let kid = jsonwebtoken::decode_header(token).ok()?.kid?;
    let set = KeySet::load(core).await.ok()?;
    let key = set.published().find(|k| k.kid == kid)?;
    let decoding = DecodingKey::from_ec_components(&key.public_x, &key.public_y).ok()?;
    let mut validation = jsonwebtoken::Validation::new(Algorithm::ES256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    validation.set_issuer(&[issuer]);
    jsonwebtoken::decode::<Value>(token, &decoding, &validation)
        .ok()
        .map(|data| data.claims)
}
