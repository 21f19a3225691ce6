// The types of @roomchat/client: every payload of the chat service's wire
// contract (the README's "Wire contract (API reference)"), the events both
// ways as Socket.IO's typed sockets take them, and the client's own API.
// lib/*.js implement it; test/conformance.js makes tsc hold them to it.

import type { ManagerOptions, Socket, SocketOptions } from 'socket.io-client';

// ---------------------------------------------------------------- basics

/** An RFC 3339 UTC time with milliseconds, such as "2026-11-25T12:00:00.123Z". */
export type Time = string;

/** The error codes the service answers with. */
export type WireErrorCode =
  | 'invalid_argument'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'rate_limited'
  | 'unavailable'
  | 'internal'
  /** Only as the `error` event of a connected socket whose token is about to expire. */
  | 'token_expired';

/**
 * The codes a ChatError can have: the service's, `timeout` when no answer
 * came within the call's timeout, and `network` when the service could not
 * be reached at all.
 */
export type ErrorCode = WireErrorCode | 'timeout' | 'network';

/** What a failed call says: `{code, message}`, and `retryAfterMs` with `rate_limited`. */
export interface ErrorBody {
  code: WireErrorCode;
  message: string;
  retryAfterMs?: number;
}

/** A REST error answer. */
export interface RestErrorBody {
  error: ErrorBody;
}

/** An ack: `{ok: true, ...answer}` or `{ok: false, error}`. */
export type Ack<T> = ({ ok: true } & T) | { ok: false; error: ErrorBody };

/** Nothing but `ok`: the answer of the events that only succeed or fail. */
export type Empty = Record<never, never>;

// ---------------------------------------------------------------- identity

/** A user. `username` is 3–32 chars of [a-z0-9_.-]; `id` is the `sub` of their tokens. */
export interface User {
  id: string;
  username: string;
  displayName: string;
}

/** A user as the user directory lists them. */
export interface UserInfo extends User {
  online: boolean;
}

/** POST /register. `password`: 8–128 chars; `displayName` at most 64 (the username when absent). */
export interface RegisterRequest {
  username: string;
  password: string;
  displayName?: string;
}

/** POST /login and POST /session. */
export interface LoginRequest {
  username: string;
  password: string;
}

/** The answer of POST /register and POST /login. */
export interface AuthAnswer {
  token: string;
  user: User;
}

/** The answer of POST /session and POST /session/refresh (browser sessions, with their cookie). */
export interface SessionAnswer extends AuthAnswer {
  expiresAt: Time;
  /** Seconds from now until `expiresAt`. */
  expiresIn: number;
}

/** GET /users. */
export interface UsersAnswer {
  users: UserInfo[];
}

// ---------------------------------------------------------------- rooms

export type RoomType = 'group' | 'dm';

/** A role that PUT /rooms/{roomId}/members/{userId}/role sets. */
export type Role = 'owner' | 'admin' | 'member';

/** A member's role as the members page lists it: both members of a DM are `dm`. */
export type MemberRole = Role | 'dm';

/** A room. A DM has no owner (`ownerId` null), no admins and an empty `name` and `topic`. */
export interface Room {
  id: string;
  type: RoomType;
  name: string;
  topic: string;
  ownerId: string | null;
  /** The admins, in the order they joined. */
  admins: string[];
  /** The members in the order they joined; only while `memberCount` is 200 or less (GET /rooms/{roomId}/members pages any room's). */
  members?: string[];
  memberCount: number;
  createdAt: Time;
  lastSeq: number;
  /** The rev of the room's latest change to a message, 0 while there is none. */
  lastRev: number;
  /** null while the room has no message. */
  lastMessageAt: Time | null;
}

/** A room in GET /rooms, with the caller's read marker and counts. */
export interface RoomSummary extends Room {
  /** The seq of the last message the caller marked read, 0 for none. */
  readSeq: number;
  /** Messages after the read marker that others sent and that are not deleted. */
  unread: number;
  /** Those of `unread` that mention the caller. */
  unreadMentions: number;
  lastMessage: Message | null;
}

/** POST /rooms: the creator is the owner and a member, with `members` (none by default). */
export interface CreateRoomRequest {
  name: string;
  members?: string[];
}

/** PATCH /rooms/{roomId}: name 1–100, topic 0–500 code points. */
export interface UpdateRoomRequest {
  name?: string;
  topic?: string;
}

