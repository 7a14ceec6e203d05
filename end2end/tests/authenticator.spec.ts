import { expect, Page, test } from '@playwright/test';
import { codeFromOutbox, hydrated, login, logout, smsCount, stepUp, submitCode, totp } from './helpers';

type Case = { login: string; name: string; branch: string; phone: string; needsNumber: boolean };

const cases: Case[] = [
  // A client user: the app shows the branch of the active client.
  { login: 'hovenier', name: 'Hanna Hovenier', branch: 'Utrecht', phone: '+31612345601', needsNumber: false },
  // An office user without a mobile number: binding asks for one first.
  { login: 'beheerder', name: 'Bea Beheer', branch: 'Amersfoort', phone: '+31611223344', needsNumber: true },
];

async function toHome(page: Page) {
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
}

for (const user of cases) {
  test(`${user.login} binds an authenticator app and logs in with its code`, async ({ page }) => {
    await login(page, user.login);
    await toHome(page);
    await page.getByRole('link', { name: 'Mijn gegevens' }).click();
    await page.getByRole('link', { name: 'Authenticator instellen' }).click();
    await expect(page).toHaveURL(/\/mijn-gegevens\/authenticator$/);
    await hydrated(page);
    // A change to how the account logs in: first the step-up.
    await stepUp(page, user.needsNumber ? undefined : user.phone);
    await expect(page.getByRole('img', { name: new RegExp(`QR-code voor ${user.branch}`) })).toBeVisible();
    await expect(page.locator('.qr svg')).toBeVisible();
    await expect(page.getByText('synchroon')).toBeVisible();
    const key = (await page.getByTestId('sleutel').textContent())!.trim();
    expect(key).toMatch(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);

    const before = smsCount(user.phone);
    await page.getByRole('button', { name: 'Verder' }).click();
    await expect(page).toHaveURL(/\/mijn-gegevens\/authenticator\/koppelen$/);
    if (user.needsNumber) {
      await page.getByLabel('Mobiel nummer').fill(`06 ${user.phone.slice(4)}`);
      await page.getByRole('button', { name: 'Code sturen' }).click();
    }
    const sms = await codeFromOutbox(user.phone, before);
    await expect(page.getByTestId('app-over')).toContainText('seconden');

    // A wrong app code: the message names that field, the SMS code stays typed.
    const right = totp(key);
    await page.getByLabel('SMS-code').fill(sms);
    await page.getByLabel('Code uit de app').fill(right === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Nu koppelen' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Code uit de app' })).toBeVisible();
    await expect(page.getByLabel('SMS-code')).toHaveValue(sms);

    await page.getByLabel('Code uit de app').fill(totp(key));
    await page.getByRole('button', { name: 'Nu koppelen' }).click();
    await expect(page.getByTestId('gekoppeld')).toContainText('gekoppeld');
    await page.getByRole('link', { name: 'Naar Mijn gegevens' }).click();
    await hydrated(page);
    await logout(page);

    // The login now asks for the app's code.
    await login(page, user.login);
    await expect(page).toHaveURL(/\/inloggen\/code$/);
    await hydrated(page);
    await expect(page.getByText('authenticator app nu laat zien')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Stuur mij een SMS-code' })).toBeVisible();
    const now = totp(key);
    await page.getByLabel('Beveiligingscode').fill(now === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'onjuist' })).toBeVisible();
    // The next window's code: the binding used the current one (drift of one step is allowed).
    await submitCode(page, totp(key, Date.now() + 30_000));
    await expect(page.getByTestId('gebruikersnaam')).toHaveText(user.name);

    // Unbind, leaving the demo office as it was: this new session must step
    // up first, and the form says which codes prove it.
    await page.getByRole('link', { name: 'Mijn gegevens' }).click();
    await expect(page.getByTestId('app-gekoppeld')).toBeVisible();
    await page.getByRole('button', { name: 'Authenticator ontkoppelen' }).click();
    await expect(page.getByLabel('Code uit de app of SMS-code')).toBeVisible();
    await stepUp(page, user.phone);
    await expect(page.getByText('Bevestigd.')).toBeVisible();
    await page.getByRole('button', { name: 'Authenticator ontkoppelen' }).click();
    await expect(page.getByRole('link', { name: 'Authenticator instellen' })).toBeVisible();
  });
}
