// Figures the tests and benchmarks print (never assert): medians and the
// round trip of an event while something else loads the server.
import { emitAck, sleep } from './client.mjs';

/** median returns the middle value of xs. */
export const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN);

/**
 * eventRoundTrips measures n acknowledged events on socket, pauseMs apart,
 * in milliseconds: mark_read of a message that does not exist, which the
 * server answers after one membership check and stores nothing for.
 */
export async function eventRoundTrips(socket, roomId, n, pauseMs = 0) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await emitAck(socket, 'mark_read', { roomId, messageId: 'ffffffffffffffffffffffff' });
    out.push(performance.now() - started);
    if (pauseMs) await sleep(pauseMs);
  }
  return out;
}
