import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './chromium.mjs';

// The portal is started by scripts/test, which passes its address in BASE_URL.
// Playwright drives Debian's Chromium (chromium.mjs).
export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: process.env.BASE_URL ?? 'http://127.0.0.1:3000',
    locale: 'nl-NL',
    trace: 'retain-on-failure',
    launchOptions: chromiumLaunchOptions,
  },
});