/** POST /rooms/dm, POST /rooms/{roomId}/members and POST /rooms/{roomId}/bans. */
export interface UserIdRequest {
  userId: string;
}

/** PUT /rooms/{roomId}/members/{userId}/role. */
export interface SetRoleRequest {
  role: Role;
}

/** A member as GET /rooms/{roomId}/members lists them. */
export interface Member extends UserInfo {
  role: MemberRole;
}

/** GET /rooms/{roomId}/members?after=<userId>&limit=100: members in joining order. */
export interface MembersPage {
  members: Member[];
  hasMore: boolean;
}

/** GET /rooms/{roomId}/bans: the banned users in the order they were banned. */
export interface BansAnswer {
  userIds: string[];
}

/** POST /rooms/{roomId}/read. */
export interface MarkReadRequest {
  messageId: string;
}

/** A member's read marker: `seq` 0 and `at` null for one who never marked one. */
export interface ReadMarker {
  userId: string;
  seq: number;
  at: Time | null;
}

/** GET /rooms/{roomId}/reads, in joining order. */
export interface ReadsAnswer {
  reads: ReadMarker[];
}

/** POST /rooms/{roomId}/invites. */
export interface CreateInviteRequest {
  maxUses?: number;
  expiresInSeconds?: number;
}

/**
 * An invite to a room: POST /invites/{code}/accept joins it.
 */
export interface Invite {
  code: string;
  url: string;
  expiresAt: Time | null;
  maxUses: number | null;
  uses: number;
}

/** GET /rooms/{roomId}/invites. */
export interface InvitesAnswer {
  invites: Invite[];
}

// ---------------------------------------------------------------- messages

/** The message a reply answers, as it is now; `excerpt` (200 code points) is empty once it is deleted. */
export interface Quote {
  id: string;
  seq: number;
  senderId: string;
  senderName: string;
  excerpt: string;
  deleted: boolean;
}

/** A reaction: `count` is exact, `userIds` lists at most the first 100. */
export interface Reaction {
  emoji: string;
  count: number;
  userIds: string[];
}

/** An uploaded file. Images (PNG, JPEG, GIF, WebP) have `width`, `height` and `thumbnailUrl`. */
export interface Attachment {
  id: string;
  name: string;
  size: number;
  /** Sniffed from the bytes. */
  contentType: string;
  width?: number;
  height?: number;
  /** A signed link that needs no token, good for 24 hours. */
  url: string;
  thumbnailUrl?: string;
}

/**
 * A message. `seq` is per room, from 1, gap-free; `rev` the room rev of its
 * latest change (0 if never changed). A deleted message is a tombstone:
 * `content` "", `deletedAt` and `deletedBy` set.
 */
export interface Message {
  id: string;
  roomId: string;
  seq: number;
  senderId: string;
  senderName: string;
  content: string;
  mentions: string[];
  tempId?: string;
  createdAt: Time;
  editedAt: Time | null;
  deletedAt: Time | null;
  deletedBy: string | null;
  replyTo: Quote | null;
  reactions: Reaction[];
  pinnedAt: Time | null;
  rev: number;
  attachments: Attachment[];
}

/** A page of history, ascending; `hasNewer` only for a page around a message. */
export interface HistoryPage {
  messages: Message[];
  hasMore: boolean;
  hasNewer?: boolean;
}

/** GET /rooms/{roomId}/messages: at most one of before, after and around. */
export interface HistoryQuery {
  /** A message id: the page just older than it (the newest page when no cursor is given). */
  before?: string;
  /** A seq: the first messages after it. */
  after?: number;
  /** A message id: the page centred on it. */
  around?: string;
  /** 1–100, default 20. */
  limit?: number;
}

/** PATCH /rooms/{roomId}/messages/{messageId}. */
export interface EditRequest {
  content: string;
}

/** POST /rooms/{roomId}/pins. */
export interface PinRequest {
  messageId: string;
}

/** GET /rooms/{roomId}/pins: the newest pin first. */
export interface PinsAnswer {
  messages: Message[];
}

export type ChangeKind = 'edited' | 'deleted' | 'reactions' | 'pinned' | 'unpinned';

/** A change to a message: the room's `rev` it took, and the message as it is after it. */
export interface Change {
  rev: number;
  kind: ChangeKind;
  message: Message;
}

/**
 * A page of a room's change stream, ascending. A message changed several
 * times may appear once, at its latest rev, so revs in a page can skip.
 */
export interface ChangesPage {
  changes: Change[];
  lastRev: number;
  hasMore: boolean;
}

