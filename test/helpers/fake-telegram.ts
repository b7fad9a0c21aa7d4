/**
 * A fake Telegram Bot API server on loopback. A real, unmodified grammY bot talks to it once it is built with
 * `new Bot(fake.token, { client: { apiRoot: fake.apiRoot } })`: the fake answers `getUpdates` long polls with
 * the updates that tests enqueue through the user-simulation helpers, records every API call, keeps its own view
 * of each chat (messages with edits applied and deletions removed), serves uploaded files and can be told to fail.
 *
 * Implemented methods: getMe, getUpdates, setWebhook, deleteWebhook, getWebhookInfo, set/get/deleteMyCommands,
 * sendMessage, sendPhoto, sendDocument, sendInvoice, copyMessage, forwardMessage, editMessageText,
 * editMessageCaption, editMessageReplyMarkup, editMessageMedia, deleteMessage, deleteMessages, getFile, getChat.
 * answerCallbackQuery takes one answer per query, as Telegram does (a second one is a 400).
 * Any other method (answerPreCheckoutQuery, refundStarPayment, sendChatAction…) answers `true`; all are recorded
 * in {@link FakeTelegram.calls}. {@link FakeTelegram.removeMethod} makes a method unknown (404), as on a Bot API
 * emulator that lacks it.
 *
 * Behaviour worth knowing:
 * - Any chat id is accepted: positive ids are private chats (named after the simulated user, if any), negative
 *   ones groups/supergroups (`-100…` supergroups). Message ids count up per chat, shared by user and bot messages.
 *   Users write in their private chat unless `{ chatId }` names a group they write in; pressButton takes the
 *   same option to press a button of a bot message in that group.
 * - `parse_mode: 'HTML'` is parsed into text + entities, rejecting malformed markup with Telegram's
 *   "can't parse entities" errors; other parse modes keep the text verbatim without entities.
 * - Telegram's common 400s are reproduced: empty or too long text, "message is not modified", "message to edit
 *   not found", callback_data over 64 bytes (BUTTON_DATA_INVALID); getUpdates answers 409 while a webhook is set.
 * - Edits without `reply_markup` remove the inline keyboard, as on Telegram.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  BotCommand,
  Chat,
  Document,
  InlineKeyboardButton,
  InlineKeyboardMarkup,
  Message,
  MessageEntity,
  PhotoSize,
  Update,
  User,
  UserFromGetMe,
} from 'grammy/types';

/** A simulated Telegram user; their private chat with the bot has the same id. */
export interface FakeUser {
  id: number;
  first_name?: string;
  username?: string;
  language_code?: string;
}

/** A file part of a multipart request. */
export interface UploadedFile {
  filename?: string;
  data: Buffer;
}

/** One Bot API request the fake received. */
export interface FakeCall {
  /** Method name as it appeared in the URL, e.g. `sendMessage`. */
  method: string;
  /**
   * The request parameters. JSON bodies are kept as sent; multipart and urlencoded fields are decoded (JSON
   * objects, arrays, numbers and booleans are parsed, free-text fields such as `text` and `caption` stay strings).
   * File parameters keep their `attach://…` reference: read the bytes from {@link FakeCall.files}.
   */
  params: Record<string, unknown>;
  /**
   * Uploaded files keyed by the parameter that references them: `photo`, `document`, or a dotted path for nested
   * references such as `media.media` (editMessageMedia) or `media.0.media` (sendMediaGroup).
   */
  files: Record<string, UploadedFile>;
  /** `Date.now()` when the request arrived. */
  at: number;
}

/** The error the next call(s) of a method answer with, see {@link FakeTelegram.failNext}. */
export interface FailureSpec {
  /** HTTP status and `error_code`, e.g. 429 or 403. */
  error_code: number;
  /** E.g. `Too Many Requests: retry after 1` or `Forbidden: bot was blocked by the user`. */
  description: string;
  /** Sent as `parameters.retry_after` (seconds). */
  retry_after?: number;
  /** How many consecutive calls fail; defaults to 1. */
  times?: number;
}

/** Options of {@link FakeTelegram.waitForCall} and {@link FakeTelegram.waitForReply}. */
export interface WaitOptions {
  /** Defaults to 5000. */
  timeoutMs?: number;
  /**
   * Index into {@link FakeTelegram.calls}: only calls at this index or later match. Defaults to the number of
   * calls recorded when the most recent simulated user action (sendText, pressButton, sendUpdate…) happened.
   */
  after?: number;
}

/** Selects a call by method name or by predicate. */
export type CallMatcher = string | ((call: FakeCall) => boolean);

/** Selects an inline keyboard button: exact text, a RegExp tested against the text, or a predicate. */
export type ButtonMatcher = string | RegExp | ((button: InlineKeyboardButton) => boolean);

/** Where a simulated user writes: their private chat with the bot unless `chatId` names a group. */
export interface ChatOptions {
  /** A group (negative id, `-100…` for a supergroup) the user writes in; defaults to their private chat. */
  chatId?: number;
}

/** Options of {@link FakeTelegram.pressButton}. */
export interface PressButtonOptions extends ChatOptions {
  /** Only look at this bot message (id or message object) instead of the most recent ones. */
  message?: number | Pick<Message, 'message_id'>;
}

/** A document a simulated user sends to the bot. */
export interface SimulatedDocument {
  filename: string;
  data: Buffer;
  caption?: string;
  /** Defaults to `application/octet-stream`. */
  mime_type?: string;
}

/** Options of {@link createFakeTelegram}. */
export interface FakeTelegramOptions {
  /** The bot token the fake accepts; its numeric prefix becomes the bot's user id. */
  token?: string;
  /** Port to listen on (default: a random free one). */
  port?: number;
}

/** A running fake Bot API server, see {@link createFakeTelegram}. */
export interface FakeTelegram {
  /** `http://127.0.0.1:PORT`, to pass as grammY's `client.apiRoot`. */
  readonly apiRoot: string;
  /** The only token the fake accepts (others get 401 Unauthorized). */
  readonly token: string;
  /** What `getMe` answers. */
  readonly botInfo: UserFromGetMe;
  /** Every Bot API call received, oldest first (`getUpdates` included). */
  readonly calls: readonly FakeCall[];

