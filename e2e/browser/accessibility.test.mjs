// The automated accessibility check (axe-core) over every screen of the
// page, light and dark, on a desktop and a phone: no serious or critical
// violation anywhere. Each screen is saved as a screenshot on every run
// (e2e/artifacts/screen-*.png) for a person to look at.
import { after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect, emitAck, newUser } from '../lib/client.mjs';
import { createDM, createRoom, joinRoom, sendMany, sendMessage } from '../lib/chat.mjs';
import { screenshot } from '../lib/browser.mjs';
import { axeViolations, countByImpact, describe as describeViolations } from '../lib/axe.mjs';
import { DESKTOP, PHONE, TOUCH, browserTest, useBrowser } from './fixture.mjs';
import { composer, eventually, message, openRoom, signIn } from '../lib/page.mjs';
import { makePNG, PDF, upload } from '../lib/files.mjs';

const results = [];

/** check runs axe on the screen as shown, in light and dark, saves both, and fails on serious or critical. */
async function check(page, screen) {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(50);
    await screenshot(page, `screen-${screen}-${scheme}`);
    const violations = await axeViolations(page);
    const counts = countByImpact(violations);
    results.push({ screen, scheme, ...counts, rules: violations.map((v) => `${v.impact} ${v.id}`).join(', ') });
    if (violations.length) process.stdout.write(`${screen} ${scheme}:\n${describeViolations(violations)}\n`);
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.equal(bad.length, 0, `${screen} (${scheme}):\n${describeViolations(bad)}`);
  }
}

/** aConversation fills a room with what a screen shows: others' and own messages, grouped ones, a mention, a link, typing. */
async function aConversation(fx) {
  const maya = await newUser(fx.url, '', { username: `maya${Date.now() % 100000}`, displayName: 'Maya Chen' });
  const sam = await newUser(fx.url, 'a11y', { displayName: 'Sam Rivera' });
  const priya = await newUser(fx.url, 'a11y', { displayName: 'Priya Patel' });
  const design = await createRoom(sam, 'design-team', [maya.id, priya.id]);
  await createRoom(priya, 'launch', [maya.id, sam.id]);
  const s = await connect(fx.url, sam.token);
  const p = await connect(fx.url, priya.token);
  const m = await connect(fx.url, maya.token);
  await sendMany(s, design.id, 25, 'An earlier note about the release');
  await sendMessage(s, design.id, 'Morning! The new onboarding mockups are in the shared folder.');
  await sendMessage(s, design.id, 'Spacing tokens: https://example.com/design/spacing-tokens');
  await sendMessage(m, design.id, 'Thanks, looking now.');
  await sendMessage(p, design.id, `@${maya.username} can you check the dark theme before Friday?`);
  const dm = await createDM(sam, maya.id);
  await sendMessage(s, dm.id, 'Coffee at 3?');
  m.disconnect();
  await joinRoom(s, design.id);
  const typing = () => s.emit('typing', { roomId: design.id, isTyping: true });
  return { maya, sam, design, typing };
}

/** fixedMessages fills a room with what happens to messages after they are sent: an edit, a delete, a reply, reactions, a pin. */
async function fixedMessages(fx) {
  const maya = await newUser(fx.url, 'a11y', { displayName: 'Maya Chen' });
  const sam = await newUser(fx.url, 'a11y', { displayName: 'Sam Rivera' });
  const room = await createRoom(sam, 'release', [maya.id]);
  const s = await connect(fx.url, sam.token);
  const m = await connect(fx.url, maya.token);
  const ok = async (socket, event, payload) => {
    const ack = await emitAck(socket, event, payload);
    assert.ok(ack?.ok, `${event}: ${JSON.stringify(ack)}`);
    return ack;
  };
  const plan = await sendMessage(s, room.id, 'The release goes out on Thursday at 10.');
  await ok(s, 'edit_message', { roomId: room.id, messageId: plan.id, content: 'The release goes out on Thursday at 11.' });
  const oops = await sendMessage(s, room.id, 'Wrong room, sorry');
  await ok(s, 'delete_message', { roomId: room.id, messageId: oops.id });
  await sendMessage(m, room.id, 'Great, I will write the notes.', { replyTo: plan.id });
  for (const [socket, emoji] of [[m, '👍'], [s, '👍'], [s, '🎉']]) await ok(socket, 'react', { roomId: room.id, messageId: plan.id, emoji, add: true });
  assert.equal((await sam.api.post(`/rooms/${room.id}/pins`, { messageId: plan.id })).status, 200);
  await sendMessage(m, room.id, 'Notes are in the shared folder.');
  m.disconnect();
  return { maya, sam, room };
}

