// A room bigger than its payload lists (over 200 members) from the page:
// the header counts its members, the member panel and the settings read
// them page by page, and @-autocomplete finds members the page has not read.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { api, newUser, uniqueName } from '../lib/client.mjs';
import { createRoom } from '../lib/chat.mjs';
import { signToken, nowSeconds } from '../lib/jwt.mjs';
import { TEST_JWT_SECRET } from '../lib/server.mjs';
import { browserTest, useBrowser } from './fixture.mjs';
import { composer, eventually, openRoom, send, signIn } from '../lib/page.mjs';

const MEMBERS = 230;

/** tokenUsers makes n users known from signed tokens: the service creates each on its first call. */
async function tokenUsers(url, prefix, n) {
  const users = [];
  for (let i = 0; i < n; i++) {
    const name = `${prefix}${String(i).padStart(3, '0')}`;
    const token = signToken({ sub: `${prefix}-id-${i}`, name, iat: nowSeconds(), exp: nowSeconds() + 3600 }, TEST_JWT_SECRET);
    const res = await api(url, token).get('/rooms');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    users.push({ id: `${prefix}-id-${i}`, username: name, token });
  }
  return users;
}

describe('big rooms on the page', () => {
  const fx = useBrowser();

  browserTest(fx, 'a room of 231 members: count in the header, members read 100 at a time, mentions of members not read yet', async () => {
    const prefix = uniqueName('bg').slice(0, 10);
    const alice = await newUser(fx.url, 'bga', { displayName: 'Alice' });
    const crowd = await tokenUsers(fx.url, prefix, MEMBERS);
    const room = await createRoom(alice, 'crowd', crowd.map((u) => u.id));
    assert.equal(room.memberCount, MEMBERS + 1);
    assert.equal(room.members, undefined, 'a room over 200 members does not list them');

    const page = await fx.page();
    await signIn(page, alice);
    await openRoom(page, 'crowd');
    await page.locator('.conv-sub').getByText(`${MEMBERS + 1} members`, { exact: true }).waitFor();

    await page.getByRole('button', { name: 'Members', exact: true }).click();
    const panel = page.getByRole('complementary', { name: 'Members' });
    const rows = panel.locator('.member');
    await eventually(async () => assert.equal(await rows.count(), 100));
    await panel.getByRole('button', { name: `Load more (100 of ${MEMBERS + 1})` }).click();
    await eventually(async () => assert.equal(await rows.count(), 200));
    await panel.getByRole('button', { name: `Load more (200 of ${MEMBERS + 1})` }).click();
    await eventually(async () => assert.equal(await rows.count(), MEMBERS + 1));
    assert.equal(await panel.getByRole('button', { name: /Load more/ }).count(), 0, 'no more to load');
    await panel.getByText(crowd[MEMBERS - 1].username, { exact: true }).waitFor();

    // The last member joined last: a fresh page has not read them, the directory finds them.
    const fresh = await fx.page();
    await signIn(fresh, alice);
    await openRoom(fresh, 'crowd');
    const last = crowd[MEMBERS - 1];
    await composer(fresh).fill(`hello @${last.username}`);
    const option = fresh.getByRole('option').filter({ hasText: `@${last.username}` });
    await option.waitFor();
    await option.dispatchEvent('mousedown');
    assert.equal(await composer(fresh).inputValue(), `hello @${last.username} `);
    await send(fresh, `hello @${last.username} and @${crowd[0].username}, welcome`);
    await eventually(async () => {
      const { body } = await api(fx.url, last.token).get(`/rooms/${room.id}/messages?limit=1`);
      assert.equal(body.messages[0]?.content, `hello @${last.username} and @${crowd[0].username}, welcome`);
      assert.deepEqual(body.messages[0].mentions.sort(), [last.id, crowd[0].id].sort());
    });
    await fresh.locator('.msg-text').filter({ hasText: 'hello' }).waitFor();

    // The settings list the members page by page too.
    await fresh.getByRole('button', { name: 'Room settings' }).click();
    const dialog = fresh.getByRole('dialog', { name: 'Room settings' });
    await dialog.getByText(`Members (${MEMBERS + 1})`).waitFor();
    await eventually(async () => assert.equal(await dialog.locator('.settings-member').count(), 100));
    await dialog.getByRole('button', { name: 'Load more members' }).click();
    await eventually(async () => assert.equal(await dialog.locator('.settings-member').count(), 200));
  });
});
