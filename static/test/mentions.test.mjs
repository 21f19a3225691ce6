// The page finds @username tokens by the server's rule: every case of the
// server's table (messages/testdata/mentions.json, also read by the Go
// tests) gives the same names here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mentionedUsernames, mentionTokens } from '../src/mentions.js';

const cases = JSON.parse(readFileSync(new URL('../../messages/testdata/mentions.json', import.meta.url), 'utf8'));

test('the table has cases', () => {
  assert.ok(cases.length > 20, `${cases.length} cases`);
});

for (const c of cases) {
  test(`${c.name}: ${JSON.stringify(c.content)}`, () => {
    assert.deepEqual(mentionedUsernames(c.content), c.want);
    for (const t of mentionTokens(c.content)) {
      const written = c.content.slice(t.start, t.end);
      assert.equal(written[0], '@', `token ${JSON.stringify(written)} starts with @`);
      assert.equal(written.slice(1).toLowerCase(), t.name, 'the token is the name as written');
    }
  });
}
