// The OpenAPI document: served at /openapi.json, valid OpenAPI 3.1, and a
// judge that fails a test on any answer it does not allow (every REST
// answer of the suite goes through it, in client.mjs's api()).
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { test, useServer } from '../lib/harness.mjs';
import { api, newUser } from '../lib/client.mjs';
import { DOCUMENT, checkDocument, checkResponse, compileAll } from '../lib/openapi.mjs';

describe('the OpenAPI document', () => {
  const srv = useServer();

  test('is served at /openapi.json without a token, and is api/openapi.json', async () => {
    const res = await api(srv.url).get('/openapi.json');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(res.body, DOCUMENT);
    assert.match(DOCUMENT.openapi, /^3\.1\./);
  });

  test('is valid OpenAPI 3.1, and every schema of an answer compiles in strict mode', async () => {
    await checkDocument();
    assert.ok(compileAll() > 50);
  });

  test('refuses answers it does not document, naming what is wrong', async () => {
    const user = await newUser(srv.url, 'oas');
    const room = (await user.api.post('/rooms', { name: 'documented', members: [] })).body;
    const json = 'application/json; charset=utf-8';
    // A real answer passes; the same answer with a field more, a field
    // less or a field of another type does not.
    checkResponse('GET', `/rooms/${room.id}`, 200, json, JSON.stringify(room), room);
    const { lastSeq, ...lacking } = room;
    assert.equal(typeof lastSeq, 'number');
    const cases = [
      [['GET', `/rooms/${room.id}`, 200, json, '', { ...room, secret: 1 }], /must NOT have additional properties/],
      [['GET', `/rooms/${room.id}`, 200, json, '', lacking], /must have required property 'lastSeq'/],
      [['GET', `/rooms/${room.id}`, 200, json, '', { ...room, createdAt: 'yesterday' }], /createdAt must match pattern/],
      [['GET', '/rooms/x', 403, json, '', { error: { code: 'not_found', message: 'm' } }], /code must be equal to constant/],
      [['GET', '/no-such-endpoint', 200, json, '', {}], /GET \/no-such-endpoint is not in api\/openapi.json/],
      [['PUT', `/rooms/${room.id}`, 200, json, '', room], /PUT is not documented for \/rooms\/\{roomId\}/],
      [['GET', '/rooms', 418, json, '', {}], /answered 418, which is not a documented answer/],
      [['DELETE', `/rooms/${room.id}/members/u`, 204, json, '{}', {}], /with a body, but the document says it has none/],
      [['GET', '/healthz', 200, 'text/plain', 'ok', 'ok'], /as text\/plain; documented: application\/json/],
    ];
    for (const [args, message] of cases) assert.throws(() => checkResponse(...args), message, JSON.stringify(args.slice(0, 3)));
  });
});
