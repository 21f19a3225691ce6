// Files and images (PROTOCOL.md "Files and images"), on each store: uploads
// streamed with their type sniffed from the bytes, images with their size
// and a thumbnail, JPEG originals without EXIF, downloads that a browser
// never renders, signed links that expire and that a removal revokes,
// ranges and ETags, attachments sent once by their uploader, deleted with
// their message, kept across a restart; the upload limit and rate.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { useServer, test } from '../lib/harness.mjs';
import { api, newUsers, connect, emitAck, randomHex, waitFor } from '../lib/client.mjs';
import { createRoom, sendMessage, history, joinRoom } from '../lib/chat.mjs';
import { mongoEnv, TEST_JWT_SECRET } from '../lib/server.mjs';
import { assertAttachment, assertMessage, assertAckError, assertRestError } from '../lib/expect.mjs';
import { makePNG, imageSize, fixture, upload, fetchFile, GIF_30x20, WEBP_1x1, PDF } from '../lib/files.mjs';

const STORES = [{ name: 'embedded', env: { CHAT_MONGO_URI: '' } }]; // embedded even under E2E_STORAGE=mongo
if (process.env.CHAT_TEST_MONGO_URI) STORES.push({ name: 'mongodb', env: mongoEnv() });

// files lists the blobs kept under an embedded server's data directory
// (the temporary files of uploads in progress included).
function files(dataDir) {
  const root = join(dataDir, 'attachments');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
}

// sign makes a link the way the server does, with the tests' JWT secret,
// so that a test can make one whose signature is right but whose time has
// passed.
function sign(id, kind, name, issuedMs, expiresS) {
  const key = createHmac('sha256', TEST_JWT_SECRET).update('attachment links').digest();
  const s = createHmac('sha256', key).update(`${id}\0${kind}\0${issuedMs}\0${expiresS}`).digest('base64url');
  return `/attachments/${id}/${encodeURIComponent(name)}?t=${issuedMs}&e=${expiresS}&s=${s}`;
}