  /** The download URL of a `file_path` returned by `getFile`. */
  fileUrl(filePath: string): string;
  /**
   * Makes the next `failure.times` (default 1) calls of `method` answer with the given error instead of being
   * handled. The failed calls are still recorded. Rules for the same method apply in the order they were added.
   */
  failNext(method: string, failure: FailureSpec): void;
  /**
   * Makes `method` unknown from now on, as on a Bot API emulator without it: calls are recorded and answer
   * 404 Not Found, like Telegram's answer to a method it does not have.
   */
  removeMethod(method: string): void;

  /** Enqueues a text message from `user`; a leading `/command` gets its `bot_command` entity. */
  sendText(user: FakeUser, text: string, options?: ChatOptions): Update;
  /** Enqueues a command message, e.g. `sendCommand(user, '/start payload')` (the `/` is optional). */
  sendCommand(user: FakeUser, command: string, options?: ChatOptions): Update;
  /**
   * Enqueues the callback query of pressing an inline button in the most recent bot message to `user` that has a
   * matching button (or in message `options.message` only). Throws when no such button exists or when the button
   * carries no `callback_data`.
   */
  pressButton(user: FakeUser, button: ButtonMatcher, options?: PressButtonOptions): Update;
  /** Enqueues a document message from `user`; the file is downloadable through `getFile` and {@link fileUrl}. */
  sendDocument(user: FakeUser, document: SimulatedDocument, options?: ChatOptions): Update;
  /**
   * Enqueues any update (pre_checkout_query, a successful_payment message…); the fake assigns `update_id`.
   * A contained `message` is also remembered in its chat, so the bot can forward or copy it.
   */
  sendUpdate(update: Omit<Update, 'update_id'>): Update;

  /**
   * Resolves with the first recorded call matching `matcher` at index `options.after` or later (see
   * {@link WaitOptions.after}), including calls already recorded. Rejects after `options.timeoutMs` with a list of
   * the calls seen, or when the fake closes.
   */
  waitForCall(matcher: CallMatcher, options?: WaitOptions): Promise<FakeCall>;
  /** {@link waitForCall} for the next sendMessage / sendPhoto / sendDocument / editMessageText to `chatId`. */
  waitForReply(chatId: number, options?: WaitOptions): Promise<FakeCall>;
  /** The bot's messages currently in chat `chatId`, oldest first: edits applied, deleted ones removed. */
  messagesTo(chatId: number): Message[];
  /** The newest of {@link messagesTo}. */
  lastMessageTo(chatId: number): Message | undefined;

  /** Ends pending long polls, rejects pending waits and stops the server. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a fake Bot API server on 127.0.0.1 with a random port.
 *
 * @example
 * const fake = await createFakeTelegram();
 * const bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot } });
 * // …register handlers, `void bot.start()`, then:
 * fake.sendCommand({ id: 42 }, '/start');
 * const reply = await fake.waitForReply(42);
 * // …and finally `await bot.stop(); await fake.close();`
 */
export async function createFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const fake = new FakeTelegramServer(options.token ?? DEFAULT_TOKEN);
  await fake.listen(options.port);
  return fake;
}

const DEFAULT_TOKEN = '123456:TEST-token-for-the-fake-telegram-api';
const DEFAULT_WAIT_MS = 5000;
const MAX_TEXT_LENGTH = 4096;
const MAX_CAPTION_LENGTH = 1024;
const MAX_CALLBACK_DATA_BYTES = 64;
/** Update types Telegram leaves out unless `allowed_updates` names them. */
const OPT_IN_UPDATE_TYPES = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);
const REPLY_METHODS = new Set(['sendMessage', 'sendPhoto', 'sendDocument', 'editMessageText']);
/** Message fields holding a message's content, as copied by copyMessage and forwardMessage. */
const CONTENT_FIELDS = [
  'text',
  'entities',
  'caption',
  'caption_entities',
  'photo',
  'document',
  'video',
  'animation',
  'audio',
  'voice',
  'sticker',
  'invoice',
  'contact',
  'location',
] as const satisfies readonly (keyof Message)[];
/** Message fields replaced by editMessageMedia. */
const MEDIA_FIELDS = [
  'photo',
  'document',
  'video',
  'animation',
  'audio',
] as const satisfies readonly (keyof Message)[];
/** Form fields that stay strings even when they look like JSON (numbers, `true`, `[1]`…). */
const TEXT_FIELDS = new Set([
  'text',
  'caption',
  'title',
  'description',
  'payload',
  'performer',
  'emoji',
  'parse_mode',
  'business_connection_id',
  'message_effect_id',
  'inline_message_id',
  'url',
  'secret_token',
  'ip_address',
  'name',
  'custom_emoji_id',
  'currency',
  'start_parameter',
  'language_code',
  'file_id',
  'callback_query_id',
  'pre_checkout_query_id',
  'telegram_payment_charge_id',
]);
const DEFAULT_EXTENSIONS: Record<string, string> = {
  photo: 'jpg',
  video: 'mp4',
  animation: 'mp4',
  audio: 'mp3',
};

type JsonObject = Record<string, unknown>;
type ApiResponse =
  | { ok: true; result: unknown }
  | { ok: false; error_code: number; description: string; parameters?: { retry_after: number } };
type Handler = (call: FakeCall, signal: AbortSignal) => unknown;
type MessageContent = Partial<Pick<Message, (typeof CONTENT_FIELDS)[number]>>;

interface ChatState {
  chat: Chat;
  nextMessageId: number;
  messages: Map<number, Message>;
}

interface StoredFile {
  file_id: string;
  file_unique_id: string;
  file_size: number;
  file_path: string;
  filename?: string;
  data: Buffer;
}

interface FailureRule {
  method: string;
  remaining: number;
  response: ApiResponse;
}

interface CallWaiter {
  after: number;
  matches: (call: FakeCall) => boolean;
  resolve: (call: FakeCall) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** An error the fake answers with, e.g. `new BotApiError(400, 'Bad Request: chat not found')`. */
class BotApiError extends Error {
  constructor(
    readonly errorCode: number,
    readonly description: string,
  ) {
    super(description);
  }
}

function badRequest(reason: string): BotApiError {
  return new BotApiError(400, `Bad Request: ${reason}`);
}

class FakeTelegramServer implements FakeTelegram {
  readonly botInfo: UserFromGetMe;
  readonly calls: FakeCall[] = [];

