import { CDPSession, expect, Page, test } from '@playwright/test';
import { PASSWORD, codeFromOutbox, hydrated, login, logout, open, smsCount, stepUp } from './helpers';
import { NARROW, fits } from './narrow';

// Passkeys need a host name (WebAuthn binds to it, never to an IP address),
// so these tests talk to a portal of their own that scripts/test publishes
// as http://localhost:<port>, on a fresh demo database. The browser's
// authenticator is Chromium's virtual one, over the DevTools protocol.
const base = process.env.PASSKEY_BASE_URL;
if (!base) throw new Error('PASSKEY_BASE_URL is not set (scripts/test sets it)');
test.use({ baseURL: base });
test.describe.configure({ mode: 'serial' });

const ZORG = '+31612345602';
const HOVENIER = '+31612345601';

/** A platform authenticator with user verification, as a laptop with a fingerprint reader has. */
async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      ctap2Version: 'ctap2_1',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  await autofillSwitch(page);
  return { cdp, id: authenticatorId };
}

type Authenticator = { cdp: CDPSession; id: string };

/**
 * The virtual authenticator answers every request at once, as a user
 * touching the sensor would; so it would also answer the login page's
 * autofill request the moment the page opens, before a test could type a
 * password. The page offers autofill only where the browser says it can
 * (`isConditionalMediationAvailable`); this makes the browser say so only
 * while the test turns it on, as a browser without autofill for passkeys
 * would otherwise.
 */
async function autofillSwitch(page: Page) {
  await page.addInitScript(() => {
    const pkc = window.PublicKeyCredential as unknown as { isConditionalMediationAvailable?: () => Promise<boolean> };
    const real = pkc?.isConditionalMediationAvailable?.bind(pkc);
    if (real) pkc.isConditionalMediationAvailable = async () => localStorage.getItem('autofill') === 'aan' && (await real());
  });
}

async function autofill(page: Page, on: boolean) {
  await page.evaluate((on) => localStorage.setItem('autofill', on ? 'aan' : 'uit'), on);
}

async function credentials(auth: Authenticator) {
  const { credentials } = await auth.cdp.send('WebAuthn.getCredentials', { authenticatorId: auth.id });
  return credentials;
}

/** 'Inloggen met een passkey' on the login page. */
async function passwordlessByButton(page: Page) {
  await page.getByRole('button', { name: 'Inloggen met een passkey' }).click();
}

/** Logs out, then in with the password, up to the code page. */
async function toCodePage(page: Page, loginName: string) {
  await logout(page);
  await login(page, loginName);
  await expect(page).toHaveURL(/\/inloggen\/code$/);
  await hydrated(page);
}

/** 'Passkey toevoegen' on 'Mijn gegevens' (or the wizard's step), after the step-up. */
async function makePasskey(page: Page) {
  await expect(page.getByLabel('Naam van de passkey')).toHaveValue(/ op /);
  await page.getByLabel('Naam van de passkey').fill('Laptop op kantoor');
  await page.getByRole('button', { name: 'Passkey aanmaken' }).click();
  await expect(page.getByTestId('passkey-toegevoegd')).toContainText("De passkey 'Laptop op kantoor' is toegevoegd");
}

