// Messages people can fix, through the page: two people in two browser
// contexts edit, delete, reply to, react to and pin messages, and each sees
// the other's changes live; a page that was offline meanwhile catches up on
// what changed without reloading.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect, newUser } from '../lib/client.mjs';
import { createDM, createRoom, history, roomOf, sendMany, sendMessage } from '../lib/chat.mjs';
import { DESKTOP, browserTest, useBrowser } from './fixture.mjs';
import { composer, eventually, inView, message, openRoom, send, settledTexts, signIn, waitForTexts } from '../lib/page.mjs';

/** twoPeople makes Alice (the owner) and Bob, a room of theirs, and opens it in a page for each. */
async function twoPeople(fx, name = 'fixes') {
  const alice = await newUser(fx.url, 'lc', { displayName: 'Alice Martin' });
  const bob = await newUser(fx.url, 'lc', { displayName: 'Bob Stone' });
  const room = await createRoom(alice, name, [bob.id]);
  const a = await fx.page(DESKTOP);
  const b = await fx.page(DESKTOP);
  await signIn(a, alice);
  await signIn(b, bob);
  await openRoom(a, name);
  await openRoom(b, name);
  return { alice, bob, room, a, b };
}

/** openMenu opens the actions menu of the message whose text is text. */
async function openMenu(page, text) {
  const msg = message(page, text);
  await msg.hover();
  await msg.getByRole('button', { name: 'Message actions' }).click();
  const menu = page.getByRole('menu', { name: 'Message actions' });
  await menu.waitFor();
  return menu;
}

/** menuItems lists the items of the actions menu of a message. */
async function menuItems(page, text) {
  const menu = await openMenu(page, text);
  const items = await menu.getByRole('menuitem').allTextContents();
  await page.keyboard.press('Escape');
  await menu.waitFor({ state: 'detached' });
  return items;
}

/** choose picks item in the actions menu of a message. */
async function choose(page, text, item) {
  const menu = await openMenu(page, text);
  await menu.getByRole('menuitem', { name: item, exact: true }).click();
}

/** edited reports whether the message shows that it was edited. */
async function edited(page, text) {
  return (await message(page, text).locator('.flag-edited').count()) === 1;
}

/** reactions lists the reactions a message shows: "👍 2" (* when pressed, the reader's own). */
async function reactions(page, text) {
  return message(page, text).locator('.reaction[data-emoji]').evaluateAll((els) => els.map((el) =>
    `${el.dataset.emoji} ${el.querySelector('.reaction-count').textContent}${el.getAttribute('aria-pressed') === 'true' ? '*' : ''}`));
}

