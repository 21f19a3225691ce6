// JSON Web Tokens made by hand with node:crypto, so that tests can present
// tokens the server never issued: expired, unsigned (alg "none"), signed with
// another key or algorithm, or for a user the server does not know yet.
import { createHmac } from 'node:crypto';

const HMAC = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

function b64url(data) {
  return Buffer.from(data).toString('base64url');
}

/** nowSeconds is the current time as a JWT NumericDate. */
export function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

/**
 * signToken returns a compact JWT of claims. alg is HS256, HS384, HS512 or
 * "none" (no signature); header adds fields to the JOSE header.
 */
export function signToken(claims, secret, { alg = 'HS256', header = {} } = {}) {
  const head = b64url(JSON.stringify({ alg, typ: 'JWT', ...header }));
  const body = b64url(JSON.stringify(claims));
  const input = `${head}.${body}`;
  if (alg === 'none') return `${input}.`;
  const hash = HMAC[alg];
  if (!hash) throw new Error(`signToken: unsupported alg ${alg}`);
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

/** decodeToken returns {header, claims} of a compact JWT without checking it. */
export function decodeToken(token) {
  const [head, body] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(head, 'base64url').toString('utf8')),
    claims: JSON.parse(Buffer.from(body, 'base64url').toString('utf8')),
  };
}
