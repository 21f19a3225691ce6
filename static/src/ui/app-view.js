// The signed-in page: conversations on the left, the open one on the right
// (one at a time on a narrow screen).

import { h, announce, ICONS } from '../dom.js';
import { Api } from '../api.js';
import { Chat } from '../chat.js';
import { Store } from '../store.js';
import { lastRoom, rememberRoom } from '../session.js';
import { askNotifications, notificationsUndecided, notifyMention, setTitleCount } from '../notify.js';
import { avatar, button, logo } from './parts.js';
import { roomList } from './room-list.js';
import { Conversation, emptyState } from './conversation.js';
import { newDMDialog, newRoomDialog } from './dialogs.js';

function notifyHint() {
  if (!notificationsUndecided()) return null;
  const hint = h('div', { class: 'notify-hint' },
    h('p', { text: 'Get a notification when someone mentions you.' }),
    button('Turn on', { kind: 'secondary', onClick: async () => { await askNotifications(); hint.remove(); } }));
  return hint;
}

function connectionBanner(store) {
  const el = h('div', { class: 'conn-banner', hidden: true, attrs: { role: 'status' } });
  let timer = 0;
  store.on('connection', (state) => {
    clearTimeout(timer);
    if (state === 'online') {
      if (!el.hidden) {
        el.textContent = 'Connected';
        el.className = 'conn-banner ok';
        timer = setTimeout(() => { el.hidden = true; }, 1500);
      }
      return;
    }
    timer = setTimeout(() => {
      el.textContent = 'Connection lost. Reconnecting…';
      el.className = 'conn-banner';
      el.hidden = false;
    }, 800);
  });
  return el;
}

/** appView mounts the signed-in page; the result's stop() tears it down. */
export function appView({ session, onSignOut }) {
  const store = new Store(session.user);
  const reopen = lastRoom();
  let conversation = null;
  const api = new Api({ token: session.token, onUnauthorized: () => signOut('Your session has ended. Please sign in again.') });
  const chat = new Chat({ api, store, token: session.token, onSignedOut: (notice) => signOut(notice), onMention });
  const main = h('div', { class: 'main' });
  const me = session.user;

  let stopped = false;
  function signOut(notice) {
    if (!stopped) onSignOut(notice);
  }

  function open(id, { push = true } = {}) {
    if (push && id && id !== store.activeId) history.pushState({ room: id }, '');
    chat.open(id);
  }

  function onMention(room, ev) {
    const title = store.roomTitle(room);
    announce(`${ev.fromUsername} mentioned you in ${title}`);
    if (document.visibilityState === 'visible' && store.activeId === room.id) return;
    notifyMention({ title: `${ev.fromUsername} mentioned you in ${room.type === 'dm' ? 'a direct message' : title}`,
      body: ev.content || '', tag: ev.messageId, onClick: () => open(room.id) });
  }

  const sidebar = h('aside', { class: 'sidebar' },
    h('header', { class: 'side-head' }, h('div', { class: 'brand' }, logo(), h('span', { text: 'Roomchat' }))),
    h('div', { class: 'side-actions' },
      button('New room', { kind: 'primary', iconPaths: ICONS.plus, onClick: () => newRoomDialog({ chat, store, onDone: open }) }),
      button('New message', { kind: 'secondary', iconPaths: ICONS.chat, onClick: () => newDMDialog({ chat, store, onDone: open }) })),
    notifyHint(),
    roomList({ store, onOpen: open }),
    h('footer', { class: 'me' },
      avatar(me.id, me.displayName || me.username, { online: true }),
      h('div', { class: 'me-names' }, h('span', { class: 'me-name', text: me.displayName || me.username }), h('span', { class: 'me-user', text: `@${me.username}` })),
      button('Log out', { kind: 'ghost', iconPaths: ICONS.logout, hideLabel: true, onClick: () => signOut('') })));

  const root = h('div', { class: 'app', dataset: { view: 'list' } }, sidebar, main, connectionBanner(store));

  function mount() {
    conversation?.destroy();
    const room = store.activeRoom();
    root.dataset.view = room ? 'room' : 'list';
    conversation = room ? new Conversation({ store, chat, room, onBack: () => history.back() }) : null;
    main.replaceChildren(conversation ? conversation.el : emptyState());
    if (conversation && window.matchMedia('(min-width: 760px)').matches) conversation.focus();
    updateTitle();
  }

  function updateTitle() {
    const room = store.activeRoom();
    setTitleCount(store.totalUnread(), room ? store.roomTitle(room) : '');
  }

  const onPop = (e) => chat.open(e.state?.room || null);
  window.addEventListener('popstate', onPop);
  store.on('active', () => {
    rememberRoom(store.activeId);
    mount();
  });
  store.on('rooms', updateTitle);
  mount();
  history.replaceState({ room: null }, '');
  chat.start().then(() => {
    if (reopen && store.rooms.has(reopen)) open(reopen);
  });

  return {
    el: root,
    stop() {
      stopped = true;
      window.removeEventListener('popstate', onPop);
      conversation?.destroy();
      chat.stop();
    },
  };
}
