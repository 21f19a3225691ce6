// The files of a message: images as thumbnails that take their final size
// before they load (from the attachment's width and height), opening in a
// lightbox; other files as a chip with the name, the size and a download
// link. Links are signed and expire: the history re-reads a message whose
// image stops loading (see MessageList).

import { h, icon, ICONS } from '../dom.js';
import { sizeText } from '../uploads.js';

/** THUMB is the box a thumbnail fits in, as the service's thumbnails do. */
const THUMB = 320;

/** fit scales width×height down to fit a box of max×max, keeping the aspect. */
export function fit(width, height, max = THUMB) {
  const scale = Math.min(1, max / width, max / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

function isImage(a) {
  return !!(a.thumbnailUrl && a.width && a.height);
}

function imageEl(a) {
  const size = fit(a.width, a.height);
  const img = h('img', { src: a.thumbnailUrl, alt: a.name, decoding: 'async', loading: 'lazy',
    attrs: { width: size.width, height: size.height } });
  img.style.aspectRatio = `${size.width} / ${size.height}`;
  return h('button', { type: 'button', class: 'att-image', dataset: { action: 'view', att: a.id },
    attrs: { 'aria-label': `Open image ${a.name}`, 'aria-haspopup': 'dialog', title: a.name } }, img);
}

function chipEl(a) {
  return h('a', { class: 'att-file', href: a.url, attrs: { download: a.name, title: `Download ${a.name}` } },
    h('span', { class: 'att-file-icon' }, icon(ICONS.file, { size: 18 })),
    h('span', { class: 'att-file-text' },
      h('span', { class: 'att-file-name', text: a.name }),
      h('span', { class: 'att-file-size', text: sizeText(a.size) })),
    icon(ICONS.download, { size: 16 }),
    h('span', { class: 'sr-only', text: ', download' }));
}

/** attachmentsEl shows the files of message m, or is null when it has none. */
export function attachmentsEl(m) {
  const list = m.deletedAt ? [] : m.attachments || [];
  if (!list.length) return null;
  const images = list.filter(isImage);
  const files = list.filter((a) => !isImage(a));
  return h('div', { class: 'attachments' },
    images.length ? h('div', { class: 'att-images' }, images.map(imageEl)) : null,
    files.map(chipEl));
}

/**
 * lightbox shows attachment a of a message at full size in a modal dialog;
 * Esc or the close button closes it, and the focus goes to back() then.
 */
export function lightbox(a, back) {
  const title = h('h2', { class: 'lightbox-name', id: `lb-${a.id}`, text: a.name });
  const size = fit(a.width, a.height, 4096);
  const img = h('img', { class: 'lightbox-img', src: a.url, alt: a.name, attrs: { width: size.width, height: size.height } });
  img.style.aspectRatio = `${size.width} / ${size.height}`;
  const note = h('p', { class: 'lightbox-note', attrs: { role: 'status' } });
  img.addEventListener('error', () => { note.textContent = 'The image could not be loaded.'; }, { once: true });
  const dlg = h('dialog', { class: 'lightbox', attrs: { 'aria-labelledby': title.id } },
    h('div', { class: 'lightbox-bar' }, title,
      h('span', { class: 'lightbox-size', text: `${a.width} × ${a.height} · ${sizeText(a.size)}` }),
      h('a', { class: 'btn btn-ghost btn-icon', href: a.url, attrs: { download: a.name, 'aria-label': `Download ${a.name}`, title: 'Download' } }, icon(ICONS.download)),
      h('button', { type: 'button', class: 'btn btn-ghost btn-icon lightbox-close', attrs: { 'aria-label': 'Close', title: 'Close (Esc)' }, on: { click: () => dlg.close() } }, icon(ICONS.close))),
    h('div', { class: 'lightbox-stage', on: { click: (e) => { if (e.target === e.currentTarget) dlg.close(); } } }, img),
    note);
  dlg.addEventListener('close', () => {
    dlg.remove();
    back()?.focus({ preventScroll: true });
  });
  document.body.append(dlg);
  dlg.showModal();
  dlg.querySelector('.lightbox-close').focus();
  return dlg;
}
