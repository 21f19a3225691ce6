// The signed-in page: conversations on the left, the open one on the right
// (one at a time on a narrow screen). The open room is in the address,
// /r/<roomId>, so reload, back and forward, and shared links work.

import { h, announce, ICONS } from '../dom.js';
import { Chat } from '../chat.js';
import { Store } from '../store.js';
import { inviteOfPath, pathOfRoom, roomOfPath } from '../routes.js';
import { notifyMention, setTitleCount } from '../notify.js';
import { avatar, button, logo, presenceOf } from './parts.js';
import { roomList } from './room-list.js';
import { inviteView } from './invite-view.js';
import { Conversation, emptyState } from './conversation.js';
import { newDMDialog, newRoomDialog } from './dialogs.js';
import { connectionBar } from './connection-bar.js';
import { notifyHint } from './notify-hint.js';
import { searchDialog } from './search.js';

const WIDE = '(min-width: 760px)';

/** appView mounts the signed-in page; the result's stop() tears it down. */
export function appView({ session }) {
  const me = session.user;
  const store = new Store(me);
  const chat = new Chat({ store, session, onMention });
  const main = h('section', { class: 'main', attrs: { 'aria-label': 'Conversation' } });
  let conversation = null;
  /** @type {string | {heading: string, text: string}} */
  let notice = '';
  // An invite link's code, while its address is open: the page asks whether to join.
  let invite = inviteOfPath(location.pathname);
  let starting = true;

  /** open shows a room (null: the list) and puts it in the address. */
  function open(id, { push = true } = {}) {
    if (push && id !== roomOfPath(location.pathname)) history.pushState({ room: id, inApp: true }, '', pathOfRoom(id));
    invite = null;
    notice = '';
    return chat.open(id);
  }

  /** goToMessage opens message m's room at m, in context. */
  async function goToMessage(m) {
    await open(m.roomId);
    if (conversation?.room.id === m.roomId) await conversation.jumpTo(m.id, m.seq);
  }

  let searching = null;
  function openSearch() {
    if (searching) return searching.querySelector('input')?.focus();
    const back = /** @type {HTMLElement | null} */ (document.activeElement);
    searching = searchDialog({ store, chat, roomId: store.activeId, onGo: goToMessage });
    searching.addEventListener('close', () => {
      searching = null;
      if (back?.isConnected && document.activeElement === document.body) back.focus({ preventScroll: true });
    });
  }

  /** onKeys opens the search on "/" (outside a text field) and on Ctrl-K or Cmd-K. */
  function onKeys(e) {
    const inField = e.target.closest?.('input, textarea, select, [contenteditable="true"]');
    const combo = (e.ctrlKey || e.metaKey) && !e.altKey && String(e.key).toLowerCase() === 'k';
    const slash = e.key === '/' && !inField && !e.ctrlKey && !e.metaKey && !e.altKey;
    // Another dialog keeps the keys; the search's own brings its box back into focus.
    if ((!combo && !slash) || (document.querySelector('dialog[open]') && !searching)) return;
    e.preventDefault();
    openSearch();
  }

  /** openFromAddress shows the room the address names, once the rooms are known. */
  function openFromAddress() {
    invite = inviteOfPath(location.pathname);
    const id = roomOfPath(location.pathname);
    notice = id && !store.rooms.has(id) ? 'It does not exist, or you are not a member of it.' : '';
    chat.open(notice ? null : id);
  }

  function back() {
    if (history.state?.inApp) history.back();
    else {
      history.replaceState({ room: null }, '', '/');
      chat.open(null);
    }
  }

  function onMention(room, ev) {
    const title = store.roomTitle(room);
    announce(`${ev.fromUsername} mentioned you in ${title}`);
    if (document.visibilityState === 'visible' && store.activeId === room.id) return;
    notifyMention({ title: `${ev.fromUsername} mentioned you in ${room.type === 'dm' ? 'a direct message' : title}`,
      body: ev.content || '', tag: ev.messageId, onClick: () => open(room.id) });
  }

  const meAvatar = h('span', { class: 'me-avatar' });
  const meStatus = h('span', { class: 'sr-only' });
  const renderMe = () => {
    const presence = presenceOf(store, me.id);
    meAvatar.replaceChildren(avatar(me.id, me.displayName || me.username, { presence }));
    meStatus.textContent = presence === 'online' ? ', online' : ', connecting';
  };
  const sidebar = h('div', { class: 'sidebar' },
    h('div', { class: 'side-head' }, h('div', { class: 'brand' }, logo(), h('span', { text: 'Roomchat' })),
      button('Search messages', { kind: 'ghost', iconPaths: ICONS.search, hideLabel: true, attrs: { 'aria-haspopup': 'dialog', 'aria-keyshortcuts': '/ Control+K Meta+K' }, onClick: openSearch })),
    h('div', { class: 'side-actions' },
      button('New room', { kind: 'primary', iconPaths: ICONS.plus, onClick: () => newRoomDialog({ chat, store, onDone: open }) }),
      button('New message', { kind: 'secondary', iconPaths: ICONS.chat, onClick: () => newDMDialog({ chat, store, onDone: open }) })),
    notifyHint(),
    roomList({ store, onOpen: open }),
    h('footer', { class: 'me' },
      meAvatar,
      h('div', { class: 'me-names' }, h('span', { class: 'me-name', text: me.displayName || me.username }),
        h('span', { class: 'me-user' }, `@${me.username}`, meStatus)),
      button('Sign out', { kind: 'ghost', iconPaths: ICONS.logout, hideLabel: true, onClick: () => session.signOut() })));

  // The whole signed-in page is the main landmark: on a phone the list and
  // the conversation take turns being all there is.
  const root = h('main', { class: 'app', dataset: { view: 'list' } },
    h('h1', { class: 'sr-only', text: 'Roomchat' }), connectionBar(store), sidebar, main);

  function mount() {
    conversation?.destroy();
    if (invite && !store.activeRoom()) {
      mountInvite();
      return;
    }
    const room = store.activeRoom();
    const waiting = starting && roomOfPath(location.pathname);
    root.dataset.view = room || notice || waiting ? 'room' : 'list';
    conversation = room ? new Conversation({ store, chat, room, onBack: back, onSearch: openSearch }) : null;
    main.replaceChildren(conversation ? conversation.el
      : waiting ? h('p', { class: 'history-note loading', attrs: { role: 'status' }, text: 'Loading…' }) : emptyState(notice));
    conversation?.shown();
    if (conversation && window.matchMedia(WIDE).matches) conversation.focus();
    updateTitle();
  }

  /** mountInvite asks whether to join the room of the invite link in the address. */
  function mountInvite() {
    conversation = null;
    root.dataset.view = 'room';
    const asked = inviteView({ chat, code: invite, onJoined: joined, onDismiss: dismissInvite });
    main.replaceChildren(asked.el);
    asked.focus();
    updateTitle();
  }

  /** joined opens the room joined by the invite of the address, in its place. */
  function joined(id) {
    invite = null;
    history.replaceState({ room: id }, '', pathOfRoom(id));
    chat.open(id);
  }

  function dismissInvite() {
    invite = null;
    history.replaceState({ room: null }, '', '/');
    mount();
  }

  /** roomGone says why the open room went away, in its place. */
  function roomGone({ title, deleted, open: wasOpen }) {
    const said = deleted ? `${title} was deleted.` : `You are no longer a member of ${title}.`;
    announce(said);
    if (!wasOpen) return;
    history.replaceState({ room: null }, '', '/');
    notice = { heading: deleted ? 'This room was deleted' : 'You are no longer in this room',
      text: deleted ? `${title} and its messages were deleted by its owner.` : `You were removed from ${title}, or left it on another device.` };
  }

  function updateTitle() {
    const room = store.activeRoom();
    setTitleCount(store.totalUnread(), room ? store.roomTitle(room) : '');
  }

  const onPop = () => openFromAddress();
  window.addEventListener('popstate', onPop);
  document.addEventListener('keydown', onKeys);
  store.on('active', () => {
    // A room left or removed while open: the address goes back to the list.
    if (!store.activeId && !notice && roomOfPath(location.pathname)) history.replaceState({ room: null }, '', '/');
    mount();
  });
  store.on('rooms', updateTitle);
  store.on('room-gone', roomGone);
  store.on('connection', renderMe);
  renderMe();
  history.replaceState({ room: roomOfPath(location.pathname) }, '', location.pathname);
  mount();
  chat.start().then(() => {
    starting = false;
    openFromAddress();
  });

  return {
    el: root,
    stop() {
      window.removeEventListener('popstate', onPop);
      document.removeEventListener('keydown', onKeys);
      searching?.close();
      conversation?.destroy();
      chat.stop();
    },
  };
}
