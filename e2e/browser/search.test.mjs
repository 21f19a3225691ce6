// Finding messages through the page: "/" or Ctrl-K or the header's button
// opens the search; results say where, who and when and mark what matched
// (as text, whatever the query or the message holds); "More results" pages
// on; the search can keep to the open conversation; the arrows and Enter,
// or a click, open the conversation at the message, loaded in context.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect, newUser } from '../lib/client.mjs';
import { createRoom, sendMany, sendMessage } from '../lib/chat.mjs';
import { DESKTOP, PHONE, TOUCH, browserTest, useBrowser } from './fixture.mjs';
import { eventually, inView, message, openRoom, signIn } from '../lib/page.mjs';

/** people makes Alice and Bob and a room of theirs with Alice's socket. */
async function people(fx, name) {
  const alice = await newUser(fx.url, 'sr', { displayName: 'Alice Martin' });
  const bob = await newUser(fx.url, 'sr', { displayName: 'Bob Stone' });
  const room = await createRoom(alice, name, [bob.id]);
  const s = await connect(fx.url, alice.token);
  return { alice, bob, room, s };
}

function searchBox(page) {
  return page.getByRole('combobox', { name: 'Search messages' });
}

/** results lists what the results show: "room | sender | text", the marked parts in [brackets]. */
function results(page) {
  return page.locator('.search-item').evaluateAll((items) => items.map((li) => {
    const text = [...li.querySelector('.search-text').childNodes].map((n) => (n.nodeName === 'MARK' ? `[${n.textContent}]` : n.textContent)).join('');
    return `${li.querySelector('.search-room').textContent} | ${li.querySelector('.search-who').textContent} | ${text}`;
  }));
}

/** search types q into the open search box and waits for its results. */
async function search(page, q) {
  await searchBox(page).fill(q);
  await eventually(async () => assert.equal(await page.locator('.search-results').getAttribute('data-query'), q, 'the results are of this query'));
}

