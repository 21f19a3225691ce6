// A Socket.IO session over Engine.IO long-polling driven by hand, request by
// request, so that a test can stop polling (as a client that went silent
// does) or send what socket.io-client never would.
import { DEFAULT_TIMEOUT_MS } from './client.mjs';

const SEP = '\x1e'; // Engine.IO v4 packet separator in a polling payload

/**
 * PollingSession is one Engine.IO session: open() handshakes, connect()
 * sends the Socket.IO CONNECT with a token, emit() sends an event, poll()
 * makes one GET and returns the Engine.IO packets it carried.
 */
export class PollingSession {
  constructor(url) {
    this.url = url;
    this.sid = null;
    this.nextAck = 0;
  }

  endpoint() {
    const q = new URLSearchParams({ EIO: '4', transport: 'polling', t: String(Date.now()) });
    if (this.sid) q.set('sid', this.sid);
    return `${this.url}/socket.io/?${q}`;
  }

  /** open performs the handshake and returns its OPEN packet's data. */
  async open() {
    const [first] = await this.poll();
    if (!first?.startsWith('0')) throw new Error(`no OPEN packet: ${first}`);
    const open = JSON.parse(first.slice(1));
    this.sid = open.sid;
    return open;
  }

  /** get makes one GET and returns {status, body}. */
  async get(timeoutMs = DEFAULT_TIMEOUT_MS) {
    const res = await fetch(this.endpoint(), { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  }

  /** poll makes one GET and returns its packets; it throws unless it is a 200. */
  async poll(timeoutMs) {
    const { status, body } = await this.get(timeoutMs);
    if (status !== 200) throw new Error(`poll answered ${status}: ${body.slice(0, 200)}`);
    return body.split(SEP);
  }

  /** post sends the packets (strings) in one POST and returns {status, body}. */
  async post(packets, headers = {}) {
    const res = await fetch(this.endpoint(), {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers },
      body: Array.isArray(packets) ? packets.join(SEP) : packets,
      signal: AbortSignal.timeout(DEFAULT_TIMEOUT_MS),
    });
    return { status: res.status, body: await res.text() };
  }

  /** connect sends CONNECT with the token and polls until the server accepts it. */
  async connect(token) {
    await this.post(`40${JSON.stringify({ token })}`);
    for (;;) {
      for (const p of await this.poll()) {
        if (p.startsWith('40')) return JSON.parse(p.slice(2));
        if (p.startsWith('44')) throw new Error(`connect_error: ${p.slice(2)}`);
      }
    }
  }

  /** emit sends an event with an ack id and polls until its ack arrives. */
  async emitAck(event, payload) {
    const id = this.nextAck++;
    await this.post(`42${id}${JSON.stringify([event, payload])}`);
    for (;;) {
      for (const p of await this.poll()) {
        if (p.startsWith(`43${id}[`)) return JSON.parse(p.slice(2 + String(id).length))[0];
      }
    }
  }
}
