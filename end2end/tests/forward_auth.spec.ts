import { expect, test } from '@playwright/test';
import { chromiumLaunchOptions } from '../chromium.mjs';
import { hydrated, loginHereWithSms } from './helpers';

// The reverse-proxy check (GET /auth/verify) behind Debian's nginx
// (end2end/nginx/): nginx serves app.tweestap.test and asks a portal of
// its own, published as portal.tweestap.test with the session cookie set
// for tweestap.test, whether to let each request through. Chromium maps
// every *.tweestap.test to 127.0.0.1, where scripts/test runs both.
const app = process.env.PROXY_APP_URL;
const portal = process.env.PROXIED_BASE_URL;
if (!app || !portal) throw new Error('PROXY_APP_URL and PROXIED_BASE_URL are not set (scripts/test sets them)');
test.use({
  baseURL: portal,
  launchOptions: {
    ...chromiumLaunchOptions,
    args: [...chromiumLaunchOptions.args, '--host-resolver-rules=MAP *.tweestap.test 127.0.0.1'],
  },
});
test.describe.configure({ mode: 'serial' });

const ZORG = '+31612345602';

test('nginx sends a visitor to the portal and, after the login with SMS code, lets them through as Remote-User', async ({ page }) => {
  test.setTimeout(60_000);
  // A deep link with a query: the login returns to exactly this.
  const wanted = `${app}/index.html?week=49&naam=Zo%C3%AB`;
  await page.goto(wanted);
  await expect(page).toHaveURL((url) => url.origin === portal && url.pathname === '/inloggen');
  expect(new URL(page.url()).searchParams.get('terug')).toBe(wanted);
  await hydrated(page);

  await loginHereWithSms(page, 'zorg', ZORG);
  await expect(page).toHaveURL(wanted);
  await expect(page.getByTestId('remote-user')).toHaveText('zorg');
  await expect(page.getByTestId('remote-name')).toHaveText('Zeynep Zorg');
  await expect(page.getByTestId('remote-email')).toHaveText('zorg@voorbeeld.example');

  // What the browser itself sends as Remote-User never reaches the application.
  await page.setExtraHTTPHeaders({ 'Remote-User': 'beheerder' });
  await page.reload();
  await expect(page.getByTestId('remote-user')).toHaveText('zorg');
  await page.setExtraHTTPHeaders({});

  // The cookie reaches every host under tweestap.test, but the portal
  // vouches only for the host it protects.
  const other = await page.goto(`${new URL(app).protocol}//andere.tweestap.test:${new URL(app).port}/`);
  expect(other!.status()).toBe(403);
});

test('without a session a Remote-User header of its own gets nobody in', async ({ page }) => {
  await page.setExtraHTTPHeaders({ 'Remote-User': 'zorg' });
  await page.goto(`${app}/`);
  await expect(page).toHaveURL((url) => url.origin === portal && url.pathname === '/inloggen');
  expect(new URL(page.url()).searchParams.get('terug')).toBe(`${app}/`);
});
