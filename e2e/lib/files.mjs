// Files for the attachment tests: images made on the spot, fixtures, an
// upload over REST and a fetch of a file's bytes.
import { deflateSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { DEFAULT_TIMEOUT_MS } from './client.mjs';
import { readAnswer } from './openapi.mjs';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** makePNG returns a width×height RGB PNG of a gradient. */
export function makePNG(width, height) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB
  const raw = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 3);
    for (let x = 0; x < width; x++) raw.set([x & 255, y & 255, 128], row + 1 + x * 3);
  }
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** imageSize reads the width and height of a PNG or JPEG. */
export function imageSize(buf) {
  if (buf.subarray(1, 4).toString('latin1') === 'PNG') return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
  if (buf[0] === 0xff && buf[1] === 0xd8) {
    for (let i = 2; i + 9 < buf.length; ) {
      const marker = buf[i + 1];
      const len = buf.readUInt16BE(i + 2);
      if (marker >= 0xc0 && marker <= 0xc3) return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
      i += 2 + len;
    }
  }
  throw new Error(`not a PNG or JPEG: ${buf.subarray(0, 8).toString('hex')}`);
}

/** fixture returns the bytes of a file of e2e/fixtures. */
export function fixture(name) {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
}

/** GIF_30x20 is a 30×20 two-colour GIF. */
export const GIF_30x20 = Buffer.from('R0lGODlhHgAUAIAAAP///wAAACwAAAAAHgAUAAACF4SPqcvtD6OctNqLs968+w+G4kiWZlIAADs=', 'base64');
/** WEBP_1x1 is a 1×1 lossless WebP. */
export const WEBP_1x1 = Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64');
/** PDF is a one-page PDF. */
export const PDF = Buffer.from('%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n');

/**
 * upload posts bytes as the multipart field "file" named name (type is the
 * type the client claims) to the room's attachments on the server at
 * baseURL with token, and resolves with {status, body}.
 */
export async function upload(baseURL, token, roomId, bytes, name, type = 'application/octet-stream', { field = 'file', timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  const form = new FormData();
  form.append(field, new Blob([bytes], { type }), name);
  const path = `/rooms/${roomId}/attachments`;
  const res = await fetch(baseURL + path, {
    method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form, signal: AbortSignal.timeout(timeoutMs),
  });
  const { status, body } = await readAnswer('POST', path, res);
  return { status, body };
}

/**
 * fetchFile fetches a file's path (a signed url, or any path with headers)
 * and resolves with {status, headers, bytes, body}; body is the parsed
 * JSON of an error answer, else the text of the bytes. Every answer is checked against the
 * OpenAPI document, as api()'s are.
 */
export async function fetchFile(baseURL, path, headers = {}) {
  const res = await fetch(baseURL + path, { headers, signal: AbortSignal.timeout(DEFAULT_TIMEOUT_MS) });
  const { status, headers: got, bytes, body } = await readAnswer('GET', path, res);
  return { status, headers: got, bytes, body };
}
