import { Browser, expect, Page, test } from '@playwright/test';
import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { hydrated, login, loginHereWithSms, open, stepUp } from './helpers';

// The portal as an OpenID Connect provider: a beheerder registers an
// application under 'Koppelingen', and rp/server.mjs (openid-client) logs
// a user in through it and out again. On a portal of its own (scripts/test
// starts it on a fresh demo database, published at its own address, which
// is the issuer), so the registrations touch no other spec.
const apps = process.env.APPS_BASE_URL;
if (!apps) throw new Error('APPS_BASE_URL is not set (scripts/test sets it)');
test.use({ baseURL: apps });
test.describe.configure({ mode: 'serial' });

const ZORG = '+31612345602';

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

type Registration = { clientId: string; secret?: string };

/** As beheerder: 'Kantoor' → 'Koppelingen', a new application for every client, two factors. */
async function register(page: Page, name: string, rp: string, kind: 'Vertrouwelijk (met geheim)' | 'Openbaar (alleen PKCE)'): Promise<Registration> {
  await login(page, 'beheerder');
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await open(page, '/kantoor/koppelingen');
  await stepUp(page);
  await page.getByLabel('Naam', { exact: true }).fill(name);
  await page.getByLabel('Terugkeeradressen (één per regel)').fill(`${rp}/callback\n${rp}/`);
  await page.getByLabel('Afmeldadres voor back-channel logout (optioneel)').fill(`${rp}/backchannel`);
  await page.getByLabel(/^Soort\b/).selectOption({ label: kind });
  await page.getByLabel(/^Cliënten\b/).selectOption({ label: 'Alle cliënten' });
  await page.getByLabel(/^Hoe sterk\b/).selectOption({ label: 'Twee factoren' });
  await page.getByRole('button', { name: 'Koppelen', exact: true }).click();
  const id = page.getByTestId('client-id');
  await expect(id).not.toBeEmpty();
  const clientId = (await id.textContent())!.trim();
  if (kind === 'Openbaar (alleen PKCE)') {
    await expect(page.getByTestId('client-secret')).toHaveCount(0);
    return { clientId };
  }
  const secret = (await page.getByTestId('client-secret').textContent())!.trim();
  expect(secret.length).toBeGreaterThanOrEqual(32);
  return { clientId, secret };
}

const relyingParties: ChildProcess[] = [];
test.afterAll(() => {
  for (const rp of relyingParties) rp.kill();
});

/** Starts rp/server.mjs for a registration on `port`; resolves once it listens. */
function startRp(port: number, registration: Registration): Promise<string> {
  const child = spawn(process.execPath, [join(__dirname, '..', 'rp', 'server.mjs')], {
    env: {
      ...process.env,
      ISSUER: apps,
      CLIENT_ID: registration.clientId,
      ...(registration.secret ? { CLIENT_SECRET: registration.secret } : {}),
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  relyingParties.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(`[rp ${port}] ${chunk}`);
      if (output.includes('rp listening')) resolve(`http://127.0.0.1:${port}`);
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.on('exit', (code) => reject(new Error(`rp/server.mjs exited (${code}):\n${output}`)));
  });
}

/** On the portal's login page, which names the application: zorg, by password and SMS code. */
async function zorgLogsIn(page: Page, application: string) {
  await expect(page).toHaveURL((url) => url.href.startsWith(`${apps}/inloggen?`));
  await hydrated(page);
  await expect(page.getByText(application).first()).toBeVisible();
  await loginHereWithSms(page, 'zorg', ZORG);
}

/** The RP's page after a login: zorg, by password and SMS. */
async function expectZorgAt(page: Page, rp: string) {
  await expect(page).toHaveURL((url) => url.href.startsWith(`${rp}/callback?`));
  await expect(page.getByTestId('fout')).toHaveCount(0);
  await expect(page.getByTestId('name')).toHaveText('Zeynep Zorg');
  await expect(page.getByTestId('userinfo-name')).toHaveText('Zeynep Zorg');
  await expect(page.getByTestId('email')).toHaveText('zorg@voorbeeld.example');
  const amr = (await page.getByTestId('amr').textContent())!.split(' ');
  expect(amr).toEqual(expect.arrayContaining(['pwd', 'sms']));
  await expect(page.getByTestId('acr')).toHaveText('urn:tweestap:acr:twee-factoren');
  await expect(page.getByTestId('sub')).not.toBeEmpty();
}

async function freshPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ locale: 'nl-NL' });
  return context.newPage();
}

test('a confidential application: login with SMS code, RP-initiated logout ends the portal session and tells the back channel', async ({ page, browser }) => {
  test.setTimeout(90_000);
  const port = await freePort();
  const registration = await register(page, 'Urenregistratie', `http://127.0.0.1:${port}`, 'Vertrouwelijk (met geheim)');
  const rp = await startRp(port, registration);

  // Someone else, in a browser of their own, opens the application.
  const user = await freshPage(browser);
  await user.goto(`${rp}/login`);
  await zorgLogsIn(user, 'Urenregistratie');
  await expectZorgAt(user, rp);
  const sub = (await user.getByTestId('sub').textContent())!.trim();
  const sid = (await user.getByTestId('sid').textContent())!.trim();
  expect(sid).not.toBe('');

  // Logging out of the application ends the portal's session too.
  await user.goto(`${rp}/logout`);
  await expect(user).toHaveURL((url) => url.origin === rp && url.pathname === '/');
  await expect(user.getByTestId('status')).toHaveText('Uitgelogd');
  await user.goto(`${apps}/`);
  await expect(user).toHaveURL(/\/inloggen$/);

  // And the portal tells the application over the back channel.
  await expect
    .poll(async () => (await fetch(`${rp}/backchannel-log`)).json(), { timeout: 15_000 })
    .toContainEqual({ sub, sid });
  await user.context().close();
});

test('a public application (PKCE only): prompt=none without a session, then a login and a second one without asking', async ({ page, browser }) => {
  test.setTimeout(90_000);
  const port = await freePort();
  const registration = await register(page, 'Planbord', `http://127.0.0.1:${port}`, 'Openbaar (alleen PKCE)');
  const rp = await startRp(port, registration);
  const user = await freshPage(browser);

  // No session at the portal: prompt=none comes straight back refused.
  await user.goto(`${rp}/login?prompt=none`);
  await expect(user.getByTestId('fout')).toContainText('login_required');

  await user.goto(`${rp}/login`);
  await zorgLogsIn(user, 'Planbord');
  await expectZorgAt(user, rp);
  const authTime = (await user.getByTestId('auth-time').textContent())!.trim();

  // Logged in at the portal: the next login asks nothing, same login.
  await user.goto(`${rp}/login`);
  await expectZorgAt(user, rp);
  await expect(user.getByTestId('auth-time')).toHaveText(authTime);
  await user.context().close();
});
