import { expect, Page, test } from '@playwright/test';
import { hydrated, login, noSeriousAxeViolations } from './helpers';

test("the beheerder reads the office's log and filters it by kind", async ({ page }) => {
  await login(page, 'beheerder');
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);

  const menu = page.getByRole('navigation', { name: 'Hoofdmenu' });
  await menu.getByRole('link', { name: 'Logboek' }).click();
  await expect(page).toHaveURL(/\/logboek$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Logboek' })).toBeVisible();

  // The login just made is in the log, by Bea Beheer's login name.
  const table = page.getByRole('table');
  const ownLogin = table
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name: 'Ingelogd', exact: true }) })
    .filter({ has: page.getByRole('cell', { name: 'beheerder', exact: true }) });
  await expect(ownLogin.first()).toBeVisible();
  await noSeriousAxeViolations(page);

  await page.getByLabel('Soort').selectOption({ label: 'Ingelogd' });
  await page.getByRole('button', { name: 'Filteren' }).click();
  await expect(page).toHaveURL(/[?&]soort=login\.ok(&|$)/);
  await expect(page.getByLabel('Soort')).toHaveValue('login.ok');

  // Column 3 is 'Soort'; the rows may still be the old ones for a moment.
  const kinds = table.locator('tbody tr td:nth-child(3)');
  await expect.poll(async () => [...new Set(await kinds.allTextContents())]).toEqual(['Ingelogd']);
  await expect(ownLogin.first()).toBeVisible();

  // A reload keeps the filter.
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel('Soort')).toHaveValue('login.ok');
  await expect.poll(async () => [...new Set(await kinds.allTextContents())]).toEqual(['Ingelogd']);
  await noSeriousAxeViolations(page);
});
