// Headless Chromium for the page tests: Debian's chromium driven by
// playwright-core (no browser download), page logs kept for failures, and
// screenshots saved under e2e/artifacts/.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** CHROMIUM_PATH is the browser binary: $CHROMIUM_BIN, else Debian's chromium. */
export const CHROMIUM_PATH = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

/**
 * CHROMIUM_ARGS run it headless in a container, and keep it from opening
 * connections of its own (refused on machines without internet).
 */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

/** ARTIFACTS is the (gitignored) folder for screenshots. */
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

/** launchBrowser starts Chromium. */
export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/**
 * newPage opens a page in a fresh browser context (its own storage: one user
 * per context). options go to the context: hasTouch and isMobile for a
 * phone, colorScheme ('light' or 'dark'), storageState to start with the
 * cookies and storage of another context (a browser started again).
 */
export async function newPage(browser, { viewport = { width: 1280, height: 800 }, baseURL, ...options } = {}) {
  const context = await browser.newContext({ viewport, baseURL, deviceScaleFactor: 1, reducedMotion: 'reduce', ...options });
  return watchPage(await context.newPage());
}

/** watchPage records a page's console errors and uncaught exceptions in page.problems. */
export function watchPage(page) {
  page.problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') page.problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => page.problems.push(`pageerror: ${err.message}`));
  return page;
}

/** screenshot saves a PNG of the page as e2e/artifacts/<name>.png and returns its path. */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/**
 * onFailure runs fn; if it throws, it saves a screenshot of every page
 * (e2e/artifacts/failed-<name>-<n>.png), prints where, with the pages'
 * recorded problems, and throws again.
 */
export async function onFailure(name, pages, fn) {
  try {
    return await fn();
  } catch (err) {
    for (const [i, page] of pages().entries()) {
      if (!page || page.isClosed()) continue;
      try {
        const file = await screenshot(page, `failed-${name}-${i + 1}`);
        process.stderr.write(`screenshot: ${file}\n`);
      } catch (shotErr) {
        process.stderr.write(`no screenshot of page ${i + 1}: ${shotErr.message}\n`);
      }
      if (page.problems?.length) process.stderr.write(`page ${i + 1} problems:\n  ${page.problems.join('\n  ')}\n`);
    }
    throw err;
  }
}