/** sharedFiles fills a room with an image and a PDF, each with a caption. */
async function sharedFiles(fx) {
  const maya = await newUser(fx.url, 'a11y', { displayName: 'Maya Chen' });
  const sam = await newUser(fx.url, 'a11y', { displayName: 'Sam Rivera' });
  const room = await createRoom(sam, 'photos', [maya.id]);
  const s = await connect(fx.url, sam.token);
  const image = await upload(fx.url, sam.token, room.id, makePNG(640, 360), 'team-offsite.png', 'image/png');
  const pdf = await upload(fx.url, sam.token, room.id, PDF, 'agenda-for-the-offsite.pdf', 'application/pdf');
  assert.equal(image.status, 201);
  assert.equal(pdf.status, 201);
  await sendMessage(s, room.id, 'Photos from the offsite', { attachments: [image.body.id] });
  await sendMessage(s, room.id, '', { attachments: [pdf.body.id] });
  await sendMessage(s, room.id, 'The offsite agenda is above.');
  return { maya, sam, room };
}

/** filesAndSearch opens a room with files in it, a file ready to send, the lightbox and the search, checking each. */
async function filesAndSearch(page, maya, prefix) {
  await signIn(page, maya);
  await openRoom(page, 'photos');
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Attach files' }).click();
  await (await chooser).setFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('meeting notes') });
  await page.locator('.tray-item.ready').waitFor();
  const img = page.locator('.att-image img');
  await eventually(async () => assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0)));
  await check(page, `${prefix}room-files`);
  await page.getByRole('button', { name: 'Open image team-offsite.png' }).click();
  await page.getByRole('dialog', { name: 'team-offsite.png' }).waitFor();
  await check(page, `${prefix}lightbox`);
  await page.keyboard.press('Escape');
  await page.locator('.conversation').getByRole('button', { name: 'Search messages' }).click();
  await page.getByRole('combobox', { name: 'Search messages' }).fill('offsite');
  await page.locator('.search-results[data-query="offsite"] .search-item').first().waitFor();
  await check(page, `${prefix}search`);
}

