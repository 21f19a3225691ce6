// Accounts, tokens and the routes open without one (PROTOCOL.md "Identity").
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { TEST_JWT_SECRET } from '../lib/server.mjs';
import { api, register, login, newUser, uniqueName, randomHex, connect, sleep } from '../lib/client.mjs';
import { signToken, decodeToken, nowSeconds } from '../lib/jwt.mjs';
import { isObjectId, assertRestError, assertStatus } from '../lib/expect.mjs';

const PASSWORD = 'correct horse battery';

describe('register and login', () => {
  const srv = useServer();

  test('register answers 201 with a token and the user', async () => {
    const username = uniqueName('alice');
    const res = await register(srv.url, { username, password: PASSWORD, displayName: 'Alice Liddell' });
    const body = assertStatus(res, 201);
    assert.deepEqual(Object.keys(body).sort(), ['token', 'user']);
    assert.deepEqual(Object.keys(body.user).sort(), ['displayName', 'id', 'username']);
    assert.ok(isObjectId(body.user.id), `built-in account ids are ObjectIds: ${body.user.id}`);
    assert.equal(body.user.username, username);
    assert.equal(body.user.displayName, 'Alice Liddell');

    const { header, claims } = decodeToken(body.token);
    assert.equal(header.alg, 'HS256');
    assert.equal(claims.sub, body.user.id);
    assert.equal(claims.name, username);
    assert.ok(Math.abs(claims.iat - nowSeconds()) < 60, `iat ${claims.iat} is now`);
    assert.equal(claims.exp - claims.iat, 24 * 3600, 'default lifetime is 24 h');
  });

  test('a taken username is 409 conflict, case-insensitively', async () => {
    const name = uniqueName('bob');
    assertStatus(await register(srv.url, { username: name, password: PASSWORD }), 201);
    assertRestError(await register(srv.url, { username: name, password: 'another password' }), 'conflict');
    assertRestError(await register(srv.url, { username: name.toUpperCase(), password: PASSWORD }), 'conflict');
  });

  test('usernames are case-folded', async () => {
    const name = uniqueName('MiXeD');
    const created = assertStatus(await register(srv.url, { username: name, password: PASSWORD }), 201);
    assert.equal(created.user.username, name.toLowerCase());
    const res = await login(srv.url, name.toUpperCase(), PASSWORD);
    assert.equal(assertStatus(res, 200).user.id, created.user.id);
  });

  test('login answers 200 with a fresh token; a wrong password or unknown user is 401', async () => {
    const user = await newUser(srv.url, 'carol');
    const body = assertStatus(await login(srv.url, user.username, user.password), 200);
    assert.deepEqual(Object.keys(body).sort(), ['token', 'user']);
    assert.deepEqual(body.user, { id: user.id, username: user.username, displayName: user.displayName });
    assert.equal(decodeToken(body.token).claims.sub, user.id);
    assertStatus(await api(srv.url, body.token).get('/rooms'), 200);

    assertRestError(await login(srv.url, user.username, 'wrong password'), 'unauthorized');
    assertRestError(await login(srv.url, uniqueName('nobody'), PASSWORD), 'unauthorized');
  });

  test('username and password rules: 400 invalid_argument', async () => {
    const bad = [
      { username: 'ab', password: PASSWORD },
      { username: 'a'.repeat(33), password: PASSWORD },
      { username: 'has space', password: PASSWORD },
      { username: 'bad!name', password: PASSWORD },
      { username: 'émile', password: PASSWORD },
      { username: '', password: PASSWORD },
      { password: PASSWORD },
      { username: 42, password: PASSWORD },
      { username: uniqueName('short'), password: '1234567' },
      { username: uniqueName('long'), password: 'p'.repeat(129) },
      { username: uniqueName('nopass') },
      { username: uniqueName('numpass'), password: 12345678 },
    ];
    for (const body of bad) {
      const res = await api(srv.url).post('/register', body);
      assertRestError(res, 'invalid_argument');
    }
    for (const raw of ['{"username": ', '[]', '"text"', '']) {
      assertRestError(await api(srv.url).request('POST', '/register', raw, { raw: true }), 'invalid_argument');
    }
  });

  test('the limits themselves are accepted: 3 and 32 characters, passwords of 8 and 128', async () => {
    const three = randomHex(3);
    assertStatus(await register(srv.url, { username: three, password: '12345678' }), 201);
    const long = `${randomHex(8)}_.-${'z'.repeat(21)}`;
    assert.equal(long.length, 32);
    assertStatus(await register(srv.url, { username: long, password: 'p'.repeat(128) }), 201);
    assertStatus(await login(srv.url, long, 'p'.repeat(128)), 200);
  });
});

