import { expect, Page, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { codeFromOutbox, hydrated, login, logout, mailsIn, open, PASSWORD, smsCount, stepUp } from './helpers';
import { NARROW, fits } from './narrow';

// An account's whole life: brought in from the office's own file, blocked,
// and its data downloaded. On the portal with mail (as passwords.spec.ts),
// with demo users that spec does not use (multi, bakker) and new ones.
const base = process.env.PASSWORDS_BASE_URL;
const mailFile = process.env.PASSWORDS_MAIL_OUTBOX;
if (!base || !mailFile) throw new Error('PASSWORDS_BASE_URL and PASSWORDS_MAIL_OUTBOX are not set (scripts/test sets them)');
test.use({ baseURL: base });
test.describe.configure({ mode: 'serial' });

const mailsTo = (address: string) => mailsIn(mailFile!, address);

async function invitationFor(address: string): Promise<string> {
  let link = '';
  await expect
    .poll(() => {
      link = mailsTo(address).map((m) => m.body.match(/https?:\/\/\S+\/welkom\/[A-Za-z0-9_-]{43}/)?.[0]).find((l) => !!l) ?? '';
      return link;
    })
    .toContain(`${base}/welkom/`);
  return link;
}

async function asBeheerder(page: Page) {
  await login(page, 'beheerder');
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
}

// As Dutch Excel saves 'CSV (gescheiden door lijstscheidingsteken)':
// Windows-1252 (latin1 covers these letters), ';', CRLF, a quoted field.
const FILE = [
  'Cliënt;Naam;E-mailadres;Mobiel nummer',
  'Visserij Zoë;Zoë Visser;zoe@visserij.example;06 12345 677',
  '"Rederij ""De Meeuw""";Joël Meeuw;joel@meeuw.example;',
  'Visserij Zoë;Wim Visser;wim@visserij.example;06 123',
  '',
].join('\r\n');

test("a beheerder imports the office's CSV, sees each row's outcome, and an invited user from it logs in", async ({ page }) => {
  test.setTimeout(90_000);
  await asBeheerder(page);
  await page.getByRole('link', { name: 'Cliënten' }).click();
  await hydrated(page);
  await page.getByRole('link', { name: 'Gebruikers importeren' }).click();
  await expect(page).toHaveURL(/\/clienten\/importeren$/);
  await hydrated(page);
  await stepUp(page);
  await page.setViewportSize(NARROW);
  await fits(page, 'importeren');
  await page.getByLabel('Bestand').setInputFiles({
    name: 'klanten.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(FILE, 'latin1'),
  });
  await page.getByRole('button', { name: 'Voorbeeld bekijken' }).click();
  const rows = page.getByRole('row');
  await expect(page.getByRole('heading', { name: 'Voorbeeld' })).toBeVisible();
  await expect(rows.filter({ hasText: 'Zoë Visser' })).toContainText('Nieuwe cliënt, nieuwe gebruiker');
  await expect(rows.filter({ hasText: 'Visserij Zoë' }).first()).toBeVisible();
  await expect(rows.filter({ hasText: 'Rederij "De Meeuw"' })).toContainText('Nieuwe cliënt, nieuwe gebruiker');
  await expect(rows.filter({ hasText: 'Wim Visser' })).toContainText('Geweigerd: Mobiel nummer');
  await expect(page.getByTestId('import-tellingen')).toContainText('Geweigerd');
  await fits(page, 'importeren-voorbeeld');
  await page.getByRole('button', { name: 'Importeren' }).click();
  await expect(page.getByRole('heading', { name: 'Geïmporteerd' })).toBeVisible();
  await expect(page.getByTestId('uitnodigingen')).toHaveText('Uitnodigingen verstuurd: 2 van 2.', { timeout: 20_000 });
  await fits(page, 'importeren-klaar');
  await logout(page);

  const link = await invitationFor('zoe@visserij.example');
  await open(page, link);
  await expect(page.getByTestId('link-inlognaam')).toHaveText('zoe.visser');
  await page.getByLabel('Nieuw wachtwoord').fill('netten boeten bij eb');
  await page.getByLabel('Herhaal wachtwoord').fill('netten boeten bij eb');
  await page.getByRole('button', { name: 'Wachtwoord opslaan' }).click();
  await expect(page).toHaveURL(/\/inloggen\?wachtwoord=opgeslagen$/);
  // The number from the file waits for its owner's first code.
  const before = smsCount('+31612345677');
  await login(page, 'zoe.visser', 'netten boeten bij eb');
  await expect(page).toHaveURL(/\/inloggen\/code$/);
  await hydrated(page);
  await page.getByLabel('Beveiligingscode').fill(await codeFromOutbox('+31612345677', before));
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await logout(page);
});

test('a blocked user is refused with the reason, and a wrong password still gets the usual answer', async ({ page }) => {
  await asBeheerder(page);
  await page.getByRole('link', { name: 'Cliënten' }).click();
  await page.getByRole('link', { name: 'Bakkerij De Korenbloem' }).click();
  await page.getByRole('link', { name: 'Gebruikers', exact: true }).click();
  await expect(page).toHaveURL(/\/clienten\/\d+\/gebruikers$/);
  await hydrated(page);
  const card = page.getByRole('article', { name: 'Max Multi' });
  await card.getByRole('button', { name: 'Account blokkeren van Max Multi' }).click();
  await stepUp(page);
  await card.getByRole('button', { name: 'Account blokkeren van Max Multi' }).click();
  await expect(card.getByTestId('geblokkeerd')).toHaveText('Geblokkeerd');
  await expect(card.getByRole('button', { name: 'Blokkade opheffen van Max Multi' })).toBeVisible();
  await page.setViewportSize(NARROW);
  await fits(page, 'gebruiker-geblokkeerd');
  // 'Verwijderen' names the user before anything happens.
  await card.getByRole('button', { name: 'Verwijderen: Max Multi' }).click();
  await expect(card.getByRole('alertdialog')).toContainText('Max Multi (multi) verliest de toegang tot deze cliënt');
  await card.getByRole('button', { name: 'Annuleren' }).click();
  await expect(card.getByRole('alertdialog')).toHaveCount(0);
  // The same download a user makes, for a request made to the office.
  await card.getByRole('link', { name: 'Gegevens downloaden van Max Multi' }).click();
  await expect(page).toHaveURL(/\/gebruikers\/\d+\/gegevens$/);
  await hydrated(page);
  await fits(page, 'gegevens-van-gebruiker');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Gegevens downloaden' }).click(),
  ]);
  const data = JSON.parse(readFileSync(await download.path(), 'utf8'));
  expect(data.profiel.inlognaam).toBe('multi');
  expect(data.profiel.geblokkeerd).toBe(true);
  await logout(page);

  await login(page, 'multi', 'geraden wachtwoord');
  await expect(page.getByRole('alert')).toHaveText('Inlognaam of wachtwoord onjuist');
  await login(page, 'multi');
  await expect(page.getByRole('alert')).toHaveText('Je account is geblokkeerd. Neem contact op met je kantoor.');
  await expect(page).toHaveURL(/\/inloggen$/);
});

test("'Mijn gegevens downloaden' gives a JSON file of the account, after the step-up", async ({ page }) => {
  await login(page, 'bakker');
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await page.getByRole('link', { name: 'Mijn gegevens' }).click();
  await hydrated(page);
  await page.getByRole('link', { name: 'Mijn gegevens downloaden' }).click();
  await expect(page).toHaveURL(/\/mijn-gegevens\/downloaden$/);
  await hydrated(page);
  await page.setViewportSize(NARROW);
  await stepUp(page);
  await fits(page, 'mijn-gegevens-downloaden');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Mijn gegevens downloaden' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('tweestap-mijn-gegevens.json');
  const data = JSON.parse(readFileSync(await download.path(), 'utf8'));
  expect(data.profiel.inlognaam).toBe('bakker');
  expect(data.clienten.map((c: { naam: string }) => c.naam)).toContain('Bakkerij De Korenbloem');
  expect(Array.isArray(data.logboek) && data.logboek.length > 0).toBe(true);
  expect(JSON.stringify(data)).not.toContain(PASSWORD);
});
