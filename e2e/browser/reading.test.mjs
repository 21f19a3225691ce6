// Reading, day to day: a room opens where the reader left it or at the
// first unread message, the "New messages" line sits where the unread
// messages start however far back that is, the read marker moves only for
// messages that were on screen, and a half-typed message waits per room.
// On a desktop and on a phone.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect, newUser } from '../lib/client.mjs';
import { createRoom, markRead, roomOf, sendMany, sendMessage } from '../lib/chat.mjs';
import { screenshot } from '../lib/browser.mjs';
import { DESKTOP, PHONE, TOUCH, browserTest, useBrowser } from './fixture.mjs';
import {
  backToList, badges, composer, eventually, inView, message, openRoom, roomItem, signIn, topInView, waitForTexts,
} from '../lib/page.mjs';

const SCREENS = [
  { name: 'desktop', viewport: DESKTOP, options: {} },
  { name: 'phone', viewport: PHONE, options: TOUCH },
];

/** switchTo leaves the open room for another one. */
async function switchTo(page, name) {
  await backToList(page);
  await openRoom(page, name);
}

describe('reading a room again', () => {
  const fx = useBrowser();

  for (const screen of SCREENS) {
    browserTest(fx, `${screen.name}: a room opens at its first unread message, and only what was on screen is read`, async () => {
      const alice = await newUser(fx.url, 'rp', { displayName: 'Alice' });
      const bob = await newUser(fx.url, 'rp', { displayName: 'Bob' });
      const design = await createRoom(alice, 'design-team', [bob.id]);
      await createRoom(alice, 'elsewhere', [bob.id]);
      const sock = await connect(fx.url, alice.token);
      const earlier = await sendMany(sock, design.id, 30, 'earlier');
      await markRead(bob, design.id, earlier.at(-1).id);

      const page = await fx.page(screen.viewport, screen.options);
      await signIn(page, bob);
      await openRoom(page, 'design-team');
      await message(page, 'earlier 30').waitFor();
      assert.ok(await inView(page, message(page, 'earlier 30')), 'read up to the end: the room opens at the bottom');

      await switchTo(page, 'elsewhere');
      await sendMessage(sock, design.id, `@${bob.username} first of the new ones`);
      await sendMany(sock, design.id, 24, 'new');
      await eventually(async () => assert.deepEqual(await badges(page, 'design-team'), { unread: '25', mention: '@1' }));

      await switchTo(page, 'design-team');
      const line = page.locator('.unread-sep');
      await line.waitFor();
      assert.equal(await line.evaluate((el) => el.nextElementSibling.querySelector('.msg-text').textContent),
        `@${bob.username} first of the new ones`, 'the line is right above the first unread message');
      assert.ok(await inView(page, line), 'the line is on screen');
      assert.ok(await page.locator('.scroller').evaluate((el) => el.scrollTop > 0), 'not thrown back to the oldest message');
      assert.ok(!(await inView(page, message(page, 'new 24'))), 'the newest message is further down');
      await screenshot(page, `reading-first-unread-${screen.name}`);

      // What was on screen is read, the rest is still unread, here and on the server.
      let left = 0;
      await eventually(async () => {
        const b = await badges(page, 'design-team');
        left = Number(b.unread);
        assert.ok(left > 0 && left < 25, `unread ${b.unread}: only what was shown is read`);
        assert.equal(b.mention, '', 'the mention was on screen');
        assert.equal((await roomOf(bob, design.id)).unread, left);
      });
      const jump = page.getByRole('button', { name: `Jump to the latest messages, ${left} new message${left === 1 ? '' : 's'}` });
      await jump.click();
      await eventually(async () => assert.deepEqual(await badges(page, 'design-team'), { unread: '', mention: '' }));
      await eventually(async () => assert.equal((await roomOf(bob, design.id)).unread, 0));

      // Scrolled up, left, and back: the room opens where it was left.
      const mark = message(page, 'earlier 25');
      await mark.evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await page.locator('.scroller').evaluate((el) => el.scrollBy(0, -30));
      await page.waitForTimeout(200);
      const before = await topInView(page, mark);
      await switchTo(page, 'elsewhere');
      await switchTo(page, 'design-team');
      await eventually(async () => assert.ok(Math.abs((await topInView(page, mark)) - before) <= 2,
        `'earlier 25' ${await topInView(page, mark)} px below the top, was ${before}`));
      assert.equal(await page.locator('.unread-sep').count(), 0, 'nothing unread, no line');
    });

    browserTest(fx, `${screen.name}: with 40 unread among the reader's own messages the line sits above the first of them`, async () => {
      const alice = await newUser(fx.url, 'ul', { displayName: 'Alice' });
      const bob = await newUser(fx.url, 'ul', { displayName: 'Bob' });
      const room = await createRoom(alice, 'busy room', [bob.id]);
      const [a, b] = [await connect(fx.url, alice.token), await connect(fx.url, bob.token)];
      const read = await sendMany(a, room.id, 5, 'read');
      await markRead(bob, room.id, read.at(-1).id);
      for (let i = 1; i <= 40; i++) {
        await sendMessage(a, room.id, `unread ${i}`);
        if (i % 10 === 0) await sendMessage(b, room.id, `mine after ${i}`); // from Bob's phone: his marker stays
      }
      b.disconnect();

      const page = await fx.page(screen.viewport, screen.options);
      await signIn(page, bob);
      await eventually(async () => assert.deepEqual(await badges(page, 'busy room'), { unread: '40', mention: '' }));
      await roomItem(page, 'busy room').click();
      const line = page.locator('.unread-sep');
      await line.waitFor({ timeout: 15_000 });
      assert.equal(await line.evaluate((el) => el.nextElementSibling.querySelector('.msg-text').textContent), 'unread 1',
        'the line is above the first message after the marker that someone else sent');
      assert.equal(await line.evaluate((el) => el.previousElementSibling.querySelector('.msg-text')?.textContent), 'read 5');
      assert.ok(await inView(page, line), 'loaded back to it and shown');
      assert.ok(await inView(page, message(page, 'unread 1')));
      await screenshot(page, `reading-40-unread-${screen.name}`);
    });
  }

  browserTest(fx, 'a half-typed message stays with its room, across switching and reloading', async () => {
    const alice = await newUser(fx.url, 'dr');
    const bob = await newUser(fx.url, 'dr');
    await createRoom(alice, 'first room', [bob.id]);
    await createRoom(alice, 'second room', [bob.id]);
    const page = await fx.page();
    await signIn(page, alice);
    await openRoom(page, 'first room');
    await composer(page).fill('half of a thought\nwith a second line');
    await openRoom(page, 'second room');
    assert.equal(await composer(page).inputValue(), '', 'each room has its own draft');
    await composer(page).fill('something else');
    await openRoom(page, 'first room');
    assert.equal(await composer(page).inputValue(), 'half of a thought\nwith a second line');

    await page.reload();
    await page.locator('.conv-title').getByText('first room', { exact: true }).waitFor();
    assert.equal(await composer(page).inputValue(), 'half of a thought\nwith a second line', 'kept across a reload');
    await openRoom(page, 'second room');
    assert.equal(await composer(page).inputValue(), 'something else');

    await composer(page).press('Enter');
    await waitForTexts(page, ['something else']);
    await page.reload();
    await page.locator('.conv-title').getByText('second room', { exact: true }).waitFor();
    assert.equal(await composer(page).inputValue(), '', 'a sent message is no draft');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('draft'))), [],
      'signing out forgets the drafts');
  });
});