  private readonly server: Server;
  private port = 0;
  private closed = false;
  /** Index into `calls` at the most recent simulated user action: the default `after` of waits. */
  private actionMark = 0;
  private readonly botUser: User;
  private readonly users = new Map<number, User>();
  private readonly chats = new Map<number, ChatState>();
  private readonly files = new Map<string, StoredFile>();
  private nextFileNumber = 1;
  private nextCallbackQueryId = 1;
  private queue: Update[] = [];
  private nextUpdateId = 1;
  /** `null` means Telegram's default: every update type except {@link OPT_IN_UPDATE_TYPES}. */
  private allowedUpdates: Set<string> | null = null;
  private webhookUrl = '';
  private readonly commands = new Map<string, BotCommand[]>();
  private readonly failures: FailureRule[] = [];
  private readonly removedMethods = new Set<string>();
  private readonly answeredQueries = new Set<string>();
  private readonly callWaiters = new Set<CallWaiter>();
  /** Woken whenever an update is enqueued. */
  private readonly updateListeners = new Set<() => void>();
  /** One per request being handled; aborted when its client disconnects or the fake closes. */
  private readonly requestAborts = new Set<AbortController>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(readonly token: string) {
    const id = Number(token.split(':')[0]);
    this.botInfo = {
      id: Number.isSafeInteger(id) && id > 0 ? id : 123456,
      is_bot: true,
      first_name: 'Fake Bot',
      username: 'fake_test_bot',
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
    };
    this.botUser = {
      id: this.botInfo.id,
      is_bot: true,
      first_name: this.botInfo.first_name,
      username: this.botInfo.username,
    };
    this.server = createServer((req, res) => {
      const handling = this.handleRequest(req, res).finally(() => this.inFlight.delete(handling));
      this.inFlight.add(handling);
    });
  }

  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts listening on `port` of loopback (default: a random one). */
  listen(port = 0): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  fileUrl(filePath: string): string {
    return `${this.apiRoot}/file/bot${this.token}/${filePath}`;
  }

  failNext(method: string, failure: FailureSpec): void {
    const { error_code, description, retry_after, times = 1 } = failure;
    this.failures.push({
      method,
      remaining: times,
      response: {
        ok: false,
        error_code,
        description,
        ...(retry_after !== undefined && { parameters: { retry_after } }),
      },
    });
  }

  removeMethod(method: string): void {
    this.removedMethods.add(method);
  }

  // ---- User simulation ----

  sendText(user: FakeUser, text: string, options: ChatOptions = {}): Update {
    const command = /^\/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?/.exec(text);
    const entities: MessageEntity[] | undefined = command
      ? [{ type: 'bot_command', offset: 0, length: command[0].length }]
      : undefined;
    return this.enqueueUserMessage(user, { text, entities }, options.chatId);
  }

  sendCommand(user: FakeUser, command: string, options: ChatOptions = {}): Update {
    return this.sendText(user, command.startsWith('/') ? command : `/${command}`, options);
  }

  pressButton(user: FakeUser, button: ButtonMatcher, options: PressButtonOptions = {}): Update {
    const onlyId = typeof options.message === 'number' ? options.message : options.message?.message_id;
    const chatId = options.chatId ?? user.id;
    const candidates = this.messagesTo(chatId)
      .filter((message) => onlyId === undefined || message.message_id === onlyId)
      .reverse();
    const matches = buttonPredicate(button);
    for (const message of candidates) {
      const found = message.reply_markup?.inline_keyboard.flat().find(matches);
      if (!found) continue;
      if (!('callback_data' in found)) {
        throw new Error(
          `pressButton: button "${found.text}" in message ${message.message_id} has no callback_data: ${JSON.stringify(found)}`,
        );
      }
      return this.enqueue({
        callback_query: {
          id: String(this.nextCallbackQueryId++),
          from: this.registerUser(user),
          message,
          chat_instance: String(chatId),
          data: found.callback_data,
        },
      });
    }
    const seen = candidates
      .filter((message) => message.reply_markup)
      .map(
        (message) =>
          `message ${message.message_id}: ${JSON.stringify(message.reply_markup?.inline_keyboard.flat().map((b) => b.text))}`,
      );
    throw new Error(
      `pressButton: no inline button matching ${describeMatcher(button)} in the bot's messages to chat ${chatId}` +
        (onlyId === undefined ? '' : ` (message ${onlyId})`) +
        `. Buttons seen: ${seen.length ? seen.join('; ') : 'none'}`,
    );
  }

  sendDocument(user: FakeUser, document: SimulatedDocument, options: ChatOptions = {}): Update {
    const file = this.registerFile('document', document.data, document.filename);
    return this.enqueueUserMessage(
      user,
      { document: documentOf(file, document.mime_type), caption: document.caption },
      options.chatId,
    );
  }

  sendUpdate(update: Omit<Update, 'update_id'>): Update {
    if (update.message) this.remember(update.message);
    return this.enqueue(update);
  }

  // ---- Inspection ----

  waitForCall(matcher: CallMatcher, options: WaitOptions = {}): Promise<FakeCall> {
    const matches = typeof matcher === 'string' ? (call: FakeCall) => call.method === matcher : matcher;
    return this.waitFor(
      matches,
      typeof matcher === 'string' ? `call "${matcher}"` : 'a matching call',
      options,
    );
  }

  waitForReply(chatId: number, options: WaitOptions = {}): Promise<FakeCall> {
    return this.waitFor(
      (call) => REPLY_METHODS.has(call.method) && Number(call.params.chat_id) === chatId,
      `a reply to chat ${chatId}`,
      options,
    );
  }

  messagesTo(chatId: number): Message[] {
    const messages = [...(this.chats.get(chatId)?.messages.values() ?? [])];
    return messages
      .filter((message) => message.from?.id === this.botInfo.id)
      .sort((a, b) => a.message_id - b.message_id)
      .map((message) => structuredClone(message));
  }

