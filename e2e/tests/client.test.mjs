// The typed client (static/client, @roomchat/client) against the real
// service: the README's bot, run as it is written; the catch-up after a
// reconnection that the client does for its caller; errors as ChatError,
// from acks, REST answers and a refused connection; files through its REST
// helper. Every REST answer the client gets is checked against the OpenAPI
// document, as api()'s are.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { useServer, test } from '../lib/harness.mjs';
import { DEFAULT_TIMEOUT_MS, TRANSPORTS, uniqueName, withTimeout } from '../lib/client.mjs';
import { watchLines } from '../lib/lines.mjs';
import { readAnswer } from '../lib/openapi.mjs';
import { ChatError, Rest, connect } from '../../static/client/index.js';

const BOT = fileURLToPath(new URL('../../static/client/examples/ping-bot.js', import.meta.url));
const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const PASSWORD = 'correct horse battery';

/** checkedFetch is fetch() that rejects an answer the OpenAPI document does not allow. */
async function checkedFetch(url, init = {}) {
  const res = await fetch(url, init);
  const { pathname, search } = new URL(url);
  await readAnswer(init.method || 'GET', pathname + search, res.clone());
  return res;
}

/** rest is the client's REST helper for the server at url, its answers checked. */
const rest = (url, token) => new Rest(url, { token, fetch: checkedFetch });

/** account registers a fresh user with the client's REST helper: {token, user, rest}. */
async function account(url, prefix) {
  const { token, user } = await rest(url).register({ username: uniqueName(prefix), password: PASSWORD });
  return { token, user, rest: rest(url, token) };
}

/** next resolves with the first argument of the next event of chat that matches. Register it before causing the event. */
function next(chat, event, predicate = () => true, what = event) {
  return withTimeout(new Promise((resolve) => {
    const handler = (arg) => {
      if (!predicate(arg)) return;
      chat.off(event, handler);
      resolve(arg);
    };
    chat.on(event, handler);
  }), DEFAULT_TIMEOUT_MS, what);
}

/**
 * dropConnection closes chat's connection (as a network failure would) and
 * keeps the client from reconnecting; it resolves with the function that
 * lets it reconnect.
 */
async function dropConnection(chat) {
  chat.socket.io.reconnection(false);
  const down = next(chat, 'disconnect');
  chat.socket.io.engine.close();
  await down;
  return () => {
    chat.socket.io.reconnection(true);
    chat.socket.connect();
  };
}

