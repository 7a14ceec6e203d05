import { expect, Page, test } from '@playwright/test';
import { codeFromOutbox, hydrated, login, logout, mailsIn, open, smsCount, stepUp } from './helpers';
import { NARROW, fits } from './narrow';

// New passwords change demo logins: on a portal of their own (scripts/test
// starts it on a fresh demo database, published at its own address so the
// mailed links lead back to it), so no other spec sees the change.
const base = process.env.PASSWORDS_BASE_URL;
const mailFile = process.env.PASSWORDS_MAIL_OUTBOX;
if (!base || !mailFile) throw new Error('PASSWORDS_BASE_URL and PASSWORDS_MAIL_OUTBOX are not set (scripts/test sets them)');
test.use({ baseURL: base });
test.describe.configure({ mode: 'serial' });

const ZORG = '+31612345602';
const HOVENIER = '+31612345601';

const mailsTo = (address: string) => mailsIn(mailFile!, address);

/** The newest link to `path` in a mail to `address`, once it has arrived. */
async function linkTo(address: string, path = 'wachtwoord-herstellen'): Promise<string> {
  let link = '';
  const pattern = new RegExp(`https?://\\S+/${path}/[A-Za-z0-9_-]{43}`);
  await expect
    .poll(() => {
      const found = mailsTo(address)
        .map((m) => m.body.match(pattern)?.[0])
        .filter((l): l is string => !!l);
      link = found[found.length - 1] ?? '';
      return link;
    })
    .toContain(`${base}/${path}/`);
  return link;
}

async function fillNewPassword(page: Page, password: string, repeat = password) {
  await page.getByLabel('Nieuw wachtwoord').fill(password);
  await page.getByLabel('Herhaal wachtwoord').fill(repeat);
  await page.getByRole('button', { name: 'Wachtwoord opslaan' }).click();
}

test("'Wachtwoord vergeten?': a link by mail, a new password, and the login still asks the code", async ({ page }) => {
  await page.setViewportSize(NARROW);
  await open(page, '/inloggen');
  await page.getByRole('link', { name: 'Wachtwoord vergeten?' }).click();
  await expect(page).toHaveURL(/\/wachtwoord-vergeten$/);
  await hydrated(page);
  await fits(page, 'wachtwoord-vergeten');
  await page.getByLabel('Inlognaam of e-mailadres').fill('zorg');
  await page.getByRole('button', { name: 'Stuur herstellink' }).click();
  await expect(page.getByTestId('herstellink-gevraagd')).toContainText('Als er een account bij hoort');
  await fits(page, 'herstellink-gevraagd');

  const link = await linkTo('zorg@voorbeeld.example');
  await open(page, link);
  await expect(page.getByRole('heading', { name: 'Kies je wachtwoord' })).toBeVisible();
  await expect(page.getByTestId('link-inlognaam')).toHaveText('zorg');
  await fits(page, 'kies-je-wachtwoord');
  // The server's rules, in Dutch, naming the reason.
  await fillNewPassword(page, 'password1234');
  await expect(page.getByRole('alert').filter({ hasText: 'veelgebruikte' })).toBeVisible();
  await fillNewPassword(page, 'een rustige ochtend aan zee', 'een rustige ochtend aan zie');
  await expect(page.getByRole('alert').filter({ hasText: "'Herhaal wachtwoord'" })).toBeVisible();
  await fillNewPassword(page, 'een rustige ochtend aan zee');
  await expect(page).toHaveURL(/\/inloggen\?wachtwoord=opgeslagen$/);
  await hydrated(page);
  await expect(page.getByTestId('wachtwoord-opgeslagen')).toHaveText('Je wachtwoord is opgeslagen. Log nu in.');

  // The link worked once.
  await open(page, link);
  await expect(page.getByText('Deze link is verlopen of al gebruikt.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Vraag een nieuwe herstellink aan' })).toBeVisible();
  await fits(page, 'link-verlopen');

  // The new password logs in only with the second factor.
  const before = smsCount(ZORG);
  await login(page, 'zorg', 'een rustige ochtend aan zee');
  await expect(page).toHaveURL(/\/inloggen\/code$/);
  await hydrated(page);
  await page.getByLabel('Beveiligingscode').fill(await codeFromOutbox(ZORG, before));
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
});

