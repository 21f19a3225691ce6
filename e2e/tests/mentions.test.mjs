// Mentions are decided by the server from the text, and reach every socket
// of the mentioned user (PROTOCOL.md "Mentions").
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { TRANSPORTS, newUser, connect, collect, emitAck, randomHex } from '../lib/client.mjs';
import { createRoom, joinRoom, sendMessage, roomOf } from '../lib/chat.mjs';
import { assertAckError } from '../lib/expect.mjs';

for (const tr of TRANSPORTS) {
  describe(`mentions over ${tr.name}`, () => {
    const srv = useServer();
    const open = (user) => connect(srv.url, user.token, { transports: tr.transports });

    // setup: a sends; bob and bobby (whose name starts with bob's) are
    // members; carol is not.
    const setup = async () => {
      const bobName = `m${randomHex(10)}`;
      const a = await newUser(srv.url, 'sender');
      const bob = await newUser(srv.url, '', { username: bobName });
      const bobby = await newUser(srv.url, '', { username: `${bobName}by` });
      const carol = await newUser(srv.url, 'carol');
      const room = await createRoom(a, 'mentions', [bob.id, bobby.id]);
      const sa = await open(a);
      return { a, bob, bobby, carol, room, sa };
    };

    test('a mention event reaches every socket of the mentioned user, joined or not', async () => {
      const { a, bob, bobby, carol, room, sa } = await setup();
      const [b1, b2, by, sc] = [await open(bob), await open(bob), await open(bobby), await open(carol)];
      const [e1, e2, eby, ec, ea] = [b1, b2, by, sc, sa].map(collect);
      await joinRoom(b2, room.id);

      const content = `hi @${bob.username}, lunch?`;
      const msg = await sendMessage(sa, room.id, content);
      assert.deepEqual(msg.mentions, [bob.id]);
      const expected = { roomId: room.id, messageId: msg.id, fromUserId: a.id, fromUsername: a.username, content };
      assert.deepEqual(await e1.waitFor('mention'), expected, 'a socket that has not joined');
      assert.deepEqual(await e2.waitFor('mention'), expected, 'a socket that has joined');
      assert.deepEqual(await e2.waitFor('message'), msg);
      await eby.expectNone('mention');
      await ec.expectNone('mention', undefined, 0);
      await ea.expectNone('mention', undefined, 0);
      assert.equal(e1.of('mention').length, 1);
      assert.equal((await roomOf(bob, room.id)).unreadMentions, 1);
    });

    test('only members named as a whole @token, case-insensitively, are mentioned', async () => {
      const { a, bob, bobby, carol, room, sa } = await setup();
      const n = bob.username;
      const cases = [
        [`@${n} hello`, [bob.id]],
        [`hello @${n}`, [bob.id]],
        [`HEY @${n.toUpperCase()}`, [bob.id]],
        [`@${bobby.username} only`, [bobby.id]],
        [`@${n} and @${bobby.username}`, [bob.id, bobby.id]],
        [`@${n} @${n} twice`, [bob.id]],
        [`mail x@${n}.com`, []],
        [`${n}@example.com`, []],
        [`no at sign ${n}`, []],
        [`@${n}-x is someone else`, []],
        [`@${n}_2 is someone else`, []],
        [`@${n}x is someone else`, []],
        [`@${a.username} talking to myself`, []],
        [`@${carol.username} is not here`, []],
        [`@nobody${randomHex(4)}`, []],
        ...['.', ',', '!', '?', ':', ';'].map((p) => [`thanks @${n}${p} see you`, [bob.id]]),
        [`line one\n@${n}\tline two`, [bob.id]],
      ];
      for (const [content, want] of cases) {
        const msg = await sendMessage(sa, room.id, content);
        assert.deepEqual([...msg.mentions].sort(), [...want].sort(), `mentions of ${JSON.stringify(content)}`);
      }
    });

    test('a client-sent mentions list is filtered: no non-members, no one unnamed, not the sender', async () => {
      const { a, bob, bobby, carol, room, sa } = await setup();
      const [sby, sc] = [await open(bobby), await open(carol)];
      const [eby, ec] = [collect(sby), collect(sc)];
      const mentions = [bob.id, carol.id, bobby.id, a.id, randomHex(24)];
      const msg = await sendMessage(sa, room.id, `@${bob.username} and @${carol.username}`, { mentions });
      assert.deepEqual(msg.mentions, [bob.id]);
      await eby.expectNone('mention');
      await ec.expectNone('mention', undefined, 0);
    });

    test('a mentions field of the wrong type is invalid_argument', async () => {
      const { bob, room, sa } = await setup();
      for (const mentions of [bob.id, [1, 2], { id: bob.id }, 7]) {
        const ack = await emitAck(sa, 'send_message', { roomId: room.id, content: `@${bob.username}`, mentions });
        assertAckError(ack, 'invalid_argument');
      }
    });
  });
}