/** GET /rooms/{roomId}/changes. */
export interface ChangesQuery {
  after: number;
  /** Default 100. */
  limit?: number;
}

/** A search hit: `highlights` are [start, end) code-point offsets into `content`. */
export interface SearchHit extends Message {
  highlights: Array<[number, number]>;
}

/** GET /search and search_messages: newest first. */
export interface SearchPage {
  messages: SearchHit[];
  hasMore: boolean;
}

/** GET /search. `q` is 1–200 code points; every term must match. */
export interface SearchQuery {
  q: string;
  roomId?: string;
  senderId?: string;
  /** A message id: the hits older than it. */
  before?: string;
  /** At most 50, default 20. */
  limit?: number;
}

// ---------------------------------------------------------------- events: client → server

export interface RoomRequest {
  roomId: string;
}

export interface JoinRoomAnswer {
  roomId: string;
  lastSeq: number;
  lastRev: number;
}

export interface SendMessageRequest {
  roomId: string;
  /** May be empty only with attachments. At most 4,000 code points by default. */
  content: string;
  mentions?: string[];
  /** Makes a send retry-safe: a repeat within 24 hours returns the original message. */
  tempId?: string;
  /** The id of a message of the same room that this one answers. */
  replyTo?: string;
  /** Ids of files the sender uploaded to the room and has not sent yet, at most 10. */
  attachments?: string[];
}

export interface MessageAnswer {
  message: Message;
}

export interface MessageRequest {
  roomId: string;
  messageId: string;
}

export interface EditMessageRequest extends MessageRequest {
  content: string;
}

export interface ReactRequest extends MessageRequest {
  /** One emoji (1–16 code points) or a shortcode `:[a-z0-9_+-]{1,32}:`. */
  emoji: string;
  add: boolean;
}

/** At most one of beforeId, afterSeq and aroundId. */
export interface FetchMessagesRequest {
  roomId: string;
  beforeId?: string;
  afterSeq?: number;
  aroundId?: string;
  limit?: number;
}

export interface FetchChangesRequest {
  roomId: string;
  afterRev: number;
  limit?: number;
}

export interface SearchMessagesRequest {
  q: string;
  roomId?: string;
  senderId?: string;
  before?: string;
  limit?: number;
}

export interface TypingRequest {
  roomId: string;
  isTyping: boolean;
}

export interface MarkReadEventRequest {
  roomId: string;
  messageId: string;
}

/** An event's callback: the service calls it with the ack. */
export type AckCallback<T> = (ack: Ack<T>) => void;

/** What the client sends, for `io<ServerToClientEvents, ClientToServerEvents>()`. */
export interface ClientToServerEvents {
  join_room: (payload: RoomRequest, ack: AckCallback<JoinRoomAnswer>) => void;
  leave_room: (payload: RoomRequest, ack: AckCallback<RoomRequest>) => void;
  send_message: (payload: SendMessageRequest, ack: AckCallback<MessageAnswer>) => void;
  edit_message: (payload: EditMessageRequest, ack: AckCallback<MessageAnswer>) => void;
  delete_message: (payload: MessageRequest, ack: AckCallback<Empty>) => void;
  react: (payload: ReactRequest, ack: AckCallback<MessageAnswer>) => void;
  fetch_messages: (payload: FetchMessagesRequest, ack: AckCallback<HistoryPage>) => void;
  fetch_changes: (payload: FetchChangesRequest, ack: AckCallback<ChangesPage>) => void;
  search_messages: (payload: SearchMessagesRequest, ack: AckCallback<SearchPage>) => void;
  typing: (payload: TypingRequest, ack: AckCallback<Empty>) => void;
  mark_read: (payload: MarkReadEventRequest, ack: AckCallback<Empty>) => void;
}

/** The events that take an ack, by name. */
export type AckedEvent = keyof ClientToServerEvents;

/** The payload of an event. */
export type PayloadOf<E extends AckedEvent> = Parameters<ClientToServerEvents[E]>[0];

/** The success answer of an event, without `ok`. */
export type AnswerOf<E extends AckedEvent> =
  Parameters<ClientToServerEvents[E]>[1] extends AckCallback<infer T> ? T : never;

// ---------------------------------------------------------------- events: server → client

export interface MessageAck {
  tempId?: string;
  messageId: string;
  seq: number;
}

export interface TypingEvent {
  roomId: string;
  userId: string;
  username: string;
  isTyping: boolean;
}