  lastMessageTo(chatId: number): Message | undefined {
    return this.messagesTo(chatId).at(-1);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const abort of this.requestAborts) abort.abort();
    for (const waiter of this.callWaiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('The fake Telegram server was closed'));
    }
    this.callWaiters.clear();
    // Aborted long polls answer with an empty batch before the connections go away.
    await Promise.allSettled(this.inFlight);
    await new Promise<void>((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    });
  }

  // ---- HTTP ----

  private async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const abort = new AbortController();
    this.requestAborts.add(abort);
    res.once('close', () => {
      abort.abort();
      this.requestAborts.delete(abort);
    });
    try {
      const url = new URL(req.url ?? '/', this.apiRoot);
      const filePrefix = `/file/bot${this.token}/`;
      if (req.method === 'GET' && url.pathname.startsWith(filePrefix)) {
        this.serveFile(decodeURIComponent(url.pathname.slice(filePrefix.length)), res);
        return;
      }
      const route = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
      if (!route?.[1] || !route[2]) {
        sendJson(res, { ok: false, error_code: 404, description: 'Not Found' });
        return;
      }
      if (route[1] !== this.token) {
        sendJson(res, { ok: false, error_code: 401, description: 'Unauthorized' });
        return;
      }
      const body = await readBody(req);
      let request: { params: JsonObject; files: Record<string, UploadedFile> };
      try {
        request = parseRequest(url.searchParams, req.headers['content-type'], body);
      } catch (error) {
        sendJson(res, { ok: false, error_code: 400, description: `Bad Request: ${errorMessage(error)}` });
        return;
      }
      const call: FakeCall = { method: route[2], ...request, at: Date.now() };
      this.calls.push(call);
      const response = this.dispatch(call, abort.signal);
      this.notifyCallWaiters(call, this.calls.length - 1);
      sendJson(res, await response);
    } catch (error) {
      sendJson(res, {
        ok: false,
        error_code: 500,
        description: `Internal Server Error: ${errorMessage(error)}`,
      });
    }
  }

  private serveFile(filePath: string, res: ServerResponse): void {
    const file = [...this.files.values()].find((stored) => stored.file_path === filePath);
    if (!file) {
      sendJson(res, { ok: false, error_code: 404, description: 'Not Found' });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.data.length });
    res.end(file.data);
  }

  /** Answers a call; everything up to the long-poll wait of getUpdates happens synchronously. */
  private async dispatch(call: FakeCall, signal: AbortSignal): Promise<ApiResponse> {
    if (this.removedMethods.has(call.method)) return { ok: false, error_code: 404, description: 'Not Found' };
    const failure = this.failures.find((rule) => rule.method === call.method);
    if (failure) {
      failure.remaining -= 1;
      if (failure.remaining <= 0) this.failures.splice(this.failures.indexOf(failure), 1);
      return failure.response;
    }
    try {
      const handler = this.handlers[call.method];
      return { ok: true, result: handler ? await handler(call, signal) : true };
    } catch (error) {
      if (error instanceof BotApiError) {
        return { ok: false, error_code: error.errorCode, description: error.description };
      }
      throw error;
    }
  }

  // ---- Bot API methods ----

  private readonly handlers: Record<string, Handler> = {
    getMe: () => this.botInfo,
    getUpdates: ({ params }, signal) => this.getUpdates(params, signal),
    setWebhook: ({ params }) => {
      this.webhookUrl = stringParam(params, 'url');
      return true;
    },
    deleteWebhook: ({ params }) => {
      this.webhookUrl = '';
      if (params.drop_pending_updates === true) this.queue = [];
      return true;
    },
    getWebhookInfo: () => ({
      url: this.webhookUrl,
      has_custom_certificate: false,
      pending_update_count: this.queue.length,
    }),
    setMyCommands: ({ params }) => {
      this.commands.set(commandsKey(params), arrayParam(params, 'commands') as BotCommand[]);
      return true;
    },
    getMyCommands: ({ params }) => this.commands.get(commandsKey(params)) ?? [],
    deleteMyCommands: ({ params }) => {
      this.commands.delete(commandsKey(params));
      return true;
    },

    answerCallbackQuery: ({ params }) => {
      const id = stringParam(params, 'callback_query_id');
      if (this.answeredQueries.has(id)) {
        throw badRequest('query is too old and response timeout expired or query ID is invalid');
      }
      this.answeredQueries.add(id);
      return true;
    },

    sendMessage: ({ params }) => {
      const content = formatText(stringParam(params, 'text'), params.parse_mode, params.entities);
      if (!content.text.trim()) throw badRequest('message text is empty');
      if (content.text.length > MAX_TEXT_LENGTH) throw badRequest('message is too long');
      return this.postBotMessage(
        chatIdParam(params),
        { text: content.text, entities: content.entities },
        params,
      );
    },
    sendPhoto: (call) => {
      const file = this.inputFile(call, 'photo', 'photo');
      return this.postBotMessage(
        chatIdParam(call.params),
        { photo: [photoSizeOf(file)], ...captionOf(call.params) },
        call.params,
      );
    },
    sendDocument: (call) => {
      const file = this.inputFile(call, 'document', 'document');
      return this.postBotMessage(
        chatIdParam(call.params),
        { document: documentOf(file), ...captionOf(call.params) },
        call.params,
      );
    },
    sendInvoice: ({ params }) => {
      const prices = arrayParam(params, 'prices') as { amount: number }[];
      return this.postBotMessage(
        chatIdParam(params),
        {
          invoice: {
            title: stringParam(params, 'title'),
            description: stringParam(params, 'description'),
            start_parameter: typeof params.start_parameter === 'string' ? params.start_parameter : '',
            currency: stringParam(params, 'currency'),
            total_amount: prices.reduce((sum, price) => sum + price.amount, 0),
          },
        },
        params,
      );
    },
    copyMessage: ({ params }) => {
      const source = this.findMessage(params.from_chat_id, params.message_id, 'message to copy not found');
      const content = pickContent(source);
      const copy = this.postBotMessage(
        chatIdParam(params),
        typeof params.caption === 'string' ? { ...content, ...captionOf(params) } : content,
        params,
      );
      return { message_id: copy.message_id };
    },
    forwardMessage: ({ params }) => {
      const source = this.findMessage(params.from_chat_id, params.message_id, 'message to forward not found');
      return this.postBotMessage(
        chatIdParam(params),
        pickContent(source),
        {},
        { forward_origin: { type: 'user', date: source.date, sender_user: source.from ?? this.botUser } },
      );
    },

    editMessageText: ({ params }) =>
      this.editMessage(params, (message) => {
        if (message.text === undefined) throw badRequest('there is no text in the message to edit');
        const content = formatText(stringParam(params, 'text'), params.parse_mode, params.entities);
        if (!content.text.trim()) throw badRequest('message text is empty');
        if (content.text.length > MAX_TEXT_LENGTH) throw badRequest('MESSAGE_TOO_LONG');
        return { text: content.text, entities: content.entities };
      }),
    editMessageCaption: ({ params }) =>
      this.editMessage(params, (message) => {
        if (message.text !== undefined) throw badRequest('there is no caption in the message to edit');
        return { caption: undefined, caption_entities: undefined, ...captionOf(params) };
      }),
    editMessageReplyMarkup: ({ params }) => this.editMessage(params, () => ({})),
    editMessageMedia: (call) =>
      this.editMessage(call.params, () => {
        const media = call.params.media;
        if (!isRecord(media) || typeof media.type !== 'string') throw badRequest('media is required');
        const file = this.inputFile(call, 'media.media', media.type);
        const cleared = Object.fromEntries(MEDIA_FIELDS.map((field) => [field, undefined]));
        return {
          ...cleared,
          caption: undefined,
          caption_entities: undefined,
          ...mediaOf(media.type, file),
          ...captionOf(media),
        };
      }),
    deleteMessage: ({ params }) => {
      const message = this.findMessage(params.chat_id, params.message_id, 'message to delete not found');
      this.chats.get(message.chat.id)?.messages.delete(message.message_id);
      return true;
    },
    deleteMessages: ({ params }) => {
      const messages = this.chats.get(chatIdParam(params))?.messages;
      for (const id of arrayParam(params, 'message_ids')) messages?.delete(Number(id));
      return true;
    },

    getFile: ({ params }) => {
      const file = this.files.get(stringParam(params, 'file_id'));
      if (!file) throw badRequest('invalid file_id');
      const { file_id, file_unique_id, file_size, file_path } = file;
      return { file_id, file_unique_id, file_size, file_path };
    },
    getChat: ({ params }) => ({
      ...this.chatState(chatIdParam(params)).chat,
      accent_color_id: 0,
      max_reaction_count: 11,
      accepted_gift_types: {
        unlimited_gifts: false,
        limited_gifts: false,
        unique_gifts: false,
        premium_subscription: false,
        gifts_from_channels: false,
      },
    }),
  };

  private async getUpdates(params: JsonObject, signal: AbortSignal): Promise<Update[]> {
    if (this.webhookUrl) {
      throw new BotApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    if (Array.isArray(params.allowed_updates)) {
      this.allowedUpdates = params.allowed_updates.length
        ? new Set(params.allowed_updates.map(String))
        : null;
    }
    const offset = typeof params.offset === 'number' ? params.offset : 0;
    // A positive offset confirms older updates; a negative one keeps only the last -offset updates.
    this.queue =
      offset < 0 ? this.queue.slice(offset) : this.queue.filter((update) => update.update_id >= offset);
    const limit = typeof params.limit === 'number' ? Math.min(Math.max(params.limit, 1), 100) : 100;
    const timeoutMs = typeof params.timeout === 'number' ? params.timeout * 1000 : 0;
    const deadline = Date.now() + timeoutMs;
    let batch = this.deliverable(limit);
    while (batch.length === 0 && !signal.aborted && Date.now() < deadline) {
      await this.nextUpdate(deadline - Date.now(), signal);
      batch = this.deliverable(limit);
    }
    return batch;
  }

  /** Drops queued updates of types not allowed, then returns up to `limit` of the rest. */
  private deliverable(limit: number): Update[] {
    this.queue = this.queue.filter((update) => {
      const type = Object.keys(update).find((key) => key !== 'update_id') ?? '';
      return this.allowedUpdates ? this.allowedUpdates.has(type) : !OPT_IN_UPDATE_TYPES.has(type);
    });
    return this.queue.slice(0, limit);
  }

  /** Resolves when an update is enqueued, after `ms`, or on abort, whichever comes first. */
  private nextUpdate(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.updateListeners.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.updateListeners.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  // ---- Chat state ----

  private registerUser(user: FakeUser): User {
    const registered: User = compact({
      id: user.id,
      is_bot: false,
      first_name: user.first_name ?? `User ${user.id}`,
      username: user.username,
      language_code: user.language_code,
    });
    this.users.set(user.id, registered);
    const state = this.chats.get(user.id);
    if (state) state.chat = privateChatOf(registered);
    return registered;
  }

  private chatState(chatId: number): ChatState {
    let state = this.chats.get(chatId);
    if (!state) {
      const user = this.users.get(chatId);
      const chat: Chat =
        chatId > 0
          ? privateChatOf(user ?? { id: chatId, is_bot: false, first_name: `User ${chatId}` })
          : {
              id: chatId,
              type: String(chatId).startsWith('-100') ? 'supergroup' : 'group',
              title: `Chat ${chatId}`,
            };
      state = { chat, nextMessageId: 1, messages: new Map() };
      this.chats.set(chatId, state);
    }
    return state;
  }

  private remember(message: Message): void {
    const state = this.chatState(message.chat.id);
    state.messages.set(message.message_id, message);
    state.nextMessageId = Math.max(state.nextMessageId, message.message_id + 1);
  }

  private enqueue(update: Omit<Update, 'update_id'>): Update {
    const queued: Update = { ...update, update_id: this.nextUpdateId++ };
    this.queue.push(queued);
    this.actionMark = this.calls.length;
    for (const listener of [...this.updateListeners]) listener();
    return queued;
  }

  private enqueueUserMessage(user: FakeUser, content: MessageContent, chatId?: number): Update {
    if (chatId !== undefined && chatId >= 0)
      throw new Error(`chatId ${chatId} is not a group (use a negative id)`);
    const from = this.registerUser(user);
    const state = this.chatState(chatId ?? user.id);
    const chat =
      chatId === undefined ? privateChatOf(from) : (state.chat as Chat.GroupChat | Chat.SupergroupChat);
    const message = compact({
      message_id: state.nextMessageId,
      from,
      chat,
      date: unixNow(),
      ...content,
    });
    this.remember(message);
    return this.enqueue({ message });
  }

  private postBotMessage(
    chatId: number,
    content: MessageContent,
    params: JsonObject,
    extra: Partial<Message> = {},
  ): Message {
    const state = this.chatState(chatId);
    const message: Message = compact({
      message_id: state.nextMessageId,
      from: this.botUser,
      chat: state.chat,
      date: unixNow(),
      ...extra,
      ...content,
      reply_markup: inlineKeyboardOf(params.reply_markup),
    });
    this.remember(message);
    return message;
  }

  private findMessage(chatId: unknown, messageId: unknown, notFound: string): Message {
    const message = this.chats.get(Number(chatId))?.messages.get(Number(messageId));
    if (!message) throw badRequest(notFound);
    return message;
  }

  /**
   * Applies `changes` plus the request's `reply_markup` (absent = removed, as Telegram does) to the bot message
   * the request names. `undefined` values remove fields. Inline messages are not tracked: they answer `true`.
   */
  private editMessage(
    params: JsonObject,
    changesFor: (message: Message) => Partial<Message>,
  ): Message | true {
    if (params.inline_message_id !== undefined) return true;
    const message = this.findMessage(params.chat_id, params.message_id, 'message to edit not found');
    if (message.from?.id !== this.botInfo.id) throw badRequest("message can't be edited");
    const changes: Partial<Message> = {
      ...changesFor(message),
      reply_markup: inlineKeyboardOf(params.reply_markup),
    };
    const unchanged = Object.entries(changes).every(
      ([field, value]) => JSON.stringify(message[field as keyof Message]) === JSON.stringify(value),
    );
    if (unchanged) {
      throw badRequest(
        'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      );
    }
    const edited: Message = compact({ ...message, ...changes, edit_date: unixNow() });
    this.remember(edited);
    return edited;
  }

  // ---- Files ----

  private registerFile(kind: string, data: Buffer, filename?: string): StoredFile {
    const number = this.nextFileNumber++;
    const extension = /\.([A-Za-z0-9]+)$/.exec(filename ?? '')?.[1] ?? DEFAULT_EXTENSIONS[kind] ?? 'dat';
    const file: StoredFile = compact({
      file_id: `fake-${kind}-${number}`,
      file_unique_id: `fake-unique-${number}`,
      file_size: data.length,
      file_path: `${kind}s/file_${number}.${extension}`,
      filename,
      data,
    });
    this.files.set(file.file_id, file);
    return file;
  }

  /**
   * The file a request parameter (dotted `path`) designates: an upload, a known file_id, or an HTTP URL
   * (registered with no content).
   */
  private inputFile(call: FakeCall, path: string, kind: string): StoredFile {
    const upload = call.files[path];
    if (upload) return this.registerFile(kind, upload.data, upload.filename);
    const value = path
      .split('.')
      .reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), call.params);
    if (typeof value !== 'string') throw badRequest(`there is no ${kind} in the request`);
    const known = this.files.get(value);
    if (known) return known;
    if (/^https?:\/\//.test(value)) return this.registerFile(kind, Buffer.alloc(0), new URL(value).pathname);
    throw badRequest('wrong file identifier/HTTP URL specified');
  }

  // ---- Waiting ----

  private waitFor(
    matches: (call: FakeCall) => boolean,
    description: string,
    options: WaitOptions,
  ): Promise<FakeCall> {
    const { timeoutMs = DEFAULT_WAIT_MS, after = this.actionMark } = options;
    const recorded = this.calls.slice(after).find(matches);
    if (recorded) return Promise.resolve(recorded);
    if (this.closed) return Promise.reject(new Error('The fake Telegram server was closed'));
    return new Promise((resolve, reject) => {
      const waiter: CallWaiter = {
        after,
        matches,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.callWaiters.delete(waiter);
          reject(
            new Error(
              `Timed out after ${timeoutMs} ms waiting for ${description}. ` +
                `Calls since #${after} (getUpdates omitted):${this.describeCalls(after)}`,
            ),
          );
        }, timeoutMs),
      };
      this.callWaiters.add(waiter);
    });
  }

  private notifyCallWaiters(call: FakeCall, index: number): void {
    for (const waiter of [...this.callWaiters]) {
      let matched: boolean;
      try {
        matched = index >= waiter.after && waiter.matches(call);
      } catch (error) {
        this.callWaiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.reject(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (matched) {
        this.callWaiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.resolve(call);
      }
    }
  }

  private describeCalls(after: number): string {
    const lines = this.calls
      .map((call, index) => ({ call, index }))
      .slice(after)
      .filter(({ call }) => call.method !== 'getUpdates')
      .map(({ call, index }) => `\n  #${index} ${call.method} ${truncate(JSON.stringify(call.params), 300)}`);
    return lines.length ? lines.join('') : ' none';
  }
}

// ---- Request parsing ----

/** The whole request body; rejects if the client goes away mid-upload. */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Decodes a request's query, JSON, urlencoded or multipart parameters; file parts go to `files`. */
function parseRequest(
  query: URLSearchParams,
  contentType: string | undefined,
  body: Buffer,
): { params: JsonObject; files: Record<string, UploadedFile> } {
  const params: JsonObject = {};
  for (const [key, value] of query) params[key] = decodeFormValue(key, value);
  const files: Record<string, UploadedFile> = {};
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (body.length === 0) return { params, files };
  if (type === 'application/json') {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (!isRecord(parsed)) throw new Error('the JSON body is not an object');
    Object.assign(params, parsed);
  } else if (type === 'application/x-www-form-urlencoded') {
    for (const [key, value] of new URLSearchParams(body.toString('utf8')))
      params[key] = decodeFormValue(key, value);
  } else if (type === 'multipart/form-data') {
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
    const uploads = new Map<string, UploadedFile>();
    for (const part of parseMultipart(body, boundary?.[1] ?? boundary?.[2] ?? '')) {
      if (part.filename === undefined)
        params[part.name] = decodeFormValue(part.name, part.data.toString('utf8'));
      else uploads.set(part.name, compact({ filename: part.filename, data: part.data }));
    }
    const referenced = new Set<string>();
    collectAttachments(params, '', uploads, files, referenced);
    for (const [name, upload] of uploads) if (!referenced.has(name)) files[name] = upload;
  } else {
    throw new Error(`unsupported content type ${contentType}`);
  }
  return { params, files };
}

/** Form fields are strings: parse the JSON-looking ones back, except free text and unsafe integers. */
function decodeFormValue(key: string, value: string): unknown {
  if (TEXT_FIELDS.has(key)) return value;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'number' && !Number.isSafeInteger(parsed) && Number.isInteger(parsed)
      ? value
      : parsed;
  } catch {
    return value;
  }
}

