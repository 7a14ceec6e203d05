// How Playwright starts Debian's Chromium, for the tests
// (playwright.config.ts) and the bench's hydration script alike. Its own
// browser download cannot work on these machines; without the
// background-networking flags Chromium keeps dialling out and is refused.
export const chromiumLaunchOptions = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};
