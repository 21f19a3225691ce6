// ChatError: one error type for failed acks, REST error answers, timeouts
// and a service out of reach.

/** @import { ErrorCode, ChatErrorDetails } from '../index.js' */

/** ChatError is a failed call; `code` is the service's error code, or `timeout` or `network`. */
export class ChatError extends Error {
  /**
   * @param {ErrorCode} code
   * @param {string} [message]
   * @param {ChatErrorDetails} [details]
   */
  constructor(code, message, details = {}) {
    super(message || code, details.cause === undefined ? undefined : { cause: details.cause });
    /** @type {'ChatError'} */
    this.name = 'ChatError';
    /** @type {ErrorCode} */
    this.code = code;
    /** @type {number | undefined} */
    this.retryAfterMs = details.retryAfterMs;
    /** @type {number | undefined} */
    this.status = details.status;
    /** @type {string | undefined} */
    this.event = details.event;
  }
}

// The code of a REST answer whose body says none (a proxy's page, say).
/** @type {Record<number, ErrorCode>} */
const STATUS_CODES = {
  400: 'invalid_argument',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'too_large',
  429: 'rate_limited',
  502: 'unavailable',
  503: 'unavailable',
  504: 'unavailable',
};

/**
 * errorFromBody makes the ChatError of an error body, an ack's `error` or
 * a REST answer's, as it came over the network: a body without a code
 * takes the code of the HTTP status, else `internal`.
 * @param {unknown} body
 * @param {ChatErrorDetails} details
 * @returns {ChatError}
 */
export function errorFromBody(body, details) {
  const b = /** @type {{code?: unknown, message?: unknown, retryAfterMs?: unknown} | null | undefined} */ (body);
  const fallback = (details.status && STATUS_CODES[details.status]) || 'internal';
  const code = typeof b?.code === 'string' && b.code ? /** @type {ErrorCode} */ (b.code) : fallback;
  const message = typeof b?.message === 'string' ? b.message : '';
  const retryAfterMs = typeof b?.retryAfterMs === 'number' ? b.retryAfterMs : details.retryAfterMs;
  return new ChatError(code, message, { ...details, retryAfterMs });
}