/** Splits a multipart/form-data body into its parts. */
function parseMultipart(body: Buffer, boundary: string): { name: string; filename?: string; data: Buffer }[] {
  if (!boundary) throw new Error('multipart body without boundary');
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const parts: { name: string; filename?: string; data: Buffer }[] = [];
  // Prefixing CRLF lets the first delimiter match like the others.
  const data = Buffer.concat([Buffer.from('\r\n'), body]);
  let position = data.indexOf(delimiter);
  while (position !== -1) {
    const start = position + delimiter.length;
    if (data.subarray(start, start + 2).toString() === '--') break;
    const next = data.indexOf(delimiter, start);
    if (next === -1) throw new Error('multipart body without closing delimiter');
    const part = data.subarray(data.indexOf('\r\n', start) + 2, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd === -1) throw new Error('multipart part without headers');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const disposition = headers.split('\r\n').find((line) => /^content-disposition\s*:/i.test(line)) ?? '';
    const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) throw new Error('multipart part without name');
    const filename = /;\s*filename=(?:"([^"]*)"|([^;]*))/i.exec(disposition);
    parts.push(
      compact({
        name,
        filename: filename ? (filename[1] ?? filename[2])?.trim() : undefined,
        data: part.subarray(headerEnd + 4),
      }),
    );
    position = next;
  }
  return parts;
}

