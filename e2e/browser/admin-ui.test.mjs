// The official Socket.IO Admin UI (the files of the npm package, served by
// chatd at /admin/) in Chromium, against a running chatd: an operator logs
// in and sees the sockets and rooms of two socket.io-client test clients.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect, emitAck, newUser } from '../lib/client.mjs';
import { ADMIN_PASSWORD, ADMIN_USER, adminEnv } from '../lib/admin.mjs';
import { screenshot } from '../lib/browser.mjs';
import { browserTest, useBrowser } from './fixture.mjs';

// The UI's page loads a font and an icon font from the internet, which the
// test machine cannot reach; they are refused at once instead of waited for.
const EXTERNAL = /^https:\/\/(fonts\.googleapis\.com|fonts\.gstatic\.com|cdn\.jsdelivr\.net)\//;

async function adminPage(fx) {
  const page = await fx.page();
  await page.route(EXTERNAL, (route) => route.abort());
  return page;
}

// logIn fills the UI's connection form the way an operator does.
async function logIn(page, url, password) {
  await page.goto('/admin/');
  await page.getByLabel('Server URL').fill(url);
  await page.getByLabel('Username').fill(ADMIN_USER);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Connect' }).click();
}

// ownProblems are the page's errors other than the refused external files.
const ownProblems = (page) => page.problems.filter((p) => !/ERR_FAILED|net::/.test(p));

describe('the Socket.IO Admin UI', async () => {
  const fx = useBrowser({ env: await adminEnv('readonly') });

  browserTest(fx, 'an operator logs in and sees the sockets and rooms of two clients', async () => {
    const alice = await newUser(fx.url, 'alice');
    const bob = await newUser(fx.url, 'bob');
    const room = (await alice.api.post('/rooms', { name: 'general', members: [bob.id] })).body;
    const sa = await connect(fx.url, alice.token, { transports: ['websocket'] });
    const sb = await connect(fx.url, bob.token, { transports: ['polling'] });
    assert.equal((await emitAck(sa, 'join_room', { roomId: room.id })).ok, true);
    assert.equal((await emitAck(sb, 'join_room', { roomId: room.id })).ok, true);

    const page = await adminPage(fx);
    await logIn(page, fx.url, 'not the password');
    await page.getByText('Invalid credentials').waitFor();
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByLabel('Server URL').waitFor({ state: 'hidden' });
    await page.locator('header').getByText('connected', { exact: true }).first().waitFor();

    await page.goto('/admin/#/sockets/');
    const sockets = page.locator('table tbody');
    for (const id of [sa.id, sb.id]) await sockets.getByText(id, { exact: true }).waitFor();
    await sockets.getByText('websocket').first().waitFor();
    await sockets.getByText('polling').first().waitFor();
    await screenshot(page, 'admin-ui-sockets');

    await page.goto('/admin/#/rooms/');
    const rooms = page.locator('table tbody');
    await rooms.getByText(room.id, { exact: true }).waitFor();
    await rooms.getByText(`user:${alice.id}`, { exact: true }).waitFor();
    await rooms.getByText(`user:${bob.id}`, { exact: true }).waitFor();
    const row = rooms.locator('tr', { hasText: room.id });
    assert.match(await row.innerText(), /\b2\b/, 'two sockets in the chat room');
    await screenshot(page, 'admin-ui-rooms');

    // A socket's page: whose it is, its first request, and no token.
    await page.goto(`/admin/#/n/%2F/sockets/${sa.id}`);
    await page.getByText(alice.username).first().waitFor();
    const text = await page.locator('main').innerText();
    assert.ok(!text.includes(alice.token), 'the token is not shown');

    // A socket that goes away leaves the list live.
    await page.goto('/admin/#/sockets/');
    await sockets.getByText(sb.id, { exact: true }).waitFor();
    const bobID = sb.id;
    sb.close();
    await sockets.getByText(bobID, { exact: true }).waitFor({ state: 'detached' });

    await page.goto('/admin/#/servers/');
    await page.locator('table tbody tr').first().waitFor();
    assert.equal(await page.locator('table tbody tr').count(), 1, 'one server');
    assert.deepEqual(ownProblems(page), []);
  });
});
