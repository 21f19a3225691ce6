// Running a room from the page: its settings (name, topic, roles, removing,
// banning, handing it over, leaving, deleting), invite links, what the other
// members' pages show of it as it happens, and read receipts.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect, newUser } from '../lib/client.mjs';
import { createDM, createRoom, getRoom, sendMessage } from '../lib/chat.mjs';
import { browserTest, useBrowser } from './fixture.mjs';
import { eventually, openRoom, roomItem, send, signIn } from '../lib/page.mjs';

/** openSettings opens the open room's settings and answers the dialog. */
async function openSettings(page) {
  await page.getByRole('button', { name: 'Room settings' }).click();
  const dialog = page.getByRole('dialog', { name: 'Room settings' });
  await dialog.waitFor();
  return dialog;
}

/** memberRow is the row of the member shown as name in the settings. */
function memberRow(dialog, name) {
  return dialog.locator('.settings-member').filter({ has: dialog.page().locator('.member-name').getByText(name, { exact: true }) });
}

/** memberAction runs one of the actions the settings offer for a member. */
async function memberAction(dialog, name, action) {
  const row = memberRow(dialog, name);
  const toggle = row.getByRole('button', { name: `Actions for ${name}` });
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await row.getByRole('button', { name: action, exact: true }).click();
}

