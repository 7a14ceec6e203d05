import { expect, Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { noSeriousAxeViolations } from './helpers';

// What aa_narrow.spec.ts (and the code page and outbox checks in
// second_factor.spec.ts) check at phone width. Not a spec itself: Playwright collects only *.spec.ts.

export const WIDTH = 360;
export const NARROW = { width: WIDTH, height: 800 };
const ARTIFACTS = 'artifacts/narrow';

/** Elements that stick out at the right, and boxes that scroll sideways. */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate((width) => {
    const describe = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().replace(/\s+/g, '.')}` : ''} "${(el.textContent ?? '').trim().slice(0, 40)}"`;
    /** Clipped by an ancestor that itself fits (the sr-only pattern, say). */
    const clipped = (el: Element) => {
      for (let a = el.parentElement; a; a = a.parentElement) {
        const style = getComputedStyle(a);
        if (style.overflowX !== 'visible' || style.clip !== 'auto' || style.clipPath !== 'none') {
          return a.getBoundingClientRect().right <= width + 0.5;
        }
      }
      return false;
    };
    const found: string[] = [];
    for (const el of document.body.querySelectorAll('*')) {
      // Not shown: display none, visibility hidden, a closed <details>.
      if (!el.checkVisibility({ contentVisibilityAuto: true, visibilityProperty: true })) continue;
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      if (box.width > 0 && box.right > width + 0.5 && !clipped(el)) {
        found.push(`${describe(el)} ends at ${Math.round(box.right)} px`);
      }
      if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
        found.push(`${describe(el)} scrolls sideways (${el.scrollWidth} > ${el.clientWidth} px)`);
      }
    }
    return found;
  }, WIDTH);
}

/**
 * The page as it is now fits 360 px (no sideways scrolling of the page or
 * of a box in it) and passes axe-core; a picture goes to artifacts/narrow/.
 */
export async function fits(page: Page, name: string) {
  const widths = await page.evaluate(() => ({
    document: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
  }));
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
  // Soft: one run names every page that does not fit.
  expect.soft(widths.document, `${name}: document width`).toBeLessThanOrEqual(WIDTH);
  expect.soft(widths.body, `${name}: body width`).toBeLessThanOrEqual(WIDTH);
  expect.soft(await overflowing(page), `${name}: wider than ${WIDTH} px`).toEqual([]);
  await noSeriousAxeViolations(page);
}
