import { expect, test } from '@playwright/test';
import {
  bindApp,
  codeFromOutbox,
  hydrated,
  login,
  loginWithSms,
  logout,
  noSeriousAxeViolations,
  openAuthenticator,
  readSmsFrom,
  smsCount,
  stepUp,
} from './helpers';

// A portal of its own that sends through Twilio, here a stub over real
// HTTP (end2end/stubs/twilio.mjs) that reports back, signed, as Twilio
// does; scripts/test starts both.
const PORTAL = process.env.DELIVERY_BASE_URL;
const STUB = process.env.TWILIO_STUB_URL;
const ZORG = '+31612345602';

test.use({ baseURL: PORTAL });

test.beforeAll(() => readSmsFrom(process.env.TWILIO_STUB_OUT));
test.afterAll(() => readSmsFrom(undefined));

async function report(status: string, errorCode?: string) {
  const answer = await fetch(`${STUB}/stub/report`, {
    method: 'POST',
    body: JSON.stringify({ to: ZORG, status, errorCode }),
  });
  expect(answer.status, await answer.text()).toBe(200);
}

test("an SMS that did not arrive says so, and a herstelcode logs in instead", async ({ page }) => {
  test.skip(!PORTAL || !STUB, 'DELIVERY_BASE_URL and TWILIO_STUB_URL are set by scripts/test');
  test.setTimeout(120_000);
  // zorg gets herstelcodes with an app.
  await loginWithSms(page, 'zorg', ZORG);
  await openAuthenticator(page);
  await stepUp(page, ZORG);
  const { codes } = await bindApp(page, ZORG);
  await logout(page);

  // Next time she asks for an SMS, and Twilio reports it delivered.
  await login(page, 'zorg');
  await expect(page).toHaveURL(/\/inloggen\/code$/);
  await hydrated(page);
  let before = smsCount(ZORG);
  await page.getByRole('button', { name: 'Stuur mij een SMS-code' }).click();
  await codeFromOutbox(ZORG, before);
  await report('delivered');
  await expect(page.getByTestId('sms-bezorging')).toHaveText(/^Afgeleverd om \d\d:\d\d$/);

  // The time after: the network gives up on it. The page says so within
  // moments, without a reload, with her other ways in.
  await login(page, 'zorg');
  await expect(page).toHaveURL(/\/inloggen\/code$/);
  await hydrated(page);
  before = smsCount(ZORG);
  await page.getByRole('button', { name: 'Stuur mij een SMS-code' }).click();
  await codeFromOutbox(ZORG, before);
  await report('undelivered', '30003');
  const note = page.getByTestId('sms-bezorging');
  await expect(note).toContainText('Je SMS is niet afgeleverd (nummer onbereikbaar).', { timeout: 3_000 });
  await expect(note).toContainText('met de code uit je authenticator app of met een herstelcode');
  await expect(note).toContainText("'Nieuwe code sturen'");
  await noSeriousAxeViolations(page);

  await page.getByRole('button', { name: 'Inloggen met een herstelcode' }).click();
  await page.getByLabel('Herstelcode').fill(codes[0]);
  await page.getByRole('button', { name: 'Inloggen met herstelcode' }).click();
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
});