for (const store of STORES) {
  describe(`attachments, ${store.name} store`, () => {
    const srv = useServer({ env: store.env });

    const setup = async () => {
      const [alice, bob, carol] = await newUsers(srv.url, 3, 'file');
      const room = await createRoom(alice, 'files', [bob.id]);
      const sa = await connect(srv.url, alice.token);
      return { alice, bob, carol, room, sa };
    };
    const put = async (user, roomId, bytes, name, type) => {
      const res = await upload(srv.url, user.token, roomId, bytes, name, type);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assertAttachment(res.body);
      return res.body;
    };
    const get = (path, headers) => fetchFile(srv.url, path, headers);

    test('an image: its size and thumbnail, sent with a message, served by its signed link with ranges and ETags', async () => {
      const { alice, bob, room, sa } = await setup();
      const png = makePNG(640, 480);
      const a = await put(alice, room.id, png, 'gradient.png', 'image/png');
      assertAttachment(a, { name: 'gradient.png', size: png.length, contentType: 'image/png', width: 640, height: 480 });

      const sb = await connect(srv.url, bob.token);
      await joinRoom(sb, room.id);
      const live = waitFor(sb, 'message', (m) => m.roomId === room.id);
      const sent = await sendMessage(sa, room.id, '', { attachments: [a.id] });
      assertMessage(sent, { content: '' });
      assert.deepEqual(sent.attachments.map((x) => x.id), [a.id]);
      const got = await live;
      assertMessage(got);
      assertAttachment(got.attachments[0], { id: a.id, width: 640, height: 480 });

      const file = await get(got.attachments[0].url);
      assert.equal(file.status, 200);
      assert.ok(file.bytes.equals(png), 'the bytes uploaded');
      assert.equal(file.headers.get('content-type'), 'image/png');
      assert.equal(file.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(file.headers.get('content-security-policy'), 'sandbox');
      assert.match(file.headers.get('content-disposition'), /^inline; filename=gradient\.png$/);

      const thumb = await get(got.attachments[0].thumbnailUrl);
      assert.equal(thumb.status, 200);
      assert.equal(thumb.headers.get('content-type'), 'image/png');
      assert.deepEqual(imageSize(thumb.bytes), { width: 320, height: 240 }, 'at most 320×320, aspect kept');

      const part = await get(got.attachments[0].url, { range: 'bytes=8-23' });
      assert.equal(part.status, 206);
      assert.ok(part.bytes.equals(png.subarray(8, 24)));
      assert.equal(part.headers.get('content-range'), `bytes 8-23/${png.length}`);
      const etag = file.headers.get('etag');
      assert.ok(etag, 'an ETag');
      assert.equal((await get(got.attachments[0].url, { 'if-none-match': etag })).status, 304);
      const outside = await get(got.attachments[0].url, { range: `bytes=${png.length + 10}-` });
      assert.equal(outside.status, 416, 'a range outside the file');
      assert.equal(outside.headers.get('content-range'), `bytes */${png.length}`);
      assert.equal((await get(got.attachments[0].url, { 'if-match': '"another"' })).status, 412);

      const page = await history(bob, room.id);
      const again = page.messages.find((m) => m.id === sent.id);
      assertAttachment(again.attachments[0], { id: a.id });
      assert.equal((await get(again.attachments[0].url)).status, 200, 'history carries working links');
      const bearer = await get(`/attachments/${a.id}/gradient.png`, { authorization: `Bearer ${bob.token}` });
      assert.equal(bearer.status, 200, 'a member with a token needs no signature');
      assert.ok(bearer.bytes.equals(png));
    });

    test('types come from the bytes: HTML, SVG and PDF are downloads, GIF and WebP images', async () => {
      const { alice, room } = await setup();
      const html = await put(alice, room.id, Buffer.from('<!doctype html><script>alert(document.cookie)</script>'), 'cat.png', 'image/png');
      assert.match(html.contentType, /^text\/html/, 'what the client claimed is ignored');
      assert.equal(html.width, undefined);
      const svg = await put(alice, room.id, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'), 'logo.svg', 'image/svg+xml');
      assert.ok(!svg.contentType.startsWith('image/'), `SVG is not served as an image: ${svg.contentType}`);
      const pdf = await put(alice, room.id, PDF, 'report.pdf', 'application/pdf');
      assertAttachment(pdf, { contentType: 'application/pdf', size: PDF.length, name: 'report.pdf' });
      for (const a of [html, svg, pdf]) {
        const file = await get(a.url);
        assert.equal(file.status, 200);
        assert.match(file.headers.get('content-disposition'), /^attachment; filename=/, a.name);
        assert.equal(file.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(file.headers.get('content-security-policy'), 'sandbox');
      }
      assert.equal((await get(html.url)).headers.get('content-type'), html.contentType);
      const gif = await put(alice, room.id, GIF_30x20, 'dot.gif');
      assertAttachment(gif, { contentType: 'image/gif', width: 30, height: 20 });
      assert.equal((await get(gif.thumbnailUrl)).status, 200);
      const webp = await put(alice, room.id, WEBP_1x1, 'pixel.webp');
      assertAttachment(webp, { contentType: 'image/webp', width: 1, height: 1 });
      const webpThumb = await get(webp.thumbnailUrl);
      assert.equal(webpThumb.status, 200);
      assert.deepEqual(imageSize(webpThumb.bytes), { width: 1, height: 1 });
    });

    test('a JPEG is served without its EXIF segment', async () => {
      const { alice, room } = await setup();
      const photo = fixture('photo-gps.jpg');
      assert.ok(photo.includes('GPSLatitude'), 'the fixture carries GPS EXIF');
      const a = await put(alice, room.id, photo, 'holiday.jpg', 'image/jpeg');
      assertAttachment(a, { contentType: 'image/jpeg', width: 400, height: 300 });
      const file = await get(a.url);
      assert.equal(file.status, 200);
      assert.ok(!file.bytes.includes('GPSLatitude') && !file.bytes.includes('Exif\0\0'), 'no EXIF left');
      assert.equal(file.bytes.length, a.size, 'size is that of what is served');
      assert.deepEqual(imageSize(file.bytes), { width: 400, height: 300 }, 'still the same image');
      assert.deepEqual(imageSize((await get(a.thumbnailUrl)).bytes), { width: 320, height: 240 });
    });

    test('links: tampered, expired, of the other kind, or made before a member left are refused', async () => {
      const { alice, bob, carol, room, sa } = await setup();
      const a = await put(alice, room.id, makePNG(40, 40), 'square.png');
      const sent = await sendMessage(sa, room.id, 'a square', { attachments: [a.id] });
      const url = sent.attachments[0].url;
      assert.equal((await get(url)).status, 200);
      const tampered = url.replace(/s=(.)/, (_, c) => `s=${c === 'A' ? 'B' : 'A'}`);
      assertRestError(await get(tampered), 'forbidden');
      const longer = url.replace(/e=(\d+)/, (_, e) => `e=${Number(e) + 3600}`);
      assertRestError(await get(longer), 'forbidden');
      const now = Date.now();
      assert.equal((await get(sign(a.id, 'file', a.name, now, Math.floor(now / 1000) + 3600))).status, 200, 'a link signed as the server does works');
      assertRestError(await get(sign(a.id, 'file', a.name, now - 7_200_000, Math.floor(now / 1000) - 60)), 'forbidden');
      const thumbQuery = sent.attachments[0].thumbnailUrl.split('?')[1];
      assertRestError(await get(`/attachments/${a.id}/square.png?${thumbQuery}`), 'forbidden');
      assert.equal((await get(`/attachments/${a.id}/square.png`)).status, 401, 'neither a link nor a token');
      const outsider = await get(`/attachments/${a.id}/square.png`, { authorization: `Bearer ${carol.token}` });
      assert.ok([403, 404].includes(outsider.status), `a non-member is refused: ${outsider.status}`);

      const bobsCopy = (await history(bob, room.id)).messages.find((m) => m.id === sent.id).attachments[0];
      assert.equal((await get(bobsCopy.url)).status, 200);
      await new Promise((r) => setTimeout(r, 5));
      assert.equal((await alice.api.del(`/rooms/${room.id}/members/${bob.id}`)).status, 204);
      assertRestError(await get(bobsCopy.url), 'forbidden');
      assertRestError(await get(bobsCopy.thumbnailUrl), 'forbidden');
      const bobsToken = await get(`/attachments/${a.id}/square.png`, { authorization: `Bearer ${bob.token}` });
      assert.ok([403, 404].includes(bobsToken.status), `a removed member's token is refused: ${bobsToken.status}`);
      const fresh = (await history(alice, room.id)).messages.find((m) => m.id === sent.id).attachments[0];
      assert.equal((await get(fresh.url)).status, 200, 'links made since work');
    });

    test('sent once, by its uploader, in its room; at most 10; content may be empty only with files', async () => {
      const { alice, bob, room, sa } = await setup();
      const other = await createRoom(alice, 'elsewhere', [bob.id]);
      const a = await put(alice, room.id, PDF, 'one.pdf');
      const sb = await connect(srv.url, bob.token);
      assertAckError(await emitAck(sb, 'send_message', { roomId: room.id, content: 'mine now', attachments: [a.id] }), 'forbidden');
      assertAckError(await emitAck(sa, 'send_message', { roomId: other.id, content: 'moved', attachments: [a.id] }), 'forbidden');
      assertAckError(await emitAck(sa, 'send_message', { roomId: room.id, content: 'x', attachments: [randomHex()] }), 'not_found');
      assertAckError(await emitAck(sa, 'send_message', { roomId: room.id, content: 'x', attachments: ['nope'] }), 'invalid_argument');
      assertAckError(await emitAck(sa, 'send_message', { roomId: room.id, content: 'x', attachments: [a.id, a.id] }), 'invalid_argument');
      assertAckError(await emitAck(sa, 'send_message', { roomId: room.id, content: 'x', attachments: 'one.pdf' }), 'invalid_argument');
      assertAckError(await emitAck(sa, 'send_message', { roomId: room.id, content: '' }), 'invalid_argument');
      const eleven = Array.from({ length: 11 }, randomHex);
      assertAckError(await emitAck(sa, 'send_message', { roomId: room.id, content: 'x', attachments: eleven }), 'invalid_argument');

      const first = await sendMessage(sa, room.id, 'the report', { attachments: [a.id] });
      assert.equal(first.attachments[0].id, a.id, 'refused sends claimed nothing');
      assertAckError(await emitAck(sa, 'send_message', { roomId: room.id, content: 'again', attachments: [a.id] }), 'invalid_argument');
      const retried = await emitAck(sa, 'send_message', { roomId: room.id, content: 'the report', attachments: [a.id], tempId: 'same' });
      assert.equal(retried.ok, false, 'an attachment is not sent twice');

      const ten = [];
      for (let i = 0; i < 10; i++) ten.push((await put(alice, room.id, makePNG(4, 4), `p${i}.png`)).id);
      const gallery = await sendMessage(sa, room.id, '', { attachments: ten });
      assert.deepEqual(gallery.attachments.map((x) => x.id), ten, 'in the order sent');
    });

    test('deleting the message deletes its files', async () => {
      const { alice, bob, room, sa } = await setup();
      const a = await put(alice, room.id, makePNG(400, 100), 'wide.png');
      const b = await put(alice, room.id, PDF, 'notes.pdf');
      const before = store.name === 'embedded' ? files(srv.server.dataDir).length : 0;
      const sent = await sendMessage(sa, room.id, 'two files', { attachments: [a.id, b.id] });
      const { url, thumbnailUrl } = sent.attachments[0];
      assert.equal((await get(url)).status, 200);
      assert.deepEqual(await emitAck(sa, 'delete_message', { roomId: room.id, messageId: sent.id }), { ok: true });
      const gone = await waitUntil(async () => (await get(url)).status === 404);
      assert.ok(gone, 'the file is gone');
      assert.equal((await get(thumbnailUrl)).status, 404);
      assert.equal((await get(sent.attachments[1].url)).status, 404);
      assert.equal((await get(`/attachments/${b.id}/notes.pdf`, { authorization: `Bearer ${bob.token}` })).status, 404);
      const tomb = (await history(bob, room.id)).messages.find((m) => m.id === sent.id);
      assertMessage(tomb, { attachments: [], content: '' });
      if (store.name === 'embedded') {
        assert.ok(await waitUntil(() => files(srv.server.dataDir).length === before - 3), 'the bytes are gone from the disk');
      }
    });

    test('files and their links survive a restart', async () => {
      const { alice, bob, room, sa } = await setup();
      const png = makePNG(64, 64);
      const sent = await sendMessage(sa, room.id, 'before the restart', { attachments: [(await put(alice, room.id, png, 'kept.png')).id] });
      const link = sent.attachments[0].url;
      await srv.server.restart();
      assert.ok((await get(link)).bytes.equals(png), 'a link made before the restart works');
      const again = (await history(bob, room.id)).messages.find((m) => m.id === sent.id);
      assert.equal((await get(again.attachments[0].thumbnailUrl)).status, 200);
    });

    test('an upload needs a member, a room id and a field named file', async () => {
      const { alice, carol, room } = await setup();
      assertRestError(await upload(srv.url, carol.token, room.id, PDF, 'x.pdf'), 'forbidden');
      assertRestError(await upload(srv.url, alice.token, randomHex(), PDF, 'x.pdf'), 'not_found');
      assertRestError(await upload(srv.url, alice.token, 'general', PDF, 'x.pdf'), 'invalid_argument');
      assertRestError(await upload(srv.url, alice.token, room.id, PDF, 'x.pdf', 'application/pdf', { field: 'document' }), 'invalid_argument');
      const raw = await alice.api.post(`/rooms/${room.id}/attachments`, { file: 'x' });
      assertRestError(raw, 'invalid_argument');
      assertRestError(await api(srv.url).request('POST', `/rooms/${room.id}/attachments`), 'unauthorized');
      const named = await put(alice, room.id, PDF, '../../etc/passwd.pdf');
      assert.ok(!named.name.includes('/'), `a name without a path: ${named.name}`);
    });
  });
}

// waitUntil polls check (every 50 ms, at most 5 s) until it holds; a
// check that throws (a download cut short by the file's deletion) does
// not hold.
async function waitUntil(check) {
  for (let i = 0; i < 100; i++) {
    try {
      if (await check()) return true;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe('upload limits', () => {
  const srv = useServer({ env: { CHAT_MAX_UPLOAD: '64KiB', CHAT_SEND_RATE: '1' } });

  test('a file over CHAT_MAX_UPLOAD is refused while streaming and leaves nothing behind', async () => {
    const [alice] = await newUsers(srv.url, 1, 'big');
    const room = await createRoom(alice, 'big files', []);
    const before = files(srv.server.dataDir);
    const res = await upload(srv.url, alice.token, room.id, Buffer.alloc(200 << 10, 7), 'big.bin');
    assertRestError(res, 'too_large');
    assert.equal(res.status, 413);
    assert.deepEqual(files(srv.server.dataDir), before, 'no file and no temporary file left');
    const exact = await upload(srv.url, alice.token, room.id, Buffer.alloc(64 << 10, 7), 'exact.bin');
    assert.equal(exact.status, 201, 'a file of exactly the limit is taken');
    assert.equal(exact.body.size, 64 << 10);
  });

  test('an upload cut short leaves nothing behind', async () => {
    const [alice] = await newUsers(srv.url, 1, 'cut');
    const room = await createRoom(alice, 'cut', []);
    await new Promise((r) => setTimeout(r, 2_100)); // the rate's burst back
    const before = files(srv.server.dataDir);
    const { request } = await import('node:http');
    const boundary = 'xxBOUNDARYxx';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="half.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    await new Promise((resolve) => {
      const req = request(`${srv.url}/rooms/${room.id}/attachments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': 50_000 },
      });
      req.on('error', resolve);
      req.on('response', resolve);
      req.write(head + 'a'.repeat(20_000));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 300);
    });
    assert.ok(await waitUntil(() => files(srv.server.dataDir).length === before.length), 'the partial upload is removed');
  });

  test('uploads spend from the per-user rate', async () => {
    const [alice] = await newUsers(srv.url, 1, 'fast');
    const room = await createRoom(alice, 'fast', []);
    await new Promise((r) => setTimeout(r, 2_100));
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await upload(srv.url, alice.token, room.id, PDF, `n${i}.pdf`));
    const limited = answers.find((r) => r.status === 429);
    assert.ok(limited, `a burst past the rate is refused: ${answers.map((r) => r.status)}`);
    assertRestError(limited, 'rate_limited');
  });
});
