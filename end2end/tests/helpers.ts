import { expect, Page } from '@playwright/test';

export const PASSWORD = 'Welkom-2fa!';

/** Opens a page and waits until the wasm has hydrated it. */
export async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
}

export async function login(page: Page, loginName: string, password = PASSWORD) {
  await open(page, '/inloggen');
  await page.getByLabel('Inlognaam').fill(loginName);
  await page.getByLabel('Wachtwoord').fill(password);
  await page.getByRole('button', { name: 'Inloggen' }).click();
}

export async function logout(page: Page) {
  await page.getByRole('button', { name: 'Uitloggen' }).click();
  await expect(page).toHaveURL(/\/inloggen$/);
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
}
