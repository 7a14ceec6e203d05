import { expect, test } from '@playwright/test';
import { hydrated, login, open, stepUp } from './helpers';
import { fits, NARROW } from './narrow';

// Every page at 360 px: nothing wider than the screen, no table or form that
// scrolls sideways on its own, and axe-core finds nothing serious. Named
// 'aa_' so that it runs first: 'beheerder' has no second factor yet, so the
// step-up asks for the password alone. The code page is in
// zz_narrow_code.spec.ts: zorg's login sends an SMS, and the suite already
// spends zorg's five SMS of the hour.

test.use({ viewport: NARROW });

test('the login page fits 360 px', async ({ page }) => {
  await open(page, '/inloggen');
  await fits(page, 'inloggen');
});

test('every page of the beheerder fits 360 px', async ({ page }) => {
  test.setTimeout(120_000);
  await login(page, 'beheerder');
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await fits(page, 'start');

  // The help menu, opened.
  await page.getByText('Help', { exact: true }).click();
  await expect(page.getByRole('link', { name: 'Authenticator app koppelen' })).toBeVisible();
  await fits(page, 'start-helpmenu');
  await page.getByText('Help', { exact: true }).click();

  await open(page, '/mijn-gegevens');
  await fits(page, 'mijn-gegevens');

  await open(page, '/mijn-gegevens/authenticator');
  await expect(page.getByRole('heading', { name: 'Bevestig dat jij het bent' })).toBeVisible();
  await fits(page, 'authenticator-stepup');
  await stepUp(page);
  await expect(page.getByTestId('sleutel')).toBeVisible();
  await fits(page, 'authenticator');

  await open(page, '/mijn-gegevens/mobiel-nummer');
  await fits(page, 'mobiel-nummer');

  await open(page, '/clienten');
  await expect(page.getByRole('table')).toBeVisible();
  await fits(page, 'clienten');
  await open(page, '/clienten/1');
  await fits(page, 'client-1');
  await open(page, '/clienten/3/gebruikers');
  await fits(page, 'client-3-gebruikers');

  await open(page, '/kantoorgebruikers');
  await expect(page.getByRole('table')).toBeVisible();
  await fits(page, 'kantoorgebruikers');
  await open(page, '/kantoorgebruikers/2');
  await fits(page, 'kantoorgebruiker-2');

  await open(page, '/kantoor');
  await expect(page.getByLabel('Apparaat onthouden (dagen)')).toBeVisible();
  await fits(page, 'kantoor');

  await open(page, '/logboek');
  await expect(page.getByRole('table')).toBeVisible();
  await fits(page, 'logboek');

  await open(page, '/help');
  await fits(page, 'help');

  // The wizard: the step-up above still holds, so it starts at step 1.
  await open(page, '/help/authenticator');
  for (const step of [1, 2, 3]) {
    await expect(page.locator('#stap-kop')).toContainText(`Stap ${step} van 5`);
    await fits(page, `wizard-stap${step}`);
    if (step < 3) await page.getByRole('button', { name: 'Volgende' }).click();
  }
});
