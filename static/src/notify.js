// Browser notifications for mentions, when the user allowed them, and the
// unread count in the tab title.

const TITLE = 'Roomchat';

/** notificationsAvailable reports whether asking makes sense. */
export function notificationsAvailable() {
  return 'Notification' in window && window.isSecureContext;
}

export function notificationsAllowed() {
  return notificationsAvailable() && Notification.permission === 'granted';
}

export function notificationsUndecided() {
  return notificationsAvailable() && Notification.permission === 'default';
}

export async function askNotifications() {
  if (!notificationsAvailable()) return 'denied';
  return Notification.requestPermission();
}

/** notifyMention shows a system notification; onClick opens the room. */
export function notifyMention({ title, body, tag, onClick }) {
  if (!notificationsAllowed()) return;
  try {
    const n = new Notification(title, { body: body.length > 140 ? `${body.slice(0, 139)}…` : body, tag, silent: false });
    n.onclick = () => {
      window.focus();
      onClick();
      n.close();
    };
  } catch {
    /* some platforms only allow notifications from a service worker */
  }
}

/** setTitleCount shows the unread count in the tab title. */
export function setTitleCount(n, room) {
  const base = room ? `${room} · ${TITLE}` : TITLE;
  document.title = n > 0 ? `(${n > 99 ? '99+' : n}) ${base}` : base;
}