describe('user search', () => {
  const srv = useServer();

  test('GET /users matches a prefix and tells who is online', async () => {
    const base = `q${randomHex(8)}`;
    const alice = await newUser(srv.url, '', { username: `${base}_alice` });
    const alicia = await newUser(srv.url, '', { username: `${base}_alicia` });
    await newUser(srv.url, '', { username: `${base}_bob` });

    const search = async (query, limit) => {
      const qs = new URLSearchParams({ query, ...(limit ? { limit: String(limit) } : {}) });
      const body = assertStatus(await alice.api.get(`/users?${qs}`), 200);
      assert.deepEqual(Object.keys(body), ['users']);
      return body.users;
    };

    let users = await search(`${base}_ali`);
    assert.deepEqual(users.map((u) => u.username).sort(), [alice.username, alicia.username]);
    for (const u of users) {
      assert.deepEqual(Object.keys(u).sort(), ['displayName', 'id', 'online', 'username']);
      assert.equal(u.online, false);
    }
    assert.equal(users.find((u) => u.username === alice.username).id, alice.id);
    assert.equal((await search(base)).length, 3);
    assert.equal((await search(base, 2)).length, 2);
    assert.deepEqual(await search(`${base}_zzz`), []);

    const socket = await connect(srv.url, alice.token);
    users = await search(`${base}_ali`);
    assert.equal(users.find((u) => u.id === alice.id).online, true);
    assert.equal(users.find((u) => u.id === alicia.id).online, false);

    socket.close();
    let online = true;
    for (let i = 0; i < 30 && online; i++) {
      await sleep(100);
      online = (await search(`${base}_alice`)).find((u) => u.id === alice.id).online;
    }
    assert.equal(online, false, 'offline again after the last socket closed');
  });

  test('GET /users needs a token', async () => {
    assertRestError(await api(srv.url).get('/users?query=a'), 'unauthorized');
  });
});

