// Holds the implementation to its declarations: tsc (make test-client)
// fails when lib/*.js stops matching what index.d.ts promises. Never run.
import * as chat from '../lib/chat.js';
import * as errors from '../lib/errors.js';
import * as rest from '../lib/rest.js';

/** @type {typeof import('../index.js')} */
export const implementation = {
  Chat: chat.Chat,
  connect: chat.connect,
  ChatError: errors.ChatError,
  Rest: rest.Rest,
};