/** confirm answers yes in the confirmation dialog named title. */
async function confirm(page, title, button) {
  const dialog = page.getByRole('dialog', { name: title });
  await dialog.getByRole('button', { name: button, exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
}

/** three users and a room of alice's with bob and carol, each signed in on a page with the room open. */
async function threeInARoom(fx, prefix, name) {
  const alice = await newUser(fx.url, prefix, { displayName: 'Alice' });
  const bob = await newUser(fx.url, prefix, { displayName: 'Bob' });
  const carol = await newUser(fx.url, prefix, { displayName: 'Carol' });
  const room = await createRoom(alice, name, [bob.id, carol.id]);
  const pages = [];
  for (const user of [alice, bob, carol]) {
    const page = await fx.page();
    await signIn(page, user);
    await openRoom(page, name);
    pages.push(page);
  }
  return { alice, bob, carol, room, pages };
}

describe('room settings', () => {
  const fx = useBrowser();

  browserTest(fx, 'a rename and a new topic by the owner show at once on another member\'s page', async () => {
    const { pages: [a, b], room, bob } = await threeInARoom(fx, 'rs', 'plans');
    const dialog = await openSettings(a);
    await dialog.getByLabel('Room name').fill('launch plans');
    await dialog.getByLabel('Topic').fill('Everything about Thursday');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText('Saved.').waitFor();

    await b.locator('.conv-title').getByText('launch plans', { exact: true }).waitFor();
    await b.locator('.conv-topic').getByText('Everything about Thursday').waitFor();
    await roomItem(b, 'launch plans').waitFor();
    await a.locator('.conv-topic').getByText('Everything about Thursday').waitFor();
    const seen = await getRoom(bob, room.id);
    assert.equal(seen.topic, 'Everything about Thursday');

    // A member who does not run the room sees it, and cannot change it.
    const view = await openSettings(b);
    await view.getByText('Everything about Thursday').waitFor();
    assert.equal(await view.getByLabel('Room name').isVisible(), false);
    assert.equal(await view.getByRole('button', { name: /^Actions for / }).count(), 0);
    assert.equal(await view.getByRole('button', { name: 'Delete room' }).isVisible(), false);
    await view.getByRole('button', { name: 'Leave room' }).waitFor();
  });

  browserTest(fx, 'the owner makes bob an admin; bob removes carol, whose page drops the room', async () => {
    const { pages: [a, b, c] } = await threeInARoom(fx, 'ra', 'crew');
    const dialog = await openSettings(a);
    await memberAction(dialog, 'Bob', 'Make admin');
    await memberRow(dialog, 'Bob').locator('.role-admin').waitFor();

    // Bob's page learns he is an admin without a reload.
    const bobs = await openSettings(b);
    await memberRow(bobs, 'Bob').locator('.role-admin').waitFor();
    await bobs.getByRole('button', { name: 'Actions for Carol' }).waitFor();
    assert.equal(await bobs.getByRole('button', { name: 'Actions for Alice' }).count(), 0, 'an admin cannot act on the owner');
    await memberAction(bobs, 'Carol', 'Remove');
    await memberRow(bobs, 'Carol').waitFor({ state: 'detached' });

    await c.getByRole('heading', { name: 'You are no longer in this room' }).waitFor();
    await roomItem(c, 'crew').waitFor({ state: 'detached' });
    assert.equal(new URL(c.url()).pathname, '/');
    await memberRow(dialog, 'Carol').waitFor({ state: 'detached' });
  });

  browserTest(fx, 'a ban takes the room away and keeps them out until unbanned', async () => {
    const { pages: [a, , c], alice, carol, room } = await threeInARoom(fx, 'rb', 'quiet room');
    const dialog = await openSettings(a);
    await memberAction(dialog, 'Carol', 'Ban');
    const banned = dialog.locator('.settings-item').filter({ hasText: 'Carol' });
    await banned.waitFor();
    await c.getByRole('heading', { name: 'You are no longer in this room' }).waitFor();
    await roomItem(c, 'quiet room').waitFor({ state: 'detached' });

    const add = await alice.api.post(`/rooms/${room.id}/members`, { userId: carol.id });
    assert.equal(add.status, 403, 'banned: not added back');
    await banned.getByRole('button', { name: 'Unban Carol' }).click();
    await banned.waitFor({ state: 'detached' });
    await dialog.getByText('Nobody is banned from this room.').waitFor();
    assert.equal((await alice.api.post(`/rooms/${room.id}/members`, { userId: carol.id })).status, 200);
    await roomItem(c, 'quiet room').waitFor();
  });

  browserTest(fx, 'the owner hands the room over to bob, after confirming', async () => {
    const { pages: [a, b], room, alice, bob } = await threeInARoom(fx, 'ro', 'handover');
    const dialog = await openSettings(a);
    await memberAction(dialog, 'Bob', 'Make owner');
    await confirm(a, 'Make Bob the owner?', 'Make owner');
    await memberRow(dialog, 'Bob').locator('.role-owner').waitFor();
    await memberRow(dialog, 'Alice').locator('.role-admin').waitFor();
    assert.equal(await dialog.getByRole('button', { name: 'Delete room' }).isVisible(), false, 'no longer the owner');
    assert.equal((await getRoom(alice, room.id)).ownerId, bob.id);

    const bobs = await openSettings(b);
    await bobs.getByRole('button', { name: 'Delete room' }).waitFor();
    await bobs.getByRole('button', { name: 'Actions for Alice' }).click();
    await memberRow(bobs, 'Alice').getByRole('button', { name: 'Make member', exact: true }).waitFor();
  });

  browserTest(fx, 'the owner deletes the room; the others\' pages say so', async () => {
    const { pages: [a, b] } = await threeInARoom(fx, 'rd', 'short-lived');
    const dialog = await openSettings(a);
    await dialog.getByRole('button', { name: 'Delete room' }).click();
    await confirm(a, 'Delete short-lived?', 'Delete room');
    await dialog.waitFor({ state: 'detached' });
    await roomItem(a, 'short-lived').waitFor({ state: 'detached' });
    await a.getByRole('heading', { name: 'Pick a conversation' }).waitFor();
    await b.getByRole('heading', { name: 'This room was deleted' }).waitFor();
    await roomItem(b, 'short-lived').waitFor({ state: 'detached' });
  });

  browserTest(fx, 'the owner leaves: the room leaves her list without a notice, and bob, the admin, owns it', async () => {
    const { pages: [a, b], room, alice, bob } = await threeInARoom(fx, 'rl', 'passing on');
    assert.equal((await alice.api.put(`/rooms/${room.id}/members/${bob.id}/role`, { role: 'admin' })).status, 200);
    const dialog = await openSettings(a);
    await dialog.getByRole('button', { name: 'Leave room' }).click();
    const ask = a.getByRole('dialog', { name: 'Leave passing on?' });
    await ask.getByText('You are its owner: Bob becomes the owner.').waitFor();
    await confirm(a, 'Leave passing on?', 'Leave');
    await roomItem(a, 'passing on').waitFor({ state: 'detached' });
    await a.getByRole('heading', { name: 'Pick a conversation' }).waitFor();

    // Bob's members panel shows him as the owner, live.
    await b.getByRole('button', { name: 'Members', exact: true }).click();
    const panel = b.getByRole('complementary', { name: 'Members' });
    await panel.locator('.member').filter({ hasText: 'Bob' }).locator('.role-owner').waitFor();
    assert.equal(await panel.getByText('Alice').count(), 0);
    assert.equal((await getRoom(bob, room.id)).ownerId, bob.id);
  });

  browserTest(fx, 'refusals are said in plain words: adding someone banned, saving while offline', async () => {
    const { pages: [a], room, alice, carol } = await threeInARoom(fx, 'rx', 'refusals');
    assert.equal((await alice.api.post(`/rooms/${room.id}/bans`, { userId: carol.id })).status, 204);
    const dialog = await openSettings(a);
    await memberRow(dialog, 'Carol').waitFor({ state: 'detached' });
    await dialog.getByRole('button', { name: 'Add people' }).click();
    const add = a.getByRole('dialog', { name: 'Add people to refusals' });
    await add.getByLabel('Add people').fill(carol.username);
    await add.locator(`.picker-item[data-username="${carol.username}"]`).click();
    await add.getByRole('button', { name: 'Add', exact: true }).click();
    await add.getByRole('alert').getByText('Banned from the room.').waitFor();
    await a.keyboard.press('Escape');
    await add.waitFor({ state: 'detached' });

    await a.context().setOffline(true);
    await dialog.getByLabel('Topic').fill('Said while offline');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText('Cannot reach the server. Check your connection and try again.').waitFor();
    await dialog.getByLabel('Room name').fill(' ');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText('Give the room a name.').waitFor();
  });
});

describe('invite links', () => {
  const fx = useBrowser();

  /** createLink makes an invite link in the open settings and answers its address. */
  async function createLink(dialog, { expiry, uses }) {
    const before = await dialog.locator('.invite').count();
    await dialog.getByLabel('Expires after').selectOption({ label: expiry });
    await dialog.getByLabel('Can be used').selectOption({ label: uses });
    await dialog.getByRole('button', { name: 'Create link' }).click();
    await eventually(async () => assert.equal(await dialog.locator('.invite').count(), before + 1));
    return dialog.locator('.invite').first().getByLabel('Invite link').inputValue();
  }

  browserTest(fx, 'alice makes a link; bob opens it, joins, and alice sees him among the members', async () => {
    const alice = await newUser(fx.url, 'il', { displayName: 'Alice' });
    const bob = await newUser(fx.url, 'il', { displayName: 'Bob' });
    await createRoom(alice, 'open house', []);
    const a = await fx.page();
    await signIn(a, alice);
    await openRoom(a, 'open house');
    const dialog = await openSettings(a);
    const url = await createLink(dialog, { expiry: '1 day', uses: '5 uses' });
    assert.match(url, new RegExp(`^${fx.url}/invite/[^/]+$`), 'an absolute address');
    await dialog.locator('.invite').first().getByText(/^0 of 5 uses · expires /).waitFor();
    await dialog.locator('.invite').first().getByRole('button', { name: 'Copy link' }).click();
    await dialog.getByText(/Link copied\.|Press Ctrl\+C/).waitFor();

    // Bob is signed out: he signs in first, and is asked then.
    const b = await fx.page();
    await b.goto(url);
    await b.getByLabel('Username').fill(bob.username);
    await b.getByLabel('Password').fill(bob.password);
    await b.getByRole('button', { name: 'Sign in', exact: true }).click();
    await b.getByRole('heading', { name: /^Join (this room|open house)\?$/ }).waitFor();
    await b.getByRole('button', { name: 'Join', exact: true }).click();
    await b.locator('.conv-title').getByText('open house', { exact: true }).waitFor();
    await roomItem(b, 'open house').waitFor();
    assert.match(new URL(b.url()).pathname, /^\/r\//);

    await memberRow(dialog, 'Bob').waitFor();
  });

  browserTest(fx, 'a used-up or revoked link says it no longer works; a banned user cannot join', async () => {
    const alice = await newUser(fx.url, 'iu', { displayName: 'Alice' });
    const bob = await newUser(fx.url, 'iu', { displayName: 'Bob' });
    const carol = await newUser(fx.url, 'iu', { displayName: 'Carol' });
    const room = await createRoom(alice, 'members only', []);
    const a = await fx.page();
    await signIn(a, alice);
    await openRoom(a, 'members only');
    const dialog = await openSettings(a);
    const once = await createLink(dialog, { expiry: 'Never', uses: '1 use' });
    await dialog.locator('.invite').first().getByText('0 of 1 use · never expires').waitFor();
    const revoked = await createLink(dialog, { expiry: '1 hour', uses: 'Unlimited' });
    const c = await fx.page();
    await signIn(c, carol);
    await c.goto(once);
    await c.getByRole('button', { name: 'Join', exact: true }).click();
    await c.locator('.conv-title').getByText('members only', { exact: true }).waitFor();
    await dialog.locator('.invite').first().getByRole('button', { name: 'Revoke' }).click();
    await eventually(async () => assert.equal(await dialog.locator('.invite').count(), 1));

    const b = await fx.page();
    await signIn(b, bob);
    for (const url of [once, revoked]) {
      await b.goto(url);
      await b.getByRole('button', { name: 'Join', exact: true }).click();
      await b.getByRole('heading', { name: 'This invite link no longer works' }).waitFor();
    }
    await b.getByRole('button', { name: 'Back to conversations' }).click();
    assert.equal(new URL(b.url()).pathname, '/');

    const open = await createLink(dialog, { expiry: '7 days', uses: 'Unlimited' });
    assert.equal((await alice.api.post(`/rooms/${room.id}/bans`, { userId: bob.id })).status, 204);
    await b.goto(open);
    await b.getByRole('button', { name: 'Join', exact: true }).click();
    await b.getByRole('heading', { name: 'You cannot join this room' }).waitFor();
    await roomItem(b, 'members only').waitFor({ state: 'detached' });
  });
});

describe('read receipts', () => {
  const fx = useBrowser();

  browserTest(fx, 'a direct message says "Seen" under my last message once the other person read it', async () => {
    const alice = await newUser(fx.url, 'rr', { displayName: 'Alice' });
    const bob = await newUser(fx.url, 'rr', { displayName: 'Bob' });
    await createDM(alice, bob.id);
    const a = await fx.page();
    await signIn(a, alice);
    await openRoom(a, 'Bob');
    await send(a, 'did you get the file?');
    const mine = a.locator('.messages .msg[data-seq]').filter({ hasText: 'did you get the file?' });
    await mine.waitFor();
    assert.equal(await a.locator('.receipt').count(), 0, 'not seen yet');

    const b = await fx.page();
    await signIn(b, bob);
    await openRoom(b, 'Alice');
    const receipt = a.locator('.receipt');
    await receipt.getByText('Seen', { exact: true }).waitFor();
    assert.ok(await receipt.evaluate((el) => el.previousElementSibling?.textContent.includes('did you get the file?')), 'under my last message');
    // The receipt follows my last message, once read.
    await send(a, 'great');
    await eventually(async () => assert.ok(await receipt.evaluate((el) => el.previousElementSibling?.textContent.includes('great'))));
  });

  browserTest(fx, 'a group says "Seen by 1" with the name on hover', async () => {
    const alice = await newUser(fx.url, 'rg', { displayName: 'Alice' });
    const bob = await newUser(fx.url, 'rg', { displayName: 'Bob' });
    const carol = await newUser(fx.url, 'rg', { displayName: 'Carol' });
    const room = await createRoom(alice, 'receipts', [bob.id, carol.id]);
    const s = await connect(fx.url, alice.token);
    await sendMessage(s, room.id, 'agenda is up');
    const a = await fx.page();
    await signIn(a, alice);
    await openRoom(a, 'receipts');
    const b = await fx.page();
    await signIn(b, bob);
    await openRoom(b, 'receipts');
    const who = a.locator('.receipt').getByRole('button', { name: /^Seen by 1/ });
    await who.waitFor();
    assert.equal(await who.getAttribute('title'), 'Seen by Bob');
    assert.equal((await a.locator('.receipt').textContent()).trim(), 'Seen by 1');
    await who.click();
    await a.locator('.receipt-names').getByText('Bob').waitFor();
  });
});
