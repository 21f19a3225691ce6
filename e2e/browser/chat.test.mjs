// Two people chatting through the page in headless Chromium, each in a
// browser context of their own, against the real binary.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect, newUser, uniqueName } from '../lib/client.mjs';
import { createDM, createRoom, joinRoom, roomOf, sendMessage } from '../lib/chat.mjs';
import { screenshot } from '../lib/browser.mjs';
import { DESKTOP, browserTest, useBrowser } from './fixture.mjs';
import {
  badges, composer, eventually, openRoom, registerInPage, roomItem, send, signIn, waitForTexts,
} from '../lib/page.mjs';

describe('chatting in the page', () => {
  const fx = useBrowser();

  browserTest(fx, 'two people register, create a room and talk both ways', async () => {
    const alice = { username: uniqueName('alice'), password: 'correct horse 1', displayName: 'Alice Martin' };
    const bob = { username: uniqueName('bob'), password: 'correct horse 2', displayName: 'Bob Stone' };
    const a = await fx.page();
    const b = await fx.page();
    await registerInPage(a, alice);
    await registerInPage(b, bob);
    await a.locator('.me-user').getByText(`@${alice.username}`).waitFor();

    await a.getByRole('button', { name: 'New room' }).click();
    const dialog = a.getByRole('dialog', { name: 'New room' });
    await dialog.getByLabel('Room name').fill('Launch plans');
    await dialog.getByLabel('Add people').fill(bob.username);
    await dialog.locator(`.picker-item[data-username="${bob.username}"]`).click();
    await dialog.locator('.chip').getByText('Bob Stone').waitFor();
    await dialog.getByRole('button', { name: 'Create room' }).click();
    await a.locator('.conv-title').getByText('Launch plans', { exact: true }).waitFor();

    await send(a, 'Hi Bob, shall we plan the launch?');
    await a.locator('.msg.mine .msg-text').getByText('Hi Bob, shall we plan the launch?').waitFor();
    await waitForTexts(a, ['Hi Bob, shall we plan the launch?']);

    // Bob was added by someone else: the room shows up in his list by itself.
    await openRoom(b, 'Launch plans', { timeoutMs: 25_000 });
    await waitForTexts(b, ['Hi Bob, shall we plan the launch?']);
    await b.locator('.msg:not(.mine) .msg-sender').getByText('Alice Martin').waitFor();

    await send(b, 'Yes! Tomorrow at 10?');
    await waitForTexts(a, ['Hi Bob, shall we plan the launch?', 'Yes! Tomorrow at 10?']);
    await send(a, 'Perfect, see you then.');
    const all = ['Hi Bob, shall we plan the launch?', 'Yes! Tomorrow at 10?', 'Perfect, see you then.'];
    await waitForTexts(b, all);
    await waitForTexts(a, all);
    assert.equal(await a.locator('.msg.pending').count(), 0, 'every sent message settled');
    assert.equal(await b.locator('.msg.pending').count(), 0, 'every sent message settled');
    assert.deepEqual(await a.locator('.msg.mine .msg-text').allTextContents(), [all[0], all[2]]);
  });

  browserTest(fx, 'the other person sees who is typing until the message is sent', async () => {
    const u1 = await newUser(fx.url, 'typ', { displayName: 'Tara' });
    const u2 = await newUser(fx.url, 'typ', { displayName: 'Theo' });
    await createRoom(u1, 'Typing room', [u2.id]);
    const a = await fx.page();
    const b = await fx.page();
    await signIn(a, u1);
    await signIn(b, u2);
    await openRoom(a, 'Typing room');
    await openRoom(b, 'Typing room');

    const line = a.locator('.typing-line');
    assert.equal((await line.textContent()).trim(), '');
    await composer(b).pressSequentially('Writing a longer reply', { delay: 30 });
    await line.getByText('Theo is typing…').waitFor();
    await roomItem(a, 'Typing room').locator('.room-preview.is-typing').waitFor();
    await composer(b).press('Enter');
    await waitForTexts(a, ['Writing a longer reply']);
    await eventually(async () => assert.equal((await line.textContent()).trim(), ''));
  });

  browserTest(fx, 'a mention in another room shows a badge there, and reading clears it', async () => {
    const u1 = await newUser(fx.url, 'men', { displayName: 'Mona' });
    const u2 = await newUser(fx.url, 'men', { displayName: 'Milo' });
    const review = await createRoom(u1, 'Design review', [u2.id]);
    const general = await createRoom(u1, 'General', [u2.id]);
    const a = await fx.page();
    const b = await fx.page();
    await signIn(b, u2);
    await openRoom(b, 'General');
    assert.equal(await b.locator('.room-name').first().textContent(), 'General');
    await signIn(a, u1);
    await openRoom(a, 'Design review');

    // @ autocomplete offers the room's members.
    await composer(a).pressSequentially(`@${u2.username.slice(0, -3)}`, { delay: 20 });
    const option = a.getByRole('option').filter({ hasText: `@${u2.username}` });
    await option.waitFor();
    await composer(a).press('Enter');
    assert.equal(await composer(a).inputValue(), `@${u2.username} `);
    await composer(a).pressSequentially('can you check the mockups?');
    await composer(a).press('Enter');
    await waitForTexts(a, [`@${u2.username} can you check the mockups?`]);

    await eventually(async () => assert.deepEqual(await badges(b, 'Design review'), { unread: '1', mention: '@1' }));
    assert.deepEqual(await badges(b, 'General'), { unread: '', mention: '' });
    assert.equal(await b.locator('.room-name').first().textContent(), 'Design review', 'newest activity first');

    await openRoom(b, 'Design review');
    await b.locator('.msg.mentions-me .mention.mention-me').getByText(`@${u2.username}`).waitFor();
    await eventually(async () => assert.deepEqual(await badges(b, 'Design review'), { unread: '', mention: '' }));
    await eventually(async () => {
      const r = await roomOf(u2, review.id);
      assert.equal(r.unread, 0);
      assert.equal(r.unreadMentions, 0);
    });
    assert.equal((await roomOf(u2, general.id)).unread, 0);
  });

  browserTest(fx, 'a direct message reaches the other person, who can answer', async () => {
    const u1 = await newUser(fx.url, 'dm', { displayName: 'Dana' });
    const u2 = await newUser(fx.url, 'dm', { displayName: 'Dev' });
    const a = await fx.page(DESKTOP);
    const b = await fx.page(DESKTOP);
    await signIn(a, u1);
    await signIn(b, u2);

    await a.getByRole('button', { name: 'New message' }).click();
    const dialog = a.getByRole('dialog', { name: 'New message' });
    await dialog.getByLabel('Find a person').fill(u2.username);
    await dialog.locator(`.picker-item[data-username="${u2.username}"]`).click();
    await a.locator('.conv-title').getByText('Dev', { exact: true }).waitFor();
    await send(a, 'Hey Dev, got a minute?');
    await waitForTexts(a, ['Hey Dev, got a minute?']);

    await openRoom(b, 'Dana', { timeoutMs: 25_000 });
    await waitForTexts(b, ['Hey Dev, got a minute?']);
    await b.locator('.conv-sub').getByText('Online').waitFor();
    await send(b, 'Sure, what is up?');
    await waitForTexts(a, ['Hey Dev, got a minute?', 'Sure, what is up?']);
  });

  browserTest(fx, 'a busy conversation: screenshot for the record', async () => {
    const [maya, sam, priya] = [
      await newUser(fx.url, '', { username: 'maya', displayName: 'Maya Chen' }),
      await newUser(fx.url, '', { username: 'sam', displayName: 'Sam Rivera' }),
      await newUser(fx.url, '', { username: 'priya', displayName: 'Priya Patel' }),
    ];
    const sockets = new Map();
    for (const u of [maya, sam, priya]) sockets.set(u, await connect(fx.url, u.token));
    const say = (u, room, text) => sendMessage(sockets.get(u), room.id, text);
    const random = await createRoom(priya, 'random', [maya.id, sam.id]);
    await say(priya, random, 'Who is up for lunch on Thursday? 🍜');
    const design = await createRoom(sam, 'design-team', [maya.id, priya.id]);
    await say(sam, design, 'Morning! I pushed the new onboarding mockups to the shared folder.');
    await say(priya, design, 'Nice, the empty states look much friendlier now 🙌');
    await say(maya, design, 'Agreed. Can we keep the illustration a bit smaller on phones?');
    await say(sam, design, '@maya yes, I will make a 360 px variant today.');
    await say(priya, design, 'Spacing tokens for reference: https://example.com/design/spacing-tokens');
    await say(sam, design, 'Also the button label: "Create room" or "New room"?');
    await say(maya, design, '"New room" matches the sidebar, let us go with that.');
    await say(priya, design, '@sam can you also check the dark theme contrast before Friday?');
    const launch = await createRoom(priya, 'launch', [maya.id, sam.id]);
    await say(priya, launch, '@maya the release notes draft is ready for your review');
    await say(sam, launch, 'I added the screenshots to it.');
    const dm = await createDM(sam, maya.id);
    await say(sam, dm, 'Coffee at 3?');

    const page = await fx.page(DESKTOP);
    await signIn(page, maya);
    await openRoom(page, 'design-team');
    await waitForTexts(page, [
      'Morning! I pushed the new onboarding mockups to the shared folder.',
      'Nice, the empty states look much friendlier now 🙌',
      'Agreed. Can we keep the illustration a bit smaller on phones?',
      '@maya yes, I will make a 360 px variant today.',
      'Spacing tokens for reference: https://example.com/design/spacing-tokens',
      'Also the button label: "Create room" or "New room"?',
      '"New room" matches the sidebar, let us go with that.',
      '@sam can you also check the dark theme contrast before Friday?',
    ]);
    await eventually(async () => assert.deepEqual(await badges(page, 'launch'), { unread: '2', mention: '@1' }));
    await eventually(async () => assert.deepEqual(await badges(page, 'Sam Rivera'), { unread: '1', mention: '' }));
    await joinRoom(sockets.get(sam), design.id);
    sockets.get(sam).emit('typing', { roomId: design.id, isTyping: true });
    await page.locator('.typing-line').getByText('Sam Rivera is typing…').waitFor();
    await page.locator('.msg-sender').getByText('Sam Rivera').first().waitFor();
    await composer(page).fill('Sounds good, I will review the launch notes after lunch');
    const file = await screenshot(page, 'chat');
    process.stdout.write(`# screenshot: ${file}\n`);
  });
});
