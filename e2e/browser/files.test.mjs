// Files and images in the page: pasted, picked or dropped files upload with
// a progress and a cancel and go with the next message; the other person
// sees an image as a thumbnail at its final size before it loads, opens it
// in a lightbox, and downloads other files from a chip. An image whose link
// no longer works is read again; a file over the limit says the limit and
// sends nothing; a deleted message's files are gone.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { newUser } from '../lib/client.mjs';
import { createRoom, history } from '../lib/chat.mjs';
import { fetchFile, makePNG, PDF } from '../lib/files.mjs';
import { DESKTOP, PHONE, TOUCH, browserTest, useBrowser } from './fixture.mjs';
import { composer, eventually, openRoom, signIn } from '../lib/page.mjs';

/** twoPeople makes Alice and Bob, a room of theirs, and opens it in a page for each (Bob's on viewport). */
async function twoPeople(fx, { name = 'files', bobView = DESKTOP, bobOptions = {} } = {}) {
  const alice = await newUser(fx.url, 'fl', { displayName: 'Alice Martin' });
  const bob = await newUser(fx.url, 'fl', { displayName: 'Bob Stone' });
  const room = await createRoom(alice, name, [bob.id]);
  const a = await fx.page(DESKTOP);
  const b = await fx.page(bobView, bobOptions);
  await signIn(a, alice);
  await signIn(b, bob);
  await openRoom(a, name);
  await openRoom(b, name);
  return { alice, bob, room, a, b };
}

/** paste pastes a file into the message box, as a screenshot pasted from the clipboard. */
async function paste(page, bytes, name, type) {
  await composer(page).focus();
  await composer(page).evaluate((box, { data, name, type }) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], name, { type }));
    box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, { data: Buffer.from(bytes).toString('base64'), name, type });
}

/** attach picks a file with the attach button's file chooser. */
async function attach(page, bytes, name, mimeType) {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Attach files' }).click();
  await (await chooser).setFiles({ name, mimeType, buffer: Buffer.from(bytes) });
}

/** trayItem is the file waiting in the message box with that name. */
function trayItem(page, name) {
  return page.locator('.tray-item').filter({ hasText: name });
}

/** sendReady waits for the upload to finish, then sends with the button. */
async function sendReady(page, name) {
  await trayItem(page, name).and(page.locator('.ready')).waitFor();
  await page.getByRole('button', { name: 'Send message' }).click();
  await trayItem(page, name).waitFor({ state: 'detached' });
}

async function box(locator) {
  const b = await locator.boundingBox();
  return { width: Math.round(b.width), height: Math.round(b.height) };
}

