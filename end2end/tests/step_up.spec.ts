import AxeBuilder from '@axe-core/playwright';
import { expect, Page, test } from '@playwright/test';
import { codeFromOutbox, hydrated, login, logout, smsCount, stepUp, submitCode, totp } from './helpers';

const MULTI = '+31612345603';

async function noSeriousAxeViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

/** 'Mijn gegevens' → 'Authenticator' → 'Verder' → 'Nu koppelen'; returns the new key. */
async function bindApp(page: Page): Promise<string> {
  await expect(page.getByTestId('sleutel')).toBeVisible();
  const key = (await page.getByTestId('sleutel').textContent())!.trim();
  const before = smsCount(MULTI);
  await page.getByRole('button', { name: 'Verder' }).click();
  await expect(page).toHaveURL(/\/mijn-gegevens\/authenticator\/koppelen$/);
  await page.getByLabel('SMS-code').fill(await codeFromOutbox(MULTI, before));
  await page.getByLabel('Code uit de app').fill(totp(key));
  await page.getByRole('button', { name: 'Nu koppelen' }).click();
  await expect(page.getByTestId('gekoppeld')).toContainText('gekoppeld');
  return key;
}

/** Back to 'Mijn gegevens', log out, and log in again up to the code page. */
async function loginAgain(page: Page) {
  await page.getByRole('link', { name: 'Naar Mijn gegevens' }).click();
  await hydrated(page);
  await logout(page);
  await login(page, 'multi');
  await expect(page).toHaveURL(/\/inloggen\/code$/);
  await hydrated(page);
}

async function openAuthenticator(page: Page) {
  await page.getByRole('link', { name: 'Mijn gegevens' }).click();
  await page.getByRole('link', { name: 'Authenticator', exact: true }).click();
  await expect(page).toHaveURL(/\/mijn-gegevens\/authenticator$/);
  await hydrated(page);
}

test('a user replaces the app on a new phone: only after proving password and old app', async ({ page }) => {
  test.setTimeout(120_000);
  await login(page, 'multi');
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);

  // The first phone, after a step-up by SMS to the stored number.
  await openAuthenticator(page);
  await expect(page.getByText('Voor een wijziging van je inlog vragen we je wachtwoord')).toBeVisible();
  await noSeriousAxeViolations(page);
  await stepUp(page, MULTI);
  const oldKey = await bindApp(page);

  // A new login (by SMS: the old phone's app code is kept for the step-up).
  await loginAgain(page);
  const sent = smsCount(MULTI);
  await page.getByRole('button', { name: 'Stuur mij een SMS-code' }).click();
  await submitCode(page, await codeFromOutbox(MULTI, sent));

  // New phone: the QR code is not shown until the user proves it is them.
  await openAuthenticator(page);
  await expect(page.getByRole('img', { name: /QR-code/ })).toHaveCount(0);
  await expect(page.getByLabel('Code uit de app of SMS-code')).toBeVisible();
  await page.getByLabel('Wachtwoord').fill('niet-het-wachtwoord');
  const oldAppCode = totp(oldKey, Date.now() + 30_000);
  await page.getByLabel('Code uit de app of SMS-code').fill(oldAppCode);
  await page.getByRole('button', { name: 'Bevestigen' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Je wachtwoord is onjuist.' })).toBeVisible();
  await expect(page.getByLabel('Code uit de app of SMS-code')).toHaveValue(oldAppCode);
  await noSeriousAxeViolations(page);

  await page.getByLabel('Wachtwoord').fill('Welkom-2fa!');
  await page.getByRole('button', { name: 'Bevestigen' }).click();
  await expect(page.getByText('Er is al een authenticator app gekoppeld')).toBeVisible();
  const newKey = await bindApp(page);
  expect(newKey).not.toBe(oldKey);

  // The old phone no longer logs in; the new one does.
  await loginAgain(page);
  const oldCode = totp(oldKey, Date.now() + 30_000);
  await page.getByLabel('Beveiligingscode').fill(oldCode);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'onjuist' })).toBeVisible();
  await submitCode(page, totp(newKey, Date.now() + 30_000));
  await expect(page.getByTestId('gebruikersnaam')).toHaveText('Max Multi');
});
