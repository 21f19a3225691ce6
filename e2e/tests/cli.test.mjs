// The command lines a newcomer meets first: `make help` and the binary's
// --help and --version.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from '../lib/harness.mjs';
import { binPath } from '../lib/server.mjs';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('make help', () => {
  test('lists every target of the Makefile with the text of its ## comment', async () => {
    const makefile = readFileSync(`${ROOT}/Makefile`, 'utf8');
    const phony = /^\.PHONY:(.*)$/m.exec(makefile)[1].trim().split(/\s+/);
    // Every phony target is a rule, with its "## name: text" comment right
    // above it (or above the comment lines of its recipe's variables).
    for (const target of phony) {
      const rule = new RegExp(`^## ${target}: (.+)\\n(?:##.*\\n)*(?:#.*\\n)*${target}:`, 'm');
      assert.match(makefile, rule, `the rule ${target} has a "## ${target}: ..." comment right above it`);
    }
    const { stdout } = await run('make', ['-s', '--no-print-directory', 'help'], { cwd: ROOT, timeout: 10_000 });
    const listed = new Map();
    for (const line of stdout.split('\n')) {
      const m = /^ {2}([a-z0-9-]+) +(\S.*)$/.exec(line);
      if (m) listed.set(m[1], m[2]);
    }
    assert.deepEqual([...listed.keys()].sort(), [...phony].sort(), 'make help lists exactly the phony targets');
    for (const [target, text] of listed) {
      const comment = new RegExp(`^## ${target}: (.+)$`, 'm').exec(makefile)[1];
      assert.equal(text, comment, `make help shows the comment of ${target}`);
    }
  });
});

describe('chatd --help and --version', () => {
  test('--help starts with what chatd is and an example, then lists the flags', async () => {
    const { stdout, stderr } = await run(binPath(), ['--help'], { timeout: 10_000 });
    const lines = (stdout + stderr).split('\n');
    assert.match(lines[0], /^chatd is a .*chat server/);
    assert.match(lines[1], /^Example: chatd --addr \S+/);
    for (const flag of ['addr', 'mongo-uri', 'redis-url', 'data-dir', 'version']) {
      assert.ok(lines.some((l) => l.startsWith(`  -${flag}`)), `--help lists -${flag}`);
    }
  });

  test('--version names the build: the version, the commit it was built from when known, Go and the platform', async () => {
    const { stdout } = await run(binPath(), ['--version'], { timeout: 10_000 });
    assert.match(stdout, /^chatd (v\S+|\(devel\)|\(unknown\))( \(revision [0-9a-f]{40}[^)]*\))?, go\d\S* \w+\/\w+\n$/);
  });
});