export interface MentionEvent {
  roomId: string;
  messageId: string;
  fromUserId: string;
  fromUsername: string;
  content: string;
}

export interface PresenceEvent {
  userId: string;
  online: boolean;
  lastSeenAt?: Time;
}

export interface HistoryEvent extends HistoryPage {
  roomId: string;
}

/** The `error` event: a failed event sent without an ack (`event` names it), or `token_expired`. */
export interface ErrorEvent extends ErrorBody {
  event?: string;
}

export interface ReadEvent {
  roomId: string;
  userId: string;
  seq: number;
}

/** What the service sends, for `io<ServerToClientEvents, ClientToServerEvents>()`. */
export interface ServerToClientEvents {
  /** A new message, to the sockets that joined its room. */
  message: (message: Message) => void;
  /** To the sending socket, after its send_message was stored. */
  message_ack: (ack: MessageAck) => void;
  /** A message was edited, deleted, reacted to, pinned or unpinned. */
  message_updated: (change: Change) => void;
  /** Someone else in the room started or stopped typing (stopped after ~5 s without news). */
  typing: (event: TypingEvent) => void;
  /** A message (or an edit) mentions the user. */
  mention: (event: MentionEvent) => void;
  /** A member of one of the user's rooms came online or went offline. */
  presence: (event: PresenceEvent) => void;
  /** The page of a fetch_messages, also answered in its ack. */
  history: (event: HistoryEvent) => void;
  joined: (event: RoomRequest) => void;
  error: (event: ErrorEvent) => void;
  /** The user became a member of this room. */
  room_added: (room: Room) => void;
  /** The user left, was removed or banned, or the room was deleted; their sockets left it. */
  room_removed: (event: RoomRequest) => void;
  /** The room's name, topic, roles, owner or members changed. */
  room_updated: (room: Room) => void;
  /** A member's read marker moved (at most one a second per user and room). */
  read: (event: ReadEvent) => void;
  /** The user signed out everywhere. */
  signed_out: (event: Empty) => void;
}

/** A socket.io-client socket typed with the contract's events. */
export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

// ---------------------------------------------------------------- the client

/**
 * ChatError is a failed call: an `{ok: false, error}` ack, a REST error
 * answer, a call that timed out (`timeout`) or a service out of reach
 * (`network`).
 */
export class ChatError extends Error {
  constructor(code: ErrorCode, message?: string, details?: ChatErrorDetails);
  readonly name: 'ChatError';
  readonly code: ErrorCode;
  /** With `rate_limited`: how long to wait before trying again. */
  readonly retryAfterMs: number | undefined;
  /** The HTTP status of a REST answer. */
  readonly status: number | undefined;
  /** The socket event that failed. */
  readonly event: string | undefined;
}

export interface ChatErrorDetails {
  retryAfterMs?: number;
  status?: number;
  event?: string;
  cause?: unknown;
}

/** A token, or a function giving the current one (asked again on every reconnection and REST call). */
export type TokenSource = string | (() => string | Promise<string>);

/** Options of every call: how long to wait for its answer. */
export interface CallOptions {
  /** Default: the client's timeoutMs (10,000). */
  timeoutMs?: number;
  /** REST only: the request outlives the page that made it (fetch's keepalive, for a page being closed; small bodies only). */
  keepalive?: boolean;
}

export interface RestOptions {
  token?: TokenSource;
  /** The default timeout of each call, 10,000 ms. */
  timeoutMs?: number;
  /** The fetch to use (the global one by default). */
  fetch?: typeof fetch;
}

/** The REST API: every call resolves with the answer's body or rejects with a ChatError. */
export class Rest {
  constructor(url: string, options?: RestOptions);
  /** The service's base URL, without a trailing slash. */
  readonly url: string;
  readonly timeoutMs: number;
  /** A client of the same service that authenticates with token. */
  withToken(token: TokenSource): Rest;
  /** Any call: a JSON body, or FormData sent as it is; 204 resolves with undefined. */
  request<T = unknown>(method: string, path: string, body?: unknown, options?: CallOptions): Promise<T>;

