// Steps in the chat page that the browser tests share: signing in, opening
// rooms, sending, reading what the page shows.
import assert from 'node:assert/strict';

/** eventually retries check (which throws until satisfied) until it passes or timeoutMs ends. */
export async function eventually(check, { timeoutMs = 10_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** submitRegistration fills in the sign-in card's Create account tab and submits it. */
export async function submitRegistration(page, { username, password, displayName = '' }) {
  await page.goto('/');
  await page.getByRole('tab', { name: 'Create account' }).click();
  await page.getByLabel('Username').fill(username);
  if (displayName) await page.getByLabel('Display name (optional)').fill(displayName);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account', exact: true }).click();
}

/** registerInPage creates an account through the sign-in card. */
export async function registerInPage(page, account) {
  await submitRegistration(page, account);
  await page.locator('.app').waitFor();
}

/** submitSignIn fills in the sign-in card and submits it. */
export async function submitSignIn(page, { username, password }) {
  await page.goto('/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** signIn signs an existing user in through the sign-in card. */
export async function signIn(page, account) {
  await submitSignIn(page, account);
  await page.locator('.app').waitFor();
}

/** roomItem is the room list entry whose title is exactly name. */
export function roomItem(page, name) {
  return page.locator('.room-item').filter({ has: page.locator('.room-name').getByText(name, { exact: true }) });
}

/** openRoom opens a room from the list (waiting for it to appear) and waits for its history. */
export async function openRoom(page, name, { timeoutMs = 10_000 } = {}) {
  await roomItem(page, name).click({ timeout: timeoutMs });
  await page.locator('.conversation .conv-title').filter({ hasText: name }).waitFor();
  await page.locator('.history-note.loading').waitFor({ state: 'detached' });
}

/** composer is the open room's message box. */
export function composer(page) {
  return page.getByRole('textbox', { name: /^Message / });
}

/** send types text into the open room and presses Enter. */
export async function send(page, text) {
  const box = composer(page);
  await box.fill(text);
  await box.press('Enter');
}

/** shownTexts lists the texts of the messages the open room shows, in order. */
export function shownTexts(page) {
  return page.locator('.messages .msg .msg-text').allTextContents();
}

/** settledTexts lists the shown messages that are stored (not pending), in order. */
export function settledTexts(page) {
  return page.locator('.messages .msg[data-seq] .msg-text').allTextContents();
}

/** waitForTexts waits until the open room shows exactly these stored messages. */
export async function waitForTexts(page, expected, options) {
  await eventually(async () => assert.deepEqual(await settledTexts(page), expected), options);
}

/** badges returns the unread and mention badges of a room list entry ('' when absent). */
export async function badges(page, name) {
  const item = roomItem(page, name);
  // allTextContents does not wait: a badge that goes between a count and a
  // read would otherwise hold the read for the whole locator timeout.
  const text = async (sel) => (await item.locator(sel).allTextContents()).join('').trim();
  return { unread: await text('[data-badge="unread"]'), mention: await text('[data-badge="mention"]') };
}

/** message is the stored message of the open room whose text is exactly text. */
export function message(page, text) {
  return page.locator('.messages .msg[data-seq]').filter({ has: page.locator('.msg-text').getByText(text, { exact: true }) });
}

/** topInView is how far below the top of the message view an element starts (negative: above it). */
export async function topInView(page, locator) {
  const box = await locator.boundingBox();
  const view = await page.locator('.scroller').boundingBox();
  return box.y - view.y;
}

/** inView reports whether an element is wholly inside the message view. */
export async function inView(page, locator) {
  const box = await locator.boundingBox();
  const view = await page.locator('.scroller').boundingBox();
  return !!box && box.y >= view.y - 1 && box.y + box.height <= view.y + view.height + 1;
}

/** backToList leaves the open room on a phone, or does nothing on a wide screen. */
export async function backToList(page) {
  const back = page.getByRole('button', { name: 'Back to conversations' });
  if (await back.isVisible()) {
    await back.click();
    await page.locator('.sidebar').waitFor();
  }
}
