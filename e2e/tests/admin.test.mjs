// The Socket.IO Admin UI's side of chatd (the /admin namespace), driven the
// way the official UI drives it: login, what it is told about sockets, rooms
// and servers, what it is never told (tokens, message bodies), and the
// operations it may or may not run.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { test, useServer } from '../lib/harness.mjs';
import { connect, connectError, collect, emitAck, newUser, sleep, waitFor } from '../lib/client.mjs';
import { ADMIN_PASSWORD, ADMIN_USER, adminEnv, connectAdmin } from '../lib/admin.mjs';
import { clusterSkipReason, startCluster } from '../lib/cluster.mjs';

const REDACTED = '[redacted]';

// twoClients connects alice (WebSocket) and bob (long-polling), each
// sending the token in all three places a client may put it, with a room
// they both belong to.
async function twoClients(url) {
  const alice = await newUser(url, 'alice');
  const bob = await newUser(url, 'bob');
  const room = (await alice.api.post('/rooms', { name: 'watched', members: [bob.id] })).body;
  const withToken = (u, transports) => ({
    transports,
    query: { token: u.token },
    extraHeaders: { authorization: `Bearer ${u.token}` },
  });
  const sa = await connect(url, alice.token, withToken(alice, ['websocket']));
  const sb = await connect(url, bob.token, withToken(bob, ['polling']));
  return { alice, bob, room, sa, sb };
}

