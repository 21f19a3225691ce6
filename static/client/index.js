// @roomchat/client: a typed client of the chat service on socket.io-client.
// The types are in index.d.ts.
export { Chat, connect } from './lib/chat.js';
export { ChatError } from './lib/errors.js';
export { Rest } from './lib/rest.js';
