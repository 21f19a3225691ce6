// The chat page: the sign-in card, or the chat once this tab has a session.

import { Api } from './api.js';
import { clearSession, loadSession, saveSession } from './session.js';
import { authView } from './ui/auth-view.js';
import { appView } from './ui/app-view.js';

const root = document.getElementById('root');
let app = null;

function showAuth(notice = '') {
  app?.stop();
  app = null;
  document.title = 'Sign in · Roomchat';
  root.replaceChildren(authView({ api: new Api(), notice, onSession: (s) => { saveSession(s); showApp(s); } }));
}

function showApp(session) {
  app = appView({
    session,
    onSignOut: (notice) => {
      clearSession();
      showAuth(notice);
    },
  });
  root.replaceChildren(app.el);
}

const session = loadSession();
if (session) showApp(session);
else showAuth();
