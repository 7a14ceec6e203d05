import { expect, Page, test } from '@playwright/test';
import { bindApp, hydrated, login, loginWithSms, noSeriousAxeViolations, openAuthenticator, stepUp, submitCode, totp } from './helpers';

const ZORG = '+31612345602';

/** 'Mijn gegevens' → 'Authenticator' → step-up → bind. */
async function bindFromMyDetails(page: Page, phone: string) {
  await openAuthenticator(page);
  await stepUp(page, phone);
  return bindApp(page, phone);
}

/** Whether the page's session still counts: a reload of a portal page. */
async function loggedOut(page: Page) {
  await page.goto('/mijn-gegevens');
  await expect(page).toHaveURL(/\/inloggen$/);
}

test("a beheerder ends a client user's sessions and resets their app", async ({ browser }) => {
  test.setTimeout(120_000);
  // zorg (client policy 'Ja') binds an app and stays logged in.
  const zorg = await (await browser.newContext()).newPage();
  await loginWithSms(zorg, 'zorg', ZORG);
  const { key } = await bindFromMyDetails(zorg, ZORG);

  const admin = await (await browser.newContext()).newPage();
  await login(admin, 'beheerder');
  await expect(admin).toHaveURL(/\/$/);
  await hydrated(admin);
  await admin.getByRole('link', { name: 'Cliënten' }).click();
  await admin.getByRole('link', { name: 'Zorggroep Horizon' }).click();
  await admin.getByRole('link', { name: 'Gebruikers', exact: true }).click();
  await expect(admin).toHaveURL(/\/clienten\/\d+\/gebruikers$/);
  await hydrated(admin);
  const card = admin.getByRole('article', { name: 'Zeynep Zorg' });
  await expect(card).toContainText('Authenticator app');
  await expect(card).toContainText('Laatste login');
  await expect(card).not.toContainText('Nog nooit');
  await noSeriousAxeViolations(admin);

  // Ending someone's sessions needs the beheerder's own step-up first.
  await card.getByRole('button', { name: 'Sessies beëindigen' }).click();
  await stepUp(admin);
  await expect(admin.getByText('Bevestigd.')).toBeVisible();
  await card.getByRole('button', { name: 'Sessies beëindigen' }).click();
  await expect(admin.getByRole('status').filter({ hasText: 'De sessies zijn beëindigd.' })).toBeVisible();
  await loggedOut(zorg);

  // zorg logs in again with the app; the beheerder resets it (a lost phone).
  await login(zorg, 'zorg');
  await expect(zorg).toHaveURL(/\/inloggen\/code$/);
  await hydrated(zorg);
  await submitCode(zorg, totp(key, Date.now() + 30_000));
  await card.getByRole('button', { name: 'Authenticator resetten' }).click();
  await expect(admin.getByRole('status').filter({ hasText: 'De authenticator app is gereset.' })).toBeVisible();
  await expect(card).toContainText('SMS');
  await expect(card.getByRole('button', { name: 'Authenticator resetten' })).toHaveCount(0);
  await loggedOut(zorg);
  await noSeriousAxeViolations(admin);
});

test("a beheerder changes a client's 'Authenticatie'; turning it down needs the step-up", async ({ page }) => {
  await login(page, 'beheerder');
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await page.getByRole('link', { name: 'Cliënten' }).click();
  await page.getByRole('link', { name: 'Bakkerij De Korenbloem' }).click();
  await expect(page.getByRole('link', { name: 'Authenticatie' })).toBeVisible();
  const policy = page.getByRole('group', { name: 'Inlog met twee-factor-authenticatie' });
  await policy.getByLabel('Optioneel').check();
  await page.getByRole('button', { name: 'Authenticatie opslaan' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'De authenticatie is opgeslagen.' })).toBeVisible();
  await page.getByRole('link', { name: '← Cliënten' }).click();
  await expect(page.getByRole('row', { name: /Bakkerij De Korenbloem/ })).toContainText('Optioneel');

  // And back, so the demo office stays as the README describes it: a
  // weaker login for the client's users needs the step-up; the choice stays.
  await page.getByRole('link', { name: 'Bakkerij De Korenbloem' }).click();
  await policy.getByLabel('Nee', { exact: true }).check();
  await page.getByRole('button', { name: 'Authenticatie opslaan' }).click();
  await stepUp(page);
  await expect(policy.getByLabel('Nee', { exact: true })).toBeChecked();
  await page.getByRole('button', { name: 'Authenticatie opslaan' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'opgeslagen' })).toBeVisible();

  // 'Kantoor': how long a browser may be remembered (30 days, as it stays).
  await page.getByRole('link', { name: 'Kantoor', exact: true }).click();
  await expect(page).toHaveURL(/\/kantoor$/);
  await hydrated(page);
  await expect(page.getByLabel('Apparaat onthouden (dagen)')).toHaveValue('30');
  await page.getByLabel('Apparaat onthouden (dagen)').fill('120');
  await page.getByRole('button', { name: 'Opslaan', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('van 0 tot en met 90');
  await expect(page.getByLabel('Apparaat onthouden (dagen)')).toHaveValue('120');
  await noSeriousAxeViolations(page);
});
