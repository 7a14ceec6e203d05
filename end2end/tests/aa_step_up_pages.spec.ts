import { expect, test } from '@playwright/test';
import { login, open, stepUp } from './helpers';

// The pages behind 'Bevestig dat jij het bent' are loaded whole from the
// server once the step-up is done, with the step-up's content and the page's
// own data in one document. Every such load must hydrate: a page that shows
// its content but whose buttons do nothing is worse than an error. Loaded
// many times, because a mismatch between what the server sent and what the
// browser builds showed up in a few loads of many. Named 'aa_' so that it runs
// before any test gives 'beheerder' a second factor (the step-up then asks
// for the password alone).

test('pages behind the step-up hydrate on every load', async ({ page }) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });

  await login(page, 'beheerder');
  await expect(page).toHaveURL(/\/$/);
  await open(page, '/mijn-gegevens/authenticator');
  await stepUp(page);
  await expect(page.getByTestId('sleutel')).toBeVisible();

  const pages = ['/mijn-gegevens/mobiel-nummer', '/mijn-gegevens/authenticator', '/mijn-gegevens'];
  const failed: string[] = [];
  for (let round = 0; round < 15; round++) {
    for (const path of pages) {
      await page.goto(path);
      const mark = page.locator('body[data-hydrated="true"]');
      try {
        await expect(mark).toHaveCount(1, { timeout: 5_000 });
      } catch {
        failed.push(`${path} (round ${round + 1})`);
      }
    }
  }
  expect(failed).toEqual([]);
  expect(errors).toEqual([]);
});
