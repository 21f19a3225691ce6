// The chat page: the sign-in card, or the chat while this browser is signed
// in. A new tab or a browser started again picks up the session by itself.

import { h } from './dom.js';
import { forgetDrafts } from './drafts.js';
import { Session } from './session.js';
import { authView } from './ui/auth-view.js';
import { appView } from './ui/app-view.js';

const RETRY_MS = 2000;
const root = document.getElementById('root');
const session = new Session();
let app = null;

function showAuth(notice = '') {
  app?.stop();
  app = null;
  document.title = 'Sign in · Roomchat';
  root.replaceChildren(authView({ session, notice, onSignedIn: showApp }));
}

function showApp() {
  app?.stop();
  app = appView({ session });
  root.replaceChildren(app.el);
}

function splash(text) {
  root.replaceChildren(h('main', { class: 'auth' }, h('h1', { class: 'splash', attrs: { role: 'status' }, text })));
}

session.on('ended', (notice, user, signedOut) => {
  if (signedOut) forgetDrafts(user.id);
  showAuth(notice);
});
session.on('signed-in', () => {
  if (!app) session.resume().then((ok) => ok && showApp()).catch(() => {});
});

async function start() {
  for (;;) {
    try {
      if (await session.resume()) showApp();
      else showAuth();
      return;
    } catch {
      splash('Cannot reach Roomchat. Trying again…');
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
}

splash('Loading…');
start();
