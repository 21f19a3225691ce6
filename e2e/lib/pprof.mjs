// The server's own figures, read from its profiling listener
// (CHAT_PPROF_ADDR=127.0.0.1:0 makes it pick a port and print it).

/** pprofAddr returns the address the server printed for its profiling listener. */
export function pprofAddr(server) {
  const line = server.lines.find((l) => l.includes('pprof listening'));
  const m = line && /addr=(\S+)/.exec(line);
  if (!m) throw new Error('the server printed no pprof address: start it with CHAT_PPROF_ADDR');
  return m[1];
}

/** heapInuse returns the server's live heap in bytes, after a collection. */
export async function heapInuse(addr) {
  const res = await fetch(`http://${addr}/debug/pprof/heap?gc=1&debug=1`);
  const m = /# HeapInuse = (\d+)/.exec(await res.text());
  if (!m) throw new Error('the heap profile names no HeapInuse');
  return Number(m[1]);
}
