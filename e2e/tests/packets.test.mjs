// What the server holds and accepts of a client's packets, frame by frame
// (PROTOCOL.md "Hardening", "Acks and errors"): nothing substantial before
// the connection is authenticated, a packet's binary attachments counted
// together toward the 1 MB limit, malformed packets closing the connection
// as in Socket.IO, text that is not valid UTF-8 refused, never replaced;
// and REST bodies over their limit refused as such.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { api, newUsers, connect, emitAck, sleep } from '../lib/client.mjs';
import { createRoom, history } from '../lib/chat.mjs';
import { RawSocket } from '../lib/rawws.mjs';
import { PollingSession } from '../lib/rawpoll.mjs';
import { assertRestError } from '../lib/expect.mjs';
import { pprofAddr, heapInuse } from '../lib/pprof.mjs';

const ATTACHMENTS = 10;
const FRAME = 900 * 1024;

// binaryHeader is the Engine.IO message announcing a Socket.IO binary event
// with n attachments (and the ack id when given).
function binaryHeader(event, n, id = '') {
  const blobs = Array.from({ length: n }, (_, num) => ({ _placeholder: true, num }));
  return `45${n}-${id}${JSON.stringify([event, { blobs }])}`;
}

describe('packets before authentication', () => {
  const srv = useServer({ env: { CHAT_PPROF_ADDR: '127.0.0.1:0' } });

  // The last attachment never comes: the packet stays in reconstruction.
  test(`10 connections that never send CONNECT and send ${ATTACHMENTS - 1} of ${ATTACHMENTS} attachments of 900 KB are closed, holding nothing`, async () => {
    const conns = await Promise.all(Array.from({ length: 10 }, () => new RawSocket(srv.url).open()));
    const before = await heapInuse(pprofAddr(srv.server));
    for (const c of conns) {
      c.send(binaryHeader('upload', ATTACHMENTS));
      for (let i = 0; i < ATTACHMENTS - 1; i++) c.send(Buffer.alloc(FRAME, i));
    }
    await sleep(500);
    const after = await heapInuse(pprofAddr(srv.server));
    process.stdout.write(`# live heap grew ${((after - before) / 2 ** 20).toFixed(1)} MB for 10 unauthenticated connections\n`);
    for (const c of conns) await c.waitClosed(3_000);
  });

  test('a text packet over 8 KB before CONNECT closes the connection', async () => {
    const c = await new RawSocket(srv.url).open();
    c.send(`40${JSON.stringify({ token: 'x'.repeat(64 * 1024) })}`);
    await c.waitClosed(3_000);
  });

  test('a CONNECT with an ordinary token still connects', async () => {
    const [alice] = await newUsers(srv.url, 1, 'pre');
    const c = await new RawSocket(srv.url).open();
    await c.connect(alice.token);
    assert.equal(c.isOpen, true);
    c.close();
  });
});

describe('packets of an authenticated connection', () => {
  const srv = useServer();

  test('attachments adding up to more than 1 MB close the connection', async () => {
    const [alice] = await newUsers(srv.url, 1, 'att');
    const c = await new RawSocket(srv.url).open();
    await c.connect(alice.token);
    c.send(binaryHeader('fetch_messages', 3));
    for (let i = 0; i < 3; i++) c.send(Buffer.alloc(400 * 1024, i));
    await c.waitClosed(3_000);
  });

  test('a binary event within the limit is handled and the connection stays', async () => {
    const [alice] = await newUsers(srv.url, 1, 'small');
    const c = await new RawSocket(srv.url).open();
    await c.connect(alice.token);
    c.send(binaryHeader('fetch_messages', 2, '7'));
    for (let i = 0; i < 2; i++) c.send(Buffer.alloc(1024, i));
    const ack = await c.next((f) => typeof f === 'string' && f.startsWith('437['));
    const [body] = JSON.parse(ack.slice(3));
    assert.equal(body.ok, false);
    assert.equal(body.error.code, 'invalid_argument');
    assert.equal(c.isOpen, true);
    c.close();
  });

  test('a malformed packet closes the connection, as in Socket.IO', async () => {
    const [alice] = await newUsers(srv.url, 1, 'malformed');
    const c = await new RawSocket(srv.url).open();
    await c.connect(alice.token);
    c.send('42["send_message",{not json');
    await c.waitClosed(3_000);
  });
});