// getFile fetches one of the UI's files: not REST, so not through api()
// and its OpenAPI check.
async function getFile(url, path) {
  const res = await fetch(url + path, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

// allSockets waits for the all_sockets event and returns its list.
async function allSockets(events, predicate = () => true) {
  return (await events.waitFor('all_sockets', ([list]) => predicate(list), 10_000))[0];
}

// first waits for event and returns its first argument.
async function first(events, event, predicate = () => true, timeoutMs) {
  return (await events.waitFor(event, (args) => predicate(...args), timeoutMs))[0];
}

describe('the Admin UI is off by default', () => {
  const srv = useServer();

  test('no /admin namespace and no UI files', async () => {
    const err = await connectError(`${srv.url}/admin`, null, { auth: { username: ADMIN_USER, password: ADMIN_PASSWORD } });
    assert.equal(err.message, 'Invalid namespace');
    const page = await getFile(srv.url, '/admin/');
    assert.equal(page.status, 404);
  });
});

describe('Admin UI login', async () => {
  const srv = useServer({ env: await adminEnv() });

  test('a wrong password, a wrong username, no credentials or a forged session id are refused', async () => {
    const refused = [
      { username: ADMIN_USER, password: 'wrong-password' },
      { username: 'someone', password: ADMIN_PASSWORD },
      {},
      { username: ADMIN_USER },
      { sessionId: '99999999999.forged' },
    ];
    for (const auth of refused) {
      const err = await connectError(`${srv.url}/admin`, null, { auth });
      assert.equal(err.message, 'invalid credentials', `refused: ${JSON.stringify(auth)}`);
    }
  });

  test('the password gives a session id, with which the UI reconnects without the password', async () => {
    const { socket, events } = await connectAdmin(srv.url);
    const sessionId = await first(events, 'session');
    assert.match(sessionId, /^\d+\.[A-Za-z0-9_-]+$/);
    socket.close();
    const again = await connectAdmin(srv.url, { sessionId });
    await first(again.events, 'config');
    await again.events.expectNone('session', () => true, 300);
    const tampered = sessionId.replace(/^\d+/, (s) => String(Number(s) + 1000));
    assert.equal((await connectError(`${srv.url}/admin`, null, { auth: { sessionId: tampered } })).message, 'invalid credentials');
  });

  test('the UI files are served at /admin/, from the npm package', async () => {
    const redirect = await fetch(`${srv.url}/admin`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/admin/');
    const page = await getFile(srv.url, '/admin/');
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>Socket.IO Admin UI<\/title>/);
    assert.match(page.headers.get('content-security-policy'), /script-src 'self'/);
    const script = /<script src="(js\/app\.[0-9a-f]+\.js)">/.exec(page.body)[1];
    const js = await getFile(srv.url, `/admin/${script}`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type'), /javascript/);
    assert.match(js.headers.get('cache-control'), /immutable/);
  });
});

describe('Admin UI, read-only (the default mode)', async () => {
  const srv = useServer({ env: await adminEnv('readonly') });

  test('lists every socket with its rooms and user, scrubbed of tokens', async () => {
    const { alice, bob, sa, sb } = await twoClients(srv.url);
    const { events } = await connectAdmin(srv.url);
    assert.deepEqual(await first(events, 'config'), { supportedFeatures: [] });
    const all = await allSockets(events);
    const chat = all.filter((s) => s.nsp === '/');
    assert.deepEqual(chat.map((s) => s.id).sort(), [sa.id, sb.id].sort());
    const a = chat.find((s) => s.id === sa.id);
    const b = chat.find((s) => s.id === sb.id);
    assert.deepEqual(a.data, { userId: alice.id, username: alice.username });
    assert.deepEqual(b.data, { userId: bob.id, username: bob.username });
    assert.deepEqual(a.rooms, [sa.id, `user:${alice.id}`].sort());
    assert.equal(a.transport, 'websocket');
    assert.equal(b.transport, 'polling');
    assert.equal(a.clientId.length, 12);
    assert.notEqual(a.clientId, b.clientId);
    for (const s of [a, b]) {
      assert.equal(s.handshake.headers.authorization, REDACTED, JSON.stringify(s.handshake));
      assert.equal(s.handshake.query.token, REDACTED);
      assert.equal(s.handshake.query.transport, s.transport === 'polling' ? 'polling' : 'websocket');
      assert.ok(!('auth' in s.handshake), 'the auth payload is never shown');
      assert.match(s.handshake.url, /token=%5Bredacted%5D/);
      assert.equal(typeof s.handshake.address, 'string');
      assert.equal(typeof s.handshake.issued, 'number');
    }
    const admins = all.filter((s) => s.nsp === '/admin');
    assert.equal(admins.length, 1);
    assert.deepEqual(admins[0].data, {});
    const text = JSON.stringify(all);
    for (const secret of [alice.token, bob.token, ADMIN_PASSWORD]) assert.ok(!text.includes(secret), 'no credential in all_sockets');
  });

  test('reports this server every 2 s, and sockets joining, leaving and going', async () => {
    const { alice, room, sa, sb } = await twoClients(srv.url);
    const { events } = await connectAdmin(srv.url);
    const [[stats], [later]] = await events.waitForCount('server_stats', 2, () => true, 5_000);
    assert.equal(stats.serverId, later.serverId);
    assert.equal(typeof stats.hostname, 'string');
    assert.ok(Number.isInteger(stats.pid));
    assert.ok(later.uptime >= stats.uptime);
    assert.ok(stats.clientsCount >= 3, `3 clients: ${JSON.stringify(stats)}`);
    assert.ok(stats.pollingClientsCount >= 1);
    assert.deepEqual(stats.namespaces.find((n) => n.name === '/admin'), { name: '/admin', socketsCount: 1 });
    assert.ok(stats.namespaces.find((n) => n.name === '/').socketsCount >= 2);
    await allSockets(events);

    assert.equal((await emitAck(sa, 'join_room', { roomId: room.id })).ok, true);
    const [nsp, joined, id, at] = await events.waitFor('room_joined', ([, r]) => r === room.id);
    assert.deepEqual([nsp, joined, id], ['/', room.id, sa.id]);
    assert.ok(Math.abs(Date.parse(at) - Date.now()) < 60_000, `room_joined time ${at}`);

    // Message bodies never reach the UI.
    const body = `a message body the UI never sees ${Date.now()}`;
    assert.equal((await emitAck(sa, 'send_message', { roomId: room.id, content: body })).ok, true);
    // A client that starts on long-polling and upgrades, as the default
    // client does: connected on polling, then updated to WebSocket.
    const newcomer = await connect(srv.url, alice.token, { transports: ['polling', 'websocket'] });
    const connected = await first(events, 'socket_connected', (s) => s.id === newcomer.id);
    assert.deepEqual(connected.data, { userId: alice.id, username: alice.username });
    assert.equal(connected.transport, 'polling');
    assert.deepEqual(await first(events, 'socket_updated', (u) => u.id === newcomer.id), {
      id: newcomer.id,
      nsp: '/',
      transport: 'websocket',
    });
    const bobID = sb.id;
    sb.close();
    const [gone, goneID, reason] = await events.waitFor('socket_disconnected', ([, i]) => i === bobID);
    assert.deepEqual([gone, goneID, reason], ['/', bobID, 'client namespace disconnect']);
    await sleep(300);
    assert.ok(!JSON.stringify(events.items).includes(body), 'no message body in any admin event');
  });

  test('operations are refused and change nothing', async () => {
    const { sa, sb } = await twoClients(srv.url);
    const { socket: admin, events } = await connectAdmin(srv.url);
    await allSockets(events);
    let disconnected = false;
    sb.on('disconnect', () => {
      disconnected = true;
    });
    const notices = collect(sa);
    const refusals = [
      ['emit', '/', sa.id, 'notice', { text: 'from the admin' }],
      ['join', '/', 'ops-room', sa.id],
      ['leave', '/', sa.id, sa.id],
      ['_disconnect', '/', false, sb.id],
    ];
    for (const [op, ...args] of refusals) {
      const ack = await admin.timeout(5_000).emitWithAck(op, ...args);
      assert.equal(ack.ok, false, op);
      assert.equal(ack.error.code, 'forbidden', op);
    }
    // Without an ack, as the UI sends them: still nothing happens.
    admin.emit('_disconnect', '/', true, sb.id);
    admin.emit('join', '/', 'ops-room', sa.id);
    await sleep(700);
    assert.equal(sb.connected, true, 'bob was not disconnected');
    assert.equal(disconnected, false);
    assert.equal(notices.of('notice').length, 0, 'no event was emitted');
    assert.equal(events.of('room_joined', ([, room]) => room === 'ops-room').length, 0, 'nobody joined a room');
  });
});

describe('Admin UI, development mode', async () => {
  const srv = useServer({ env: await adminEnv('development') });

  test('emit, join, leave and disconnect act on the chat sockets', async () => {
    const { sa, sb } = await twoClients(srv.url);
    const { socket: admin, events } = await connectAdmin(srv.url);
    const config = await first(events, 'config');
    for (const f of ['EMIT', 'JOIN', 'LEAVE', 'DISCONNECT', 'MJOIN', 'MLEAVE', 'MDISCONNECT']) assert.ok(config.supportedFeatures.includes(f), f);
    assert.ok(!config.supportedFeatures.includes('ALL_EVENTS'), 'never the events with their arguments');
    await allSockets(events);
    const op = (...args) => admin.timeout(5_000).emitWithAck(...args);

    assert.deepEqual(await op('join', '/', 'ops-room', sa.id), { ok: true });
    await events.waitFor('room_joined', (args) => args[1] === 'ops-room' && args[2] === sa.id);
    const notice = waitFor(sa, 'notice');
    assert.deepEqual(await op('emit', '/', 'ops-room', 'notice', { text: 'hello from the admin' }), { ok: true });
    assert.deepEqual(await notice, { text: 'hello from the admin' });
    assert.deepEqual(await op('leave', '/', 'ops-room', sa.id), { ok: true });
    await events.waitFor('room_left', (args) => args[1] === 'ops-room' && args[2] === sa.id);

    const bye = waitFor(sb, 'disconnect');
    assert.deepEqual(await op('_disconnect', '/', false, sb.id), { ok: true });
    assert.equal(await bye, 'io server disconnect');
    assert.equal(sa.connected, true, 'only the filtered socket went');

    assert.equal((await op('join', '/nowhere', 'x', sa.id)).error.code, 'invalid_argument', 'an unknown namespace is not created');
    assert.equal((await op('_disconnect', '/', 'yes', sa.id)).error.code, 'invalid_argument');
  });
});

describe('Admin UI over two instances with Redis', { skip: clusterSkipReason() ?? false }, () => {
  test('each instance shows up as a server, with its sockets and events', async (t) => {
    const cluster = await startCluster({ n: 2, lb: false, env: await adminEnv('development'), name: 'admin' });
    t.after(() => cluster.stop());
    const [s1, s2] = cluster.instances;
    const alice = await newUser(s1.url, 'alice');
    const bob = await newUser(s2.url, 'bob');
    const sa = await connect(s1.url, alice.token);
    const sb = await connect(s2.url, bob.token);

    const { socket: admin, events } = await connectAdmin(s1.url);
    const all = await allSockets(events);
    assert.deepEqual(all.filter((s) => s.nsp === '/').map((s) => s.id).sort(), [sa.id, sb.id].sort(), 'sockets of both instances');
    assert.deepEqual(all.find((s) => s.id === sb.id).data, { userId: bob.id, username: bob.username });

    const servers = new Set();
    await events.waitFor('server_stats', ([s]) => servers.add(s.serverId).size === 2, 8_000);
    assert.equal(servers.size, 2, `two servers: ${[...servers]}`);

    // Events of the other instance reach the UI connected to this one.
    const carol = await connect(s2.url, bob.token);
    const carolID = carol.id;
    await first(events, 'socket_connected', (s) => s.id === carolID);
    const bye = waitFor(carol, 'disconnect');
    assert.deepEqual(await admin.timeout(5_000).emitWithAck('_disconnect', '/', false, carolID), { ok: true });
    assert.equal(await bye, 'io server disconnect');
    await events.waitFor('socket_disconnected', ([nsp, id]) => nsp === '/' && id === carolID);

    // A session id of one instance is good on the other.
    const sessionId = await first(events, 'session');
    const other = await connectAdmin(s2.url, { sessionId });
    await first(other.events, 'config');
    await allSockets(other.events, (list) => list.some((s) => s.id === sa.id));
  });
});

