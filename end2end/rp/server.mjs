// A small OpenID Connect relying party, for oidc.spec.ts only: an
// application that lets the portal log its users in, with openid-client.
// Authorization code flow with PKCE (S256), state and nonce; the ID token's
// signature is also checked against the portal's JWKS; RP-initiated logout;
// back-channel logout tokens are verified and kept for the test to read.
//
// ISSUER=http://127.0.0.1:3000 CLIENT_ID=… [CLIENT_SECRET=…] [CLIENT_AUTH=basic|post] PORT=4000 \
//   node rp/server.mjs
// Without CLIENT_SECRET it is a public client (token_endpoint_auth_method
// 'none', PKCE only). Its addresses, as registered at the portal:
//   redirect URI            http://127.0.0.1:PORT/callback
//   post-logout redirect    http://127.0.0.1:PORT/
//   back-channel logout     http://127.0.0.1:PORT/backchannel
//
// Routes: /login[?prompt=&max_age=&acr_values=], /callback, /, /logout,
// POST /backchannel, /backchannel-log (JSON: [{sub, sid}]).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import * as client from 'openid-client';
// jose comes with openid-client.
import { createRemoteJWKSet, jwtVerify } from 'jose';

const { ISSUER, CLIENT_ID, CLIENT_SECRET, CLIENT_AUTH = 'basic', PORT } = process.env;
if (!ISSUER || !CLIENT_ID || !PORT) {
  console.error('usage: ISSUER=… CLIENT_ID=… [CLIENT_SECRET=…] [CLIENT_AUTH=basic|post] PORT=… node rp/server.mjs');
  process.exit(2);
}
const base = `http://127.0.0.1:${PORT}`;
const redirectUri = `${base}/callback`;
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

// Discovery. The portal is plain http in the tests, which openid-client
// refuses unless told otherwise.
const metadata = { id_token_signed_response_alg: 'ES256' };
let clientAuth;
if (CLIENT_SECRET) {
  metadata.client_secret = CLIENT_SECRET;
  clientAuth = CLIENT_AUTH === 'post' ? client.ClientSecretPost(CLIENT_SECRET) : client.ClientSecretBasic(CLIENT_SECRET);
} else {
  metadata.token_endpoint_auth_method = 'none';
  clientAuth = client.None();
}
const config = await client.discovery(new URL(ISSUER), CLIENT_ID, metadata, clientAuth, {
  execute: [client.allowInsecureRequests],
});
const provider = config.serverMetadata();
const jwks = createRemoteJWKSet(new URL(provider.jwks_uri));

// Sessions of this application (not the portal's), in memory, by cookie.
// Each: { pending?: {verifier, state, nonce, maxAge}, user?: {idToken,
// claims, userinfo}, logoutState? }.
const sessions = new Map();
// Cookies do not tell ports apart: one name per RP on 127.0.0.1.
const COOKIE = `rp_sessie_${PORT}`;

function sessionOf(request, response) {
  const id = new RegExp(`(?:^|;\\s*)${COOKIE}=([\\w-]+)`).exec(request.headers.cookie ?? '')?.[1];
  if (id && sessions.has(id)) return sessions.get(id);
  const fresh = randomBytes(16).toString('base64url');
  sessions.set(fresh, {});
  response.setHeader('Set-Cookie', `${COOKIE}=${fresh}; Path=/; HttpOnly; SameSite=Lax`);
  return sessions.get(fresh);
}

// Logged out by the portal (back-channel) or here, and what it said.
const backchannelLog = [];
const seenJti = new Set();

const escape = (s) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function html(response, status, title, body) {
  response.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  response.end(`<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>${escape(title)}</title></head>` +
    `<body><h1>${escape(title)}</h1>${body}</body></html>`);
}

function redirect(response, location) {
  response.writeHead(302, { Location: String(location), 'Cache-Control': 'no-store' });
  response.end();
}

function fout(response, error) {
  // openid-client's errors carry the OAuth error code (login_required,
  // invalid_grant, …) in `error` and the server's words in `error_description`.
  const text = [error?.error, error?.error_description, error?.message ?? String(error)].filter(Boolean).join(' — ');
  console.error('rp:', text, error?.cause ?? '');
  html(response, 400, 'Fout', `<p data-testid="fout">${escape(text)}</p><p><a href="/">Terug</a></p>`);
}

function accountPage(response, user) {
  const { claims, userinfo } = user;
  const row = (id, label, value) => `<dt>${label}</dt><dd data-testid="${id}">${escape(value)}</dd>`;
  html(response, 200, `Welkom, ${claims.name ?? claims.sub}`, '<dl>' +
    row('sub', 'sub', claims.sub) +
    row('name', 'name', claims.name) +
    row('email', 'email', claims.email) +
    row('amr', 'amr', (claims.amr ?? []).join(' ')) +
    row('acr', 'acr', claims.acr) +
    row('sid', 'sid', claims.sid) +
    row('auth-time', 'auth_time', claims.auth_time) +
    row('groups', 'groups', (claims.groups ?? []).join(', ')) +
    row('userinfo-name', 'userinfo name', userinfo.name) +
    '</dl><p><a href="/logout">Uitloggen</a></p>');
}

