// Uploading a file to a room. fetch() cannot follow the bytes of a request
// as they are sent, so this one call is an XMLHttpRequest rather than the
// client's Rest.upload: for its progress, and so that it can be
// cancelled. It goes with the session's token (renewed once if refused,
// like every other call), and fails with the client's ChatError.

import { ChatError } from './api.js';

/** @import { Attachment, ErrorCode } from '../client/index.js' */
/** @import { Session } from './session.js' */

/**
 * @typedef {object} UploadOptions
 * @property {(fraction: number) => void} [onProgress] follows the bytes sent
 * @property {AbortSignal} signal cancels the upload
 */

/**
 * isCancelled reports whether err is the end of an upload that was cancelled.
 * @param {unknown} err
 */
export function isCancelled(err) {
  return err instanceof DOMException && err.name === 'AbortError';
}

/**
 * @param {string} path @param {File} file @param {string} token @param {UploadOptions} options
 * @returns {Promise<Attachment>}
 */
function post(path, file, token, { onProgress, signal }) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const form = new FormData();
    form.append('file', file, file.name || 'file');
    xhr.open('POST', path);
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress?.(e.loaded / e.total); };
    xhr.onload = () => {
      if (xhr.status === 201) return resolve(xhr.response);
      const e = xhr.response?.error || {};
      const retryAfterMs = typeof e.retryAfterMs === 'number' ? e.retryAfterMs : undefined;
      reject(new ChatError(/** @type {ErrorCode} */ (e.code || 'internal'), e.message || '', { status: xhr.status, retryAfterMs }));
    };
    xhr.onerror = () => reject(new ChatError('network', 'the upload did not get through'));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

/**
 * uploadFile sends file to room roomId's attachments and resolves with the
 * attachment; onProgress(fraction) follows the bytes sent; aborting signal
 * cancels it (an AbortError: see isCancelled).
 * @param {Session} session @param {string} roomId @param {File} file @param {UploadOptions} options
 */
export async function uploadFile(session, roomId, file, { onProgress, signal }) {
  const path = `/rooms/${encodeURIComponent(roomId)}/attachments`;
  try {
    return await post(path, file, await session.accessToken(), { onProgress, signal });
  } catch (err) {
    if (!(err instanceof ChatError) || err.status !== 401) throw err;
  }
  await session.renew();
  return post(path, file, session.token, { onProgress, signal });
}

/**
 * sizeText writes a byte count for people: "820 bytes", "14 KB", "3.2 MB".
 * @param {number} n
 */
export function sizeText(n) {
  if (n < 1000) return `${n} ${n === 1 ? 'byte' : 'bytes'}`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/**
 * uploadWords says why an upload failed, in plain words.
 * @param {unknown} err
 */
export function uploadWords(err) {
  if (!(err instanceof ChatError)) return null;
  if (err?.code === 'too_large') {
    const limit = /limit of (.+)$/.exec(err.message || '')?.[1];
    return limit ? `The file is too large: the limit is ${limit}.` : 'The file is too large for this service.';
  }
  if (err?.code === 'forbidden') return 'You cannot share files in this conversation: you are not a member of it.';
  if (err?.code === 'network') return 'The upload did not get through. Check your connection and try again.';
  return null;
}
