// The frame of the browser test files: one chatd and one Chromium per
// describe block, a fresh browser context per page, and screenshots of every
// open page when a test fails.
import { before, after, afterEach } from 'node:test';
import { useServer, test } from '../lib/harness.mjs';
import { launchBrowser, newPage, onFailure, watchPage } from '../lib/browser.mjs';

/** DESKTOP and PHONE are the viewports the tests use. */
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 740 };

/** TOUCH makes a context a phone's: a touch screen and no mouse to hover with. */
export const TOUCH = { hasTouch: true, isMobile: true };

/**
 * useBrowser starts a server and Chromium for the enclosing describe block.
 * fx.url is the server's address, fx.server the server, fx.page(viewport)
 * opens a page in a new context (closed after the test).
 */
export function useBrowser(serverOptions) {
  const server = useServer(serverOptions);
  const open = [];
  const fx = {
    browser: null,
    get url() {
      return server.url;
    },
    get server() {
      return server.server;
    },
    /** page opens a page in a new context; options as newPage's (hasTouch, colorScheme, storageState…). */
    async page(viewport = DESKTOP, options = {}) {
      const page = await newPage(fx.browser, { baseURL: server.url, viewport, ...options });
      open.push(page);
      return page;
    },
    /** tab opens another page in the context of page: a second tab of the same browser. */
    async tab(page) {
      const tab = watchPage(await page.context().newPage());
      open.push(tab);
      return tab;
    },
    pages: () => open,
  };
  before(async () => {
    fx.browser = await launchBrowser();
  });
  afterEach(async () => {
    for (const page of open.splice(0)) await page.context().close().catch(() => {});
  });

  after(async () => {
    await fx.browser?.close();
  });
  return fx;
}

/** browserTest is a harness test that saves screenshots of fx's pages when it fails. */
export function browserTest(fx, name, fn) {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 60);
  return test(name, () => onFailure(slug, fx.pages, fn));
}
