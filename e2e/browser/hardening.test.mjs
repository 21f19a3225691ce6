// The page and the server's protections (PROTOCOL.md "Hardening"): what a
// person sees when a limit stops them, when their token expires, and that
// the page keeps working behind the limits and with CORS origins set.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect, emitAck, newUser, newUsers } from '../lib/client.mjs';
import { createRoom } from '../lib/chat.mjs';
import { browserTest, useBrowser } from './fixture.mjs';
import { badges, eventually, openRoom, signIn, submitRegistration, submitSignIn, waitForTexts, send } from '../lib/page.mjs';

describe('sign-in limits on the page', () => {
  const fx = useBrowser();

  browserTest(fx, 'after ten wrong passwords the page says how long to wait', async () => {
    const user = await newUser(fx.url, 'locked');
    const page = await fx.page();
    await submitSignIn(page, { username: user.username, password: 'not the password' });
    for (let i = 0; i < 10; i++) {
      if (i > 0) await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('alert').getByText('Wrong username or password.').waitFor();
      await page.evaluate(() => { document.querySelector('.form-error').textContent = ''; });
    }
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').getByText('Too many attempts. Try again in 15 minutes.').waitFor();
  });

  browserTest(fx, "a display name that is someone else's username is refused, saying why", async () => {
    const other = await newUser(fx.url, 'known');
    const page = await fx.page();
    await submitRegistration(page, { username: `${other.username}x`.slice(0, 32), displayName: other.username, password: 'a fine password' });
    await page.getByRole('alert').getByText("DisplayName must not be another user's username.").waitFor();
  });
});

describe('a session whose access tokens expire (CHAT_SESSION_TOKEN_TTL=3s)', () => {
  const fx = useBrowser({ env: { CHAT_SESSION_TOKEN_TTL: '3s', CHAT_JWT_LEEWAY: '1s' } });

  browserTest(fx, 'the page reconnects with a renewed token each time one expires and keeps getting messages live', async () => {
    const [alice, bob] = await newUsers(fx.url, 2, 'renew');
    await createRoom(alice, 'Renewed', [bob.id]);
    const page = await fx.page();
    let opened = 0;
    page.on('websocket', (ws) => { if (ws.url().includes('/socket.io/')) opened++; });
    await signIn(page, bob);
    await openRoom(page, 'Renewed');
    const sock = await connect(fx.url, alice.token, { transports: ['websocket'] });
    // Each token lives 3 s; the server closes the socket of an expired one,
    // and the page connects again with its renewed token.
    await eventually(() => assert.ok(opened >= 2, `${opened} WebSocket connections`), { timeoutMs: 15_000 });
    const room = (await alice.api.get('/rooms')).body.rooms.find((r) => r.name === 'Renewed');
    assert.equal((await emitAck(sock, 'send_message', { roomId: room.id, content: 'still live after the renewals' })).ok, true);
    await waitForTexts(page, ['still live after the renewals']);
    assert.equal(await page.getByRole('button', { name: 'Sign in', exact: true }).count(), 0, 'still signed in');
  });
});

describe('the page behind the event budget (CHAT_EVENT_RATE=20)', () => {
  const fx = useBrowser({ env: { CHAT_EVENT_RATE: '20' } });

  browserTest(fx, 'a member of 45 rooms, more than the burst of joins, still gets every room live', async () => {
    const [owner, member] = await newUsers(fx.url, 2, 'many');
    const rooms = [];
    for (let i = 1; i <= 45; i++) rooms.push(await createRoom(owner, `Room ${i}`, [member.id]));
    const page = await fx.page();
    await signIn(page, member);
    await page.getByText('Room 45', { exact: true }).waitFor();
    await page.waitForTimeout(500); // the page joins every room; the last ones after a wait
    const sock = await connect(fx.url, owner.token, { transports: ['websocket'] });
    for (const r of rooms) assert.equal((await emitAck(sock, 'send_message', { roomId: r.id, content: `hello ${r.name}` })).ok, true);
    for (const name of ['Room 1', 'Room 41', 'Room 45']) {
      await eventually(async () => assert.equal((await badges(page, name)).unread, '1', name), { timeoutMs: 5_000 });
    }
  });
});

describe('the page with CHAT_CORS_ORIGINS set', () => {
  const fx = useBrowser({ env: { CHAT_CORS_ORIGINS: 'http://elsewhere.test' } });

  browserTest(fx, 'runs over WebSocket from its own origin', async () => {
    const [alice, bob] = await newUsers(fx.url, 2, 'origin');
    const room = await createRoom(alice, 'Same origin', [bob.id]);
    const page = await fx.page();
    const sockets = [];
    page.on('websocket', (ws) => {
      const rec = { url: ws.url(), frames: 0, closed: false };
      ws.on('framereceived', () => rec.frames++);
      ws.on('close', () => { rec.closed = true; });
      sockets.push(rec);
    });
    await signIn(page, bob);
    await openRoom(page, 'Same origin');
    await eventually(() => assert.ok(sockets.some((s) => s.url.includes('/socket.io/') && s.frames > 0 && !s.closed), JSON.stringify(sockets)));
    await send(page, 'over the upgraded connection');
    await waitForTexts(page, ['over the upgraded connection']);
    assert.equal(room.name, 'Same origin');
  });
});