/** Maps every `attach://name` string inside `value` to its upload, keyed by the dotted path of the reference. */
function collectAttachments(
  value: unknown,
  path: string,
  uploads: Map<string, UploadedFile>,
  files: Record<string, UploadedFile>,
  referenced: Set<string>,
): void {
  if (typeof value === 'string' && value.startsWith('attach://')) {
    const name = value.slice('attach://'.length);
    const upload = uploads.get(name);
    if (upload) {
      files[path] = upload;
      referenced.add(name);
    }
  } else if (Array.isArray(value) || isRecord(value)) {
    for (const [key, child] of Object.entries(value)) {
      collectAttachments(child, path ? `${path}.${key}` : key, uploads, files, referenced);
    }
  }
}

// ---- Parameters ----

function stringParam(params: JsonObject, key: string): string {
  const value = params[key];
  if (typeof value !== 'string') throw badRequest(`parameter "${key}" is required`);
  return value;
}

function arrayParam(params: JsonObject, key: string): unknown[] {
  const value = params[key];
  if (!Array.isArray(value)) throw badRequest(`parameter "${key}" must be an array`);
  return value;
}

function chatIdParam(params: JsonObject): number {
  const value = params.chat_id;
  const id = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof id !== 'number' || !Number.isInteger(id)) throw badRequest('chat not found');
  return id;
}

