// The page under harder conditions: long histories, reloads, hostile
// content, a server restart, a phone-sized screen.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect, newUser } from '../lib/client.mjs';
import { createRoom, history, joinRoom, markRead, sendMany, sendMessage } from '../lib/chat.mjs';
import { screenshot } from '../lib/browser.mjs';
import { PHONE, browserTest, useBrowser } from './fixture.mjs';
import { badges, eventually, openRoom, send, settledTexts, signIn, submitRegistration, submitSignIn, waitForTexts } from '../lib/page.mjs';

const range = (from, to, prefix) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix} ${from + i}`);

/** twoInRoom registers two users, puts them in a new room, and signs the second in. */
async function twoInRoom(fx, name, viewport) {
  const u1 = await newUser(fx.url, 'pg');
  const u2 = await newUser(fx.url, 'pg');
  const room = await createRoom(u1, name, [u2.id]);
  const page = await fx.page(viewport);
  await signIn(page, u2);
  return { u1, u2, room, page };
}

describe('the page under harder conditions', () => {
  const fx = useBrowser();

  browserTest(fx, 'sign-in mistakes are explained, and signing out leaves nothing behind', async () => {
    const user = await newUser(fx.url, 'auth');
    const page = await fx.page();
    await submitSignIn(page, { username: user.username, password: 'not the password' });
    await page.getByRole('alert').getByText('Wrong username or password.').waitFor();

    await submitRegistration(page, { username: user.username, password: 'another password' });
    await page.getByRole('alert').getByText('That username is taken. Try another one.').waitFor();

    await signIn(page, user);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    assert.deepEqual(await page.context().cookies(), [], 'no session cookie is left');
    assert.equal(await page.evaluate(() => localStorage.getItem('roomchat.signedIn')), null, 'nothing of the session is left');
  });

  browserTest(fx, 'scrolling up loads older messages page by page', async () => {
    const u1 = await newUser(fx.url, 'pg');
    const u2 = await newUser(fx.url, 'pg');
    const room = await createRoom(u1, 'Long history', [u2.id]);
    const sock = await connect(fx.url, u1.token);
    const sent = await sendMany(sock, room.id, 45, 'history message');
    await markRead(u2, room.id, sent.at(-1).id); // all read: the room opens at the newest page
    const page = await fx.page();
    await signIn(page, u2);

    await openRoom(page, 'Long history');
    await page.locator('.msg-text').getByText('history message 45', { exact: true }).waitFor();
    const first = await settledTexts(page);
    assert.ok(first.length === 20 || first.length === 40, `whole pages of 20 at first, got ${first.length}`);
    assert.deepEqual(first, range(46 - first.length, 45, 'history message'), 'the newest messages');
    assert.equal(await page.locator('.room-intro').count(), 0, 'not at the beginning yet');

    await eventually(async () => {
      await page.locator('.scroller').evaluate((el) => { el.scrollTop = 0; });
      assert.equal((await settledTexts(page)).length, 45);
    }, { timeoutMs: 15_000, intervalMs: 300 });
    assert.deepEqual(await settledTexts(page), range(1, 45, 'history message'));
    await page.locator('.room-intro').getByText('This is the beginning of Long history.').waitFor();
  });

  browserTest(fx, 'a reload keeps the session, the open room and its history', async () => {
    const { u1, room, page } = await twoInRoom(fx, 'Reload room');
    const sock = await connect(fx.url, u1.token);
    await joinRoom(sock, room.id);
    await sendMany(sock, room.id, 3, 'before reload');
    await openRoom(page, 'Reload room');
    await send(page, 'mine before reload');
    const shown = [...range(1, 3, 'before reload'), 'mine before reload'];
    await waitForTexts(page, shown);

    await page.reload();
    await page.locator('.conv-title').getByText('Reload room', { exact: true }).waitFor();
    assert.equal(await page.locator('.auth').count(), 0, 'still signed in');
    await waitForTexts(page, shown);
    assert.deepEqual(await badges(page, 'Reload room'), { unread: '', mention: '' }, 'what was read stays read');

    await sendMessage(sock, room.id, 'after reload');
    await waitForTexts(page, [...shown, 'after reload']);
  });

  browserTest(fx, 'markup in a message is shown as text and never runs', async () => {
    const { u1, room, page } = await twoInRoom(fx, 'Hostile');
    const dialogs = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      d.dismiss().catch(() => {});
    });
    const hostile = ['<script>alert(1)</script>', '<img src=x onerror="alert(2)">', '<b>not bold</b> &amp; <a href="javascript:alert(3)">x</a>'];
    const sock = await connect(fx.url, u1.token);
    await openRoom(page, 'Hostile');
    for (const text of hostile.slice(0, 2)) await sendMessage(sock, room.id, text);
    await send(page, hostile[2]);

    await waitForTexts(page, hostile);
    await page.locator('.msg-text').getByText('<script>alert(1)</script>', { exact: true }).waitFor();
    const inside = (sel) => page.locator(`.messages ${sel}`).count();
    assert.equal(await inside('script'), 0);
    assert.equal(await inside('img'), 0);
    assert.equal(await inside('b'), 0);
    assert.equal(await inside('a'), 0);
    await page.reload();
    await waitForTexts(page, hostile);
    assert.deepEqual(dialogs, [], 'no script ran');
  });

  browserTest(fx, 'after a server restart the page reconnects, sends what waited and shows what it missed once', async () => {
    const { u1, u2, room, page } = await twoInRoom(fx, 'Flaky network');
    let sock = await connect(fx.url, u1.token);
    await sendMessage(sock, room.id, 'before the restart');
    await openRoom(page, 'Flaky network');
    await waitForTexts(page, ['before the restart']);

    await fx.server.stop();
    await page.locator('.conn-bar').getByText('Reconnecting').waitFor();
    await send(page, 'typed while offline');
    await page.locator('.msg.pending .msg-status').getByText('Waiting for connection…').waitFor();

    await fx.server.restart();
    sock = await connect(fx.url, u1.token);
    for (const text of ['missed 1', 'missed 2', 'missed 3']) await sendMessage(sock, room.id, text);

    const expected = ['before the restart', 'typed while offline', 'missed 1', 'missed 2', 'missed 3'];
    await eventually(async () => {
      const texts = await settledTexts(page);
      assert.deepEqual([...texts].sort(), [...expected].sort());
      assert.equal(texts[0], 'before the restart');
    }, { timeoutMs: 20_000 });
    assert.equal(await page.locator('.msg.pending').count(), 0);
    const stored = await history(u2, room.id, { limit: 100 });
    assert.deepEqual(stored.messages.map((m) => m.content).sort(), [...expected].sort(), 'stored once each');
  });

  browserTest(fx, 'at 360 px wide the list and a conversation each fit the screen', async () => {
    const { u1, room, page } = await twoInRoom(fx, 'Phone', PHONE);
    const sock = await connect(fx.url, u1.token);
    const longWord = `Supercalifragilistic${'x'.repeat(300)}`;
    const longURL = `https://example.com/${'path/'.repeat(40)}end`;
    await sendMessage(sock, room.id, longWord);
    await sendMessage(sock, room.id, longURL);
    await sendMessage(sock, room.id, 'A normal message that wraps over a couple of lines on a narrow phone screen.');

    const noSideScroll = async () => assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
      'nothing sticks out sideways');
    assert.ok(await page.locator('.sidebar').isVisible());
    assert.ok(!(await page.locator('.main').isVisible()), 'only the list at first');
    await noSideScroll();

    await openRoom(page, 'Phone');
    assert.ok(!(await page.locator('.sidebar').isVisible()), 'only the conversation once open');
    await waitForTexts(page, [longWord, longURL, 'A normal message that wraps over a couple of lines on a narrow phone screen.']);
    for (const bubble of await page.locator('.bubble').all()) {
      const box = await bubble.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, `bubble within the screen: ${JSON.stringify(box)}`);
    }
    const scroller = await page.locator('.scroller').evaluate((el) => ({ sw: el.scrollWidth, cw: el.clientWidth }));
    assert.ok(scroller.sw <= scroller.cw, 'long words wrap');
    const input = await page.getByRole('textbox', { name: /^Message / }).boundingBox();
    assert.ok(input.x >= 0 && input.x + input.width <= PHONE.width && input.y + input.height <= PHONE.height, 'message box on screen');
    await noSideScroll();

    await send(page, 'Sent from my phone');
    await waitForTexts(page, [longWord, longURL, 'A normal message that wraps over a couple of lines on a narrow phone screen.', 'Sent from my phone']);
    await screenshot(page, 'chat-360');

    await page.getByRole('button', { name: 'Back to conversations' }).click();
    await page.locator('.sidebar').waitFor();
    assert.ok(!(await page.locator('.main').isVisible()));
  });
});

describe('a message the server refuses', () => {
  const fx = useBrowser({ env: { CHAT_MAX_CONTENT: '40' } });

  browserTest(fx, 'shows why it was not sent, and a retry sends it once the server takes it', async () => {
    const { u2, room, page } = await twoInRoom(fx, 'Retry room');
    await openRoom(page, 'Retry room');
    await send(page, 'short and fine');
    await waitForTexts(page, ['short and fine']);

    const long = 'This one is longer than the forty allowed here';
    await send(page, long);
    const failed = page.locator('.msg.failed');
    await failed.locator('.msg-status').getByText('Not sent. That message is too long.').waitFor();
    assert.equal(await failed.locator('.msg-text').textContent(), long);
    assert.deepEqual((await history(u2, room.id)).messages.map((m) => m.content), ['short and fine']);

    await fx.server.restart({ env: { CHAT_MAX_CONTENT: '4000' } });
    await failed.getByRole('button', { name: 'Retry' }).click();
    await waitForTexts(page, ['short and fine', long], { timeoutMs: 20_000 });
    assert.equal(await page.locator('.msg.pending').count(), 0, 'nothing left pending or failed');
    assert.deepEqual((await history(u2, room.id)).messages.map((m) => m.content), ['short and fine', long]);
  });
});
