// Assertions on the shapes of the wire contract (PROTOCOL.md).
import assert from 'node:assert/strict';

const OBJECT_ID = /^[0-9a-f]{24}$/;
const WIRE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** isObjectId reports whether s is a 24-hex-character id. */
export function isObjectId(s) {
  return typeof s === 'string' && OBJECT_ID.test(s);
}

/** assertTime checks that s is an RFC 3339 UTC time with milliseconds. */
export function assertTime(s, what = 'time') {
  assert.equal(typeof s, 'string', `${what} must be a string, got ${JSON.stringify(s)}`);
  assert.match(s, WIRE_TIME, `${what} must look like 2026-11-25T12:00:00.123Z`);
  assert.ok(!Number.isNaN(Date.parse(s)), `${what} must be a valid date: ${s}`);
}

/** assertRecent checks that the wire time s lies within slackMs of now. */
export function assertRecent(s, slackMs = 60_000, what = 'time') {
  assertTime(s, what);
  assert.ok(Math.abs(Date.parse(s) - Date.now()) < slackMs, `${what} ${s} is not close to now`);
}

const MESSAGE_KEYS = ['attachments', 'content', 'createdAt', 'deletedAt', 'deletedBy', 'editedAt', 'id', 'mentions', 'pinnedAt',
  'reactions', 'replyTo', 'rev', 'roomId', 'senderId', 'senderName', 'seq'];

/**
 * assertMessage checks the full shape of a message and, when given, the
 * values of expected (fields compared with deepEqual).
 */
export function assertMessage(m, expected = {}) {
  assert.equal(typeof m, 'object', `message must be an object: ${JSON.stringify(m)}`);
  const keys = Object.keys(m).filter((k) => k !== 'tempId').sort();
  assert.deepEqual(keys, MESSAGE_KEYS, `message fields: ${JSON.stringify(m)}`);
  assert.ok(isObjectId(m.id), `message id ${m.id}`);
  assert.ok(isObjectId(m.roomId), `message roomId ${m.roomId}`);
  assert.ok(Number.isInteger(m.seq) && m.seq >= 1, `message seq ${m.seq}`);
  assert.equal(typeof m.senderId, 'string');
  assert.equal(typeof m.senderName, 'string');
  assert.equal(typeof m.content, 'string');
  assert.ok(Array.isArray(m.mentions), 'mentions must be an array');
  if ('tempId' in m) assert.equal(typeof m.tempId, 'string');
  assertTime(m.createdAt, 'message createdAt');
  for (const k of ['editedAt', 'deletedAt', 'pinnedAt']) if (m[k] !== null) assertTime(m[k], `message ${k}`);
  assert.ok(m.deletedBy === null || typeof m.deletedBy === 'string', `message deletedBy ${m.deletedBy}`);
  assert.ok(Number.isInteger(m.rev) && m.rev >= 0, `message rev ${m.rev}`);
  assert.ok(Array.isArray(m.reactions), 'reactions must be an array');
  for (const r of m.reactions) {
    assert.deepEqual(Object.keys(r).sort(), ['count', 'emoji', 'userIds'], `reaction ${JSON.stringify(r)}`);
    assert.ok(Number.isInteger(r.count) && r.count >= 1 && r.userIds.length <= Math.min(r.count, 100), `reaction ${JSON.stringify(r)}`);
  }
  assert.ok(Array.isArray(m.attachments), 'attachments must be an array');
  for (const a of m.attachments) assertAttachment(a);
  if (m.replyTo !== null) {
    assert.deepEqual(Object.keys(m.replyTo).sort(), ['deleted', 'excerpt', 'id', 'senderId', 'senderName', 'seq'], `replyTo ${JSON.stringify(m.replyTo)}`);
  }
  for (const [k, v] of Object.entries(expected)) assert.deepEqual(m[k], v, `message ${k}`);
}

const ATTACHMENT_KEYS = ['contentType', 'id', 'name', 'size', 'url'];
const IMAGE_KEYS = [...ATTACHMENT_KEYS, 'height', 'thumbnailUrl', 'width'].sort();

