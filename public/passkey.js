// Passkeys in the browser: the two WebAuthn calls the portal's wasm makes
// (app/src/credentials.rs), with JSON in and out. Binary fields travel as
// base64url, as the server's webauthn-rs writes and reads them. Written by
// hand rather than relying on PublicKeyCredential.parse*FromJSON/toJSON,
// which not every browser the portal's users have implements yet.
(() => {
  'use strict';

  const decode = (text) => {
    const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  };
  const encode = (buffer) => {
    const bytes = new Uint8Array(buffer);
    let raw = '';
    for (const b of bytes) raw += String.fromCharCode(b);
    return btoa(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  // Members the server sends as null mean "not given" to WebAuthn.
  const clean = (value) => {
    if (Array.isArray(value)) return value.map(clean);
    if (value && typeof value === 'object') {
      const out = {};
      for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = clean(v);
      return out;
    }
    return value;
  };
  const credentialIds = (list) => (list || []).map((c) => ({ ...c, id: decode(c.id) }));
  // Transports the server knows; a newer browser may name others.
  const KNOWN_TRANSPORTS = new Set(['usb', 'nfc', 'ble', 'internal', 'hybrid']);

  // A conditional request (autofill) waits until the user picks a passkey
  // or the page goes; any other request first ends it.
  let waiting = null;
  const endWaiting = () => {
    if (waiting) waiting.abort();
    waiting = null;
  };

  const answer = (cred) => {
    const r = cred.response;
    const response = { clientDataJSON: encode(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = encode(r.attestationObject);
      if (typeof r.getTransports === 'function') {
        response.transports = r.getTransports().filter((t) => KNOWN_TRANSPORTS.has(t));
      }
    } else {
      response.authenticatorData = encode(r.authenticatorData);
      response.signature = encode(r.signature);
      if (r.userHandle) response.userHandle = encode(r.userHandle);
    }
    return JSON.stringify({
      id: cred.id,
      rawId: encode(cred.rawId),
      type: cred.type,
      response,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
    });
  };

  // The wasm reads a failure by its DOMException name alone.
  const named = (call) => async (...args) => {
    try {
      return await call(...args);
    } catch (e) {
      throw (e && e.name) ? e.name : String(e);
    }
  };

  window.tweestapPasskey = {
    supported() {
      return !!(window.PublicKeyCredential && navigator.credentials && window.isSecureContext);
    },
    async conditionalAvailable() {
      return !!(window.PublicKeyCredential
        && PublicKeyCredential.isConditionalMediationAvailable
        && await PublicKeyCredential.isConditionalMediationAvailable());
    },
    create: named(async (json) => {
      endWaiting();
      const publicKey = clean(JSON.parse(json).publicKey);
      publicKey.challenge = decode(publicKey.challenge);
      publicKey.user.id = decode(publicKey.user.id);
      publicKey.excludeCredentials = credentialIds(publicKey.excludeCredentials);
      return answer(await navigator.credentials.create({ publicKey }));
    }),
    get: named(async (json, conditional) => {
      endWaiting();
      const publicKey = clean(JSON.parse(json).publicKey);
      publicKey.challenge = decode(publicKey.challenge);
      publicKey.allowCredentials = credentialIds(publicKey.allowCredentials);
      const request = { publicKey };
      if (conditional) {
        waiting = new AbortController();
        request.mediation = 'conditional';
        request.signal = waiting.signal;
      }
      return answer(await navigator.credentials.get(request));
    }),
    // 'Chrome op Windows': the default name of a new passkey.
    deviceName() {
      const ua = navigator.userAgent;
      const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox'
        : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
      const system = /Windows/.test(ua) ? 'Windows' : /iPhone|iPad/.test(ua) ? 'iOS'
        : /Mac OS X/.test(ua) ? 'macOS' : /Android/.test(ua) ? 'Android'
        : /Linux/.test(ua) ? 'Linux' : 'dit apparaat';
      return `${browser} op ${system}`;
    },
  };
})();
