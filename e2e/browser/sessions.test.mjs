// Staying signed in: a second tab and a browser started again are signed in
// by themselves; no token is left where script or another site can read it;
// signing out in one tab ends the session in every tab and on every device.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { api, newUser } from '../lib/client.mjs';
import { createRoom } from '../lib/chat.mjs';
import { DESKTOP, browserTest, useBrowser } from './fixture.mjs';
import { eventually, openRoom, send, signIn, waitForTexts } from '../lib/page.mjs';

/** signedInAs waits until page shows the chat of user. */
async function signedInAs(page, user) {
  await page.locator('.me-user').getByText(`@${user.username}`).waitFor();
}

/** signInCard waits until page shows the sign-in card, with notice when given. */
async function signInCard(page, notice) {
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  if (notice) await page.locator('.form-notice').getByText(notice).waitFor();
}

describe('staying signed in', () => {
  const fx = useBrowser();

  browserTest(fx, 'a second tab and a restarted browser are signed in; the token stays out of reach', async () => {
    const alice = await newUser(fx.url, 'st');
    const bob = await newUser(fx.url, 'st');
    await createRoom(alice, 'two tabs', [bob.id]);
    const page = await fx.page();
    await signIn(page, alice);

    const tab = await fx.tab(page);
    await tab.goto('/');
    await signedInAs(tab, alice);
    await openRoom(tab, 'two tabs');
    await send(tab, 'sent from the second tab');
    await openRoom(page, 'two tabs');
    await waitForTexts(page, ['sent from the second tab']);

    // Nothing a script or another site could read holds a token.
    const cookies = await page.context().cookies();
    assert.equal(cookies.length, 1, JSON.stringify(cookies));
    const [cookie] = cookies;
    assert.deepEqual({ name: cookie.name, path: cookie.path, httpOnly: cookie.httpOnly, sameSite: cookie.sameSite },
      { name: 'chat_refresh', path: '/session', httpOnly: true, sameSite: 'Strict' });
    assert.ok(cookie.expires > Date.now() / 1000 + 7 * 86400, 'it outlives the browser: it lasts for weeks');
    const readable = await page.evaluate(() => [document.cookie, JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage })].join(' '));
    assert.equal(await page.evaluate(() => document.cookie), '', 'script sees no cookie');
    assert.doesNotMatch(readable, /eyJ[\w-]+\.[\w-]+\./, 'no JWT in storage');
    assert.ok(!readable.includes(cookie.value), 'no refresh token in storage');
    const stolen = await api(fx.url).request('POST', '/session/refresh', undefined,
      { headers: { cookie: `chat_refresh=${cookie.value}`, origin: 'https://elsewhere.example' } });
    assert.equal(stolen.status, 403, 'another site cannot use the cookie, even when a browser would send it');

    // The browser closed and opened again: its cookie jar and storage, a new context.
    const state = await page.context().storageState();
    await page.context().close();
    const again = await fx.page(DESKTOP, { storageState: state });
    await again.goto('/');
    await signedInAs(again, alice);
    await openRoom(again, 'two tabs');
    await waitForTexts(again, ['sent from the second tab']);
  });

  browserTest(fx, 'signing out in one tab ends the session in every tab and on every device', async () => {
    const carol = await newUser(fx.url, 'so');
    const page = await fx.page();
    await signIn(page, carol);
    const tab = await fx.tab(page);
    await tab.goto('/');
    await signedInAs(tab, carol);
    const phone = await fx.page();
    await signIn(phone, carol);
    const stale = (await phone.context().cookies())[0];

    await tab.getByRole('button', { name: 'Sign out' }).click();
    await signInCard(tab);
    await signInCard(page, 'You signed out in another tab.');
    await signInCard(phone, 'You signed out on another device or tab.');
    for (const p of [page, tab, phone]) {
      await p.reload();
      await signInCard(p);
    }
    const res = await api(fx.url).request('POST', '/session/refresh', undefined, { headers: { cookie: `chat_refresh=${stale.value}` } });
    assert.equal(res.status, 401, 'the other device\'s session is over on the server too');

    // Signing in again in one tab signs in the others.
    await signIn(page, carol);
    await signedInAs(tab, carol);
  });

  browserTest(fx, 'a session that has ended on the server sends the page back to the sign-in card', async () => {
    const dave = await newUser(fx.url, 'se');
    const page = await fx.page();
    await signIn(page, dave);
    await page.context().clearCookies();
    await page.evaluate(() => { localStorage.setItem('roomchat.signedIn', 'someone:1'); });
    await page.reload();
    await signInCard(page);
    await eventually(async () => assert.equal(await page.evaluate(() => localStorage.getItem('roomchat.signedIn')), null));
  });
});

describe('short-lived tokens', () => {
  const fx = useBrowser({ env: { CHAT_SESSION_TOKEN_TTL: '2s' } });

  browserTest(fx, 'two tabs keep renewing their tokens, each refresh replacing the cookie, and stay signed in', async () => {
    const erin = await newUser(fx.url, 'rn');
    const frank = await newUser(fx.url, 'rn');
    await createRoom(frank, 'renewals', [erin.id]);
    const page = await fx.page();
    const refreshes = [];
    page.context().on('request', (r) => { if (r.url().endsWith('/session/refresh')) refreshes.push(Date.now()); });
    await signIn(page, erin);
    const tab = await fx.tab(page);
    await tab.goto('/');
    await signedInAs(tab, erin);
    const first = (await page.context().cookies())[0].value;
    await page.waitForTimeout(12_000);
    assert.ok(refreshes.length >= 4, `${refreshes.length} refreshes in 12 s by two tabs with 2 s tokens`);
    assert.notEqual((await page.context().cookies())[0].value, first, 'the refresh token was replaced');
    for (const p of [page, tab]) {
      await openRoom(p, 'renewals');
      assert.equal(await p.locator('.auth').count(), 0, 'still signed in');
    }
    await send(tab, 'after many renewals');
    await waitForTexts(page, ['after many renewals']);
  });
});
