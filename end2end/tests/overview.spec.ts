import { expect, test } from '@playwright/test';
import { codeFromOutbox, hydrated, login, logout, noSeriousAxeViolations, smsCount, stepUp, totp } from './helpers';
import { NARROW, fits } from './narrow';

// 'Verplicht vanaf' and 'Overzicht' change a client's policy: on a portal of
// their own (scripts/test starts it on a fresh demo database), so no other
// spec sees the change.
const base = process.env.OVERVIEW_BASE_URL;
if (!base) throw new Error('OVERVIEW_BASE_URL is not set (scripts/test sets it)');
test.use({ baseURL: base });
test.describe.configure({ mode: 'serial' });

/** A date `days` from today, as the date field takes it. */
function inDays(days: number): string {
  const d = new Date(Date.now() + days * 24 * 3600 * 1000);
  return d.toLocaleDateString('sv-SE', { timeZone: 'Europe/Amsterdam' });
}

test("a beheerder sets 'Ja' with a date, opens 'Overzicht', follows 'Met niets' and exports", async ({ page }) => {
  await login(page, 'beheerder');
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await page.getByRole('link', { name: 'Cliënten' }).click();
  await page.getByRole('link', { name: 'Bakkerij De Korenbloem' }).click();
  await hydrated(page);
  await page.getByLabel('Ja', { exact: true }).check();
  await page.getByLabel('Verplicht vanaf').fill(inDays(12));
  await page.getByRole('button', { name: 'Authenticatie opslaan' }).click();
  await expect(page.getByText('De authenticatie is opgeslagen.')).toBeVisible();

  await page.getByRole('link', { name: 'Overzicht' }).click();
  await expect(page).toHaveURL(/\/overzicht$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Overzicht' })).toBeVisible();
  const row = page.getByTestId('overzicht-rij').filter({ hasText: 'Bakkerij De Korenbloem' });
  await expect(row).toContainText('Ja, vanaf');
  await expect(page.getByTestId('totalen')).toContainText('Met niets');
  await noSeriousAxeViolations(page);

  // 'Exporteren' downloads the rows as CSV.
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Exporteren', exact: true }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('tweestap-overzicht.csv');
  const path = await file.path();
  const bytes = require('node:fs').readFileSync(path) as Buffer;
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = bytes.subarray(3).toString('utf8');
  expect(text.split('\r\n')[0]).toBe("Cliënt;Twee-factor-authenticatie;Gebruikers;Met passkey;Met app;Alleen SMS;Met niets;Niet ingelogd sinds 'Ja';Niet ingelogd in 180 dagen;Uitgenodigd");
  expect(text).toContain('Bakkerij De Korenbloem;Ja, vanaf ');

  // 'Met niets' of Bakkerij: the client's users who have nothing set up.
  await row.getByRole('link', { name: /^Met niets, Bakkerij De Korenbloem/ }).click();
  await expect(page).toHaveURL(/\/clienten\/\d+\/gebruikers\?toon=niets$/);
  await hydrated(page);
  await expect(page.getByTestId('filter')).toContainText('niets ingesteld');
  await expect(page.getByRole('article', { name: 'Bram Bakker' })).toBeVisible();
  await expect(page.getByRole('article', { name: 'Max Multi' })).toHaveCount(0);

  // At phone width the overview still fits.
  await page.setViewportSize(NARROW);
  await page.goto('/overzicht');
  await hydrated(page);
  await fits(page, 'overzicht');
  await noSeriousAxeViolations(page);
});

test("a client user sees the notice, clicks 'Later', then 'Nu instellen' and binds an app", async ({ page }) => {
  const phone = '+31628989811';
  await login(page, 'bakker');
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  const notice = page.getByTestId('verplicht-melding');
  await expect(notice).toContainText('is inloggen met twee-factor-authenticatie verplicht. Stel het nu in: nog 12 dagen.');
  await noSeriousAxeViolations(page);
  await notice.getByRole('button', { name: 'Later' }).click();
  await expect(notice).toBeHidden();
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('verplicht-melding')).toHaveCount(0);

  // A new login shows it again; 'Nu instellen' opens the wizard.
  await logout(page);
  await login(page, 'bakker');
  await hydrated(page);
  await page.getByTestId('verplicht-melding').getByRole('link', { name: 'Nu instellen' }).click();
  await expect(page).toHaveURL(/\/help\/authenticator$/);
  await hydrated(page);
  await stepUp(page);
  for (const step of [2, 3]) {
    await page.getByRole('button', { name: 'Volgende' }).click();
    await expect(page.locator('#stap-kop')).toContainText(`Stap ${step} van 5`);
  }
  const key = (await page.getByTestId('sleutel').textContent())!.trim();
  await page.getByRole('button', { name: 'Volgende' }).click();
  const before = smsCount(phone);
  await page.getByLabel('Mobiel nummer').fill(`06-${phone.slice(4)}`);
  await page.getByRole('button', { name: 'Code sturen' }).click();
  await page.getByLabel('SMS-code').fill(await codeFromOutbox(phone, before));
  await page.getByLabel('Code uit de app').fill(totp(key));
  await page.getByRole('button', { name: 'Nu koppelen' }).click();
  await expect(page.getByTestId('gekoppeld')).toContainText('gekoppeld');

  // Set up: no notice, and the next login asks for the app, date or not.
  await page.goto('/mijn-gegevens');
  await hydrated(page);
  await expect(page.getByTestId('verplicht-melding')).toHaveCount(0);
  await expect(page.getByTestId('twee-factor')).toContainText('Verplicht vanaf');
  await logout(page);
  await login(page, 'bakker');
  await expect(page).toHaveURL(/\/inloggen\/code$/);
});
