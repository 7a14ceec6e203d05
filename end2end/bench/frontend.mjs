// What the browser does with the bundle, in Debian's Chromium, for the login
// bench (server/benches/login). Usage: node bench/frontend.mjs <base> <loads>
// Prints one line: FRONTEND {"cold_ms": [...], "warm_ms": [...],
// "fetched": [...], "wizard_ms": [...]}.
//
// - cold_ms / warm_ms: the login page until hydrated, in a fresh browser
//   context and reloaded in it (bundle cached). The app sets
//   data-hydrated="true" on <body> when hydration has finished; an observer
//   installed before any page script notes performance.now() at that moment,
//   which counts from the start of the navigation.
// - fetched: every wasm and js file the first cold load fetched before it was
//   hydrated, from Chromium's own network log (url, content-encoding, bytes
//   of body on the wire).
// - wizard_ms: after logging in as 'beheerder', from the click on the help
//   menu's 'Authenticator app koppelen' until the wizard's first form is on
//   screen and usable, the home page having hydrated first (the wizard's
//   code comes with the portal's, app/src/pages/lazy.rs).
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from '../chromium.mjs';

const [base, loadsArg] = process.argv.slice(2);
const loads = Number(loadsArg ?? 10);
if (!base || !(loads > 0)) {
  console.error('usage: node bench/frontend.mjs <base url> <loads>');
  process.exit(2);
}

const browser = await chromium.launch(chromiumLaunchOptions);

function watchHydration() {
  new MutationObserver((_, observer) => {
    if (document.body?.dataset.hydrated === 'true') {
      window.__hydratedAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-hydrated'] });
}

async function hydratedAfter(page) {
  await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 30_000 });
  return page.evaluate(() => window.__hydratedAt);
}

/** The wasm and js responses of `page` that have finished so far. */
function logBundle(page) {
  const finished = [];
  page.on('requestfinished', async (request) => {
    const url = new URL(request.url());
    if (!/\.(wasm|js)$/.test(url.pathname)) return;
    const response = await request.response();
    const sizes = await request.sizes();
    finished.push({
      url: url.pathname,
      encoding: response?.headers()['content-encoding'] ?? 'identity',
      bytes: sizes.responseBodySize,
    });
  });
  return finished;
}

async function wizardAfterLogin(context) {
  const page = await context.newPage();
  await page.addInitScript(watchHydration);
  await page.goto(`${base}/inloggen`);
  await hydratedAfter(page);
  await page.getByLabel('Inlognaam').fill('beheerder');
  await page.getByLabel('Wachtwoord').fill('Welkom-2fa!');
  await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
  await page.waitForURL(`${base}/`);
  // The home page as a user sees it settle: its code loaded and hydrated.
  await hydratedAfter(page);
  await page.getByText('Help', { exact: true }).click();
  const link = page.getByRole('link', { name: 'Authenticator app koppelen' });
  await link.waitFor();
  // Timed in the page: from the click to the first form field that can be typed in.
  await page.evaluate(() => {
    window.__wizardAt = undefined;
    new MutationObserver((_, observer) => {
      const field = document.querySelector('main input:not([disabled])');
      const wizard = [...document.querySelectorAll('main h1, main h2')].some(
        (h) => h.id === 'stap-kop' || h.textContent.includes('Bevestig dat jij het bent'),
      );
      if (field && wizard) {
        window.__wizardAt = performance.now() - window.__clickedAt;
        observer.disconnect();
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
    const link = [...document.querySelectorAll('a')].find((a) => a.textContent.trim() === 'Authenticator app koppelen');
    window.__clickedAt = performance.now();
    link.click();
  });
  await page.waitForFunction(() => window.__wizardAt !== undefined, null, { timeout: 30_000 });
  const ms = await page.evaluate(() => window.__wizardAt);
  await page.close();
  return ms;
}

const result = { cold_ms: [], warm_ms: [], fetched: [], wizard_ms: [] };
try {
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const finished = logBundle(page);
    await page.addInitScript(watchHydration);
    await page.goto(`${base}/inloggen`);
    result.cold_ms.push(await hydratedAfter(page));
    if (i === 0) {
      // The log's entries are written asynchronously; let the last land.
      await page.waitForTimeout(300);
      result.fetched = [...finished];
    }
    await page.reload();
    result.warm_ms.push(await hydratedAfter(page));
    await page.close();
    await context.close();
  }
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext();
    result.wizard_ms.push(await wizardAfterLogin(context));
    await context.close();
  }
} finally {
  await browser.close();
}
console.log('FRONTEND ' + JSON.stringify(result));
