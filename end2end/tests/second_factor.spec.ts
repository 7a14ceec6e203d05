import { expect, test } from '@playwright/test';
import { codeFromOutbox, hydrated, login, loginWithSms, logout, open, smsCount, stepUp, submitCode } from './helpers';
import { fits, NARROW } from './narrow';

const ZORG = '+31612345602';

test('bakker logs in without a code', async ({ page }) => {
  const before = smsCount('+31612345601') + smsCount(ZORG);
  await login(page, 'bakker');
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('gebruikersnaam')).toHaveText('Bram Bakker');
  expect(smsCount('+31612345601') + smsCount(ZORG)).toBe(before);
});

test('zorg logs in with an SMS code; a wrong code is refused and the page keeps working', async ({ page }) => {
  const before = smsCount(ZORG);
  await login(page, 'zorg');
  await expect(page).toHaveURL(/\/inloggen\/code$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Beveiligingscode' })).toBeVisible();
  await expect(page.getByTestId('nummer')).toHaveText('********02');

  const input = page.getByLabel('Beveiligingscode');
  await expect(input).toHaveAttribute('autocomplete', 'one-time-code');
  await expect(input).toHaveAttribute('inputmode', 'numeric');

  // Live countdowns: the code's validity and the wait for a new code tick down.
  const valid = page.getByTestId('geldig');
  const first = await valid.textContent();
  await expect(valid).not.toHaveText(first!, { timeout: 3_000 });
  await expect(page.getByRole('button', { name: 'Nieuwe code sturen', exact: true })).toBeDisabled();
  await expect(page.getByTestId('opnieuw-over')).toContainText('seconden');

  // At phone width the page fits, also with the herstelcode form open
  // (zorg has codes from the app bound in admin_users.spec).
  await page.setViewportSize(NARROW);
  await fits(page, 'inloggen-code');
  await page.getByRole('button', { name: 'Inloggen met een herstelcode' }).click();
  await expect(page.getByLabel('Herstelcode')).toBeVisible();
  await fits(page, 'inloggen-code-herstelcode');
  await page.setViewportSize({ width: 1280, height: 800 });

  const code = await codeFromOutbox(ZORG, before);
  const wrong = code === '000000' ? '111111' : '000000';
  await input.fill(wrong);
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'onjuist' })).toBeVisible();
  await expect(page).toHaveURL(/\/inloggen\/code$/);

  await input.fill(`${code.slice(0, 3)} ${code.slice(3)}`);
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await expect(page.getByTestId('gebruikersnaam')).toHaveText('Zeynep Zorg');
});

test('hovenier turns two-factor on and is asked for a code at the next login', async ({ page }) => {
  await login(page, 'hovenier');
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await page.getByRole('link', { name: 'Mijn gegevens' }).click();
  const choice = page.getByRole('group', { name: 'Inlog met twee-factor-authenticatie' });
  await choice.getByLabel('Ja').check();
  await page.getByRole('button', { name: 'Opslaan' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'opgeslagen' })).toBeVisible();
  await logout(page);

  await loginWithSms(page, 'hovenier', '+31612345601');
  await expect(page.getByTestId('gebruikersnaam')).toHaveText('Hanna Hovenier');
});

test('the beheerder sets medewerker to Ja; medewerker is asked for a mobile number first', async ({ page }) => {
  await login(page, 'beheerder');
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await page.getByRole('link', { name: 'Kantoorgebruikers' }).click();
  await page.getByRole('link', { name: 'Mees Medewerker' }).click();
  await expect(page.getByRole('link', { name: 'Gebruikersgegevens' })).toBeVisible();
  const form = page.getByRole('group', { name: 'Inlog met twee-factor-authenticatie' });
  await form.getByLabel('Ja').check();
  await page.getByRole('button', { name: 'Gebruikersgegevens opslaan' }).click();
  // Changing how someone logs in needs the beheerder's own step-up (the
  // number the beheerder bound in authenticator.spec); the form keeps 'Ja'.
  await stepUp(page, '+31611223344');
  await expect(form.getByLabel('Ja')).toBeChecked();
  await page.getByRole('button', { name: 'Gebruikersgegevens opslaan' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'opgeslagen' })).toBeVisible();
  await page.getByRole('link', { name: '← Kantoorgebruikers' }).click();
  await expect(page.getByRole('row', { name: /Mees Medewerker/ })).toContainText('SMS (nog geen mobiel nummer)');
  await logout(page);

  await login(page, 'medewerker');
  await expect(page).toHaveURL(/\/inloggen\/mobiel$/);
  await hydrated(page);
  await page.getByLabel('Mobiel nummer').fill('020-1234567');
  await page.getByRole('button', { name: 'Code sturen' }).click();
  await expect(page.getByRole('alert')).toContainText('geldig mobiel nummer');

  const phone = '+31687654321';
  const before = smsCount(phone);
  await page.getByLabel('Mobiel nummer').fill('06-8765 4321');
  await page.getByRole('button', { name: 'Code sturen' }).click();
  await expect(page).toHaveURL(/\/inloggen\/code$/);
  await hydrated(page);
  await submitCode(page, await codeFromOutbox(phone, before));
  await page.getByRole('link', { name: 'Mijn gegevens' }).click();
  await expect(page.getByTestId('mijn-nummer')).toHaveText('********21');
});

test('the development outbox page lists the messages', async ({ page }) => {
  await open(page, '/inloggen');
  await page.goto('/dev/sms');
  await expect(page.getByRole('heading', { name: 'Ontwikkel-outbox' })).toBeVisible();
  await expect(page.getByText('niet', { exact: true })).toBeVisible();
  await expect(page.getByRole('cell', { name: ZORG }).first()).toBeVisible();
  await page.setViewportSize(NARROW);
  await fits(page, 'dev-sms');
});
