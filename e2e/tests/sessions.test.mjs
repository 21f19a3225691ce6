// Browser sessions over plain HTTP (the README's "Browser sessions"): what
// a page gets from POST /session, POST /session/refresh and DELETE /session,
// every answer checked against the OpenAPI document by api(). The page
// itself is driven in browser/sessions.test.mjs.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { api, newUser } from '../lib/client.mjs';
import { assertRestError, assertStatus } from '../lib/expect.mjs';

// refreshCookie returns the chat_refresh cookie an answer sets, as a
// Cookie header ("chat_refresh=" when it clears it), or undefined when it
// sets none.
function refreshCookie(res) {
  const set = res.headers.getSetCookie().find((c) => c.startsWith('chat_refresh='));
  return set && set.split(';')[0];
}

describe('browser sessions', () => {
  const srv = useServer();
  const anon = () => api(srv.url);
  const refresh = (cookie, headers = {}) =>
    anon().request('POST', '/session/refresh', undefined, { headers: cookie ? { cookie, ...headers } : headers });

  test('sign in: a short-lived token and the session cookie; a wrong password or another site is refused', async () => {
    const alice = await newUser(srv.url, 'sess');
    assertRestError(await anon().post('/session', { username: alice.username, password: 'not the password' }), 'unauthorized');
    assertRestError(await anon().post('/session', { username: alice.username }), 'unauthorized');
    assertRestError(await anon().post('/session', { username: alice.username, password: alice.password },
      { headers: { 'sec-fetch-site': 'same-site' } }), 'forbidden');
    const res = await anon().post('/session', { username: alice.username, password: alice.password });
    const grant = assertStatus(res, 200);
    assert.deepEqual(grant.user, alice.user);
    assert.equal(grant.expiresIn, 600, 'CHAT_SESSION_TOKEN_TTL, 10 minutes by default');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(refreshCookie(res), /^chat_refresh=[\w-]{43}$/);
    assert.equal((await api(srv.url, grant.token).get('/rooms')).status, 200, 'the token works as any other');
  });

  test('a refresh replaces the cookie; the same cookie again at once gets a token but no cookie', async () => {
    const alice = await newUser(srv.url, 'sess');
    const cookie = refreshCookie(await anon().post('/session', { username: alice.username, password: alice.password }));
    const first = await refresh(cookie);
    assert.equal(assertStatus(first, 200).user.id, alice.id);
    const next = refreshCookie(first);
    assert.ok(next && next !== cookie, 'a new cookie');
    const twin = await refresh(cookie);
    assertStatus(twin, 200);
    assert.equal(refreshCookie(twin), undefined, 'a second tab that refreshed with the same cookie keeps the new one');
    assertRestError(await refresh(next, { origin: 'https://elsewhere.example' }), 'forbidden');
    assertStatus(await refresh(next), 200);
    const none = await refresh();
    assertRestError(none, 'unauthorized');
    assert.equal(refreshCookie(none), 'chat_refresh=', 'no session: the cookie is cleared');
  });

  test('signing out ends the session: its cookie no longer refreshes', async () => {
    const alice = await newUser(srv.url, 'sess');
    const signedIn = await anon().post('/session', { username: alice.username, password: alice.password });
    const cookie = refreshCookie(signedIn);
    assertRestError(await anon().del('/session'), 'unauthorized');
    const out = await api(srv.url, signedIn.body.token).del('/session');
    assert.equal(out.status, 204);
    assert.equal(refreshCookie(out), 'chat_refresh=');
    const ended = await refresh(cookie);
    assertRestError(ended, 'unauthorized');
    assert.equal(refreshCookie(ended), 'chat_refresh=');
  });
});