test('a user adds a passkey, logs in with password and passkey, then with the passkey alone, and removes it', async ({ page }) => {
  const auth = await virtualAuthenticator(page);

  // zorg's client asks 'Ja': the first login is by SMS.
  const first = smsCount(ZORG);
  await login(page, 'zorg');
  await expect(page).toHaveURL(/\/inloggen\/code$/);
  await hydrated(page);
  await page.getByLabel('Beveiligingscode').fill(await codeFromOutbox(ZORG, first));
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);

  await open(page, '/mijn-gegevens');
  await expect(page.getByTestId('geen-passkeys')).toBeVisible();
  await page.getByTestId('passkey-toevoegen').click();
  await stepUp(page, ZORG);
  await makePasskey(page);
  // The first passkey brings herstelcodes, shown this once.
  await expect(page.getByTestId('herstelcodes').getByRole('listitem')).toHaveCount(10);
  await expect(page.getByTestId('passkey')).toHaveCount(1);
  await expect(page.getByTestId('passkey')).toContainText('Nog niet gebruikt');
  expect(await credentials(auth)).toHaveLength(1);

  // Password, then the passkey: no SMS is sent for it.
  const beforePasskey = smsCount(ZORG);
  await toCodePage(page, 'zorg');
  await page.getByRole('button', { name: 'Inloggen met je passkey' }).click();
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  expect(smsCount(ZORG)).toBe(beforePasskey);
  await logout(page);

  // The passkey alone, from the login page's button.
  await passwordlessByButton(page);
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await expect(page.getByTestId('gebruikersnaam')).toHaveText('Zeynep Zorg');

  // And from the login name's autofill: the login page asks for a passkey
  // in the background, which the authenticator answers as a user picking
  // the passkey from the list would.
  await open(page, '/mijn-gegevens');
  await autofill(page, true);
  await page.getByRole('button', { name: 'Uitloggen', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await expect(page.getByTestId('gebruikersnaam')).toHaveText('Zeynep Zorg');
  await autofill(page, false);
  await logout(page);

  // Without user verification (no fingerprint, no PIN) the passkey is no
  // login on its own.
  await auth.cdp.send('WebAuthn.setUserVerified', { authenticatorId: auth.id, isUserVerified: false });
  await passwordlessByButton(page);
  await expect(page.getByRole('alert').filter({ hasText: /passkey/i }).first()).toBeVisible();
  await expect(page).toHaveURL(/\/inloggen$/);
  await auth.cdp.send('WebAuthn.setUserVerified', { authenticatorId: auth.id, isUserVerified: true });

  // Removing it: the step-up takes the password and the passkey.
  await passwordlessByButton(page);
  await expect(page).toHaveURL(/\/$/);
  await open(page, '/mijn-gegevens');
  await expect(page.getByTestId('passkey')).toContainText('Laatst gebruikt');
  await page.getByRole('button', { name: 'Laptop op kantoor verwijderen' }).click();
  await expect(page.getByRole('heading', { name: 'Bevestig dat jij het bent' })).toBeVisible();
  await page.getByLabel('Wachtwoord').fill(PASSWORD);
  await page.getByRole('button', { name: 'Bevestigen met je passkey' }).click();
  await expect(page.getByText('Bevestigd. Voer de wijziging nu opnieuw uit')).toBeVisible();
  await page.getByRole('button', { name: 'Laptop op kantoor verwijderen' }).click();
  await expect(page.getByText('De passkey is verwijderd.')).toBeVisible();
  await expect(page.getByTestId('geen-passkeys')).toBeVisible();

  // The next login asks for the other factor: an SMS code at once.
  const beforeSms = smsCount(ZORG);
  await toCodePage(page, 'zorg');
  await codeFromOutbox(ZORG, beforeSms);
  await expect(page.getByRole('button', { name: 'Inloggen met je passkey' })).toHaveCount(0);
  await expect(page.getByTestId('nummer')).toContainText('02');
});

const wizardCases = [
  // A client user (policy 'Optioneel', with a number).
  { login: 'hovenier', name: 'Hanna Hovenier', phone: HOVENIER as string | undefined },
  // An office user without a number: the step-up is the password alone.
  { login: 'beheerder', name: 'Bea Beheer', phone: undefined },
];

for (const user of wizardCases) {
  test(`${user.login} sets up a passkey with the help-menu wizard`, async ({ page }) => {
    const auth = await virtualAuthenticator(page);
    await login(page, user.login);
    await expect(page).toHaveURL(/\/$/);
    await hydrated(page);
    await page.getByText('Help', { exact: true }).click();
    await page.getByRole('link', { name: 'Passkey instellen' }).click();
    await expect(page).toHaveURL(/\/help\/passkey$/);
    await hydrated(page);
    await stepUp(page, user.phone);

    const heading = page.locator('#stap-kop');
    await page.setViewportSize(NARROW);
    await expect(heading).toContainText('Stap 1 van 3');
    await fits(page, `passkey-wizard-${user.login}-1`);
    await page.getByTestId('wizard-volgende').focus();
    await page.keyboard.press('Enter');
    await expect(heading).toContainText('Stap 2 van 3');
    await expect(heading).toBeFocused();
    await fits(page, `passkey-wizard-${user.login}-2`);
    await makePasskey(page);
    await fits(page, `passkey-wizard-${user.login}-2-klaar`);
    await page.getByTestId('wizard-klaar').click();
    await expect(heading).toContainText('Stap 3 van 3');
    await expect(page.getByTestId('wizard-passkey-klaar')).toBeVisible();
    await fits(page, `passkey-wizard-${user.login}-3`);
    await page.setViewportSize({ width: 1280, height: 800 });

    // From now on the passkey logs in, with no password.
    await logout(page);
    await passwordlessByButton(page);
    await expect(page).toHaveURL(/\/$/);
    await hydrated(page);
    await expect(page.getByTestId('gebruikersnaam')).toHaveText(user.name);
  });
}
