// Two people chat, as the README walks a newcomer through it, followed
// literally: each of the README's terminal blocks runs in a shell of its
// own (bash, started afresh in the repository's folder with nothing of the
// others' variables), as a newcomer who opens a new terminal for each would
// run it. curl makes the accounts and the room, the README's terminal
// client (e2e/examples/chat.mjs) chats both ways, the server restarts, and
// the history comes back over REST.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from '../lib/harness.mjs';
import { watchLines } from '../lib/lines.mjs';
import { startServer } from '../lib/server.mjs';
import { api, register, connect, collect, emitAck, uniqueName, closeAllSockets, withTimeout } from '../lib/client.mjs';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const README_URL = 'http://127.0.0.1:3000';

// readmeBlocks returns the shell blocks of the README's walkthrough by the
// name of the comment above each (<!-- walkthrough: NAME -->).
function readmeBlocks() {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const blocks = {};
  for (const m of readme.matchAll(/<!-- walkthrough: (\w+) -->\n```sh\n([\s\S]*?)```/g)) blocks[m[1]] = m[2];
  return blocks;
}

// repoFolder is a folder that stands for the repository's: e2e/ is the
// repository's own, and whatever the walkthrough writes stays in it.
function repoFolder() {
  const dir = mkdtempSync(join(tmpdir(), 'chatd-walkthrough-'));
  symlinkSync(join(REPO, 'e2e'), join(dir, 'e2e'));
  return dir;
}

// terminal runs a README block in a fresh bash in cwd, with only PATH and
// HOME from this process: lines typed with type() reach the command's
// standard input, its output is awaited with waitLine() (patiently: a node
// process of its own has to start first).
function terminal(cwd, script) {
  const proc = spawn('bash', ['-e', '-c', script], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const { lines: out, waitLine } = watchLines(proc);
  const exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    out,
    exited,
    type: (line) => proc.stdin.write(`${line}\n`),
    end: () => proc.stdin.end(),
    waitLine,
    async close() {
      proc.stdin.end();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// run runs a block to its end and returns its output.
async function run(cwd, script) {
  const t = terminal(cwd, script);
  t.end();
  const code = await withTimeout(t.exited, 20_000, 'a walkthrough block to finish');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(code, 0, `the block failed:\n${script}\noutput: ${t.out.join('\n')}`);
  return t.out.join('\n');
}

describe('the README walkthrough', () => {
  test('each terminal of the README in a shell of its own: accounts and a room, two chat clients, a restart, history', async (t) => {
    const blocks = readmeBlocks();
    assert.deepEqual(Object.keys(blocks).sort(), ['accounts', 'alice', 'bob', 'history']);
    for (const [name, block] of Object.entries(blocks)) {
      if (name !== 'accounts') assert.ok(block.includes('. ./walkthrough.env'), `the ${name} terminal reads what the first one saved`);
    }
    const server = await startServer({ env: { CHAT_JWT_SECRET: null } });
    t.after(() => server.stop());
    const here = (block) => block.replaceAll(README_URL, server.url);
    const cwd = repoFolder();
    t.after(() => rmSync(cwd, { recursive: true, force: true }));
    const terminals = [];
    t.after(() => Promise.all(terminals.map((x) => x.close())));

    await run(cwd, here(blocks.accounts));
    const saved = readFileSync(join(cwd, 'walkthrough.env'), 'utf8');
    assert.match(saved, /^URL=http:\/\/127\.0\.0\.1:\d+\nALICE=ey\S+\nBOB=ey\S+\nROOM=[0-9a-f]{24}\n$/);

    const alice = terminal(cwd, here(blocks.alice));
    const bob = terminal(cwd, here(blocks.bob));
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
    const again = terminal(cwd, here(blocks.bob));
    terminals.push(again);
    await again.waitLine(/^-- joined /);
    assert.deepEqual(
      again.out.filter((l) => / #\d+ /.test(l)).map((l) => l.replace(/^\[[^\]]+\] /, '')),
      ['#1 alice: hello bob', '#2 bob: hi alice, @alice'],
      'the whole history, read back after the restart',
    );

    const page = JSON.parse(await run(cwd, here(blocks.history)));
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