function commandsKey(params: JsonObject): string {
  return JSON.stringify([params.scope ?? { type: 'default' }, params.language_code ?? '']);
}

/** The inline keyboard of a `reply_markup` parameter; other keyboards are not part of Message objects. */
function inlineKeyboardOf(markup: unknown): InlineKeyboardMarkup | undefined {
  if (!isRecord(markup) || !Array.isArray(markup.inline_keyboard)) return undefined;
  const keyboard = markup as unknown as InlineKeyboardMarkup;
  for (const button of keyboard.inline_keyboard.flat()) {
    if ('callback_data' in button) {
      const bytes = Buffer.byteLength(button.callback_data);
      if (bytes === 0 || bytes > MAX_CALLBACK_DATA_BYTES) throw badRequest('BUTTON_DATA_INVALID');
    }
  }
  return keyboard;
}

function captionOf(params: JsonObject): Pick<Message, 'caption' | 'caption_entities'> {
  if (typeof params.caption !== 'string') return {};
  const { text, entities } = formatText(params.caption, params.parse_mode, params.caption_entities);
  if (text.length > MAX_CAPTION_LENGTH) throw badRequest('message caption is too long');
  return { caption: text, caption_entities: entities };
}

// ---- Message parts ----

function photoSizeOf(file: StoredFile): PhotoSize {
  return {
    file_id: file.file_id,
    file_unique_id: file.file_unique_id,
    width: 800,
    height: 800,
    file_size: file.file_size,
  };
}

function documentOf(file: StoredFile, mimeType = 'application/octet-stream'): Document {
  return compact({
    file_id: file.file_id,
    file_unique_id: file.file_unique_id,
    file_name: file.filename,
    mime_type: mimeType,
    file_size: file.file_size,
  });
}

/** Message content for an InputMedia `type`; media kinds other than photo and document get a bare file object. */
function mediaOf(type: string, file: StoredFile): Partial<Message> {
  if (type === 'photo') return { photo: [photoSizeOf(file)] };
  if (type === 'document') return { document: documentOf(file) };
  return {
    [type]: { file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: file.file_size },
  };
}

function pickContent(message: Message): MessageContent {
  return compact(Object.fromEntries(CONTENT_FIELDS.map((field) => [field, structuredClone(message[field])])));
}

function privateChatOf(user: User): Chat.PrivateChat {
  return compact({ id: user.id, type: 'private', first_name: user.first_name, username: user.username });
}

function buttonPredicate(matcher: ButtonMatcher): (button: InlineKeyboardButton) => boolean {
  if (typeof matcher === 'string') return (button) => button.text === matcher;
  if (matcher instanceof RegExp)
    return (button) => new RegExp(matcher.source, matcher.flags).test(button.text);
  return matcher;
}

