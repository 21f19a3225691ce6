// The limits against guessing and floods (PROTOCOL.md "Hardening"): failed
// logins per username and per client address, accounts per client
// address, the per-user budget of typing, join_room and history reads; and
// an unknown username answering as slowly as a wrong password.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { api, newUser, newUsers, register, login, uniqueName, connect, emitAck, sleep } from '../lib/client.mjs';
import { createRoom } from '../lib/chat.mjs';
import { assertAckError } from '../lib/expect.mjs';
import { median, eventRoundTrips } from '../lib/measure.mjs';

const PASSWORD = 'correct horse battery';

// assertRateLimited checks a REST answer: 429 rate_limited with retryAfterMs
// and a Retry-After header.
function assertRateLimited(res, what) {
  assert.equal(res.status, 429, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error.code, 'rate_limited');
  assert.ok(res.body.error.retryAfterMs > 0, JSON.stringify(res.body));
  assert.ok(Number(res.headers.get('retry-after')) > 0, 'Retry-After');
}

// loginFrom logs in as if from client (X-Forwarded-For), answering {status, body, headers, ms}.
async function loginFrom(url, username, password, client) {
  const started = performance.now();
  const headers = client ? { 'x-forwarded-for': client } : {};
  const res = await api(url).post('/login', { username, password }, { headers });
  return { ...res, ms: performance.now() - started };
}

describe('failed logins', () => {
  // The test client is the proxy: X-Forwarded-For names each test's client.
  const srv = useServer({ env: { CHAT_TRUSTED_PROXIES: '127.0.0.1' } });

  test('ten failures lock the username for everyone, even with the right password; others are unaffected', async () => {
    const [alice, bob] = await newUsers(srv.url, 2, 'lock');
    for (let i = 0; i < 10; i++) {
      const res = await loginFrom(srv.url, alice.username, 'wrong password', `198.51.100.${i}`);
      assert.equal(res.status, 401, `failure ${i + 1}`);
    }
    const locked = await loginFrom(srv.url, alice.username, PASSWORD, '203.0.113.1');
    assertRateLimited(locked, 'the right password after ten failures');
    assert.equal((await loginFrom(srv.url, bob.username, PASSWORD, '198.51.100.1')).status, 200, 'another user');
  });

  test('fifty failures from one address lock the address; another address may log in', async () => {
    const user = await newUser(srv.url, 'addr');
    for (let i = 0; i < 50; i++) {
      const res = await loginFrom(srv.url, uniqueName('guess'), 'wrong password', '198.51.100.200');
      assert.equal(res.status, 401, `failure ${i + 1}`);
    }
    assertRateLimited(await loginFrom(srv.url, user.username, PASSWORD, '198.51.100.200'), 'from the locked address');
    assert.equal((await loginFrom(srv.url, user.username, PASSWORD, '198.51.100.201')).status, 200);
  });

  // The same cost is the Go tests' (auth: TestUnknownUserCostsAComparison);
  // here the answers are the same and the times are printed.
  test('an unknown username is refused with the same answer as a wrong password', async () => {
    const user = await newUser(srv.url, 'timing');
    const wrong = [];
    const unknown = [];
    for (let i = 0; i < 5; i++) {
      const bad = await loginFrom(srv.url, user.username, `wrong ${i}`, `192.0.2.${i}`);
      const res = await loginFrom(srv.url, uniqueName('nobody'), 'wrong password', `192.0.2.${i}`);
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'unauthorized');
      assert.deepEqual([res.status, res.body], [bad.status, bad.body], 'the answer tells an unknown username from a wrong password');
      wrong.push(bad.ms);
      unknown.push(res.ms);
    }
    process.stdout.write(`# login answers: wrong password p50 ${median(wrong).toFixed(1)} ms, unknown username p50 ${median(unknown).toFixed(1)} ms\n`);
  });

  // Each guess names another unknown user, so no limit stops the guessing:
  // every one costs a bcrypt comparison. The bound on them is the Go tests'
  // (auth: TestBcryptRunsOnHalfTheCPUs); here the round trips are printed.
  test('concurrent wrong logins leave the event loop to the others', async () => {
    const other = await newUser(srv.url, 'starve');
    const room = await createRoom(other, 'quiet');
    const socket = await connect(srv.url, other.token, { transports: ['websocket'] });
    const idle = await eventRoundTrips(socket, room.id, 20);
    let stop = false;
    const guessers = Array.from({ length: 8 }, async (_, g) => {
      for (let i = 0; !stop && i < 40; i++) await loginFrom(srv.url, uniqueName('guess'), 'wrong password', `192.0.2.${100 + g}`);
    });
    await sleep(100);
    const busy = await eventRoundTrips(socket, room.id, 20);
    stop = true;
    await Promise.all(guessers);
    process.stdout.write(`# event round trip p50: ${median(idle).toFixed(1)} ms idle, ${median(busy).toFixed(1)} ms during 8 concurrent wrong logins\n`);
  });
});