describe('fixing messages in the page', () => {
  const fx = useBrowser();

  browserTest(fx, 'edit: from the menu and with Up in an empty box; Esc cancels; both see the new text and "edited" live', async () => {
    const { alice, room, a, b } = await twoPeople(fx);
    await send(a, 'Lunch at 12?');
    await send(a, 'See you there');
    await waitForTexts(b, ['Lunch at 12?', 'See you there']);

    await choose(a, 'Lunch at 12?', 'Edit');
    await a.locator('.compose-bar').getByText('Editing your message').waitFor();
    assert.equal(await composer(a).inputValue(), 'Lunch at 12?');
    await composer(a).fill('Lunch at 1?');
    await composer(a).press('Enter');
    await waitForTexts(b, ['Lunch at 1?', 'See you there']);
    await waitForTexts(a, ['Lunch at 1?', 'See you there']);
    assert.ok(await edited(b, 'Lunch at 1?'), 'the other person sees "edited"');
    assert.ok(await edited(a, 'Lunch at 1?'));
    assert.ok(!(await edited(b, 'See you there')));
    assert.ok(await a.locator('.compose-bar').isHidden(), 'the box is back to writing');
    assert.equal(await composer(a).inputValue(), '');

    // Up in the empty box edits the last message of one's own.
    await composer(a).press('ArrowUp');
    assert.equal(await composer(a).inputValue(), 'See you there');
    await composer(a).fill('See you there!');
    await composer(a).press('Enter');
    await waitForTexts(b, ['Lunch at 1?', 'See you there!']);
    assert.ok(await edited(b, 'See you there!'));

    // Esc leaves an edit: the message stays as it was, and the draft comes back.
    await composer(a).fill('half a thought');
    await choose(a, 'Lunch at 1?', 'Edit');
    assert.equal(await composer(a).inputValue(), 'Lunch at 1?');
    await composer(a).fill('Lunch at 2?');
    await composer(a).press('Escape');
    assert.equal(await composer(a).inputValue(), 'half a thought');
    assert.ok(await a.locator('.compose-bar').isHidden());
    await composer(a).fill('');
    await composer(a).press('ArrowUp');
    await composer(a).press('Escape');
    assert.equal(await composer(a).inputValue(), '');

    const { messages } = await history(alice, room.id);
    assert.deepEqual(messages.map((m) => [m.content, !!m.editedAt]), [['Lunch at 1?', true], ['See you there!', true]]);
    assert.deepEqual(await settledTexts(b), ['Lunch at 1?', 'See you there!']);
  });
  browserTest(fx, 'delete: after a confirmation; the other person sees the tombstone live, and the text is gone', async () => {
    const { alice, room, a, b } = await twoPeople(fx);
    await send(a, 'The door code is 4411');
    await send(a, 'Ping me when you are in');
    await waitForTexts(b, ['The door code is 4411', 'Ping me when you are in']);
    assert.deepEqual(await menuItems(b, 'The door code is 4411'), ['Reply', 'Add a reaction'], 'Bob may neither edit nor delete it');
    await choose(b, 'The door code is 4411', 'Reply');
    await b.locator('.compose-bar').getByText('The door code is 4411').waitFor();

    await choose(a, 'The door code is 4411', 'Delete');
    let dialog = a.getByRole('dialog', { name: 'Delete this message?' });
    await dialog.getByText('The door code is 4411').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await waitForTexts(a, ['The door code is 4411', 'Ping me when you are in']);

    await choose(a, 'The door code is 4411', 'Delete');
    dialog = a.getByRole('dialog', { name: 'Delete this message?' });
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await waitForTexts(a, ['Message deleted by you', 'Ping me when you are in']);
    await waitForTexts(b, ['Message deleted by Alice Martin', 'Ping me when you are in']);
    await b.locator('.compose-bar').getByText('The message you were replying to was deleted.').waitFor();
    for (const page of [a, b]) assert.ok(!(await page.content()).includes('4411'), 'the deleted text is nowhere in the page');
    assert.equal(await message(b, 'Message deleted by Alice Martin').getByRole('button', { name: 'Message actions' }).count(), 0, 'a tombstone has no actions');
    const { messages } = await history(alice, room.id);
    assert.equal(messages[0].content, '');
    assert.ok(messages[0].deletedAt);
  });

  browserTest(fx, 'the owner deletes a message someone else sent', async () => {
    const { a, b } = await twoPeople(fx);
    await send(b, 'Buy cheap watches here');
    await waitForTexts(a, ['Buy cheap watches here']);
    assert.deepEqual(await menuItems(a, 'Buy cheap watches here'), ['Reply', 'Add a reaction', 'Pin', 'Delete'], 'the owner may pin and delete, not edit');
    assert.deepEqual(await menuItems(b, 'Buy cheap watches here'), ['Reply', 'Add a reaction', 'Edit', 'Delete']);
    await choose(a, 'Buy cheap watches here', 'Delete');
    const dialog = a.getByRole('dialog', { name: 'Delete this message?' });
    await dialog.getByText('The message from Bob Stone is erased for everyone').waitFor();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await waitForTexts(b, ['Message deleted by Alice Martin']);
    await waitForTexts(a, ['Message deleted by you']);
  });

  browserTest(fx, 'offline: Bob misses an edit and a delete, and sees both when he is back, without reloading', async () => {
    const { a, b } = await twoPeople(fx);
    await send(a, 'Meet at the north gate');
    await send(a, 'Bring the tickets');
    await send(a, 'Parking is free');
    await waitForTexts(b, ['Meet at the north gate', 'Bring the tickets', 'Parking is free']);
    await b.evaluate(() => { window.notReloaded = true; });

    await b.context().setOffline(true);
    await b.locator('.conn-bar').getByText('Reconnecting').waitFor({ timeout: 30_000 });
    await choose(a, 'Meet at the north gate', 'Edit');
    await composer(a).fill('Meet at the south gate');
    await composer(a).press('Enter');
    await choose(a, 'Bring the tickets', 'Delete');
    const confirm = a.getByRole('dialog', { name: 'Delete this message?' });
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    // The box behind the dialog takes no typing until the delete is done and the dialog gone.
    await confirm.waitFor({ state: 'detached' });
    await send(a, 'See you soon');
    await waitForTexts(a, ['Meet at the south gate', 'Message deleted by you', 'Parking is free', 'See you soon']);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await settledTexts(b), ['Meet at the north gate', 'Bring the tickets', 'Parking is free'], 'nothing reached Bob while offline');

    await b.context().setOffline(false);
    await waitForTexts(b, ['Meet at the south gate', 'Message deleted by Alice Martin', 'Parking is free', 'See you soon'], { timeoutMs: 30_000 });
    assert.ok(await edited(b, 'Meet at the south gate'));
    assert.ok(await b.evaluate(() => window.notReloaded), 'the page was not reloaded');
    assert.ok(!(await b.content()).includes('Bring the tickets'));
  });
  browserTest(fx, 'what is typed while an edit is being saved is kept, and sent once the edit is saved', async () => {
    const { a, b } = await twoPeople(fx);
    // What the server sends Alice's page is held back while her edit is on its way.
    let socket = null;
    let held = null;
    await a.routeWebSocket(/\/socket\.io\//, (ws) => {
      socket = ws;
      ws.connectToServer().onMessage((m) => (held ? held.push(m) : ws.send(m)));
    });
    await a.reload();
    await send(a, 'Meet at the north gate');
    await waitForTexts(b, ['Meet at the north gate']);
    await eventually(async () => assert.deepEqual(await settledTexts(a), ['Meet at the north gate']));

    await choose(a, 'Meet at the north gate', 'Edit');
    await composer(a).fill('Meet at the south gate');
    held = [];
    await composer(a).press('Enter');
    const typed = send(a, 'See you soon');
    await new Promise((r) => setTimeout(r, 700));
    const out = held;
    held = null;
    for (const m of out) socket.send(m);
    await typed;
    await waitForTexts(a, ['Meet at the south gate', 'See you soon']);
    await waitForTexts(b, ['Meet at the south gate', 'See you soon']);
    assert.equal(await composer(a).inputValue(), '');
  });
  browserTest(fx, 'reply: the quote shows above the box and on the reply; a click on it goes to the original, loading it if needed', async () => {
    const { alice, bob, room, a, b } = await twoPeople(fx);
    const question = 'Which venue do we book?';
    await send(b, question);
    await sendMany(await connect(fx.url, alice.token), room.id, 80, 'filler');
    await message(a, 'filler 80').waitFor();

    const original = message(a, question);
    await original.hover();
    await original.getByRole('button', { name: 'Reply', exact: true }).click();
    const bar = a.locator('.compose-bar');
    await bar.getByText('Replying to Bob Stone').waitFor();
    await bar.getByText(question).waitFor();
    await composer(a).fill('The harbour hall');
    await composer(a).press('Enter');
    for (const [page, who] of [[a, 'Bob Stone'], [b, 'you']]) {
      const quote = message(page, 'The harbour hall').locator('.quote');
      await quote.locator('.quote-who').getByText(who, { exact: true }).waitFor();
      assert.equal(await quote.locator('.quote-text').textContent(), question);
    }
    assert.ok(await bar.isHidden());
    const stored = (await history(alice, room.id)).messages.at(-1);
    assert.equal(stored.replyTo?.excerpt, question);

    // Loaded: the click scrolls up to it.
    assert.ok(!(await inView(a, original)));
    await message(a, 'The harbour hall').locator('.quote').click();
    await eventually(async () => assert.ok(await inView(a, original)));
    assert.ok(await original.evaluate((el) => el === document.activeElement), 'the original has the focus');

    // Not loaded: the page loads the history back to it.
    await eventually(async () => assert.equal((await roomOf(bob, room.id)).unread, 0), { timeoutMs: 15_000 });
    await b.reload();
    await message(b, 'The harbour hall').waitFor();
    assert.equal(await message(b, question).count(), 0, 'the original is not loaded yet');
    await message(b, 'The harbour hall').locator('.quote').click();
    await message(b, question).waitFor();
    await eventually(async () => assert.ok(await inView(b, message(b, question))));

    // The quote follows the original: once it is deleted, its text is gone from the reply too.
    await choose(a, question, 'Delete');
    await a.getByRole('dialog', { name: 'Delete this message?' }).getByRole('button', { name: 'Delete', exact: true }).click();
    for (const page of [a, b]) {
      await message(page, 'The harbour hall').locator('.quote-text').getByText('Message deleted', { exact: true }).waitFor();
      assert.ok(!(await page.content()).includes(question));
    }
  });

  browserTest(fx, 'react: counts and toggles seen by both; who reacted on hover and focus; the picker by keyboard', async () => {
    const { alice, room, a, b } = await twoPeople(fx);
    const text = 'Shipped the release';
    await send(a, text);
    await waitForTexts(b, [text]);

    await message(b, text).hover();
    await message(b, text).getByRole('button', { name: 'Add a reaction' }).click();
    await b.getByRole('dialog', { name: 'Add a reaction' }).getByRole('button', { name: 'thumbs up' }).click();
    await eventually(async () => assert.deepEqual(await reactions(b, text), ['👍 1*']));
    await eventually(async () => assert.deepEqual(await reactions(a, text), ['👍 1']));

    const thumbs = (page) => message(page, text).locator('.reaction[data-emoji="👍"]');
    await thumbs(a).click();
    await eventually(async () => assert.deepEqual(await reactions(a, text), ['👍 2*']));
    await eventually(async () => assert.deepEqual(await reactions(b, text), ['👍 2*']));

    await thumbs(b).hover();
    await b.locator('.tooltip').getByText('Alice Martin and you reacted with 👍').waitFor();
    await a.mouse.move(1, 1);
    await composer(a).focus();
    await thumbs(a).focus();
    await a.locator('.tooltip').getByText('Bob Stone and you reacted with 👍').waitFor();
    assert.match(await thumbs(a).getAttribute('aria-label'), /thumbs up, 2: Bob Stone and you/);

    await thumbs(b).click();
    await eventually(async () => assert.deepEqual(await reactions(b, text), ['👍 1']));
    await eventually(async () => assert.deepEqual(await reactions(a, text), ['👍 1*']));

    // By keyboard: the menu, then the picker, moved through with the arrow keys.
    await message(a, text).getByRole('button', { name: 'Message actions' }).focus();
    await a.keyboard.press('Enter');
    await a.getByRole('menu', { name: 'Message actions' }).waitFor();
    await a.keyboard.press('ArrowDown');
    await a.keyboard.press('Enter');
    await a.getByRole('dialog', { name: 'Add a reaction' }).waitFor();
    await a.keyboard.press('ArrowRight');
    await a.keyboard.press('Enter');
    await eventually(async () => assert.deepEqual(await reactions(b, text), ['👍 1', '❤️ 1']));
    await eventually(async () => assert.deepEqual(await reactions(a, text), ['👍 1*', '❤️ 1*']));
    await thumbs(a).click();
    await eventually(async () => assert.deepEqual(await reactions(b, text), ['❤️ 1']));
    const stored = (await history(alice, room.id)).messages[0];
    assert.deepEqual(stored.reactions.map((r) => [r.emoji, r.count]), [['❤️', 1]]);
  });

  browserTest(fx, 'pin: the owner pins, the pinned list goes to the message; either member of a DM pins', async () => {
    const { alice, bob, room, a, b } = await twoPeople(fx);
    const agenda = 'Agenda: budget, hiring, launch';
    await send(b, agenda);
    await waitForTexts(a, [agenda]);
    await choose(a, agenda, 'Pin');
    for (const page of [a, b]) await message(page, agenda).locator('.flag-pinned').waitFor();
    assert.ok(!(await menuItems(b, agenda)).includes('Pin'), 'a member who does not own the room cannot pin');
    await sendMany(await connect(fx.url, alice.token), room.id, 80, 'later');
    await message(b, 'later 80').waitFor();
    await eventually(async () => assert.equal((await roomOf(bob, room.id)).unread, 0), { timeoutMs: 15_000 });

    await b.reload();
    await message(b, 'later 80').waitFor();
    assert.equal(await message(b, agenda).count(), 0);
    await b.getByRole('button', { name: 'Pinned messages' }).click();
    const list = b.getByRole('dialog', { name: 'Pinned messages' });
    await list.getByText(agenda).waitFor();
    assert.equal(await list.locator('.pin-item').count(), 1);
    assert.equal(await list.getByRole('button', { name: /^Unpin/ }).count(), 0, 'only who may pin can unpin');
    await list.getByRole('button', { name: /Go to the message/ }).click();
    await list.waitFor({ state: 'detached' });
    await message(b, agenda).waitFor();
    await eventually(async () => assert.ok(await inView(b, message(b, agenda))));

    await a.getByRole('button', { name: 'Pinned messages' }).click();
    const aList = a.getByRole('dialog', { name: 'Pinned messages' });
    await aList.getByRole('button', { name: 'Unpin the message from Bob Stone' }).click();
    await aList.getByText('Nothing is pinned in this conversation yet.').waitFor();
    await eventually(async () => assert.equal(await message(b, agenda).locator('.flag-pinned').count(), 0));
    assert.deepEqual((await (await alice.api.get(`/rooms/${room.id}/pins`)).body).messages, []);
    await a.keyboard.press('Escape');

    const dm = await createDM(alice, bob.id);
    await sendMessage(await connect(fx.url, alice.token), dm.id, 'Our little secret plan');
    await openRoom(b, 'Alice Martin');
    await choose(b, 'Our little secret plan', 'Pin');
    await openRoom(a, 'Bob Stone');
    await message(a, 'Our little secret plan').locator('.flag-pinned').waitFor();
  });
});