describe('text that is not valid UTF-8', () => {
  const srv = useServer();

  const setup = async () => {
    const [alice] = await newUsers(srv.url, 1, 'utf');
    const room = await createRoom(alice, 'utf-8');
    return { alice, room };
  };
  // sendPacket is an event with ack id 1 whose content is the bytes given.
  const sendPacket = (roomId, contentBytes) =>
    Buffer.concat([Buffer.from(`421["send_message",{"roomId":"${roomId}","content":"`), contentBytes, Buffer.from('"}]')]);
  const invalid = Buffer.from([0x61, 0xff, 0xfe, 0x62]); // "a", two bytes that are never UTF-8, "b"

  test('over WebSocket it is invalid_argument, stored nowhere, and the connection stays', async () => {
    const { alice, room } = await setup();
    const c = await new RawSocket(srv.url).open();
    await c.connect(alice.token);
    c.send(sendPacket(room.id, invalid), { binary: false });
    const ack = await c.next((f) => typeof f === 'string' && f.startsWith('431['));
    const [body] = JSON.parse(ack.slice(3));
    assert.equal(body.ok, false, `accepted as ${JSON.stringify(body)}`);
    assert.equal(body.error.code, 'invalid_argument');
    assert.equal((await history(alice, room.id)).messages.length, 0);
    assert.equal(c.isOpen, true);
    c.close();
  });

  test('over long-polling it is invalid_argument too', async () => {
    const { alice, room } = await setup();
    const s = new PollingSession(srv.url);
    await s.open();
    await s.connect(alice.token);
    await s.post(sendPacket(room.id, invalid));
    let ack;
    while (!ack) ack = (await s.poll()).find((p) => p.startsWith('431['));
    const [body] = JSON.parse(ack.slice(3));
    assert.equal(body.ok, false, `accepted as ${JSON.stringify(body)}`);
    assert.equal(body.error.code, 'invalid_argument');
  });

  test('a lone surrogate escape from socket.io-client is invalid_argument; a surrogate pair is fine', async () => {
    const { alice, room } = await setup();
    const socket = await connect(srv.url, alice.token, { transports: ['websocket'] });
    const lone = await emitAck(socket, 'send_message', { roomId: room.id, content: 'a\uD800b' });
    assert.equal(lone.ok, false, `accepted as ${JSON.stringify(lone)}`);
    assert.equal(lone.error.code, 'invalid_argument');
    const pair = await emitAck(socket, 'send_message', { roomId: room.id, content: 'a\uD83D\uDE00b' });
    assert.equal(pair.ok, true, JSON.stringify(pair));
    assert.equal(pair.message.content, 'a\uD83D\uDE00b');
  });

  test('a REST body that is not valid UTF-8 is 400 invalid_argument', async () => {
    const { alice } = await setup();
    const body = Buffer.concat([Buffer.from('{"name":"'), invalid, Buffer.from('","members":[]}')]);
    const res = await fetch(`${srv.url}/rooms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body,
    });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.code, 'invalid_argument');
  });
});

describe('REST bodies and answers', () => {
  const srv = useServer();

  test('a body over 1 MiB is 413 too_large, not malformed JSON, and creates nothing', async () => {
    const [alice] = await newUsers(srv.url, 1, 'big');
    const name = 'n'.repeat(1 << 20);
    const res = await alice.api.request('POST', '/rooms', JSON.stringify({ name, members: [] }), { raw: true });
    assertRestError(res, 'too_large');
    const rooms = await alice.api.get('/rooms');
    assert.equal(rooms.status, 200);
    assert.deepEqual(rooms.body.rooms, []);
  });

  test('JSON answers, errors too, tell browsers not to sniff another type', async () => {
    const [alice] = await newUsers(srv.url, 1, 'sniff');
    for (const res of [await alice.api.get('/rooms'), await alice.api.get('/rooms/ffffffffffffffffffffffff'), await api(srv.url).get('/rooms')]) {
      assert.match(res.headers.get('content-type'), /^application\/json/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${res.status} ${JSON.stringify(res.body)}`);
    }
  });
});