describe('registrations per address (CHAT_REGISTER_RATE=3)', () => {
  const srv = useServer({ env: { CHAT_REGISTER_RATE: '3' } });

  test('the fourth account from one address within the hour is rate_limited', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await register(srv.url, { username: uniqueName('reg'), password: PASSWORD });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    const res = await register(srv.url, { username: uniqueName('reg'), password: PASSWORD });
    assertRateLimited(res, 'the fourth registration');
    assert.ok(res.body.error.retryAfterMs > 60_000, `retry in ${res.body.error.retryAfterMs} ms: a token comes every 20 minutes`);
    assert.equal((await login(srv.url, 'nobody_at_all', PASSWORD)).status, 401, 'logins are not registrations');
  });
});

describe('the event budget (CHAT_EVENT_RATE=2: burst 4)', () => {
  const srv = useServer({ env: { CHAT_EVENT_RATE: '2' } });

  test('typing, join_room, fetch_messages and REST history spend one budget per user', async () => {
    const [alice, bob] = await newUsers(srv.url, 2, 'budget');
    const room = await createRoom(alice, 'budget', [bob.id]);
    const sa = await connect(srv.url, alice.token, { transports: ['websocket'] });
    const acks = [
      await emitAck(sa, 'join_room', { roomId: room.id }),
      await emitAck(sa, 'typing', { roomId: room.id, isTyping: true }),
      await emitAck(sa, 'fetch_messages', { roomId: room.id }),
    ];
    for (const a of acks) assert.equal(a.ok, true, JSON.stringify(a));
    assert.equal((await alice.api.get(`/rooms/${room.id}/messages`)).status, 200, 'the fourth: REST history');
    for (const event of ['typing', 'join_room', 'fetch_messages']) {
      const ack = await emitAck(sa, event, { roomId: room.id, isTyping: true });
      assertAckError(ack, 'rate_limited');
      assert.ok(ack.error.retryAfterMs > 0 && ack.error.retryAfterMs <= 1_000, JSON.stringify(ack));
    }
    assertRateLimited(await alice.api.get(`/rooms/${room.id}/messages`), 'REST history over the budget');
    assert.equal((await emitAck(sa, 'send_message', { roomId: room.id, content: 'sends have their own limit' })).ok, true);

    const sb = await connect(srv.url, bob.token, { transports: ['websocket'] });
    assert.equal((await emitAck(sb, 'join_room', { roomId: room.id })).ok, true, 'another user has a budget of their own');
    await sleep(600);
    assert.equal((await emitAck(sa, 'typing', { roomId: room.id, isTyping: false })).ok, true, 'the budget refills');
  });

  test('a flood of typing events is cut to the budget', async () => {
    const [alice, bob] = await newUsers(srv.url, 2, 'flood');
    const room = await createRoom(alice, 'typing flood', [bob.id]);
    const sa = await connect(srv.url, alice.token, { transports: ['websocket'] });
    const sb = await connect(srv.url, bob.token, { transports: ['websocket'] });
    await emitAck(sb, 'join_room', { roomId: room.id });
    let received = 0;
    sb.on('typing', () => received++);
    const acks = await Promise.all(Array.from({ length: 200 }, () => emitAck(sa, 'typing', { roomId: room.id, isTyping: true })));
    await sleep(300);
    const passed = acks.filter((a) => a.ok).length;
    process.stdout.write(`# 200 typing events at once: ${passed} passed, ${received} fanned out\n`);
    assert.ok(passed <= 5, `${passed} of 200 passed`);
    assert.equal(received, passed);
  });
});