describe('files and images in the page', () => {
  const fx = useBrowser();

  browserTest(fx, 'a pasted image: the other person sees its thumbnail at its size before it loads, and opens it in a lightbox', async () => {
    const { alice, room, a, b } = await twoPeople(fx);
    // Bob's thumbnails wait until let go, so the page is seen before they load.
    let release;
    const held = new Promise((r) => { release = r; });
    await b.route('**/attachments/*/thumbnail*', async (route) => {
      await held;
      await route.continue();
    });
    await paste(a, makePNG(400, 200), 'screenshot.png', 'image/png');
    await composer(a).fill('The chart');
    await sendReady(a, 'screenshot.png');

    const img = b.locator('.msg .att-image img');
    await img.waitFor();
    assert.equal(await img.evaluate((el) => el.naturalWidth), 0, 'not loaded yet');
    assert.deepEqual(await box(img), { width: 320, height: 160 }, 'sized from the attachment before it loads');
    assert.equal(await b.locator('.msg .msg-text').filter({ hasText: 'The chart' }).count(), 1, 'the caption shows');
    release();
    await eventually(async () => assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0)));
    assert.deepEqual(await box(img), { width: 320, height: 160 }, 'no jump once loaded');
    assert.equal(await img.getAttribute('alt'), 'screenshot.png');

    const thumb = b.getByRole('button', { name: 'Open image screenshot.png' });
    await thumb.focus();
    await b.keyboard.press('Enter');
    const dialog = b.getByRole('dialog', { name: 'screenshot.png' });
    await dialog.waitFor();
    const full = dialog.locator('img');
    await eventually(async () => assert.equal(await full.evaluate((el) => el.naturalWidth), 400, 'the full image, not the thumbnail'));
    await b.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.ok(await thumb.evaluate((el) => el === document.activeElement), 'the focus is back on the thumbnail');

    // Alice fixes the caption: the image stays.
    await composer(a).press('ArrowUp');
    await composer(a).fill('The chart, final');
    await composer(a).press('Enter');
    await b.locator('.msg .msg-text').filter({ hasText: 'The chart, final' }).waitFor();
    assert.equal(await b.locator('.msg .att-image img').count(), 1, 'the edited message keeps its image');

    const { messages } = await history(alice, room.id);
    assert.equal(messages.length, 1);
    assert.equal(messages[0].content, 'The chart, final');
    assert.deepEqual(messages[0].attachments.map((x) => [x.name, x.width, x.height]), [['screenshot.png', 400, 200]]);
  });

  browserTest(fx, 'an attached PDF shows as a chip whose link downloads it; deleting the message takes the file away', async () => {
    const { alice, room, a, b } = await twoPeople(fx, { bobView: PHONE, bobOptions: { ...TOUCH, colorScheme: 'dark' } });
    await attach(a, PDF, 'minutes.pdf', 'application/pdf');
    await sendReady(a, 'minutes.pdf');

    const chip = b.getByRole('link', { name: /minutes\.pdf/ });
    await chip.waitFor();
    assert.match(await chip.textContent(), /minutes\.pdf.*bytes/);
    const href = await chip.getAttribute('href');
    const got = await b.evaluate(async (url) => {
      const res = await fetch(url);
      return { status: res.status, disposition: res.headers.get('content-disposition'), bytes: Array.from(new Uint8Array(await res.arrayBuffer())) };
    }, href);
    assert.equal(got.status, 200);
    assert.match(got.disposition, /^attachment/);
    assert.deepEqual(Buffer.from(got.bytes), PDF, 'the download is the file');
    const chipBox = await chip.boundingBox();
    assert.ok(chipBox.x >= 0 && chipBox.x + chipBox.width <= PHONE.width, 'the chip fits a phone');
    const { messages } = await history(alice, room.id);
    assert.equal(messages[0].content, '', 'a file needs no text');

    // Alice deletes the message: Bob's chip goes, and so does the file.
    const mine = a.locator('.msg[data-seq]').filter({ has: a.locator('.att-file') });
    await mine.hover();
    await mine.getByRole('button', { name: 'Message actions' }).click();
    await a.getByRole('menuitem', { name: 'Delete', exact: true }).click();
    await a.getByRole('dialog', { name: 'Delete this message?' }).getByRole('button', { name: 'Delete', exact: true }).click();
    await b.getByText('Message deleted by Alice Martin').waitFor();
    assert.equal(await b.locator('.att-file').count(), 0);
    assert.equal((await fetchFile(fx.url, href)).status, 404, 'the file is gone');
  });

  browserTest(fx, 'a thumbnail whose link stopped working is read again and loads', async () => {
    const { a, b } = await twoPeople(fx);
    await paste(a, makePNG(60, 90), 'tall.png', 'image/png');
    await sendReady(a, 'tall.png');
    const img = b.locator('.msg .att-image img');
    await eventually(async () => assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0)));
    assert.deepEqual(await box(img), { width: 60, height: 90 }, 'a small image shows at its size');
    // The link as it would be once expired: the signature no longer checks.
    const stale = await img.evaluate((el) => {
      const u = new URL(el.src);
      u.searchParams.set('s', 'A'.repeat(u.searchParams.get('s').length));
      el.src = u.pathname + u.search;
      return el.getAttribute('src');
    });
    await eventually(async () => {
      const now = b.locator('.msg .att-image img');
      assert.notEqual(await now.getAttribute('src'), stale, 'a fresh link');
      assert.ok(await now.evaluate((el) => el.complete && el.naturalWidth > 0), 'it loads');
    });
  });

  browserTest(fx, 'files dropped on the conversation go with the next message', async () => {
    const { alice, room, a, b } = await twoPeople(fx);
    await a.locator('.conversation').evaluate((el, files) => {
      const dt = new DataTransfer();
      for (const f of files) dt.items.add(new File([f.text], f.name, { type: f.type }));
      el.querySelector('.scroller').dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      if (!el.classList.contains('dropping')) throw new Error('the conversation does not show it takes the drop');
      el.querySelector('.scroller').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, [{ name: 'one.txt', text: 'first', type: 'text/plain' }, { name: 'two.csv', text: 'a,b\n1,2\n', type: 'text/csv' }]);
    assert.equal(await a.locator('.conversation.dropping').count(), 0);
    await trayItem(a, 'one.txt').and(a.locator('.ready')).waitFor();
    await composer(a).fill('Two files');
    await sendReady(a, 'two.csv');
    await b.getByRole('link', { name: /two\.csv/ }).waitFor();
    const { messages } = await history(alice, room.id);
    assert.deepEqual(messages.map((m) => [m.content, m.attachments.map((x) => x.name)]), [['Two files', ['one.txt', 'two.csv']]]);
  });

  browserTest(fx, 'cancelling an upload under way sends nothing', async () => {
    const { alice, room, a } = await twoPeople(fx);
    let reached = 0;
    await a.route('**/rooms/*/attachments', () => { reached++; }); // held: never answered
    await attach(a, makePNG(200, 200), 'draft.png', 'image/png');
    const item = trayItem(a, 'draft.png');
    await item.and(a.locator('.uploading')).waitFor();
    assert.ok(await a.getByRole('button', { name: 'Send message' }).isDisabled(), 'nothing to send while it uploads');
    await a.getByRole('button', { name: 'Cancel the upload of draft.png' }).click();
    await item.waitFor({ state: 'detached' });
    await a.getByText('Upload of draft.png cancelled.').waitFor();
    assert.equal(reached, 1);
    assert.ok(await a.getByRole('button', { name: 'Send message' }).isDisabled());
    await composer(a).press('Enter');
    await a.unroute('**/rooms/*/attachments');
    await composer(a).fill('just text');
    await composer(a).press('Enter');
    await eventually(async () => {
      const { messages } = await history(alice, room.id);
      assert.deepEqual(messages.map((m) => [m.content, m.attachments?.length || 0]), [['just text', 0]]);
    });
  });
});