describe('searching messages in the page', () => {
  const fx = useBrowser();

  browserTest(fx, 'Chinese by substring, English by prefix, and markup in a query or a message shows as text', async () => {
    const { bob, room, s } = await people(fx, 'general');
    await sendMessage(s, room.id, '我们聊天吧');
    await sendMessage(s, room.id, 'Deployment finished on Friday');
    await sendMessage(s, room.id, 'see <img src=x onerror=alert(1)> here');
    await sendMessage(s, room.id, 'nothing to find');
    const b = await fx.page(DESKTOP);
    const alerts = [];
    b.on('dialog', (d) => { alerts.push(d.message()); d.dismiss().catch(() => {}); });
    await signIn(b, bob);
    await openRoom(b, 'general');

    // Ctrl-K works while typing in the message box.
    await b.getByRole('textbox', { name: /^Message / }).focus();
    await b.keyboard.press('Control+k');
    await searchBox(b).waitFor();
    assert.ok(await searchBox(b).evaluate((el) => el === document.activeElement), 'the box has the focus');
    await search(b, '聊天');
    assert.deepEqual(await results(b), ['#general | Alice Martin | 我们[聊天]吧']);
    assert.match(await b.locator('.search-item time').first().textContent(), /\d/);
    await search(b, 'deploy');
    assert.deepEqual(await results(b), ['#general | Alice Martin | [Deploy]ment finished on Friday']);
    await search(b, '<img src=x onerror=alert(1)>');
    const found = await results(b);
    assert.equal(found.length, 1, `found: ${found}`);
    assert.equal(found[0], '#general | Alice Martin | see <[img] [src=x] [onerror=alert(1])> here', 'the markup is text, its words marked');
    assert.equal(await b.locator('.search-dialog img').count(), 0, 'no element was made of the text');
    await search(b, 'zebra');
    assert.equal(await b.locator('.search-status').textContent(), 'No messages match.');
    await b.keyboard.press('Escape');
    await b.locator('.search-dialog').waitFor({ state: 'detached' });
    assert.deepEqual(alerts, [], 'nothing ran');

    // "/" outside a text field, and the header's button.
    await b.locator('.conv-title').click();
    await b.keyboard.press('/');
    await searchBox(b).waitFor();
    assert.equal(await searchBox(b).inputValue(), '', 'the "/" is not typed into the box');
    await b.keyboard.press('Escape');
    await b.locator('.conversation').getByRole('button', { name: 'Search messages' }).click();
    await searchBox(b).waitFor();
  });

  browserTest(fx, 'more results page on; the search keeps to the open conversation when asked', async () => {
    const { alice, bob, room, s } = await people(fx, 'reports');
    const other = await createRoom(alice, 'elsewhere', [bob.id]);
    await sendMany(s, room.id, 25, 'weekly report');
    await sendMessage(s, other.id, 'the report from elsewhere');
    const b = await fx.page(DESKTOP);
    await signIn(b, bob);
    await openRoom(b, 'reports');
    await b.locator('.conv-title').click();
    await b.keyboard.press('/');
    await search(b, 'report');
    assert.equal((await results(b)).length, 20, 'a first page');
    assert.equal((await results(b))[0], '#elsewhere | Alice Martin | the [report] from elsewhere', 'newest first');
    await b.getByRole('button', { name: 'More results' }).click();
    await eventually(async () => assert.equal((await results(b)).length, 26));
    assert.ok(await b.getByRole('button', { name: 'More results' }).isHidden(), 'no more');
    const all = await results(b);
    assert.equal(new Set(all).size, 26, 'no result twice');
    assert.equal(all[25], '#reports | Alice Martin | weekly [report] 1');

    await b.getByRole('radio', { name: 'Only in #reports' }).check();
    await eventually(async () => {
      const only = await results(b);
      assert.equal(only.length, 20);
      assert.ok(only.every((r) => r.startsWith('#reports | ')), only.join('\n'));
    });
  });

  for (const [label, view, options] of [['on a desktop', DESKTOP, {}], ['on a phone, in dark mode', PHONE, { ...TOUCH, colorScheme: 'dark' }]]) {
    browserTest(fx, `opening a result ${label} opens its conversation at the message, far back in the history, and points it out`, async () => {
      const { bob, room, s } = await people(fx, 'archive');
      const elsewhere = await createRoom(bob, 'lobby', []);
      await sendMany(s, room.id, 5, 'early chatter');
      await sendMessage(s, room.id, 'the needle in the haystack');
      await sendMessage(s, room.id, 'another needle, later');
      await sendMany(s, room.id, 120, 'filler');
      const b = await fx.page(view, options);
      await signIn(b, bob);
      await openRoom(b, 'lobby');
      assert.ok(elsewhere.id);
      await b.getByRole('button', { name: 'Search messages' }).first().click();
      await search(b, 'needle');
      assert.deepEqual(await results(b), ['#archive | Alice Martin | another [needle], later', '#archive | Alice Martin | the [needle] in the haystack']);
      await b.keyboard.press('ArrowDown');
      assert.equal(await searchBox(b).getAttribute('aria-activedescendant'), 'sr-1');
      await b.keyboard.press('Enter');
      await b.locator('.search-dialog').waitFor({ state: 'detached' });
      await b.locator('.conversation .conv-title').filter({ hasText: 'archive' }).waitFor();
      assert.equal(new URL(b.url()).pathname, `/r/${room.id}`);
      const target = message(b, 'the needle in the haystack');
      await eventually(async () => {
        assert.ok(await inView(b, target), 'the message is in view');
        assert.ok(await target.evaluate((el) => el.classList.contains('flash') && el === document.activeElement), 'pointed out');
      });
      // In context: the messages around it are there, and the history is whole from it to the newest.
      const seqs = await b.locator('.messages .msg[data-seq]').evaluateAll((els) => els.map((el) => Number(el.dataset.seq)));
      assert.ok(seqs[0] < 6, `older messages loaded: starts at ${seqs[0]}`);
      assert.equal(seqs[seqs.length - 1], 127);
      assert.deepEqual(seqs, seqs.map((_, i) => seqs[0] + i), 'no gap');
      await message(b, 'early chatter 5').waitFor();

      // A click opens one too.
      await b.keyboard.press('Control+k');
      await search(b, 'another');
      await b.locator('.search-item').first().click();
      await eventually(async () => assert.ok(await message(b, 'another needle, later').evaluate((el) => el === document.activeElement)));
    });
  }
});
