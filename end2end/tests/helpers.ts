import AxeBuilder from '@axe-core/playwright';
import { expect, Page } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const PASSWORD = 'Welkom-2fa!';

/** Opens a page and waits until the wasm has hydrated it. */
export async function open(page: Page, path: string) {
  await page.goto(path);
  await hydrated(page);
}

export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
}

export async function login(page: Page, loginName: string, password = PASSWORD) {
  await open(page, '/inloggen');
  await page.getByLabel('Inlognaam').fill(loginName);
  await page.getByLabel('Wachtwoord').fill(password);
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
}

export async function logout(page: Page) {
  await page.getByRole('button', { name: 'Uitloggen', exact: true }).click();
  await expect(page).toHaveURL(/\/inloggen$/);
  await hydrated(page);
}

type OutboxLine = { time: string; to: string; text: string };

let smsFile: string | undefined;

/**
 * Read SMS from `path` instead of the development outbox: the Twilio stub
 * writes the messages it takes in the same shape (delivery.spec.ts).
 */
export function readSmsFrom(path: string | undefined) {
  smsFile = path;
}

/** The development outbox that scripts/test points the server at. */
function outbox(): OutboxLine[] {
  const path = smsFile ?? process.env.SMS_OUTBOX;
  if (!path) throw new Error('SMS_OUTBOX is not set (scripts/test sets it)');
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as OutboxLine);
}

export function smsCount(to: string): number {
  return outbox().filter((line) => line.to === to).length;
}

/** Waits for an SMS to `to` beyond the first `after` ones, and returns its code. */
export async function codeFromOutbox(to: string, after = 0): Promise<string> {
  let code = '';
  await expect
    .poll(() => {
      const lines = outbox().filter((line) => line.to === to);
      if (lines.length <= after) return '';
      code = lines[lines.length - 1].text.match(/\b(\d{6})\b/)?.[1] ?? '';
      return code;
    })
    .toMatch(/^\d{6}$/);
  return code;
}

/** Logs in a user whose login asks for an SMS code, reading it from the outbox. */
export async function loginWithSms(page: Page, loginName: string, phone: string) {
  const before = smsCount(phone);
  await login(page, loginName);
  await expect(page).toHaveURL(/\/inloggen\/code$/);
  await hydrated(page);
  await submitCode(page, await codeFromOutbox(phone, before));
}

/**
 * Logs in on the login page the browser is on (a login another site sent
 * it to, which must keep its query), by password and the SMS code to
 * `phone`; where the browser goes next is the caller's to check.
 */
export async function loginHereWithSms(page: Page, loginName: string, phone: string) {
  await hydrated(page);
  const before = smsCount(phone);
  await page.getByLabel('Inlognaam').fill(loginName);
  await page.getByLabel('Wachtwoord').fill(PASSWORD);
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
  await expect(page).toHaveURL(/\/inloggen\/code$/);
  await hydrated(page);
  await page.getByLabel('Beveiligingscode').fill(await codeFromOutbox(phone, before));
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
}

/** Types a security code on the code page and logs in with it. */
export async function submitCode(page: Page, code: string) {
  await page.getByLabel('Beveiligingscode').fill(code);
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
}

/** RFC 6238 (SHA-1, 6 digits, 30 s) from a base32 key, as an authenticator app computes it. */
export function totp(base32Key: string, timeMs = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const char of base32Key.replace(/[\s=]/g, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(timeMs / 1000 / 30)));
  const mac = createHmac('sha1', Buffer.from(bytes)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const number =
    (((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3]) % 1_000_000;
  return number.toString().padStart(6, '0');
}

/**
 * 'Bevestig dat jij het bent': the password, and an SMS code sent to the
 * stored `phone` (none: the user has no factor yet, the password alone).
 */
export async function stepUp(page: Page, phone?: string) {
  await expect(page.getByRole('heading', { name: 'Bevestig dat jij het bent' })).toBeVisible();
  if (phone) {
    const before = smsCount(phone);
    await page.getByRole('button', { name: 'Stuur mij een SMS-code' }).click();
    await page.locator('#stepup_code').fill(await codeFromOutbox(phone, before));
  } else {
    await expect(page.locator('#stepup_code')).toHaveCount(0);
  }
  await page.getByLabel('Wachtwoord').fill(PASSWORD);
  await page.getByRole('button', { name: 'Bevestigen' }).click();
  await expect(page.getByRole('heading', { name: 'Bevestig dat jij het bent' })).toHaveCount(0);
}

/** axe-core on the page as it is: no serious or critical violations. */
export async function noSeriousAxeViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

/**
 * On 'Mijn gegevens' → 'Authenticator' after the step-up: 'Verder' (the SMS
 * goes to `phone`) → 'Nu koppelen'. Returns the key and the herstelcodes shown.
 */
export async function bindApp(page: Page, phone: string): Promise<{ key: string; codes: string[] }> {
  const key = (await page.getByTestId('sleutel').textContent())!.trim();
  const before = smsCount(phone);
  await page.getByRole('button', { name: 'Verder' }).click();
  await expect(page).toHaveURL(/\/mijn-gegevens\/authenticator\/koppelen$/);
  await page.getByLabel('SMS-code').fill(await codeFromOutbox(phone, before));
  await page.getByLabel('Code uit de app').fill(totp(key));
  await page.getByRole('button', { name: 'Nu koppelen' }).click();
  await expect(page.getByTestId('gekoppeld')).toBeVisible();
  const items = page.getByTestId('herstelcodes').getByRole('listitem');
  await expect(items).toHaveCount(10);
  const codes = (await items.allTextContents()).map((c) => c.trim());
  for (const code of codes) expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}$/);
  return { key, codes };
}

/** From any portal page to 'Mijn gegevens' → 'Authenticator'. */
export async function openAuthenticator(page: Page) {
  await page.getByRole('link', { name: 'Mijn gegevens' }).click();
  await page.getByRole('link', { name: /^Authenticator (instellen|vervangen)$/ }).click();
  await expect(page).toHaveURL(/\/mijn-gegevens\/authenticator$/);
  await hydrated(page);
}

export type MailLine = { to: string; subject: string; body: string };

/** The mails to `address` in the mail outbox `file` (JSON lines), oldest first. */
export function mailsIn(file: string, address: string): MailLine[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as MailLine)
    .filter((mail) => mail.to === address);
}