describe('files over the upload limit', () => {
  const fx = useBrowser({ env: { CHAT_MAX_UPLOAD: '64KiB' } });

  browserTest(fx, 'a file over the limit says the limit and sends nothing; a small one still goes', async () => {
    const { alice, room, a } = await twoPeople(fx);
    await attach(a, Buffer.alloc(200 * 1024, 7), 'backup.bin', 'application/octet-stream');
    const item = trayItem(a, 'backup.bin');
    await item.getByText('The file is too large: the limit is 64 KiB.').waitFor();
    assert.equal(await item.getAttribute('role'), 'alert');
    assert.ok(await a.getByRole('button', { name: 'Send message' }).isDisabled(), 'nothing to send');
    await composer(a).press('Enter');
    await a.getByRole('button', { name: 'Remove backup.bin' }).click();
    await item.waitFor({ state: 'detached' });
    // Far over the limit, the service refuses it before reading it all.
    await attach(a, Buffer.alloc(3 << 20, 7), 'video.bin', 'application/octet-stream');
    await trayItem(a, 'video.bin').getByText('The file is too large: the limit is 64 KiB.').waitFor();
    await a.getByRole('button', { name: 'Remove video.bin' }).click();
    await attach(a, PDF, 'small.pdf', 'application/pdf');
    await sendReady(a, 'small.pdf');
    await eventually(async () => {
      const { messages } = await history(alice, room.id);
      assert.deepEqual(messages.map((m) => m.attachments.map((x) => x.name)), [['small.pdf']]);
    });
  });
});
