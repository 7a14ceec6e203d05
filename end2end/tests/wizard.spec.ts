import { expect, Page, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import {
  PASSWORD,
  bindApp,
  codeFromOutbox,
  hydrated,
  login,
  loginWithSms,
  logout,
  noSeriousAxeViolations,
  open,
  openAuthenticator,
  smsCount,
  stepUp,
  submitCode,
  totp,
} from './helpers';

const ARTIFACTS = 'artifacts/wizard';

/** No serious or critical accessibility problems, and a picture at phone and desktop width. */
async function checkStep(page: Page, who: string, step: number) {
  await noSeriousAxeViolations(page);
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    await page.screenshot({ path: `${ARTIFACTS}/${who}-stap${step}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

async function expectStep(page: Page, n: number) {
  const heading = page.locator('#stap-kop');
  await expect(heading).toContainText(`Stap ${n} van 5`);
  await expect(heading).toBeFocused();
}

/** The herstelcodes each user's binding showed, for the test at the end. */
const herstelcodes: Record<string, string[]> = {};

const cases = [
  // A client user without a mobile number: the wizard asks for one.
  { login: 'bakker', name: 'Bram Bakker', phone: '+31628989898', needsNumber: true, branch: 'Amersfoort' },
  // An office user.
  { login: 'beheerder', name: 'Bea Beheer', phone: '+31611223344', needsNumber: false, branch: 'Amersfoort' },
];

for (const user of cases) {
  test(`${user.login} binds an app with the help-menu wizard`, async ({ page }) => {
    await login(page, user.login);
    await expect(page).toHaveURL(/\/$/);
    await hydrated(page);

    await page.getByText('Help', { exact: true }).click();
    await page.getByRole('link', { name: 'Authenticator app koppelen' }).click();
    await expect(page).toHaveURL(/\/help\/authenticator$/);
    await hydrated(page);
    // The wizard starts with the step-up; its form passes the same checks.
    await expect(page.getByRole('heading', { name: 'Bevestig dat jij het bent' })).toBeVisible();
    await checkStep(page, user.login, 0);
    await stepUp(page, user.needsNumber ? undefined : user.phone);
    await expect(page.locator('#stap-kop')).toContainText('Stap 1 van 5');
    await expect(page.getByRole('link', { name: 'Uitleg twee-factor-inlog' })).toBeHidden();
    await expect(page.getByText('Google Authenticator')).toBeVisible();
    await expect(page.getByText('Microsoft Authenticator')).toBeVisible();
    await checkStep(page, user.login, 1);

    // Keyboard only: focus 'Volgende' and press Enter.
    await page.getByRole('button', { name: 'Volgende' }).focus();
    await page.keyboard.press('Enter');
    await expectStep(page, 2);
    await expect(page.getByTestId('servertijd')).toHaveText(/^\d\d:\d\d:\d\d$/);
    const first = await page.getByTestId('servertijd').textContent();
    await expect(page.getByTestId('servertijd')).not.toHaveText(first!, { timeout: 3_000 });
    await expect(page.getByTestId('app-over')).toContainText('seconden');
    await checkStep(page, user.login, 2);

    await page.getByRole('button', { name: 'Volgende' }).click();
    await expectStep(page, 3);
    await expect(page.getByText(user.branch, { exact: true })).toBeVisible();
    const key = (await page.getByTestId('sleutel').textContent())!.trim();
    await checkStep(page, user.login, 3);

    const before = smsCount(user.phone);
    await page.getByRole('button', { name: 'Volgende' }).click();
    await expectStep(page, 4);
    if (user.needsNumber) {
      await page.getByLabel('Mobiel nummer').fill('06 9898 98');
      await page.getByRole('button', { name: 'Code sturen' }).click();
      await expect(page.getByRole('alert').filter({ hasText: 'geldig mobiel nummer' })).toBeVisible();
      await checkStep(page, `${user.login}-nummer`, 4);
      await page.getByLabel('Mobiel nummer').fill(`06-${user.phone.slice(4)}`);
      await page.getByRole('button', { name: 'Code sturen' }).click();
    }
    const sms = await codeFromOutbox(user.phone, before);
    await page.getByLabel('SMS-code').fill(sms);
    await checkStep(page, user.login, 4);

    // Back and forth keeps what was typed, and sends no second SMS.
    await page.getByRole('button', { name: 'Vorige' }).click();
    await expectStep(page, 3);
    await page.getByRole('button', { name: 'Volgende' }).click();
    await expectStep(page, 4);
    await expect(page.getByLabel('SMS-code')).toHaveValue(sms);
    expect(smsCount(user.phone)).toBe(before + 1);

    await page.getByLabel('Code uit de app').fill(totp(key));
    await page.getByRole('button', { name: 'Nu koppelen' }).click();
    await expectStep(page, 5);
    await expect(page.getByTestId('gekoppeld')).toContainText('gekoppeld');
    herstelcodes[user.login] = (await page.getByTestId('herstelcodes').getByRole('listitem').allTextContents()).map((c) => c.trim());
    await expect(page.getByText('volgende keer dat je inlogt')).toBeVisible();
    await checkStep(page, user.login, 5);

    await logout(page);
    await login(page, user.login);
    await expect(page).toHaveURL(/\/inloggen\/code$/);
    await hydrated(page);
    await submitCode(page, totp(key, Date.now() + 30_000));
    await expect(page.getByTestId('gebruikersnaam')).toHaveText(user.name);

    // Coming back in a new session, the wizard first asks for the step-up,
    // which the bound app's code (or an SMS code) now gives.
    await page.goto('/help/authenticator');
    await hydrated(page);
    await expect(page.getByRole('heading', { name: 'Bevestig dat jij het bent' })).toBeVisible();
    await expect(page.getByLabel('Code uit de app of SMS-code')).toBeVisible();
  });
}

// The lost phone, as a user meets it. It runs last: medewerker has the
// number second_factor.spec gave it, and the beheerder, whose account has
// used its five SMS of the hour by now, proves itself with the herstelcodes
// of the wizard above.
const MEDEWERKER = '+31687654321';

/** The beheerder, logged in and stepped up with two of its herstelcodes. */
async function beheerderWithHerstelcodes(page: Page) {
  const [forLogin, forStepUp] = herstelcodes['beheerder'];
  await login(page, 'beheerder');
  await expect(page).toHaveURL(/\/inloggen\/code$/);
  await hydrated(page);
  await page.getByRole('button', { name: 'Inloggen met een herstelcode' }).click();
  await page.getByLabel('Herstelcode').fill(forLogin);
  await page.getByRole('button', { name: 'Inloggen met herstelcode' }).click();
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  return forStepUp;
}

test('a lost phone: after the beheerder reset the app and cleared the number, a herstelcode logs in, never a new number', async ({ page }) => {
  test.setTimeout(180_000);
  // medewerker binds an app, and gets herstelcodes with it.
  await loginWithSms(page, 'medewerker', MEDEWERKER);
  await openAuthenticator(page);
  await stepUp(page, MEDEWERKER);
  const { codes } = await bindApp(page, MEDEWERKER);
  await page.getByRole('link', { name: 'Naar Mijn gegevens' }).click();
  await hydrated(page);
  await logout(page);

  // The phone is lost: the beheerder resets the app and clears the number.
  const stepUpCode = await beheerderWithHerstelcodes(page);
  await page.getByRole('link', { name: 'Kantoorgebruikers' }).click();
  await page.getByRole('link', { name: 'Mees Medewerker' }).click();
  const reset = page.getByRole('button', { name: 'Authenticator resetten van Mees Medewerker' });
  await reset.click();
  await expect(page.getByRole('heading', { name: 'Bevestig dat jij het bent' })).toBeVisible();
  await page.getByLabel('Wachtwoord').fill(PASSWORD);
  await page.getByLabel('Code uit de app of SMS-code').fill(stepUpCode);
  await page.getByRole('button', { name: 'Bevestigen' }).click();
  await expect(page.getByText('Bevestigd.')).toBeVisible();
  await reset.click();
  await expect(page.getByRole('status').filter({ hasText: 'De authenticator app is gereset.' })).toBeVisible();
  await page.getByLabel('Mobiel nummer').fill('');
  await page.getByRole('button', { name: 'Gebruikersgegevens opslaan' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'De gebruikersgegevens zijn opgeslagen.' })).toBeVisible();
  await page.getByRole('link', { name: '← Kantoorgebruikers' }).click();
  await expect(page.getByRole('row', { name: /Mees Medewerker/ })).toContainText('Herstelcode (geen mobiel nummer)');
  await logout(page);

  // At login the code page asks for a herstelcode: no code field, no SMS,
  // and typing a number of one's own is refused.
  await login(page, 'medewerker');
  await expect(page).toHaveURL(/\/inloggen\/code$/);
  await hydrated(page);
  await expect(page.getByTestId('alleen-herstelcode')).toBeVisible();
  await expect(page.getByLabel('Herstelcode')).toBeVisible();
  await expect(page.getByLabel('Beveiligingscode')).toBeHidden();
  await expect(page.getByRole('button', { name: 'Nieuwe code sturen' })).toHaveCount(0);
  await noSeriousAxeViolations(page);
  const typed = '+31687650099';
  await open(page, '/inloggen/mobiel');
  await page.getByLabel('Mobiel nummer').fill('06-8765 0099');
  await page.getByRole('button', { name: 'Code sturen' }).click();
  await expect(page.getByRole('alert')).toContainText('herstelcode');
  expect(smsCount(typed)).toBe(0);
  await open(page, '/inloggen/code');
  await page.getByLabel('Herstelcode').fill(codes[0]);
  await page.getByRole('button', { name: 'Inloggen met herstelcode' }).click();
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);

  // A new number under 'Mijn gegevens', after the step-up (another herstelcode).
  await page.getByRole('link', { name: 'Mijn gegevens' }).click();
  await expect(page.getByTestId('mijn-nummer')).toHaveText('Niet bekend');
  await page.getByRole('link', { name: 'Mobiel nummer wijzigen' }).click();
  await expect(page).toHaveURL(/\/mijn-gegevens\/mobiel-nummer$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Bevestig dat jij het bent' })).toBeVisible();
  await page.getByLabel('Wachtwoord').fill(PASSWORD);
  await page.getByLabel('Herstelcode').fill(codes[1]);
  await page.getByRole('button', { name: 'Bevestigen' }).click();
  const fresh = '+31687650011';
  const sent = smsCount(fresh);
  await page.getByLabel('Nieuw mobiel nummer').fill('06 8765 0011');
  await page.getByRole('button', { name: 'Code sturen' }).click();
  await page.getByLabel('Code uit de SMS').fill(await codeFromOutbox(fresh, sent));
  await page.getByRole('button', { name: 'Nummer bevestigen' }).click();
  await expect(page.getByTestId('nummer-gewijzigd')).toBeVisible();
  await page.getByRole('link', { name: 'Naar Mijn gegevens' }).click();
  await expect(page.getByTestId('mijn-nummer')).toHaveText('********11');
});
