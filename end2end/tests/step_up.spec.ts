import { expect, Page, test } from '@playwright/test';
import { bindApp, codeFromOutbox, hydrated, login, logout, noSeriousAxeViolations, openAuthenticator, smsCount, stepUp, submitCode, totp } from './helpers';

const MULTI = '+31612345603';

/** Back to 'Mijn gegevens', log out, and log in again up to the code page. */
async function loginAgain(page: Page) {
  await page.getByRole('link', { name: 'Naar Mijn gegevens' }).click();
  await hydrated(page);
  await logout(page);
  await login(page, 'multi');
  await expect(page).toHaveURL(/\/inloggen\/code$/);
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
  const oldKey = (await bindApp(page, MULTI)).key;

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
  const newKey = (await bindApp(page, MULTI)).key;
  expect(newKey).not.toBe(oldKey);

  // The old phone no longer logs in; the new one does.
  await loginAgain(page);
  const oldCode = totp(oldKey, Date.now() + 30_000);
  await page.getByLabel('Beveiligingscode').fill(oldCode);
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'onjuist' })).toBeVisible();
  await submitCode(page, totp(newKey, Date.now() + 30_000));
  await expect(page.getByTestId('gebruikersnaam')).toHaveText('Max Multi');
});