describe('REST authentication', () => {
  const srv = useServer();

  const badTokens = () => {
    const claims = { sub: randomHex(24), name: uniqueName('x'), iat: nowSeconds(), exp: nowSeconds() + 3600 };
    return {
      missing: null,
      garbage: 'not-a-jwt',
      expired: signToken({ ...claims, iat: nowSeconds() - 7200, exp: nowSeconds() - 60 }, TEST_JWT_SECRET),
      'alg none': signToken(claims, '', { alg: 'none' }),
      'wrong secret': signToken(claims, 'some-other-secret-0123456789abcdef0123456789'),
      'HS512 with the right secret': signToken(claims, TEST_JWT_SECRET, { alg: 'HS512' }),
      'tampered payload': (() => {
        const good = signToken(claims, TEST_JWT_SECRET).split('.');
        const other = signToken({ ...claims, sub: randomHex(24) }, TEST_JWT_SECRET).split('.');
        return `${good[0]}.${other[1]}.${good[2]}`;
      })(),
    };
  };

  test('every protected route answers 401 unauthorized without a valid token', async () => {
    const roomId = randomHex(24);
    const routes = [
      ['GET', '/rooms'],
      ['POST', '/rooms', { name: 'x', members: [] }],
      ['POST', '/rooms/dm', { userId: randomHex(24) }],
      ['GET', `/rooms/${roomId}`],
      ['POST', `/rooms/${roomId}/members`, { userId: randomHex(24) }],
      ['DELETE', `/rooms/${roomId}/members/${randomHex(24)}`],
      ['POST', `/rooms/${roomId}/read`, { messageId: randomHex(24) }],
      ['GET', `/rooms/${roomId}/messages`],
      ['GET', '/users?query=a'],
    ];
    for (const [kind, token] of Object.entries(badTokens())) {
      for (const [method, path, body] of routes) {
        const res = await api(srv.url, token).request(method, path, body);
        assert.equal(res.status, 401, `${kind} token, ${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
        assertRestError(res, 'unauthorized');
      }
    }
  });

  test('a header that is not "Bearer <token>" is 401', async () => {
    const user = await newUser(srv.url, 'hdr');
    for (const value of [`Basic ${user.token}`, user.token, 'Bearer', `Bearer  ${user.token}x`]) {
      const res = await api(srv.url).get('/rooms', { headers: { authorization: value } });
      assertRestError(res, 'unauthorized');
    }
    assertStatus(await api(srv.url).get('/rooms', { headers: { authorization: `Bearer ${user.token}` } }), 200);
  });

  test('a valid token of an unknown sub creates the user on first use', async () => {
    const sub = `ext-${randomHex(10)}`;
    const name = uniqueName('ext');
    const token = signToken({ sub, name, iat: nowSeconds(), exp: nowSeconds() + 600 }, TEST_JWT_SECRET);
    assert.deepEqual(assertStatus(await api(srv.url, token).get('/rooms'), 200), { rooms: [] });

    const other = await newUser(srv.url, 'finder');
    const found = assertStatus(await other.api.get(`/users?query=${name}`), 200).users;
    assert.deepEqual(found.map((u) => [u.id, u.username]), [[sub, name]]);
  });

  test('a created user whose username is taken gets a numeric suffix', async () => {
    const taken = await newUser(srv.url, 'dup');
    const sub = randomHex(24);
    const token = signToken({ sub, name: taken.username, iat: nowSeconds(), exp: nowSeconds() + 600 }, TEST_JWT_SECRET);
    assertStatus(await api(srv.url, token).get('/rooms'), 200);

    const found = assertStatus(await taken.api.get(`/users?query=${taken.username}`), 200).users;
    const created = found.find((u) => u.id === sub);
    assert.ok(created, `the new user is found: ${JSON.stringify(found)}`);
    assert.notEqual(created.username, taken.username);
    assert.ok(created.username.startsWith(taken.username), created.username);
    assert.match(created.username.slice(taken.username.length), /\d$/, 'numeric suffix');
    assert.equal(found.find((u) => u.username === taken.username).id, taken.id, 'the owner keeps the name');
  });
});

describe('open routes', () => {
  const srv = useServer();

  test('/healthz, /readyz, /metrics and / answer without a token', async () => {
    const open = api(srv.url);
    assert.equal((await open.get('/healthz')).status, 200);
    assert.equal((await open.get('/readyz')).status, 200);

    const metrics = await open.get('/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type'), /^text\/plain/);
    assert.match(metrics.body, /^# (HELP|TYPE) /m, 'Prometheus text format');

    const page = await open.get('/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /^text\/html/);
    assert.match(page.body, /<html|<!doctype html/i);
  });
});

describe('allowed origins (CHAT_CORS_ORIGINS)', () => {
  const srv = useServer({ env: { CHAT_CORS_ORIGINS: 'http://allowed.test' } });

  test('a listed origin gets CORS headers, another does not', async () => {
    const user = await newUser(srv.url, 'cors');
    const preflight = (origin) =>
      fetch(`${srv.url}/rooms`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
    const allowed = await preflight('http://allowed.test');
    assert.ok(allowed.status < 300, `preflight status ${allowed.status}`);
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'http://allowed.test');
    assert.match(allowed.headers.get('access-control-allow-headers') || '', /authorization/i);
    assert.equal((await preflight('http://other.test')).headers.get('access-control-allow-origin'), null);

    const get = (origin) => user.api.get('/rooms', { headers: { origin } });
    assert.equal((await get('http://allowed.test')).headers.get('access-control-allow-origin'), 'http://allowed.test');
    assert.equal((await get('http://other.test')).headers.get('access-control-allow-origin'), null);
  });
});

describe('allowed origins by default', () => {
  const srv = useServer();

  test('without CHAT_CORS_ORIGINS no other origin gets CORS headers', async () => {
    const user = await newUser(srv.url, 'nocors');
    const res = await user.api.get('/rooms', { headers: { origin: 'http://other.test' } });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });
});