  register(body: RegisterRequest, options?: CallOptions): Promise<AuthAnswer>;
  login(body: LoginRequest, options?: CallOptions): Promise<AuthAnswer>;
  /** POST /session: signs in with a session cookie (for pages of the service's own origin). */
  createSession(body: LoginRequest, options?: CallOptions): Promise<SessionAnswer>;
  /** POST /session/refresh: a new token for the session cookie. */
  refreshSession(options?: CallOptions): Promise<SessionAnswer>;
  /** DELETE /session: ends every session of the user, on every device. */
  endSessions(options?: CallOptions): Promise<void>;
  /** GET /users?query=&limit=: users by username prefix. */
  searchUsers(query: string, limit?: number, options?: CallOptions): Promise<UsersAnswer>;
  /** GET /users?ids=: the named users that exist (1–100 ids). */
  usersByIds(ids: string[], options?: CallOptions): Promise<UsersAnswer>;

  rooms(options?: CallOptions): Promise<{ rooms: RoomSummary[] }>;
  room(roomId: string, options?: CallOptions): Promise<Room>;
  createRoom(body: CreateRoomRequest, options?: CallOptions): Promise<Room>;
  openDM(userId: string, options?: CallOptions): Promise<Room>;
  updateRoom(roomId: string, body: UpdateRoomRequest, options?: CallOptions): Promise<Room>;
  deleteRoom(roomId: string, options?: CallOptions): Promise<void>;
  members(roomId: string, query?: { after?: string; limit?: number }, options?: CallOptions): Promise<MembersPage>;
  addMember(roomId: string, userId: string, options?: CallOptions): Promise<Room>;
  /** Removes a member, or (with the caller's own id) leaves the room. */
  removeMember(roomId: string, userId: string, options?: CallOptions): Promise<void>;
  setRole(roomId: string, userId: string, role: Role, options?: CallOptions): Promise<Room>;
  bans(roomId: string, options?: CallOptions): Promise<BansAnswer>;
  ban(roomId: string, userId: string, options?: CallOptions): Promise<void>;
  unban(roomId: string, userId: string, options?: CallOptions): Promise<void>;
  createInvite(roomId: string, body?: CreateInviteRequest, options?: CallOptions): Promise<Invite>;
  invites(roomId: string, options?: CallOptions): Promise<InvitesAnswer>;
  revokeInvite(roomId: string, code: string, options?: CallOptions): Promise<void>;
  acceptInvite(code: string, options?: CallOptions): Promise<Room>;
  markRead(roomId: string, messageId: string, options?: CallOptions): Promise<void>;
  reads(roomId: string, options?: CallOptions): Promise<ReadsAnswer>;

  messages(roomId: string, query?: HistoryQuery, options?: CallOptions): Promise<HistoryPage>;
  editMessage(roomId: string, messageId: string, content: string, options?: CallOptions): Promise<Message>;
  deleteMessage(roomId: string, messageId: string, options?: CallOptions): Promise<void>;
  /** PUT (add, the default) or DELETE the caller's reaction. */
  react(roomId: string, messageId: string, emoji: string, add?: boolean, options?: CallOptions): Promise<Message>;
  pin(roomId: string, messageId: string, options?: CallOptions): Promise<Message>;
  unpin(roomId: string, messageId: string, options?: CallOptions): Promise<void>;
  pins(roomId: string, options?: CallOptions): Promise<PinsAnswer>;
  changes(roomId: string, query: ChangesQuery, options?: CallOptions): Promise<ChangesPage>;
  search(query: SearchQuery, options?: CallOptions): Promise<SearchPage>;

  /** POST /rooms/{roomId}/attachments: uploads a file (name: the File's, else "file"); send its id with a message. */
  upload(roomId: string, file: Blob, name?: string, options?: CallOptions): Promise<Attachment>;
  /** The bytes of an attachment (or of its `url`, `thumbnailUrl` or any path of the service). */
  download(target: Attachment | string, options?: CallOptions): Promise<Blob>;
}

export interface ChatOptions extends RestOptions {
  token: TokenSource;
  /** More options for io(); `auth` and `autoConnect` are the client's. */
  socket?: Partial<ManagerOptions & SocketOptions>;
}

export interface SendOptions extends CallOptions {
  tempId?: string;
  replyTo?: string;
  attachments?: string[];
  mentions?: string[];
}

export interface JoinOptions extends CallOptions {
  /**
   * Deliver the room's messages after this seq (and changes after
   * afterRev): a client that kept its place from an earlier run resumes
   * there. By default, delivery starts at the room's lastSeq and lastRev.
   * A room already joined through this client keeps its place.
   */
  afterSeq?: number;
  afterRev?: number;
  /**
   * The most messages (and changes) one catch-up of the room reads. A room
   * further behind is not read page by page: delivery skips to its last
   * seq and rev and `catch_up_skipped` says so, for a caller that shows
   * only the newest page of a room to load it again. A function is asked
   * at each catch-up. By default, everything missed is read.
   */
  maxCatchUp?: number | (() => number);
}