/** startBot runs the README's bot as a user runs it, with only PATH, HOME and its two variables. */
function startBot(url, token) {
  const proc = spawn(process.execPath, [BOT], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, CHAT_URL: url, CHAT_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const { lines, waitLine } = watchLines(proc);
  return {
    lines,
    /** waitLine resolves with the first line that matches re, and rejects if the bot exits first. */
    waitLine: (re) => Promise.race([
      waitLine(re),
      exited.then(({ code, signal }) => {
        throw new Error(`the bot exited (${code ?? signal}): ${lines.join('\n')}`);
      }),
    ]),
    stop() {
      proc.kill();
      return exited;
    },
  };
}

describe('the typed client', () => {
  const srv = useServer();
  const open = (who, options = {}) => connect(srv.url, { token: who.token, fetch: checkedFetch, ...options });

  test('the README shows the bot file as it is', () => {
    const block = readFileSync(README, 'utf8').match(/<!-- client: ping-bot -->\n```js\n([\s\S]*?)```/);
    assert.ok(block, 'the README has the bot under <!-- client: ping-bot -->');
    assert.equal(block[1], readFileSync(BOT, 'utf8'));
  });

  test('the README bot answers !ping with pong in the rooms it is in, and in one it is added to later', async (t) => {
    const bot = await account(srv.url, 'bot');
    const human = await account(srv.url, 'human');
    const first = await human.rest.createRoom({ name: 'bots', members: [bot.user.id] });
    const proc = startBot(srv.url, bot.token);
    t.after(() => proc.stop());
    await proc.waitLine(/^ping bot ready in 1 rooms$/);

    const chat = await open(human);
    t.after(() => chat.close());
    await chat.joinRoom(first.id);
    const pong = next(chat, 'message', (m) => m.senderId === bot.user.id, 'the pong');
    const ping = await chat.send(first.id, '!ping');
    const answer = await pong;
    assert.equal(answer.content, 'pong');
    assert.equal(answer.roomId, first.id);
    assert.equal(answer.replyTo?.id, ping.id, 'it answers the ping');

    const later = await human.rest.createRoom({ name: 'later', members: [bot.user.id] });
    await proc.waitLine(/^joined later$/);
    await chat.joinRoom(later.id);
    const pong2 = next(chat, 'message', (m) => m.senderId === bot.user.id, 'the pong in the later room');
    await chat.send(later.id, 'no answer to this');
    await chat.send(later.id, '  !ping ');
    const answer2 = await pong2;
    assert.equal(answer2.roomId, later.id);
    assert.equal(answer2.content, 'pong');
    const { messages } = await human.rest.messages(later.id);
    assert.deepEqual(messages.map((m) => m.content), ['no answer to this', '  !ping ', 'pong'], 'one pong, to the ping only');
    assert.deepEqual(proc.lines.filter((l) => /not (sent|joined)/.test(l)), []);
  });

  for (const tr of TRANSPORTS) {
    test(`after a reconnection over ${tr.name} the handlers get every missed message once, in seq order, and the changes after them`, async (t) => {
      const away = await account(srv.url, 'away');
      const other = await account(srv.url, 'other');
      const room = await away.rest.createRoom({ name: 'catch-up', members: [other.user.id] });
      const chat = await open(away, { socket: { transports: tr.transports } });
      const sender = await open(other);
      t.after(() => {
        chat.close();
        sender.close();
      });
      const seen = [];
      const changes = [];
      chat.on('message', (m) => seen.push(m));
      chat.on('message_updated', (c) => changes.push(c));
      assert.deepEqual(await chat.joinRoom(room.id), { roomId: room.id, lastSeq: 0, lastRev: 0 });
      const live = next(chat, 'message');
      const before = await sender.send(room.id, 'before');
      await live;

      // The connection drops, and stays down while the room goes on.
      const reconnect = await dropConnection(chat);
      const missed = [];
      for (const text of ['one', 'two', 'three']) missed.push(await sender.send(room.id, text));
      await sender.editMessage(room.id, missed[1].id, 'two, edited');
      await sender.deleteMessage(room.id, before.id);
      await assert.rejects(chat.typing(room.id, true, { timeoutMs: 300 }), { name: 'ChatError', code: 'timeout', event: 'typing' });

      const caughtUp = next(chat, 'caught_up', (p) => p.roomId === room.id);
      reconnect();
      assert.deepEqual(await caughtUp, { roomId: room.id, seq: 4, rev: 2 });
      const after = next(chat, 'message', (m) => m.content === 'after');
      await sender.send(room.id, 'after');
      await after;
      await chat.idle();

      assert.deepEqual(seen.map((m) => m.seq), [1, 2, 3, 4, 5], 'each message once, in seq order');
      assert.deepEqual(seen.map((m) => m.content), ['before', 'one', 'two, edited', 'three', 'after'],
        'a missed message comes as it is now');
      assert.deepEqual(changes.map((c) => [c.rev, c.kind, c.message.id]), [
        [1, 'edited', missed[1].id],
        [2, 'deleted', before.id],
      ]);
      assert.equal(changes[0].message.content, 'two, edited');
      assert.equal(changes[1].message.content, '');
      assert.deepEqual(chat.positions(), [{ roomId: room.id, seq: 5, rev: 2 }]);
    });
  }

  test('a room the user was removed from while away is reported and forgotten', async (t) => {
    const owner = await account(srv.url, 'owner');
    const member = await account(srv.url, 'removed');
    const room = await owner.rest.createRoom({ name: 'removal', members: [member.user.id] });
    const chat = await open(member);
    t.after(() => chat.close());
    await chat.joinRoom(room.id);
    const reconnect = await dropConnection(chat);
    await owner.rest.removeMember(room.id, member.user.id);
    const failed = next(chat, 'catch_up_failed');
    reconnect();
    const { roomId, error } = await failed;
    assert.equal(roomId, room.id);
    assert.ok(error instanceof ChatError);
    assert.equal(error.code, 'forbidden');
    assert.deepEqual(chat.positions(), []);
  });

  test('a client that kept its place resumes there when it joins', async (t) => {
    const a = await account(srv.url, 'resume');
    const room = await a.rest.createRoom({ name: 'resume', members: [] });
    const chat = await open(a);
    t.after(() => chat.close());
    const sent = [];
    for (const text of ['a', 'b', 'c', 'd']) sent.push(await chat.send(room.id, text));
    await chat.react(room.id, sent[0].id, '👍');
    const seen = [];
    const changes = [];
    chat.on('message', (m) => seen.push(m.content));
    chat.on('message_updated', (c) => changes.push([c.rev, c.kind]));
    await chat.joinRoom(room.id, { afterSeq: 2, afterRev: 0 });
    await chat.idle();
    assert.deepEqual(seen, ['c', 'd']);
    assert.deepEqual(changes, [[1, 'reactions']]);
  });

  test('a refused call is a ChatError with the code of the contract', async (t) => {
    const owner = await account(srv.url, 'owner');
    const outsider = await account(srv.url, 'outsider');
    const room = await owner.rest.createRoom({ name: 'private', members: [] });
    const chat = await open(outsider);
    t.after(() => chat.close());

    const joining = chat.joinRoom(room.id);
    await assert.rejects(joining, ChatError);
    await assert.rejects(joining, { code: 'forbidden', event: 'join_room', status: undefined });
    assert.deepEqual(chat.positions(), [], 'a room it could not join is not caught up');
    await assert.rejects(chat.send(room.id, '   '), { code: 'invalid_argument' });

    await assert.rejects(outsider.rest.room(room.id), { name: 'ChatError', code: 'forbidden', status: 403 });
    await assert.rejects(rest(srv.url).register({ username: owner.user.username, password: PASSWORD }),
      { code: 'conflict', status: 409 });
    await assert.rejects(rest(srv.url).login({ username: owner.user.username, password: 'wrong password' }),
      { code: 'unauthorized', status: 401 });
    await assert.rejects(connect(srv.url, { token: 'not-a-token' }), (err) => {
      assert.ok(err instanceof ChatError);
      assert.equal(err.code, 'unauthorized');
      assert.match(err.message, /invalid token/);
      return true;
    });
  });

  test('files go up with the REST helper and come with the message', async (t) => {
    const a = await account(srv.url, 'files');
    const room = await a.rest.createRoom({ name: 'files', members: [] });
    const chat = await open(a);
    t.after(() => chat.close());
    const attachment = await a.rest.upload(room.id, new Blob(['hello, file\n']), 'hello.txt');
    assert.equal(attachment.name, 'hello.txt');
    assert.equal(attachment.size, 12);
    assert.match(attachment.contentType, /^text\/plain/);
    const m = await chat.send(room.id, '', { attachments: [attachment.id] });
    assert.deepEqual(m.attachments.map((x) => x.id), [attachment.id]);
    assert.equal(await (await a.rest.download(m.attachments[0])).text(), 'hello, file\n');
    assert.equal(await (await rest(srv.url).download(m.attachments[0].url)).text(), 'hello, file\n',
      'the signed link needs no token');
  });
});

describe('the typed client under the send rate', () => {
  const srv = useServer({ env: { CHAT_SEND_RATE: '1' } });

  test('rate_limited carries retryAfterMs', async (t) => {
    const a = await account(srv.url, 'fast');
    const room = await a.rest.createRoom({ name: 'fast', members: [] });
    const chat = await connect(srv.url, { token: a.token, fetch: checkedFetch });
    t.after(() => chat.close());
    let refused;
    for (let i = 0; i < 5 && !refused; i++) {
      await chat.send(room.id, `message ${i}`).catch((err) => {
        refused = err;
      });
    }
    assert.ok(refused instanceof ChatError, 'a send past the burst is refused');
    assert.equal(refused.code, 'rate_limited');
    assert.ok(refused.retryAfterMs > 0, `retryAfterMs ${refused.retryAfterMs}`);
  });
});