/** assertAttachment checks the shape of an attachment: an image's has its size and thumbnail. */
export function assertAttachment(a, expected = {}) {
  const image = 'width' in a;
  assert.deepEqual(Object.keys(a).sort(), image ? IMAGE_KEYS : ATTACHMENT_KEYS, `attachment fields: ${JSON.stringify(a)}`);
  assert.ok(isObjectId(a.id), `attachment id ${a.id}`);
  assert.ok(Number.isInteger(a.size) && a.size >= 0, `attachment size ${a.size}`);
  assert.match(a.url, new RegExp(`^/attachments/${a.id}/[^/?]+\\?`), `attachment url ${a.url}`);
  if (image) {
    assert.ok(Number.isInteger(a.width) && a.width > 0 && Number.isInteger(a.height) && a.height > 0, `image size ${a.width}x${a.height}`);
    assert.match(a.thumbnailUrl, new RegExp(`^/attachments/${a.id}/thumbnail\\?`), `thumbnail url ${a.thumbnailUrl}`);
  }
  for (const [k, v] of Object.entries(expected)) assert.deepEqual(a[k], v, `attachment ${k}`);
}

const ROOM_KEYS = ['admins', 'createdAt', 'id', 'lastMessageAt', 'lastRev', 'lastSeq', 'memberCount', 'members', 'name', 'ownerId', 'topic', 'type'];

/**
 * assertRoom checks the shape of a room (extra lists the additional keys that
 * GET /rooms adds) and the values of expected; members compare as sets.
 */
export function assertRoom(r, expected = {}, extra = []) {
  assert.equal(typeof r, 'object', `room must be an object: ${JSON.stringify(r)}`);
  assert.deepEqual(Object.keys(r).sort(), [...ROOM_KEYS, ...extra].sort(), `room fields: ${JSON.stringify(r)}`);
  assert.ok(isObjectId(r.id), `room id ${r.id}`);
  assert.ok(r.type === 'group' || r.type === 'dm', `room type ${r.type}`);
  assert.equal(typeof r.name, 'string');
  assert.ok(Array.isArray(r.members), 'members must be an array');
  assert.ok(Array.isArray(r.admins), 'admins must be an array');
  assert.equal(typeof r.topic, 'string');
  assert.equal(r.memberCount, r.members.length, 'memberCount');
  assertTime(r.createdAt, 'room createdAt');
  assert.ok(Number.isInteger(r.lastSeq) && r.lastSeq >= 0, `room lastSeq ${r.lastSeq}`);
  assert.ok(Number.isInteger(r.lastRev) && r.lastRev >= 0, `room lastRev ${r.lastRev}`);
  if (r.lastMessageAt !== null) assertTime(r.lastMessageAt, 'room lastMessageAt');
  for (const [k, v] of Object.entries(expected)) {
    if (k === 'members') assert.deepEqual([...r.members].sort(), [...v].sort(), 'room members');
    else assert.deepEqual(r[k], v, `room ${k}`);
  }
}

/** assertAckError checks that an ack is {ok: false, error: {code, message}} with the code. */
export function assertAckError(ack, code) {
  assert.equal(typeof ack, 'object', `ack must be an object: ${JSON.stringify(ack)}`);
  assert.equal(ack.ok, false, `expected a failed ack with ${code}, got ${JSON.stringify(ack)}`);
  assert.equal(ack.error?.code, code, `ack error code: ${JSON.stringify(ack)}`);
  assert.equal(typeof ack.error.message, 'string', 'ack error message');
  assert.ok(ack.error.message.length > 0, 'ack error message must not be empty');
}

/** assertAckOk checks that an ack is {ok: true, ...} and returns it. */
export function assertAckOk(ack) {
  assert.equal(ack?.ok, true, `expected a successful ack, got ${JSON.stringify(ack)}`);
  return ack;
}

/** STATUS maps each wire error code to its HTTP status. */
export const STATUS = {
  invalid_argument: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/** assertRestError checks a REST answer {status, body} for the code and its status. */
export function assertRestError(res, code) {
  const what = `${res.status} ${JSON.stringify(res.body)}`;
  assert.equal(res.status, STATUS[code], `expected ${STATUS[code]} ${code}, got ${what}`);
  assert.equal(typeof res.body, 'object', `error body must be JSON: ${what}`);
  assert.equal(res.body?.error?.code, code, `error code: ${what}`);
  assert.equal(typeof res.body.error.message, 'string', `error message: ${what}`);
}

/** assertStatus checks the status of a REST answer and returns its body. */
export function assertStatus(res, status) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
