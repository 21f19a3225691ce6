// An Engine.IO WebSocket connection driven frame by frame, so that a test
// can send what socket.io-client never would: binary attachments before
// CONNECT, oversized packets, bytes that are not UTF-8.
import WebSocket from 'ws';
import { DEFAULT_TIMEOUT_MS, withTimeout } from './client.mjs';

/** RawSocket is one Engine.IO v4 WebSocket connection. */
export class RawSocket {
  constructor(url) {
    this.ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
    this.frames = [];
    this.waiters = new Set();
    this.closed = new Promise((resolve) => this.ws.once('close', (code) => resolve(code)));
    this.ws.on('message', (data, isBinary) => {
      const text = isBinary ? null : data.toString();
      if (text === '2') this.ws.send('3'); // answer pings
      this.frames.push(text ?? data);
      for (const w of this.waiters) w();
    });
    this.ws.on('error', () => {});
  }

  /** open resolves once the connection is open and the Engine.IO OPEN packet arrived. */
  async open() {
    await this.next((f) => typeof f === 'string' && f.startsWith('0'));
    return this;
  }

  /** next resolves with the first frame (received already or later) for which predicate holds. */
  next(predicate, timeoutMs = DEFAULT_TIMEOUT_MS) {
    let check;
    const p = new Promise((resolve) => {
      check = () => {
        const f = this.frames.find(predicate);
        if (f !== undefined) resolve(f);
      };
      this.waiters.add(check);
      check();
    });
    return withTimeout(p, timeoutMs, 'a frame').finally(() => this.waiters.delete(check));
  }

  /** connect sends the Socket.IO CONNECT with a token and waits until it is accepted. */
  async connect(token) {
    this.send(`40${JSON.stringify({ token })}`);
    await this.next((f) => typeof f === 'string' && f.startsWith('40'));
    return this;
  }

  /** send sends a text frame (a string), or a binary one (a Buffer). */
  send(data, { binary } = {}) {
    this.ws.send(data, { binary: binary ?? typeof data !== 'string' });
  }

  /** isOpen reports whether the connection still stands. */
  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** waitClosed resolves with the close code once the server closes the connection. */
  waitClosed(timeoutMs = DEFAULT_TIMEOUT_MS) {
    return withTimeout(this.closed, timeoutMs, 'the connection to close');
  }

  close() {
    this.ws.terminate();
  }
}
