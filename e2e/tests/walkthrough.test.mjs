// Two people chat, as the README walks a newcomer through it: accounts over
// REST (sent the way curl sends them), a room, messages both ways over
// socket.io-client (the README's own terminal client), history, restart.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from '../lib/harness.mjs';
import { startServer } from '../lib/server.mjs';
import { api, register, connect, collect, emitAck, uniqueName, closeAllSockets, withTimeout } from '../lib/client.mjs';

const EXAMPLE = fileURLToPath(new URL('../examples/chat.mjs', import.meta.url));

// curl does what `curl -s -XPOST URL -d BODY [-H HEADER]` does: a form
// content type, the body as given, and the answer as text.
async function curl(url, { method = 'GET', body, auth } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  if (auth) headers.authorization = `Bearer ${auth}`;
  const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(5_000) });
  return res.text();
}

// sed applies the README's `sed 's/RE/\1/'` to the answer's first line.
function sed(text, re) {
  return text.split('\n')[0].replace(re, '$1');
}

// terminal runs examples/chat.mjs: lines typed with type(), output awaited
// with waitLine() (patiently: a node process of its own has to start first).
function terminal(url, token, roomId) {
  const proc = spawn(process.execPath, [EXAMPLE, url, token, roomId], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = [];
  const waiters = new Set();
  let rest = '';
  const onData = (chunk) => {
    rest += chunk;
    const parts = rest.split('\n');
    rest = parts.pop();
    out.push(...parts);
    for (const w of waiters) w();
  };
  proc.stdout.setEncoding('utf8').on('data', onData);
  proc.stderr.setEncoding('utf8').on('data', onData);
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  return {
    out,
    type: (line) => proc.stdin.write(`${line}\n`),
    waitLine(re, timeoutMs = 15_000) {
      let check;
      const p = new Promise((resolve) => {
        check = () => {
          const line = out.find((l) => re.test(l));
          if (line) resolve(line);
        };
        waiters.add(check);
        check();
      });
      return withTimeout(p, timeoutMs, `a line matching ${re} (output so far: ${JSON.stringify(out)})`).finally(() => waiters.delete(check));
    },
    async close() {
      proc.stdin.end();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

describe('the README walkthrough', () => {
  test('curl for accounts and a room, two terminal clients, a restart, history over REST', async (t) => {
    const server = await startServer({ env: { CHAT_JWT_SECRET: null } });
    t.after(() => server.stop());
    const URL = server.url;
    const terminals = [];
    t.after(() => Promise.all(terminals.map((x) => x.close())));

    await curl(`${URL}/register`, { method: 'POST', body: '{"username":"alice","password":"correct-horse"}' });
    await curl(`${URL}/register`, { method: 'POST', body: '{"username":"bob","password":"battery-staple"}' });
    const ALICE = sed(await curl(`${URL}/login`, { method: 'POST', body: '{"username":"alice","password":"correct-horse"}' }), /.*"token":"([^"]*)".*/);
    const BOB = sed(await curl(`${URL}/login`, { method: 'POST', body: '{"username":"bob","password":"battery-staple"}' }), /.*"token":"([^"]*)".*/);
    const BOB_ID = sed(await curl(`${URL}/users?query=bob`, { auth: ALICE }), /.*"id":"([^"]*)".*/);
    assert.match(BOB_ID, /^[0-9a-f]{24}$/);
    const ROOM = sed(
      await curl(`${URL}/rooms`, { method: 'POST', auth: ALICE, body: `{"name":"general","members":["${BOB_ID}"]}` }),
      /{"id":"([^"]*)".*/,
    );
    assert.match(ROOM, /^[0-9a-f]{24}$/);

    const alice = terminal(URL, ALICE, ROOM);
    const bob = terminal(URL, BOB, ROOM);
    terminals.push(alice, bob);
    await alice.waitLine(/^-- joined /);
    await bob.waitLine(/^-- joined /);
    alice.type('hello bob');
    await bob.waitLine(/#1 alice: hello bob$/);
    bob.type('hi alice, @alice');
    await alice.waitLine(/#2 bob: hi alice, @alice$/);
    await alice.waitLine(/^-- @bob mentioned you: hi alice, @alice$/);
    await Promise.all([alice.close(), bob.close()]);

    await server.restart();
    const again = terminal(URL, BOB, ROOM);
    terminals.push(again);
    await again.waitLine(/^-- joined /);
    assert.deepEqual(
      again.out.filter((l) => / #\d+ /.test(l)).map((l) => l.replace(/^\[[^\]]+\] /, '')),
      ['#1 alice: hello bob', '#2 bob: hi alice, @alice'],
      'the whole history, read back after the restart',
    );

    const page = JSON.parse(await curl(`${URL}/rooms/${ROOM}/messages?limit=20`, { auth: BOB }));
    assert.deepEqual(page.messages.map((m) => [m.seq, m.senderName, m.content]), [
      [1, 'alice', 'hello bob'],
      [2, 'bob', 'hi alice, @alice'],
    ]);
    assert.equal(page.hasMore, false);
  });
});

describe('two users chat', () => {
  test('alice and bob register, talk in a room, and find it all again after a restart', async (t) => {
    const server = await startServer({ env: { CHAT_JWT_SECRET: null } });
    t.after(() => server.stop());
    const url = server.url;

    const alice = (await register(url, { username: uniqueName('alice'), password: 'alice-secret-1' })).body;
    const bob = (await register(url, { username: uniqueName('bob'), password: 'bob-secret-12' })).body;
    assert.ok(alice.token && bob.token, 'both registered');
    const aliceApi = api(url, alice.token);
    const bobApi = api(url, bob.token);

    const room = (await aliceApi.post('/rooms', { name: 'general', members: [bob.user.id] })).body;
    assert.deepEqual(room.members.sort(), [alice.user.id, bob.user.id].sort());

    const sa = await connect(url, alice.token);
    const sb = await connect(url, bob.token);
    const [ea, eb] = [collect(sa), collect(sb)];
    assert.equal((await emitAck(sa, 'join_room', { roomId: room.id })).ok, true);
    assert.equal((await emitAck(sb, 'join_room', { roomId: room.id })).ok, true);

    await emitAck(sa, 'typing', { roomId: room.id, isTyping: true });
    assert.equal((await eb.waitFor('typing')).username, alice.user.username);
    const hello = await emitAck(sa, 'send_message', { roomId: room.id, content: `hi @${bob.user.username}!`, tempId: 'a1' });
    assert.equal(hello.ok, true);
    assert.equal((await eb.waitFor('message')).content, `hi @${bob.user.username}!`);
    assert.equal((await eb.waitFor('mention')).fromUsername, alice.user.username);

    const reply = await emitAck(sb, 'send_message', { roomId: room.id, content: 'hello alice <b>not bold</b>', tempId: 'b1' });
    assert.equal((await ea.waitFor('message', (m) => m.senderId === bob.user.id)).content, 'hello alice <b>not bold</b>');
    assert.deepEqual(await eb.waitFor('message_ack'), { tempId: 'b1', messageId: reply.message.id, seq: 2 });

    const rooms = (await bobApi.get('/rooms')).body.rooms;
    assert.deepEqual(rooms.map((r) => [r.name, r.unread, r.unreadMentions]), [['general', 1, 1]]);
    assert.equal((await emitAck(sb, 'mark_read', { roomId: room.id, messageId: hello.message.id })).ok, true);

    const transcript = async () => (await bobApi.get(`/rooms/${room.id}/messages`)).body.messages.map((m) => [m.senderName, m.content]);
    const before = await transcript();
    assert.deepEqual(before, [
      [alice.user.username, `hi @${bob.user.username}!`],
      [bob.user.username, 'hello alice <b>not bold</b>'],
    ]);

    closeAllSockets();
    await server.restart();
    assert.deepEqual(await transcript(), before, 'history intact after a restart');
    assert.deepEqual((await bobApi.get('/rooms')).body.rooms.map((r) => [r.unread, r.unreadMentions]), [[0, 0]]);
  });
});
