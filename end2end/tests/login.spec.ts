import { expect, test } from '@playwright/test';
import { hydrated, login, loginWithSms, logout, open, PASSWORD } from './helpers';

const demo = [
  { login: 'beheerder', name: 'Bea Beheer', beheerder: true },
  { login: 'medewerker', name: 'Mees Medewerker', beheerder: false },
  { login: 'bakker', name: 'Bram Bakker', beheerder: false, client: 'Bakkerij De Korenbloem' },
  { login: 'hovenier', name: 'Hanna Hovenier', beheerder: false, client: 'Hoveniersbedrijf Groen' },
  { login: 'zorg', name: 'Zeynep Zorg', beheerder: false, client: 'Zorggroep Horizon', sms: '+31612345602' },
  { login: 'multi', name: 'Max Multi', beheerder: false, client: 'Bakkerij De Korenbloem' },
];

for (const user of demo) {
  test(`${user.login} reaches its own menu and logs out`, async ({ page }) => {
    if (user.sms) {
      // Zorggroep Horizon's policy is 'Ja': the login asks for an SMS code.
      await loginWithSms(page, user.login, user.sms);
    } else {
      await login(page, user.login);
      await expect(page).toHaveURL(/\/$/);
      await hydrated(page);
    }
    await expect(page.getByTestId('gebruikersnaam')).toHaveText(user.name);
    if (user.client) {
      const active = page.getByTestId('actieve-client');
      if (user.login === 'multi') {
        await expect(active.locator('option:checked')).toHaveText(user.client);
      } else {
        await expect(active).toHaveText(user.client);
      }
    }

    const menu = page.getByRole('navigation', { name: 'Hoofdmenu' });
    const admin = [menu.getByRole('link', { name: 'Cliënten' }), menu.getByRole('link', { name: 'Kantoorgebruikers' })];
    for (const link of admin) {
      await expect(link).toHaveCount(user.beheerder ? 1 : 0);
    }
    await expect(menu.getByRole('link', { name: 'Mijn gegevens' })).toBeVisible();
    await expect(menu.getByText('Help', { exact: true })).toBeVisible();

    await menu.getByRole('link', { name: 'Mijn gegevens' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Mijn gegevens' })).toBeVisible();
    await expect(page.getByText(user.login, { exact: true })).toBeVisible();
    if (user.beheerder) {
      await menu.getByRole('link', { name: 'Cliënten' }).click();
      await expect(page.getByRole('cell', { name: 'Zorggroep Horizon' })).toBeVisible();
      await menu.getByRole('link', { name: 'Kantoorgebruikers' }).click();
      await expect(page.getByRole('cell', { name: 'Mees Medewerker' })).toBeVisible();
    }

    await logout(page);
    await page.goto('/mijn-gegevens');
    await expect(page).toHaveURL(/\/inloggen$/);
  });
}

test('a wrong password shows the message and keeps the login name', async ({ page }) => {
  await login(page, 'beheerder', 'niet-het-wachtwoord');
  await expect(page.getByRole('alert')).toHaveText('Inlognaam of wachtwoord onjuist');
  await expect(page.getByLabel('Inlognaam')).toHaveValue('beheerder');
  await expect(page).toHaveURL(/\/inloggen$/);

  // The same message for a login name that does not exist.
  await page.getByLabel('Inlognaam').fill('bestaat-niet');
  await page.getByLabel('Wachtwoord').fill(PASSWORD);
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('Inlognaam of wachtwoord onjuist');
  await expect(page.getByLabel('Inlognaam')).toHaveValue('bestaat-niet');
});

test('empty fields and a 10 KB password get a clear message', async ({ page }) => {
  await open(page, '/inloggen');
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('Vul je inlognaam in.');

  await page.getByLabel('Inlognaam').fill('beheerder');
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('Vul je wachtwoord in.');

  await page.getByLabel('Wachtwoord').fill('x'.repeat(10 * 1024));
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('te lang');
  await expect(page.getByLabel('Inlognaam')).toHaveValue('beheerder');

  await page.getByLabel('Inlognaam').fill('ƀéhéérdér 🙂 \u202e');
  await page.getByLabel('Wachtwoord').fill(PASSWORD);
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('Inlognaam of wachtwoord onjuist');
});

test('a forged session cookie leads to the login page', async ({ page, context, baseURL }) => {
  await context.addCookies([
    { name: 'tweestap_sessie', value: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', url: baseURL! },
  ]);
  await page.goto('/kantoorgebruikers');
  await expect(page).toHaveURL(/\/inloggen$/);
  await expect(page.getByRole('heading', { name: 'Inloggen', exact: true })).toBeVisible();
});

test('a user of two clients switches the active client', async ({ page }) => {
  await login(page, 'multi');
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await expect(page.getByText('namens Bakkerij De Korenbloem')).toBeVisible();
  const select = page.getByTestId('actieve-client');
  await select.selectOption({ label: 'Hoveniersbedrijf Groen' });
  await expect(page.getByText('namens Hoveniersbedrijf Groen')).toBeVisible();
  await page.reload();
  await expect(page.getByTestId('actieve-client').locator('option:checked')).toHaveText('Hoveniersbedrijf Groen');
});

test('a beheerder-only page tells others they have no access', async ({ page }) => {
  await login(page, 'medewerker');
  await expect(page).toHaveURL(/\/$/);
  await open(page, '/clienten');
  await expect(page.getByRole('alert')).toHaveText('Je hebt geen toegang tot deze functie.');
});

test('the login page fetches only its own code; the portal and the admin screens load when needed', async ({ page }) => {
  const wasm: string[] = [];
  page.on('requestfinished', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith('.wasm')) wasm.push(path);
  });
  await open(page, '/inloggen');
  // Only the main file: no page's own code (split_…) or shared piece (chunk_…).
  expect(wasm.filter((p) => /\/(split|chunk)_/.test(p))).toEqual([]);
  expect(wasm).toHaveLength(1);

  await page.getByLabel('Inlognaam').fill('beheerder');
  await page.getByLabel('Wachtwoord').fill(PASSWORD);
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  // The portal's pages come after the password; the beheerder's screens not yet.
  await expect.poll(() => wasm.some((p) => p.includes('/split_portal_pages_'))).toBe(true);
  await hydrated(page);
  expect(wasm.some((p) => p.includes('/split_admin_pages_'))).toBe(false);

  // Every page a user has came with the portal: the wizard opens without a fetch.
  const portalFetched = wasm.length;
  await page.getByText('Help', { exact: true }).click();
  await page.getByRole('link', { name: 'Authenticator app koppelen' }).click();
  await expect(page.getByRole('heading', { name: 'Bevestig dat jij het bent' })).toBeVisible();
  expect(wasm.length).toBe(portalFetched);

  const menu = page.getByRole('navigation', { name: 'Hoofdmenu' });
  await menu.getByRole('link', { name: 'Cliënten' }).click();
  await expect(page.getByRole('cell', { name: 'Zorggroep Horizon' })).toBeVisible();
  expect(wasm.some((p) => p.includes('/split_admin_pages_'))).toBe(true);

  // Pages whose code is already there open again, back and forth.
  await menu.getByRole('link', { name: 'Mijn gegevens' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Mijn gegevens' })).toBeVisible();
  await menu.getByRole('link', { name: 'Cliënten' }).click();
  await expect(page.getByRole('cell', { name: 'Zorggroep Horizon' })).toBeVisible();
  const fetched = wasm.length;
  await menu.getByRole('link', { name: 'Mijn gegevens' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Mijn gegevens' })).toBeVisible();
  await menu.getByRole('link', { name: 'Cliënten' }).click();
  await expect(page.getByRole('cell', { name: 'Zorggroep Horizon' })).toBeVisible();
  expect(wasm.length).toBe(fetched);
});
