// The details of the page that make it pleasant day to day: rooms have
// addresses, times show on hover, the connection state leaves the header
// alone, the box behaves on a phone, the small controls say what they do.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect, newUser } from '../lib/client.mjs';
import { createDM, createRoom, markRead, sendMany, sendMessage } from '../lib/chat.mjs';
import { screenshot } from '../lib/browser.mjs';
import { DESKTOP, PHONE, TOUCH, browserTest, useBrowser } from './fixture.mjs';
import { composer, eventually, inView, message, openRoom, signIn, waitForTexts } from '../lib/page.mjs';

const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('rooms have addresses', () => {
  const fx = useBrowser();

  for (const [name, viewport, options] of [['desktop', DESKTOP, {}], ['phone', PHONE, TOUCH]]) {
    browserTest(fx, `${name}: a room's address opens it, through sign-in, reload, back and forward`, async () => {
      const alice = await newUser(fx.url, 'url', { displayName: 'Alice' });
      const bob = await newUser(fx.url, 'url', { displayName: 'Bob' });
      const plans = await createRoom(alice, 'plans', [bob.id]);
      const other = await createRoom(alice, 'other plans', [bob.id]);
      const secret = await createRoom(alice, 'not for bob', []);
      await sendMessage(await connect(fx.url, alice.token), plans.id, 'the plan is in this room');

      const page = await fx.page(viewport, options);
      await page.goto(`/r/${plans.id}`);
      await page.getByLabel('Username').fill(bob.username);
      await page.getByLabel('Password').fill(bob.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.locator('.conv-title').getByText('plans', { exact: true }).waitFor();
      await waitForTexts(page, ['the plan is in this room']);
      await page.reload();
      await page.locator('.conv-title').getByText('plans', { exact: true }).waitFor();
      assert.equal(new URL(page.url()).pathname, `/r/${plans.id}`);

      if (name === 'phone') await page.getByRole('button', { name: 'Back to conversations' }).click();
      await openRoom(page, 'other plans');
      assert.equal(new URL(page.url()).pathname, `/r/${other.id}`);
      await page.goBack();
      if (name === 'phone') {
        // Back from a room goes to the list it was opened from.
        await page.locator('.sidebar').waitFor();
        assert.equal(new URL(page.url()).pathname, '/');
      } else {
        await page.locator('.conv-title').getByText('plans', { exact: true }).waitFor();
        assert.equal(new URL(page.url()).pathname, `/r/${plans.id}`);
      }
      await page.goForward();
      await page.locator('.conv-title').getByText('other plans', { exact: true }).waitFor();

      await page.goto(`/r/${secret.id}`);
      await page.getByRole('heading', { name: 'Cannot open this conversation' }).waitFor();
      await page.goto(`/r/${plans.id}`);
      if (name === 'phone') {
        await page.getByRole('button', { name: 'Back to conversations' }).click();
        await page.locator('.sidebar').waitFor();
        assert.equal(new URL(page.url()).pathname, '/', 'back from a room opened by its address goes to the list');
      }
    });
  }
});

describe('times, connection and controls', () => {
  const fx = useBrowser();

  browserTest(fx, 'every message tells its time: on hover, and in words to screen readers', async () => {
    const alice = await newUser(fx.url, 'tm', { displayName: 'Alice' });
    const bob = await newUser(fx.url, 'tm', { displayName: 'Bob' });
    const room = await createRoom(alice, 'times', [bob.id]);
    const sock = await connect(fx.url, alice.token);
    await sendMany(sock, room.id, 3, 'in a row');
    const page = await fx.page();
    await signIn(page, bob);
    await openRoom(page, 'times');
    await page.getByRole('textbox', { name: 'Message #times' }).fill('mine');
    await composer(page).press('Enter');
    await waitForTexts(page, ['in a row 1', 'in a row 2', 'in a row 3', 'mine']);

    const second = message(page, 'in a row 2');
    assert.ok(await second.evaluate((el) => el.classList.contains('continued')), 'grouped under the first');
    const side = second.locator('.msg-side-time');
    assert.ok(!(await side.isVisible()), 'no time until hovered');
    await second.hover();
    await side.waitFor({ state: 'visible' });
    assert.match(await side.textContent(), /\d{1,2}:\d{2}/);
    assert.match(await side.locator('time').getAttribute('title'), /\d{4}/, 'the full date on the time');
    for (const [text, who] of [['in a row 2', 'Alice'], ['in a row 3', 'Alice'], ['mine', 'You']]) {
      const said = await message(page, text).locator('.sr-only').first().textContent();
      assert.match(said, new RegExp(`^${who}, .*\\d{4}.*\\d{1,2}:\\d{2}`), `screen readers hear who and when: ${said}`);
    }
  });

  for (const [name, viewport, options] of [['desktop', DESKTOP, {}], ['phone', PHONE, TOUCH]]) {
    browserTest(fx, `${name}: a lost connection shows without hiding the header, and presence is unknown meanwhile`, async () => {
      const alice = await newUser(fx.url, 'cn', { displayName: 'Alice' });
      const bob = await newUser(fx.url, 'cn', { displayName: 'Bob' });
      await createRoom(alice, 'connection', [bob.id]);
      const other = await connect(fx.url, alice.token);
      const page = await fx.page(viewport, options);
      await signIn(page, bob);
      await openRoom(page, 'connection');
      await page.locator('.conv-sub').getByText('2 members · 2 online').waitFor();
      other.disconnect();

      await fx.server.stop();
      const bar = page.locator('.conn-bar').getByText('Reconnecting');
      await bar.waitFor();
      const title = page.locator('.conv-title');
      assert.ok(await title.isVisible());
      assert.ok(!overlap(await bar.boundingBox(), await page.locator('.conv-head').boundingBox()), 'the header is not covered');
      await page.locator('.conv-sub').getByText('2 members · status unknown while offline').waitFor();
      if (name === 'desktop') assert.equal(await page.locator('.me .dot-unknown').count(), 1, 'my own dot is not green');
      await screenshot(page, `connection-lost-${name}`);

      await fx.server.restart();
      await page.locator('.conn-bar').getByText('Connected').waitFor({ timeout: 20_000 });
      await page.locator('.conv-sub').getByText('2 members · 1 online').waitFor();
      await page.locator('.conn-bar').waitFor({ state: 'hidden' });
    });
  }

  browserTest(fx, 'a direct message keeps its name in the message box after a reload', async () => {
    const alice = await newUser(fx.url, 'dml', { displayName: 'Alice Adams' });
    const bob = await newUser(fx.url, 'dml', { displayName: 'Bob' });
    const dm = await createDM(alice, bob.id);
    await sendMessage(await connect(fx.url, alice.token), dm.id, 'hello Bob');
    const page = await fx.page();
    await signIn(page, bob);
    await openRoom(page, 'Alice Adams');
    await page.reload();
    await page.getByRole('textbox', { name: 'Message Alice Adams' }).waitFor();
  });

  browserTest(fx, 'the way down says "new messages" only when there are, and stays out of the text on a phone', async () => {
    const alice = await newUser(fx.url, 'jp');
    const bob = await newUser(fx.url, 'jp');
    const room = await createRoom(alice, 'long read', [bob.id]);
    const sock = await connect(fx.url, alice.token);
    const sent = await sendMany(sock, room.id, 40, 'a line of history');
    await markRead(bob, room.id, sent.at(-1).id);
    const page = await fx.page(PHONE, TOUCH);
    await signIn(page, bob);
    await openRoom(page, 'long read');
    await page.locator('.scroller').evaluate((el) => { el.scrollTop = 100; });
    const jump = page.locator('.jump');
    await jump.waitFor();
    assert.equal(await jump.getAttribute('aria-label'), 'Jump to the latest messages', 'nothing unread, nothing "new"');
    assert.equal((await jump.innerText()).trim(), '');
    const box = await jump.boundingBox();
    assert.ok(box.width <= 44 && box.x + box.width >= PHONE.width - 24, `a small button in the corner: ${JSON.stringify(box)}`);
    for (const bubble of await page.locator('.bubble').all()) {
      const b = await bubble.boundingBox();
      if (b) assert.ok(!overlap(b, box), 'no message text under it');
    }
    await sendMessage(sock, room.id, 'something new');
    await page.getByRole('button', { name: 'Jump to the latest messages, 1 new message' }).click();
    await eventually(async () => assert.ok(await inView(page, message(page, 'something new'))));
  });

  browserTest(fx, 'the members panel closes with Esc and leaves the latest messages in view', async () => {
    const alice = await newUser(fx.url, 'mp');
    const bob = await newUser(fx.url, 'mp');
    const room = await createRoom(alice, 'team', [bob.id]);
    const sent = await sendMany(await connect(fx.url, alice.token), room.id, 30,
      'a message long enough to wrap onto a second line once the members panel makes the column narrower than it was');
    await markRead(bob, room.id, sent.at(-1).id);
    const page = await fx.page();
    await signIn(page, bob);
    await openRoom(page, 'team');
    const last = page.locator('.messages .msg[data-seq]').last();
    await eventually(async () => assert.ok(await inView(page, last)));
    const button = page.getByRole('button', { name: 'Members', exact: true });
    await button.click();
    await page.getByRole('complementary', { name: 'Members' }).waitFor();
    await eventually(async () => assert.ok(await inView(page, last), 'the newest message is still in view'));
    await page.keyboard.press('Escape');
    await page.getByRole('complementary', { name: 'Members' }).waitFor({ state: 'hidden' });
    assert.ok(await button.evaluate((el) => el === document.activeElement), 'focus back on the Members button');
    assert.equal(await button.getAttribute('aria-expanded'), 'false');
  });

  browserTest(fx, 'on a phone Enter starts a new line and the button sends; on a keyboard Enter sends', async () => {
    const alice = await newUser(fx.url, 'en');
    const bob = await newUser(fx.url, 'en');
    await createRoom(alice, 'lines', [bob.id]);
    const phone = await fx.page(PHONE, TOUCH);
    await signIn(phone, bob);
    await openRoom(phone, 'lines');
    await composer(phone).click();
    await phone.keyboard.type('first line');
    await phone.keyboard.press('Enter');
    await phone.keyboard.type('second line');
    assert.equal(await composer(phone).inputValue(), 'first line\nsecond line');
    await phone.getByRole('button', { name: 'Send message' }).tap();
    await waitForTexts(phone, ['first line\nsecond line']);

    const desk = await fx.page(DESKTOP);
    await signIn(desk, alice);
    await openRoom(desk, 'lines');
    await composer(desk).click();
    await desk.keyboard.type('one');
    await desk.keyboard.press('Shift+Enter');
    await desk.keyboard.type('two');
    await desk.keyboard.press('Enter');
    await waitForTexts(desk, ['first line\nsecond line', 'one\ntwo']);
  });

  browserTest(fx, 'the notification offer can be turned down, and says when the browser refuses', async () => {
    const user = await newUser(fx.url, 'nt');
    const page = await fx.page();
    await signIn(page, user);
    const offer = page.getByRole('region', { name: 'Notifications' });
    await offer.getByRole('button', { name: 'Turn on' }).click();
    await offer.getByText('Notifications are blocked for this site.', { exact: false }).waitFor();
    await offer.getByRole('button', { name: 'Dismiss' }).click();
    await offer.waitFor({ state: 'detached' });

    const other = await fx.page();
    await signIn(other, await newUser(fx.url, 'nt'));
    const second = other.getByRole('region', { name: 'Notifications' });
    await second.getByRole('button', { name: 'Not now' }).click();
    await second.waitFor({ state: 'detached' });
    await other.reload();
    await other.locator('.app').waitFor();
    assert.equal(await other.getByRole('region', { name: 'Notifications' }).count(), 0, 'turned down stays down');
  });
});