function readBody(request, limit = 64 * 1024) {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => {
      text += chunk;
      if (text.length > limit) reject(new Error('body too large'));
    });
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}

async function login(url, session, response) {
  const verifier = client.randomPKCECodeVerifier();
  const pending = { verifier, state: client.randomState(), nonce: client.randomNonce() };
  const parameters = {
    redirect_uri: redirectUri,
    scope: 'openid profile email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: pending.state,
    nonce: pending.nonce,
  };
  for (const name of ['prompt', 'max_age', 'acr_values']) {
    const value = url.searchParams.get(name);
    if (value !== null) parameters[name] = value;
  }
  if (parameters.max_age !== undefined) pending.maxAge = Number(parameters.max_age);
  session.pending = pending;
  redirect(response, client.buildAuthorizationUrl(config, parameters));
}

async function callback(url, session, response) {
  const pending = session.pending;
  delete session.pending; // one answer per request
  if (!pending) return fout(response, new Error('geen inlog gaande (no login under way)'));
  try {
    // Checks state, iss (RFC 9207), the code exchange with the PKCE
    // verifier, and the ID token's iss, aud, exp, nonce (and auth_time
    // against max_age).
    const tokens = await client.authorizationCodeGrant(config, url, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      maxAge: pending.maxAge,
      idTokenExpected: true,
    });
    // openid-client trusts the token endpoint's TLS for the ID token's
    // signature; check it anyway: ES256 with a key from the JWKS.
    await jwtVerify(tokens.id_token, jwks, { issuer: provider.issuer, audience: CLIENT_ID, algorithms: ['ES256'] });
    const claims = tokens.claims();
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    session.user = { idToken: tokens.id_token, claims, userinfo };
    accountPage(response, session.user);
  } catch (error) {
    fout(response, error);
  }
}

function home(url, session, response) {
  const state = url.searchParams.get('state');
  if (state !== null && state !== session.logoutState) {
    return fout(response, new Error('state na afmelden klopt niet (logout state mismatch)'));
  }
  delete session.logoutState;
  if (session.user) return accountPage(response, session.user);
  html(response, 200, 'Uitgelogd', '<p data-testid="status">Uitgelogd</p><p><a href="/login">Inloggen</a></p>');
}

function logout(session, response) {
  const idToken = session.user?.idToken;
  delete session.user;
  if (!idToken) return redirect(response, '/');
  session.logoutState = client.randomState();
  redirect(response, client.buildEndSessionUrl(config, {
    id_token_hint: idToken,
    post_logout_redirect_uri: `${base}/`,
    state: session.logoutState,
  }));
}

// OpenID Connect Back-Channel Logout 1.0, section 2.6.
async function backchannel(request, response) {
  const answer = (status, body) => {
    response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    response.end(JSON.stringify(body));
  };
  try {
    const token = new URLSearchParams(await readBody(request)).get('logout_token');
    if (!token) throw new Error('no logout_token');
    const { payload } = await jwtVerify(token, jwks, {
      issuer: provider.issuer,
      audience: CLIENT_ID,
      algorithms: ['ES256'],
      typ: 'logout+jwt', // explicitly typed, so no ID token passes for one
      requiredClaims: ['iat', 'jti'],
    });
    const event = payload.events?.[BACKCHANNEL_EVENT];
    if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new Error('no back-channel logout event');
    if ('nonce' in payload) throw new Error('a logout token carries no nonce');
    if (!payload.sub && !payload.sid) throw new Error('neither sub nor sid');
    if (!seenJti.has(payload.jti)) {
      seenJti.add(payload.jti);
      backchannelLog.push({ sub: payload.sub, sid: payload.sid });
      // End this application's sessions of that login.
      for (const session of sessions.values()) {
        const claims = session.user?.claims;
        if (claims && (payload.sid ? claims.sid === payload.sid : claims.sub === payload.sub)) delete session.user;
      }
    }
    answer(200, {});
  } catch (error) {
    console.error('rp: logout token refused:', error.message);
    answer(400, { error: 'invalid_request', error_description: error.message });
  }
}

createServer(async (request, response) => {
  const url = new URL(request.url, base);
  try {
    if (request.method === 'POST' && url.pathname === '/backchannel') return await backchannel(request, response);
    if (request.method !== 'GET') return html(response, 405, 'Niet toegestaan', '');
    if (url.pathname === '/backchannel-log') {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      return response.end(JSON.stringify(backchannelLog));
    }
    const session = sessionOf(request, response);
    switch (url.pathname) {
      case '/login': return await login(url, session, response);
      case '/callback': return await callback(url, session, response);
      case '/logout': return logout(session, response);
      case '/': return home(url, session, response);
      default: return html(response, 404, 'Niet gevonden', '');
    }
  } catch (error) {
    if (!response.headersSent) fout(response, error);
  }
}).listen(Number(PORT), '127.0.0.1', () => console.log(`rp listening on ${base} for ${provider.issuer}`));
