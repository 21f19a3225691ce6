// The frame of every end-to-end test file: a server per describe block, and
// tests that close their sockets, cannot hang, and show the servers' logs
// when they fail.
import { it, before, after } from 'node:test';
import { startServer, serversSince, dumpLogs } from './server.mjs';
import { closeAllSockets } from './client.mjs';

/** TEST_TIMEOUT_MS bounds each test. */
export const TEST_TIMEOUT_MS = 60_000;

/**
 * useServer starts a server (startServer options) before the tests of the
 * enclosing describe block and stops it after them. The returned object's
 * url and server are set once it runs.
 */
export function useServer(options = {}) {
  const fixture = {
    server: null,
    get url() {
      return this.server.url;
    },
  };
  before(async () => {
    fixture.server = await startServer(options);
  });
  after(async () => {
    closeAllSockets();
    if (!fixture.server) return;
    const exit = await fixture.server.stop();
    if (exit?.code !== 0) {
      dumpLogs([fixture.server]);
      throw new Error(`${fixture.server.name} did not exit cleanly on SIGTERM: ${JSON.stringify(exit)}`);
    }
  });
  return fixture;
}

/**
 * test declares a test (node:test `it`) that closes every socket it opened
 * when it ends and prints the logs of the servers it used when it fails.
 */
export function test(name, fn, options = {}) {
  return it(name, { timeout: TEST_TIMEOUT_MS, ...options }, async (t) => {
    const started = Date.now();
    try {
      await fn(t);
    } catch (err) {
      dumpLogs(serversSince(started));
      throw err;
    } finally {
      closeAllSockets();
    }
  });
}