describe('accessibility of every screen', () => {
  const fx = useBrowser();

  after(() => {
    const line = (r) => `${r.screen.padEnd(22)} ${r.scheme.padEnd(5)}  critical ${r.critical}  serious ${r.serious}  moderate ${r.moderate}  minor ${r.minor}${r.rules ? `  (${r.rules})` : ''}`;
    process.stdout.write(`# axe-core results per screen:\n${results.map((r) => `#   ${line(r)}`).join('\n')}\n`);
  });

  browserTest(fx, 'desktop: sign-in, the list, a room, the members panel and every dialog', async () => {
    const { maya, typing } = await aConversation(fx);
    const page = await fx.page(DESKTOP);
    await page.goto('/');
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    await check(page, 'sign-in');
    await page.getByRole('tab', { name: 'Create account' }).click();
    await check(page, 'create-account');

    await signIn(page, maya);
    await page.locator('.room-item').first().waitFor();
    await check(page, 'room-list');

    await openRoom(page, 'design-team');
    typing();
    await page.locator('.typing-line').getByText('Sam Rivera is typing…').waitFor();
    await composer(page).fill('A draft, half typed');
    await check(page, 'room');

    await page.locator('.scroller').evaluate((el) => { el.scrollTop = 0; });
    await page.locator('.jump').waitFor();
    await check(page, 'room-scrolled-up');

    await page.getByRole('button', { name: 'Members', exact: true }).click();
    await page.getByRole('complementary', { name: 'Members' }).getByText('Sam Rivera').waitFor();
    await check(page, 'members-panel');
    await page.keyboard.press('Escape');

    await openRoom(page, 'Sam Rivera');
    await check(page, 'direct-message');

    for (const [open, title] of [['New room', 'New room'], ['New message', 'New message']]) {
      await page.getByRole('button', { name: open, exact: true }).first().click();
      const dialog = page.getByRole('dialog', { name: title });
      await dialog.locator('.picker-item').first().waitFor();
      await check(page, `dialog-${title.toLowerCase().replace(' ', '-')}`);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    }
  });

  browserTest(fx, 'desktop: the owner\'s dialog to add people', async () => {
    const { sam } = await aConversation(fx);
    await newUser(fx.url, 'a11y', { displayName: 'Someone New' });
    const page = await fx.page(DESKTOP);
    await signIn(page, sam);
    await openRoom(page, 'design-team');
    await page.getByRole('button', { name: 'Members', exact: true }).click();
    await page.getByRole('button', { name: 'Add people' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add people to design-team' });
    await dialog.locator('.picker-item').first().waitFor();
    await check(page, 'dialog-add-people');
  });

  browserTest(fx, 'desktop: a room\'s settings as its owner, with an invite link and a ban; an invite link opened', async () => {
    const { sam, maya, design } = await aConversation(fx);
    const gone = await newUser(fx.url, 'a11y', { displayName: 'Kept Out' });
    assert.equal((await sam.api.post(`/rooms/${design.id}/bans`, { userId: gone.id })).status, 204);
    const page = await fx.page(DESKTOP);
    await signIn(page, sam);
    await openRoom(page, 'design-team');
    await page.getByRole('button', { name: 'Room settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Room settings' });
    await dialog.getByRole('button', { name: 'Create link' }).click();
    await dialog.locator('.invite').first().waitFor();
    await dialog.getByRole('button', { name: 'Unban Kept Out' }).waitFor();
    await dialog.getByRole('button', { name: 'Actions for Maya Chen' }).click();
    await check(page, 'dialog-room-settings');
    const code = new URL(await dialog.getByLabel('Invite link', { exact: true }).first().inputValue()).pathname;

    const other = await fx.page(DESKTOP);
    await signIn(other, gone);
    await other.goto(code);
    await other.getByRole('heading', { name: /^Join / }).waitFor();
    await check(other, 'invite');
    const member = await fx.page(DESKTOP);
    await signIn(member, maya);
    await openRoom(member, 'design-team');
    await member.getByRole('button', { name: 'Room settings' }).click();
    await member.getByRole('dialog', { name: 'Room settings' }).getByRole('button', { name: 'Leave room' }).waitFor();
    await check(member, 'dialog-room-settings-member');
  });

  browserTest(fx, 'desktop and phone: a room while the connection is lost', async () => {
    const { maya } = await aConversation(fx);
    const desk = await fx.page(DESKTOP);
    const phone = await fx.page(PHONE, TOUCH);
    for (const page of [desk, phone]) {
      await signIn(page, maya);
      await openRoom(page, 'design-team');
    }
    await fx.server.stop();
    for (const [page, screen] of [[desk, 'offline'], [phone, 'phone-offline']]) {
      await page.locator('.conn-bar').getByText('Reconnecting').waitFor();
      await check(page, screen);
    }
    await fx.server.restart();
  });

  browserTest(fx, 'desktop: edits, deletes, replies, reactions and pins; the message menu, the picker, the delete and pinned dialogs', async () => {
    const { maya } = await fixedMessages(fx);
    const page = await fx.page(DESKTOP);
    await signIn(page, maya);
    await openRoom(page, 'release');
    const plan = message(page, 'The release goes out on Thursday at 11.');
    await plan.locator('.flag-edited').waitFor();
    await plan.locator('.reaction').first().hover();
    await page.locator('.tooltip').getByText('Sam Rivera and you reacted with 👍').waitFor();
    await check(page, 'room-changed-messages');

    const own = message(page, 'Notes are in the shared folder.');
    await own.hover();
    await own.getByRole('button', { name: 'Message actions' }).click();
    await page.getByRole('menu', { name: 'Message actions' }).waitFor();
    await check(page, 'message-menu');
    await page.getByRole('menuitem', { name: 'Add a reaction' }).click();
    await page.getByRole('dialog', { name: 'Add a reaction' }).waitFor();
    await check(page, 'emoji-picker');
    await page.keyboard.press('Escape');

    await plan.hover();
    await plan.getByRole('button', { name: 'Reply', exact: true }).click();
    await composer(page).fill('Sounds good');
    await check(page, 'replying');
    await composer(page).press('Escape');
    await composer(page).fill('');
    await composer(page).press('ArrowUp');
    await page.locator('.compose-bar').getByText('Editing your message').waitFor();
    await check(page, 'editing');
    await composer(page).press('Escape');

    await own.hover();
    await own.getByRole('button', { name: 'Message actions' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete this message?' }).waitFor();
    await check(page, 'dialog-delete-message');
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Pinned messages' }).click();
    await page.getByRole('dialog', { name: 'Pinned messages' }).locator('.pin-item').waitFor();
    await check(page, 'dialog-pinned-messages');
  });

  browserTest(fx, 'phone: a room of changed messages and a message\'s menu', async () => {
    const { maya } = await fixedMessages(fx);
    const page = await fx.page(PHONE, TOUCH);
    await signIn(page, maya);
    await openRoom(page, 'release');
    const own = message(page, 'Notes are in the shared folder.');
    await own.locator('.bubble').tap();
    await check(page, 'phone-room-changed-messages');
    await own.getByRole('button', { name: 'Message actions' }).tap();
    await page.getByRole('menu', { name: 'Message actions' }).waitFor();
    await check(page, 'phone-message-menu');
  });

  browserTest(fx, 'phone: the list, a room and its members', async () => {
    const { maya } = await aConversation(fx);
    const page = await fx.page(PHONE, TOUCH);
    await page.goto('/');
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    await check(page, 'phone-sign-in');
    await signIn(page, maya);
    await page.locator('.room-item').first().waitFor();
    await check(page, 'phone-room-list');
    await openRoom(page, 'design-team');
    await check(page, 'phone-room');
    await page.getByRole('button', { name: 'Members', exact: true }).click();
    await page.getByRole('complementary', { name: 'Members' }).getByText('Sam Rivera').waitFor();
    await check(page, 'phone-members-panel');
  });

  browserTest(fx, 'desktop and phone: files in messages, one ready to send, the lightbox and the search', async () => {
    const { maya } = await sharedFiles(fx);
    await filesAndSearch(await fx.page(DESKTOP), maya, '');
    await filesAndSearch(await fx.page(PHONE, TOUCH), maya, 'phone-');
  });
});