function describeMatcher(matcher: ButtonMatcher): string {
  return typeof matcher === 'function' ? 'the predicate' : JSON.stringify(String(matcher));
}

// ---- Text formatting ----

interface FormattedText {
  text: string;
  entities?: MessageEntity[];
}

/** Text plus entities as Telegram stores them: HTML is parsed, other parse modes are kept verbatim. */
function formatText(text: string, parseMode: unknown, entities: unknown): FormattedText {
  if (parseMode === 'HTML') return parseHtml(text);
  return Array.isArray(entities) && entities.length
    ? { text, entities: entities as MessageEntity[] }
    : { text };
}

interface OpenTag {
  name: string;
  offset: number;
  attributes: Map<string, string>;
  /** For `pre`: the language named by a nested `<code class="language-…">`. */
  language?: string;
}

const SIMPLE_TAGS: Record<string, MessageEntity.CommonMessageEntity['type']> = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  'tg-spoiler': 'spoiler',
  code: 'code',
};
const SUPPORTED_TAGS = new Set([...Object.keys(SIMPLE_TAGS), 'span', 'a', 'pre', 'blockquote', 'tg-emoji']);
const CHARACTER_REFERENCE = /&(?:#(\d+)|#x([\da-f]+)|(lt|gt|amp|quot));/iy;
const TAG = /<(\/?)([^\s>/]*)([^>]*)>/y;
const ATTRIBUTE = /([a-z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/gi;
const NAMED_REFERENCES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

/** Parses Telegram's HTML subset like the Bot API does, with its error messages for malformed markup. */
function parseHtml(html: string): FormattedText {
  const fail = (reason: string) => badRequest(`can't parse entities: ${reason}`);
  const byteOffset = (index: number) => Buffer.byteLength(html.slice(0, index));
  let text = '';
  const entities: MessageEntity[] = [];
  const open: OpenTag[] = [];
  let index = 0;
  while (index < html.length) {
    const char = html.charAt(index);
    if (char === '&') {
      CHARACTER_REFERENCE.lastIndex = index;
      const reference = CHARACTER_REFERENCE.exec(html);
      if (reference) {
        text += decodeReference(...(reference as [string, string?, string?, string?]));
        index = CHARACTER_REFERENCE.lastIndex;
        continue;
      }
    } else if (char === '<') {
      TAG.lastIndex = index;
      const tag = TAG.exec(html);
      if (!tag) throw fail(`Unclosed start tag at byte offset ${byteOffset(index)}`);
      const [, closing, rawName = '', rawAttributes = ''] = tag;
      const name = rawName.toLowerCase();
      if (closing) {
        const start = open.pop();
        if (!start) throw fail(`Unexpected end tag at byte offset ${byteOffset(index)}`);
        if (start.name !== name) {
          throw fail(
            `Unmatched end tag at byte offset ${byteOffset(index)}, expected "</${start.name}>", found "</${name}>"`,
          );
        }
        const entity = entityFor(start, text.length - start.offset, open.at(-1));
        if (entity && entity.length > 0) entities.push(entity);
      } else {
        if (!SUPPORTED_TAGS.has(name))
          throw fail(`Unsupported start tag "${name}" at byte offset ${byteOffset(index)}`);
        const attributes = new Map<string, string>();
        for (const [, key = '', ...values] of rawAttributes.matchAll(ATTRIBUTE)) {
          attributes.set(
            key.toLowerCase(),
            decodeReferences(values.find((value) => value !== undefined) ?? ''),
          );
        }
        if (name === 'span' && attributes.get('class') !== 'tg-spoiler') {
          throw fail(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(index)}`);
        }
        open.push({ name, offset: text.length, attributes });
      }
      index = TAG.lastIndex;
      continue;
    }
    text += char;
    index += 1;
  }
  const unclosed = open.at(-1);
  if (unclosed) throw fail(`Can't find end tag corresponding to start tag "${unclosed.name}"`);
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return entities.length ? { text, entities } : { text };
}

/** The entity a closed tag produces; `undefined` for `<code>` directly inside `<pre>` (it names the language). */
function entityFor(tag: OpenTag, length: number, parent: OpenTag | undefined): MessageEntity | undefined {
  const { offset, attributes } = tag;
  switch (tag.name) {
    case 'a': {
      const url = attributes.get('href');
      return url ? { type: 'text_link', offset, length, url } : undefined;
    }
    case 'pre':
      return compact<MessageEntity.PreMessageEntity>({ type: 'pre', offset, length, language: tag.language });
    case 'blockquote':
      return { type: attributes.has('expandable') ? 'expandable_blockquote' : 'blockquote', offset, length };
    case 'tg-emoji':
      return { type: 'custom_emoji', offset, length, custom_emoji_id: attributes.get('emoji-id') ?? '' };
    case 'span':
      return { type: 'spoiler', offset, length };
    case 'code':
      if (parent?.name === 'pre') {
        parent.language = /^language-(.+)$/.exec(attributes.get('class') ?? '')?.[1] ?? parent.language;
        return undefined;
      }
      return { type: 'code', offset, length };
    default: {
      const type = SIMPLE_TAGS[tag.name];
      return type ? { type, offset, length } : undefined;
    }
  }
}

/** Decodes one character reference given its regex groups (see {@link CHARACTER_REFERENCE}). */
function decodeReference(whole: string, decimal?: string, hex?: string, named?: string): string {
  if (decimal) return String.fromCodePoint(Number(decimal));
  if (hex) return String.fromCodePoint(parseInt(hex, 16));
  return NAMED_REFERENCES[named?.toLowerCase() ?? ''] ?? whole;
}

function decodeReferences(value: string): string {
  return value.replace(new RegExp(CHARACTER_REFERENCE.source, 'gi'), decodeReference);
}

// ---- Small utilities ----

function sendJson(res: ServerResponse, response: ApiResponse): void {
  if (res.destroyed || res.headersSent) return;
  const status = response.ok ? 200 : response.error_code;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(response));
}

/** A copy of `object` without its `undefined`-valued fields. */
function compact<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
