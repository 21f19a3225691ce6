// The lines a child process prints, for tests that wait for what a program
// says: the README's terminal blocks, the client's example bot.
import { withTimeout } from './client.mjs';

/**
 * watchLines collects the lines proc prints on stdout and stderr, in the
 * order they arrive. waitLine(re, timeoutMs) resolves with the first line
 * that matches re, already printed or yet to come, and rejects after
 * timeoutMs (15 s: a node process of its own has to start first) with
 * what was printed so far.
 */
export function watchLines(proc) {
  const lines = [];
  const waiters = new Set();
  let rest = '';
  const onData = (chunk) => {
    rest += chunk;
    const parts = rest.split('\n');
    rest = parts.pop();
    lines.push(...parts);
    for (const w of waiters) w();
  };
  proc.stdout.setEncoding('utf8').on('data', onData);
  proc.stderr.setEncoding('utf8').on('data', onData);
  return {
    lines,
    waitLine(re, timeoutMs = 15_000) {
      let check;
      const p = new Promise((resolve) => {
        check = () => {
          const line = lines.find((l) => re.test(l));
          if (line !== undefined) resolve(line);
        };
        waiters.add(check);
        check();
      });
      return withTimeout(p, timeoutMs, `a line matching ${re} (output so far: ${JSON.stringify(lines)})`).finally(() => waiters.delete(check));
    },
  };
}