/** Where delivery of a room has got to: the last seq and rev handed to the handlers. */
export interface RoomPosition {
  roomId: string;
  seq: number;
  rev: number;
}

/** A rejoin or catch-up read that failed; `error.code` forbidden or not_found means the room is gone for the user, and the client forgets it. */
export interface CatchUpFailure {
  roomId: string;
  error: ChatError;
}

/** A room further behind than its maxCatchUp: delivery went on from `seq` and `rev` without what came after fromSeq and fromRev. */
export interface CatchUpSkip extends RoomPosition {
  fromSeq: number;
  fromRev: number;
}

/**
 * What chat.on() listens to. `message` and `message_updated` of joined
 * rooms come exactly once each, in seq and rev order, including those
 * missed while the connection was down; a change comes after its message.
 * Every other server event is passed on as it arrives.
 */
export interface ChatEvents extends ServerToClientEvents {
  connect: () => void;
  disconnect: (reason: string) => void;
  /** The connection was refused (`unauthorized`, with a message saying why) or failed. */
  connect_error: (error: ChatError) => void;
  /** After a reconnection, the room is joined again and everything missed was delivered. */
  caught_up: (position: RoomPosition) => void;
  catch_up_failed: (failure: CatchUpFailure) => void;
  /** The room was further behind than its maxCatchUp, and delivery skipped ahead. */
  catch_up_skipped: (skip: CatchUpSkip) => void;
}

/** Chat is one connection to the service, with promise-returning calls and the catch-up done for the caller. */
export class Chat {
  /** Makes a client without connecting it; connect() (the function) connects one and waits. */
  constructor(url: string, options: ChatOptions);
  readonly socket: ChatSocket;
  readonly rest: Rest;
  readonly timeoutMs: number;
  /** Starts connecting; resolves once connected, rejects with the ChatError of a refused connection. */
  open(): Promise<this>;
  /** Closes the connection for good. */
  close(): void;

  on<E extends keyof ChatEvents>(event: E, handler: ChatEvents[E]): this;
  off<E extends keyof ChatEvents>(event: E, handler: ChatEvents[E]): this;

  /** Emits an acked event and resolves with its answer, or rejects with a ChatError. */
  request<E extends AckedEvent>(event: E, payload: PayloadOf<E>, options?: CallOptions): Promise<AnswerOf<E>>;

  /** Joins a room: its live events, and the catch-up after every reconnection, until leaveRoom. */
  joinRoom(roomId: string, options?: JoinOptions): Promise<JoinRoomAnswer>;
  leaveRoom(roomId: string, options?: CallOptions): Promise<void>;
  /**
   * Tells the client how far a joined room has got, as another source said
   * (GET /rooms, say): what it has not delivered is read and delivered.
   * Answers whether the room is joined through this client.
   */
  known(roomId: string, lastSeq: number, lastRev: number): boolean;
  /** The rooms joined through this client, with how far delivery has got. */
  positions(): RoomPosition[];
  /** Resolves once no join and no catch-up is going on. */
  idle(): Promise<void>;

  send(roomId: string, content: string, options?: SendOptions): Promise<Message>;
  editMessage(roomId: string, messageId: string, content: string, options?: CallOptions): Promise<Message>;
  deleteMessage(roomId: string, messageId: string, options?: CallOptions): Promise<void>;
  /** Adds (add true, the default) or takes back the caller's reaction. */
  react(roomId: string, messageId: string, emoji: string, add?: boolean, options?: CallOptions): Promise<Message>;
  markRead(roomId: string, messageId: string, options?: CallOptions): Promise<void>;
  fetchMessages(roomId: string, query?: Omit<FetchMessagesRequest, 'roomId'>, options?: CallOptions): Promise<HistoryPage>;
  fetchChanges(roomId: string, afterRev: number, query?: { limit?: number }, options?: CallOptions): Promise<ChangesPage>;
  search(q: string, query?: Omit<SearchMessagesRequest, 'q'>, options?: CallOptions): Promise<SearchPage>;
  typing(roomId: string, isTyping: boolean, options?: CallOptions): Promise<void>;
}

/** connect makes a Chat and resolves once it is connected (rejects with a ChatError if refused). */
export function connect(url: string, options: ChatOptions): Promise<Chat>;
