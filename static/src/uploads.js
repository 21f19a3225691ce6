// Uploading a file to a room: one XMLHttpRequest per file, for its progress
// and so that it can be cancelled, with the session's token (renewed once if
// refused, like every other call).

import { ApiError } from './api.js';

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
      reject(new ApiError(e.code || 'internal', e.message || '', xhr.status, e.retryAfterMs || 0));
    };
    xhr.onerror = () => reject(new ApiError('network', ''));
    xhr.onabort = () => reject(new ApiError('aborted', ''));
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

/**
 * uploadFile sends file to room roomId's attachments and resolves with the
 * attachment; onProgress(fraction) follows the bytes sent; aborting signal
 * cancels it (an ApiError "aborted").
 */
export async function uploadFile(session, roomId, file, { onProgress, signal }) {
  const path = `/rooms/${encodeURIComponent(roomId)}/attachments`;
  try {
    return await post(path, file, await session.accessToken(), { onProgress, signal });
  } catch (err) {
    if (err.status !== 401) throw err;
  }
  await session.renew();
  return post(path, file, session.token, { onProgress, signal });
}

/** sizeText writes a byte count for people: "820 bytes", "14 KB", "3.2 MB". */
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

/** uploadWords says why an upload failed, in plain words. */
export function uploadWords(err) {
  if (err?.code === 'too_large') {
    const limit = /limit of (.+)$/.exec(err.message || '')?.[1];
    return limit ? `The file is too large: the limit is ${limit}.` : 'The file is too large for this service.';
  }
  if (err?.code === 'forbidden') return 'You cannot share files in this conversation: you are not a member of it.';
  if (err?.code === 'network') return 'The upload did not get through. Check your connection and try again.';
  return null;
}