test("'Wachtwoord wijzigen' behind the step-up, and the new password logs in", async ({ page }) => {
  await login(page, 'hovenier');
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await page.getByRole('link', { name: 'Mijn gegevens' }).click();
  await page.getByRole('link', { name: 'Wachtwoord wijzigen' }).click();
  await expect(page).toHaveURL(/\/mijn-gegevens\/wachtwoord$/);
  await hydrated(page);
  await stepUp(page, HOVENIER);
  await page.setViewportSize(NARROW);
  await fits(page, 'wachtwoord-wijzigen');
  await page.getByLabel('Huidig wachtwoord').fill('Welkom-2fa!');
  await fillNewPassword(page, 'hovenier in de tuin');
  await expect(page.getByRole('alert').filter({ hasText: 'inlognaam' })).toBeVisible();
  await fillNewPassword(page, 'zeven zwanen zwemmen zuidwaarts');
  await expect(page.getByTestId('wachtwoord-gewijzigd')).toBeVisible();
  await fits(page, 'wachtwoord-gewijzigd');
  await logout(page);
  await login(page, 'hovenier', 'zeven zwanen zwemmen zuidwaarts');
  await expect(page).toHaveURL(/\/$/);
});

test("a beheerder adds a client with 'Ja' and invites a user, who chooses a password from the mail and logs in with an SMS code", async ({ page }) => {
  await login(page, 'beheerder');
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await page.getByRole('link', { name: 'Cliënten' }).click();
  await page.getByRole('link', { name: 'Nieuwe cliënt' }).click();
  await expect(page).toHaveURL(/\/clienten\/nieuw$/);
  await hydrated(page);
  await stepUp(page);
  await page.setViewportSize(NARROW);
  await fits(page, 'nieuwe-client');
  await page.getByLabel('Naam', { exact: true }).fill('Visserij De Ster');
  await page.getByLabel('Vestiging').selectOption({ label: 'Utrecht' });
  await page.getByRole('button', { name: 'Cliënt opslaan' }).click();
  await expect(page).toHaveURL(/\/clienten\/\d+$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Visserij De Ster' })).toBeVisible();
  await page.getByLabel('Ja', { exact: true }).check();
  await page.getByRole('button', { name: 'Authenticatie opslaan' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'De authenticatie is opgeslagen.' })).toBeVisible();

  await page.getByRole('link', { name: 'Gebruikers', exact: true }).click();
  await hydrated(page);
  await page.getByRole('link', { name: 'Gebruiker toevoegen' }).click();
  await expect(page).toHaveURL(/\/clienten\/\d+\/gebruikers\/nieuw$/);
  await hydrated(page);
  await page.getByLabel('Naam', { exact: true }).fill('Nina de Ster');
  // The login name is proposed from the name.
  await expect(page.getByLabel('Inlognaam')).toHaveValue('nina.dester');
  await page.getByLabel('E-mailadres').fill('nina@ster.example');
  await page.getByLabel('Mobiel nummer').fill('06 12345 699');
  await fits(page, 'gebruiker-toevoegen');
  await page.getByRole('button', { name: 'Uitnodiging versturen' }).click();
  await expect(page.getByTestId('uitgenodigd')).toBeVisible();
  await page.getByRole('link', { name: 'Naar de gebruikers van deze cliënt' }).click();
  await hydrated(page);
  await expect(page.getByTestId('laatste-login')).toHaveText('Uitgenodigd');
  await expect(page.getByRole('button', { name: 'Uitnodiging opnieuw versturen aan Nina de Ster' })).toBeVisible();
  await fits(page, 'gebruikers-uitgenodigd');
  await logout(page);

  const link = await linkTo('nina@ster.example', 'welkom');
  await open(page, link);
  await expect(page.getByRole('heading', { name: 'Kies je wachtwoord' })).toBeVisible();
  await expect(page.getByTestId('link-inlognaam')).toHaveText('nina.dester');
  await fits(page, 'welkom');
  await fillNewPassword(page, 'zeilen op de grote vijver');
  await expect(page).toHaveURL(/\/inloggen\?wachtwoord=opgeslagen$/);
  await hydrated(page);
  await expect(page.getByTestId('wachtwoord-opgeslagen')).toBeVisible();
  // The invitation worked once; a new one comes only from the office.
  await open(page, link);
  await expect(page.getByText('Deze link is verlopen of al gebruikt.')).toBeVisible();
  await expect(page.getByText('Vraag je administratiekantoor om een nieuwe uitnodiging.', { exact: false })).toBeVisible();
  const before = smsCount('+31612345699');
  await login(page, 'nina.dester', 'zeilen op de grote vijver');
  await expect(page).toHaveURL(/\/inloggen\/code$/);
  await hydrated(page);
  await page.getByLabel('Beveiligingscode').fill(await codeFromOutbox('+31612345699', before));
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await page.getByRole('link', { name: 'Mijn gegevens' }).click();
  await hydrated(page);
  await expect(page.getByTestId('mijn-email')).toHaveText('nina@ster.example');
  await expect(page.getByRole('heading', { name: 'Inloggen en beveiliging' })).toBeVisible();
  await fits(page, 'mijn-gegevens');
});
