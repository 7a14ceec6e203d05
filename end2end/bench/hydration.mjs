// Time until a page is hydrated, in Debian's Chromium, for the login bench
// (server/benches/login). Usage: node bench/hydration.mjs <url> <loads>
// Prints one line: HYDRATION {"cold_ms": [...], "warm_ms": [...]}.
//
// The app sets data-hydrated="true" on <body> once hydration has finished;
// an observer installed before any page script notes performance.now() at
// that moment, which counts from the start of the navigation.
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from '../chromium.mjs';

const [url, loadsArg] = process.argv.slice(2);
const loads = Number(loadsArg ?? 10);
if (!url || !(loads > 0)) {
  console.error('usage: node bench/hydration.mjs <url> <loads>');
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

const result = { cold_ms: [], warm_ms: [] };
try {
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(watchHydration);
    await page.goto(url);
    result.cold_ms.push(await hydratedAfter(page));
    await page.reload();
    result.warm_ms.push(await hydratedAfter(page));
    await context.close();
  }
} finally {
  await browser.close();
}
console.log('HYDRATION ' + JSON.stringify(result));
