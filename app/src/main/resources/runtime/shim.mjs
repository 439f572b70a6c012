// onebox runtime shim.
//
// Baked into every script image at /opt/onebox/shim.mjs and started as `node /opt/onebox/shim.mjs`.
// It connects to the app over the container's channel (a Unix socket, see PROTOCOL.md beside
// this file), loads the user's module (Cloudflare Workers module format) and runs its `fetch`
// `scheduled` and `queue` handlers for the invocations the app sends, many at once.
//
// Plain ES module, Node.js 20/22, node: built-ins only. Start-up is on the cold-start path:
// keep the imports light and touch nothing lazy (fetch globals, child_process) until needed.

import net from 'node:net';
import { AsyncLocalStorage } from 'node:async_hooks';
import { formatWithOptions, inspect } from 'node:util';
import { pathToFileURL, fileURLToPath } from 'node:url';
import path from 'node:path';
import v8 from 'node:v8';

const CHANNEL_PATH = process.env.ONEBOX_CHANNEL || '/run/onebox/channel.sock';
const SCRIPT_PATH = path.resolve(process.env.ONEBOX_SCRIPT || '/app/script.mjs');
const CONNECT_TIMEOUT_MS = 5000;
const CHUNK_MAX = 64 * 1024; // response bodies go out in chunk frames of at most this size
const INLINE_BODY_MAX = 64 * 1024; // a complete body up to this size rides in the head frame
const LOG_LINE_MAX = 16 * 1024; // one log line's bytes in a log frame, at most (a cut note follows)
// The app stops a sandbox that sends a frame over these (PROTOCOL.md); the shim keeps below them.
const META_MAX = 64 * 1024; // a frame's meta JSON, except a kv request's
const KV_META_MAX = 6 * 1024 * 1024 + 64 * 1024; // a kv request's meta, which carries the value
const HEADERS_MAX = 48 * 1024; // a response's headers as JSON, so that its head frame fits META_MAX
const ERROR_MAX = 32 * 1024; // an error (message and stack) as JSON in a done or load_error frame
const LOG_BACKLOG_MAX = 8 * 1024 * 1024; // unsent bytes above which log lines are dropped
const PARTIAL_LINE_MAX = 64 * 1024; // stdout/stderr text without a newline, flushed past this
const KV_IN_FLIGHT_MAX = 32; // KV calls sent and not answered, at most (the app refuses more); the rest wait here
const D1_IN_FLIGHT_MAX = 32; // D1 calls sent and not answered, at most (the app refuses more); the rest wait here

// Kept before anything is patched: the shim's own last-resort diagnostics (it cannot reach the
// app) go to the container's real stderr.
const realStderrWrite = process.stderr.write.bind(process.stderr);
function fatal(message) {
  try { realStderrWrite(`onebox shim: ${message}\n`); } catch { /* nothing left to do */ }
}

// ---------------------------------------------------------------------------------------------
// Channel: framing (8-byte header: uint32 BE meta length, uint32 BE body length; JSON meta; body)
// ---------------------------------------------------------------------------------------------

const EMPTY = Buffer.alloc(0);

class Channel {
  /** @param {net.Socket} socket */
  constructor(socket) {
    this.socket = socket;
    this.closed = false;
    this.drainWaiter = null;
    this.onFrame = null;
    this.chunks = [];
    this.buffered = 0;
    this.metaLen = -1;
    this.bodyLen = 0;
    this.corked = false;
    socket.on('drain', () => this.#drained());
    socket.on('close', () => { this.closed = true; this.#drained(); });
  }

  /**
   * Sends one frame. Frames go out in call order. Returns a promise when the socket is over its
   * high-water mark: a producer that can wait (a response body) awaits it before producing more.
   */
  send(meta, body) {
    if (this.closed || this.socket.destroyed) return undefined;
    const metaBytes = Buffer.from(JSON.stringify(meta), 'utf8');
    if (metaBytes.length > (meta.type === 'kv' || meta.type === 'd1' ? KV_META_MAX : META_MAX)) {
      // the app would stop the sandbox for it: the caller (a KV call, ...) fails instead
      throw new RangeError(`a ${meta.type} message of ${metaBytes.length} bytes is more than the channel takes`);
    }
    const bodyLen = body ? body.byteLength : 0;
    const header = Buffer.allocUnsafe(8);
    header.writeUInt32BE(metaBytes.length, 0);
    header.writeUInt32BE(bodyLen, 4);
    this.#corkForTurn();
    if (bodyLen === 0) {
      this.socket.write(Buffer.concat([header, metaBytes], 8 + metaBytes.length));
    } else if (bodyLen <= 16 * 1024) {
      this.socket.write(Buffer.concat([header, metaBytes, body], 8 + metaBytes.length + bodyLen));
    } else {
      this.socket.write(Buffer.concat([header, metaBytes], 8 + metaBytes.length));
      this.socket.write(body);
    }
    return this.flushed();
  }

  /**
   * Frames sent in one turn of the event loop (a call's head and its done, the answers to several
   * calls) leave in one write at the turn's end: the app's reader wakes once for them, not once a
   * frame, and both sides make one system call instead of several.
   */
  #corkForTurn() {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    setImmediate(() => this.flushNow());
  }

  /** Hands what this turn sent to the kernel now (also on the way out of the process). */
  flushNow() {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  /** A promise that settles once the socket has drained, or undefined when it needs no draining. */
  flushed() {
    if (this.closed || !this.socket.writableNeedDrain) return undefined;
    if (!this.drainWaiter) {
      let resolve;
      const promise = new Promise((r) => { resolve = r; });
      this.drainWaiter = { promise, resolve };
    }
    return this.drainWaiter.promise;
  }

  /** Bytes written but not yet handed to the kernel. */
  backlog() {
    return this.socket.writableLength;
  }

  #drained() {
    const waiter = this.drainWaiter;
    this.drainWaiter = null;
    if (waiter) waiter.resolve();
    if (this.onDrain) this.onDrain();
  }

  /** Starts reading frames; `onFrame(meta, body)` is called for each, in order. */
  startReading(onFrame) {
    this.onFrame = onFrame;
    this.socket.on('data', (data) => {
      this.chunks.push(data);
      this.buffered += data.length;
      this.#parse();
    });
  }

  #take(n) {
    if (n === 0) return EMPTY;
    const first = this.chunks[0];
    if (first.length >= n) {
      this.buffered -= n;
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
    return out;
  }

  #parse() {
    for (;;) {
      if (this.metaLen < 0) {
        if (this.buffered < 8) return;
        const header = this.#take(8);
        this.metaLen = header.readUInt32BE(0);
        this.bodyLen = header.readUInt32BE(4);
      }
      if (this.buffered < this.metaLen + this.bodyLen) return;
      const metaBytes = this.#take(this.metaLen);
      const body = this.#take(this.bodyLen);
      this.metaLen = -1;
      let meta;
      try {
        meta = JSON.parse(metaBytes.toString('utf8'));
      } catch (err) {
        log(null, 'error', `[onebox] unreadable frame from the app: ${err.message}`);
        continue;
      }
      try {
        this.onFrame(meta, body);
      } catch (err) {
        log(null, 'error', `[onebox] ${inspect(err)}`);
      }
    }
  }
}

function connect(socketPath, deadline) {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.createConnection(socketPath);
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        resolve(socket);
      });
      socket.once('error', (err) => {
        socket.destroy();
        if (Date.now() >= deadline) reject(err);
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
}

/** @type {Channel} */
let channel = null;

// ---------------------------------------------------------------------------------------------
// Logs: console.* and process.stdout/stderr become `log` frames of the invocation they run in
// ---------------------------------------------------------------------------------------------

/** The running invocation (its `id`, console group indent, ...), or undefined at top level. */
const als = new AsyncLocalStorage();
const topLevel = { id: null, indent: '' };
const current = () => als.getStore() || topLevel;

const dropped = new Map(); // invocation id (or null) -> log lines dropped while the channel lagged

function log(id, level, text) {
  if (!channel) return;
  if (channel.backlog() > LOG_BACKLOG_MAX) {
    dropped.set(id, (dropped.get(id) || 0) + 1);
    return;
  }
  if (dropped.size) reportDropped();
  let body = Buffer.from(text, 'utf8');
  if (body.length > LOG_LINE_MAX) {
    const cut = body.length - LOG_LINE_MAX;
    body = Buffer.concat([body.subarray(0, LOG_LINE_MAX), Buffer.from(` … [${cut} more bytes cut]`)]);
  }
  channel.send({ type: 'log', id, level, ts: Date.now() }, body);
}

function reportDropped(onlyId) {
  for (const [id, count] of dropped) {
    if (onlyId !== undefined && id !== onlyId) continue;
    dropped.delete(id);
    channel.send({ type: 'log', id, level: 'warn', ts: Date.now() },
      Buffer.from(`[onebox] ${count} log line(s) dropped: output came faster than it could be sent`));
  }
}

function emit(level, text) {
  const store = current();
  if (store.indent) text = store.indent + text.replaceAll('\n', `\n${store.indent}`);
  log(store.id, level, text);
}

const format = (args) => formatWithOptions({}, ...args); // no colors, as Node prints to a pipe

function installConsole() {
  const c = globalThis.console;
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    c[level] = function (...args) { emit(level, format(args)); };
  }
  c.dir = function (value, options) {
    emit('log', inspect(value, { customInspect: false, ...options }));
  };
  c.trace = function trace(...args) {
    const err = { name: 'Trace', message: format(args) };
    Error.captureStackTrace(err, trace);
    emit('debug', err.stack);
  };
  // Node's own group/groupEnd indent through its private stream writer; redo it per invocation.
  c.group = c.groupCollapsed = function (...args) {
    if (args.length > 0) c.log(...args);
    const store = current();
    store.indent += '  ';
  };
  c.groupEnd = function () {
    const store = current();
    store.indent = store.indent.slice(0, -2);
  };
  // assert, count, table, time*, dirxml go through c.log / c.warn and so land here too.
}

function installStdio() {
  patchStream(process.stdout, 'log');
  patchStream(process.stderr, 'error');
}

// Text written without a trailing newline waits for the rest of its line, per invocation.
const partialLines = new Map(); // `${level}\0${id}` -> text

function patchStream(stream, level) {
  stream.write = function write(chunk, encoding, callback) {
    if (typeof encoding === 'function') { callback = encoding; encoding = undefined; }
    let text;
    if (typeof chunk === 'string') {
      text = encoding && encoding !== 'utf8' && encoding !== 'utf-8'
        ? Buffer.from(chunk, encoding).toString('utf8') : chunk;
    } else if (chunk instanceof Uint8Array) {
      text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
    } else {
      text = String(chunk);
    }
    const { id } = current();
    const key = `${level}\0${id}`;
    text = (partialLines.get(key) || '') + text;
    const nl = text.lastIndexOf('\n');
    let rest = text;
    if (nl >= 0) {
      log(id, level, text.slice(0, nl));
      rest = text.slice(nl + 1);
    }
    if (rest.length > PARTIAL_LINE_MAX) {
      log(id, level, rest);
      rest = '';
    }
    if (rest) partialLines.set(key, rest);
    else partialLines.delete(key);
    if (typeof callback === 'function') process.nextTick(callback);
    return true;
  };
}

function flushPartialLines(id) {
  for (const level of ['log', 'error']) {
    const key = `${level}\0${id}`;
    const rest = partialLines.get(key);
    if (rest !== undefined) {
      partialLines.delete(key);
      log(id, level, rest);
    }
  }
}

function installCrashGuards() {
  process.on('uncaughtException', (err) => {
    log(current().id, 'error', `Uncaught ${inspect(err)}`);
  });
  process.on('unhandledRejection', (reason) => {
    log(current().id, 'error', `Unhandled promise rejection: ${inspect(reason)}`);
  });
}

// ---------------------------------------------------------------------------------------------
// env: plain vars (secrets) as strings, plus bindings
// ---------------------------------------------------------------------------------------------

/**
 * Binding factories by type (`kv`, `d1`, `queue`, `assets`): `(name, ctx) => object`, called for
 * each binding the app declares in the `env` frame (`bindings: [{name, type}]`) each time env is
 * rebuilt. A binding's calls carry its name; the app resolves the name to what it reaches.
 * `ctx.channel` is the app channel.
 * @type {Map<string, (name: string, ctx: {channel: Channel, vars: Record<string, string>}) => unknown>}
 */
const bindingTypes = new Map();

/** Bindings every script has without declaring them, by env name: `(ctx) => object` (env.KV). */
const defaultBindings = new Map();

/** Builds the frozen env handed to handlers: every var as a string, the default bindings, then the declared ones. */
function buildEnv(vars, declared) {
  const env = {};
  if (vars && typeof vars === 'object') {
    for (const [name, value] of Object.entries(vars)) env[name] = value == null ? '' : String(value);
  }
  for (const [name, make] of defaultBindings) env[name] = make({ channel, vars: env });
  for (const binding of Array.isArray(declared) ? declared : []) {
    const make = binding && typeof binding.name === 'string' ? bindingTypes.get(binding.type) : undefined;
    if (make) env[binding.name] = make(binding.name, { channel, vars: env });
  }
  return Object.freeze(env);
}

let env = buildEnv({});

// ---------------------------------------------------------------------------------------------
// env.KV: the script's key-value store, kept by the app (SQLite, with the cache in front)
// ---------------------------------------------------------------------------------------------

const kvPending = new Map();
const kvWaiting = []; // calls beyond KV_IN_FLIGHT_MAX, sent in order as answers come back
let kvNext = 0;

/** Sends one KV request to the app (or queues it while KV_IN_FLIGHT_MAX are open) and waits for its `kv_result`. */
function kvCall(op, args) {
  return new Promise((resolve, reject) => {
    const request = { type: 'kv', id: current().id, op, ...args };
    if (kvPending.size < KV_IN_FLIGHT_MAX) kvSend(request, { resolve, reject });
    else kvWaiting.push({ request, settle: { resolve, reject } });
  });
}

function kvSend(request, settle) {
  const rid = ++kvNext;
  kvPending.set(rid, settle);
  channel.send({ ...request, rid });
}

function kvResult(meta) {
  const pending = kvPending.get(meta.rid);
  if (!pending) return;
  kvPending.delete(meta.rid);
  const next = kvWaiting.shift();
  if (next) kvSend(next.request, next.settle);
  if (meta.error) pending.reject(new Error(meta.error));
  else pending.resolve(meta);
}

/** A KV namespace: the script's own without a binding name, else the one the app bound to that name. */
function kvNamespace(binding) {
  const target = binding === undefined ? {} : { binding };
  return Object.freeze({
    async get(key, options) {
      const type = (typeof options === 'object' && options !== null ? options.type : options) || 'text';
      const { value } = await kvCall('get', { ...target, key: String(key) });
      if (value == null) return null;
      if (type === 'text') return value;
      if (type === 'json') return JSON.parse(value);
      if (type === 'arrayBuffer') return new TextEncoder().encode(value).buffer;
      throw new TypeError(`KV.get: unknown type "${type}" (text, json or arrayBuffer)`);
    },
    async put(key, value, options = {}) {
      if (typeof value !== 'string') throw new TypeError('KV.put takes a string value (use JSON.stringify for objects)');
      let ttl = options.expirationTtl ?? null;
      if (options.expiration != null) ttl = Math.max(1, Math.ceil(options.expiration - Date.now() / 1000));
      await kvCall('put', { ...target, key: String(key), value, ttl });
    },
    async delete(key) {
      await kvCall('delete', { ...target, key: String(key) });
    },
    async list(options = {}) {
      const result = await kvCall('list', { ...target, prefix: options.prefix ?? '', limit: options.limit ?? 1000, cursor: options.cursor ?? null });
      const keys = result.keys.map(({ name, expiration }) => (expiration == null ? { name } : { name, expiration }));
      return result.complete ? { keys, list_complete: true } : { keys, list_complete: false, cursor: result.cursor };
    },
  });
}

const KV = kvNamespace();
defaultBindings.set('KV', () => KV);
bindingTypes.set('kv', (name) => kvNamespace(name));

// ---------------------------------------------------------------------------------------------
// env.DB (d1_databases): D1 databases, kept by the app (one SQLite file each, never in here)
// ---------------------------------------------------------------------------------------------

const d1Pending = new Map();
const d1Waiting = []; // calls beyond D1_IN_FLIGHT_MAX, sent in order as answers come back
let d1Next = 0;

/**
 * About how many bytes a request's statements take as JSON, counted without building it: a
 * request far over the channel's limit fails here, before JSON.stringify copies a value that
 * large (which could take the script over its memory limit).
 */
function d1Size(args) {
  let size = typeof args.sql === 'string' ? args.sql.length : 0;
  for (const statement of args.statements || []) {
    size += statement.sql.length;
    for (const value of statement.params) size += typeof value === 'string' ? value.length : value && value.blob ? value.blob.length : 8;
  }
  return size;
}

/** Sends one D1 request to the app (or queues it while D1_IN_FLIGHT_MAX are open) and waits for its `d1_result`. */
function d1Call(binding, op, args) {
  if (d1Size(args) > KV_META_MAX) {
    return Promise.reject(new Error(`D1_ERROR: the statement's SQL and bound values are more than the ${KV_META_MAX >> 20} MiB a D1 call may carry`));
  }
  return new Promise((resolve, reject) => {
    // `type` first: the app lets a large meta through only when it starts with {"type":"d1",
    const request = { type: 'd1', id: current().id, binding, op, ...args };
    if (d1Pending.size < D1_IN_FLIGHT_MAX) d1Send(request, { resolve, reject });
    else d1Waiting.push({ request, settle: { resolve, reject } });
  });
}

function d1Send(request, settle) {
  const rid = ++d1Next;
  d1Pending.set(rid, settle);
  try {
    channel.send({ ...request, rid });
  } catch (tooLarge) {
    d1Pending.delete(rid);
    settle.reject(new Error(`D1_ERROR: the statement's SQL and bound values are more than the ${KV_META_MAX >> 20} MiB a D1 call may carry`));
    const next = d1Waiting.shift();
    if (next) d1Send(next.request, next.settle);
  }
}

function d1Result(meta) {
  const pending = d1Pending.get(meta.rid);
  if (!pending) return;
  d1Pending.delete(meta.rid);
  const next = d1Waiting.shift();
  if (next) d1Send(next.request, next.settle);
  if (meta.error) pending.reject(new Error(meta.error));
  else pending.resolve(meta);
}

/** A bound value as D1 takes it: null, numbers, strings, booleans, and blobs (ArrayBuffer, typed arrays) as base64. */
function d1Value(value) {
  if (value === null || typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  // A blob too large for any call is not encoded (that would copy it); the call fails when it runs.
  if (value instanceof ArrayBuffer) return value.byteLength > KV_META_MAX ? { blob: { length: value.byteLength } } : { blob: Buffer.from(value).toString('base64') };
  if (ArrayBuffer.isView(value)) {
    if (value.byteLength > KV_META_MAX) return { blob: { length: value.byteLength } };
    return { blob: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  }
  const type = value === undefined ? 'undefined' : typeof value;
  throw new Error(`D1_TYPE_ERROR: Type '${type}' not supported for value '${String(value)}'`);
}

/** Rows as objects by column name, as all() and first() answer them. */
function d1Objects({ columns, rows }) {
  return rows.map((row) => {
    const object = {};
    columns.forEach((column, i) => { object[column] = row[i]; });
    return object;
  });
}

const d1Answer = (result) => ({ success: true, meta: result.meta, results: d1Objects(result) });

class D1PreparedStatement {
  #binding;
  constructor(binding, sql, params) {
    this.#binding = binding;
    this.sql = sql;
    this.params = params;
  }

  bind(...values) {
    return new D1PreparedStatement(this.#binding, this.sql, values.map(d1Value));
  }

  /** The statement as a batch carries it; its binding must be the batch's. */
  statementFor(binding) {
    if (binding !== this.#binding) throw new Error('D1_ERROR: a batch takes statements prepared on the same database');
    return { sql: this.sql, params: this.params };
  }

  async #query() {
    const { results } = await d1Call(this.#binding, 'query', { statements: [{ sql: this.sql, params: this.params }] });
    return results[0];
  }

  async first(column) {
    const result = await this.#query();
    if (column !== undefined && !result.columns.includes(column)) throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${column})`);
    if (result.rows.length === 0) return null;
    const row = d1Objects({ columns: result.columns, rows: [result.rows[0]] })[0];
    return column === undefined ? row : row[column];
  }

  async all() {
    return d1Answer(await this.#query());
  }

  async run() {
    return d1Answer(await this.#query());
  }

  async raw(options) {
    const result = await this.#query();
    return options && options.columnNames ? [result.columns, ...result.rows] : result.rows;
  }
}

/** env.<binding> for a D1 database: prepare, batch (one transaction), exec; dump() is not offered. */
function d1Database(binding) {
  const database = {
    prepare(sql) {
      return new D1PreparedStatement(binding, String(sql), []);
    },
    async batch(statements) {
      if (!Array.isArray(statements)) throw new TypeError('D1 batch() takes an array of prepared statements');
      const list = statements.map((statement) => {
        if (!(statement instanceof D1PreparedStatement)) throw new TypeError('D1 batch() takes prepared statements');
        return statement.statementFor(binding);
      });
      const { results } = await d1Call(binding, 'batch', { statements: list });
      return results.map(d1Answer);
    },
    async exec(sql) {
      const { count, duration } = await d1Call(binding, 'exec', { sql: String(sql) });
      return { count, duration };
    },
    async dump() {
      throw new Error('D1_DUMP_ERROR: dump() is not offered by onebox; back the database up with the box (onebox backup)');
    },
    withSession() {
      return Object.freeze({ prepare: database.prepare, batch: database.batch, getBookmark: () => null });
    },
  };
  return Object.freeze(database);
}

bindingTypes.set('d1', (name) => d1Database(name));
env = buildEnv({});

// ---------------------------------------------------------------------------------------------
// env.ASSETS: the version's static assets, kept by the app; fetch() answers as Workers Static
// Assets do for a request with no code (html_handling, not_found_handling)
// ---------------------------------------------------------------------------------------------

const ASSETS_IN_FLIGHT_MAX = 32; // env.ASSETS.fetch calls sent and not answered, at most (the app refuses more)
const assetsPending = new Map();
let assetsNext = 0;

function assetsResult(meta, body) {
  const pending = assetsPending.get(meta.rid);
  if (!pending) return;
  assetsPending.delete(meta.rid);
  if (meta.error) {
    pending.reject(new Error(`env.${pending.binding}.fetch: ${meta.error}`));
    return;
  }
  const empty = pending.method === 'HEAD' || [204, 304, 307].includes(meta.status);
  pending.resolve(new Response(empty ? null : body, { status: meta.status, headers: meta.headers }));
}

bindingTypes.set('assets', (binding) => Object.freeze({
  async fetch(input, init) {
    const request = input instanceof Request && init === undefined ? input : new Request(input, init);
    const url = new URL(request.url);
    // what the app would take for a forged frame (and stop the sandbox for) fails the call instead
    if (url.pathname.length > 8192 || url.search.length > 8192 || request.method.length > 16) {
      throw new TypeError(`env.${binding}.fetch: the method or URL is longer than the app takes`);
    }
    if (assetsPending.size >= ASSETS_IN_FLIGHT_MAX) {
      throw new Error(`env.${binding}.fetch: more than ${ASSETS_IN_FLIGHT_MAX} calls at once`);
    }
    return new Promise((resolve, reject) => {
      const rid = ++assetsNext;
      assetsPending.set(rid, { resolve, reject, binding, method: request.method });
      channel.send({
        type: 'assets', rid, binding, method: request.method, path: url.pathname, query: url.search,
        ifNoneMatch: (request.headers.get('if-none-match') ?? '').slice(0, 1024) || undefined,
        navigate: request.headers.get('sec-fetch-mode') === 'navigate',
      });
    });
  },
}));

// ---------------------------------------------------------------------------------------------
// Loading the user's module
// ---------------------------------------------------------------------------------------------

let worker = null; // the module's default export
let handlers = [];

async function loadModule() {
  let mod;
  try {
    mod = await import(pathToFileURL(SCRIPT_PATH).href);
  } catch (err) {
    return { error: await describeLoadError(err) };
  }
  const exported = mod.default;
  handlers = ['fetch', 'scheduled', 'queue'].filter((name) => typeof exported?.[name] === 'function');
  if (handlers.length === 0) {
    return { error: { message: "the module's default export needs a fetch, scheduled or queue handler", stack: '' } };
  }
  worker = exported;
  return { handlers };
}

async function describeLoadError(err) {
  const info = errorInfo(err);
  const stack = typeof err?.stack === 'string' ? err.stack : '';
  // A link error (a missing named import) carries "file:///...:LINE\n<source>\n   ^^^" atop its
  // stack; an error thrown by the module's code has a frame in it. A parse error has neither:
  // Node keeps its place in a private field and prints it only when the error kills the
  // process, so `node --check` is asked for it.
  let where = arrowLocation(stack) || firstFrameLocation(stack);
  if (!where && err instanceof SyntaxError) {
    const arrow = await checkSyntax(SCRIPT_PATH);
    where = arrow && arrowLocation(arrow);
    if (where) info.stack = `${arrow}\n\n${info.stack}`; // the source line and its caret
  }
  if (where) info.message += ` (${where})`;
  return bounded(info);
}

/** "file:///app/script.mjs:3\n  x }\n    ^" (atop a stack, or from `node --check`) -> "script.mjs:3:5" */
function arrowLocation(text) {
  const lines = text.split('\n');
  const m = /^(file:\/\/\S+|\/.*|[A-Za-z]:\\.*):(\d+)$/.exec(lines[0] || '');
  if (!m) return null;
  let column = null;
  for (let i = 1; i < Math.min(lines.length, 4); i++) {
    const caret = lines[i].indexOf('^');
    if (caret >= 0 && /^[\s^]*$/.test(lines[i])) { column = caret + 1; break; }
  }
  return `${displayPath(m[1])}:${m[2]}${column ? `:${column}` : ''}`;
}

/** The first stack frame in a file of the script's (not node: internals) -> "script.mjs:3:1" */
function firstFrameLocation(stack) {
  for (const m of stack.matchAll(/(file:\/\/[^\s)]+):(\d+):(\d+)/g)) {
    if (m[1] !== import.meta.url) return `${displayPath(m[1])}:${m[2]}:${m[3]}`;
  }
  return null;
}

function displayPath(file) {
  let p = file;
  if (p.startsWith('file:')) {
    try { p = fileURLToPath(p); } catch { return p; }
  }
  const rel = path.relative(path.dirname(SCRIPT_PATH), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

async function checkSyntax(file) {
  try {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['--check', file], {
      encoding: 'utf8', timeout: 3000, stdio: ['ignore', 'ignore', 'pipe'],
    });
    if (r.status === 0 || !r.stderr) return null; // the error is in an imported file, not this one
    // "<file>:<line>\n<source line>\n<caret line>\n\nSyntaxError: ..." -> its first three lines
    return r.stderr.replace(/^\s+/, '').split('\n').slice(0, 3).join('\n');
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Invocations
// ---------------------------------------------------------------------------------------------

function errorInfo(err) {
  try {
    return bounded(describeError(err));
  } catch {
    return { message: 'an error that could not be described', stack: '' };
  }
}

/** The error cut until its JSON fits ERROR_MAX (a huge message or stack must not break the frame). */
function bounded(info) {
  let { message, stack } = info;
  const size = () => Buffer.byteLength(JSON.stringify({ message, stack }), 'utf8');
  for (let keep = 16 * 1024; size() > ERROR_MAX && keep >= 64; keep >>= 1) {
    if (stack.length > keep) stack = `${stack.slice(0, keep)} … [cut]`;
    if (message.length > keep / 4) message = `${message.slice(0, keep / 4)} … [cut]`;
  }
  if (size() > ERROR_MAX) return { message: 'an error too large to report', stack: '' };
  return { message, stack };
}

function describeError(err) {
  if (err instanceof Error || (err && typeof err === 'object' && typeof err.message === 'string')) {
    const name = typeof err.name === 'string' && err.name ? err.name : 'Error';
    const message = err.message ? `${name}: ${err.message}` : name;
    return { message, stack: typeof err.stack === 'string' ? err.stack : message };
  }
  const message = typeof err === 'string' ? err : inspect(err);
  return { message, stack: '' };
}

function makeCtx(inv) {
  return {
    waitUntil(promise) {
      if (inv.finished) {
        log(inv.id, 'warn', '[onebox] ctx.waitUntil() called after the invocation finished: not awaited');
        return;
      }
      inv.waitUntil.push(Promise.resolve(promise));
    },
    passThroughOnException() {},
  };
}

async function settleWaitUntil(inv) {
  while (inv.waitUntil.length > 0) {
    const batch = inv.waitUntil.splice(0);
    const results = await Promise.allSettled(batch);
    for (const r of results) {
      if (r.status === 'rejected') {
        log(inv.id, 'error', `A ctx.waitUntil() promise rejected: ${inspect(r.reason)}`);
      }
    }
  }
}

async function finish(inv, error, beforeDone) {
  await settleWaitUntil(inv);
  if (beforeDone) beforeDone();
  inv.finished = true;
  calls.delete(inv.id);
  flushPartialLines(inv.id);
  if (dropped.has(inv.id)) reportDropped(inv.id);
  const meta = { type: 'done', id: inv.id };
  if (error) meta.error = error;
  channel.send(meta);
}

/**
 * Calls in flight by id, for the frames the app sends about them (credit, body, abort). Each has
 * `credit`: the chunk frames it may still send (the app grants more as its HTTP client takes
 * them); `abort`: the AbortController behind request.signal; `body`: the streamed request body.
 */
const calls = new Map();

function invoke(meta, body) {
  const inv = {
    id: meta.id, indent: '', waitUntil: [], finished: false,
    credit: Number.isInteger(meta.window) && meta.window > 0 ? meta.window : Infinity,
    creditWaiter: null, abort: new AbortController(), body: null,
  };
  calls.set(inv.id, inv);
  als.run(inv, () => {
    const run = meta.kind === 'fetch' ? runFetch(inv, meta, body)
      : meta.kind === 'scheduled' ? runScheduled(inv, meta)
        : meta.kind === 'queue' ? runQueue(inv, meta, body)
        : finish(inv, { message: `unknown invocation kind: ${meta.kind}`, stack: '' });
    run.catch((err) => {
      // Only a bug in the shim lands here; still answer so the app is not left waiting.
      log(inv.id, 'error', `[onebox] ${inspect(err)}`);
      if (!inv.finished) {
        inv.finished = true;
        calls.delete(inv.id);
        channel.send({ type: 'done', id: inv.id, error: errorInfo(err) });
      }
    });
  });
}

function buildRequest(inv, meta, body) {
  const method = String(meta.method || 'GET').toUpperCase();
  const headers = new Headers();
  for (const pair of meta.headers || []) {
    try {
      headers.append(pair[0], pair[1]);
    } catch (err) {
      log(inv.id, 'warn', `[onebox] request header ${JSON.stringify(pair[0])} dropped: ${err.message}`);
    }
  }
  const init = { method, headers };
  if (meta.body === 'stream') {
    inv.body = new RequestBody(inv.id);
    if (method !== 'GET' && method !== 'HEAD') {
      init.body = inv.body.stream;
      init.duplex = 'half';
    }
  } else if (method !== 'GET' && method !== 'HEAD' && body && body.length > 0) {
    init.body = body;
    init.duplex = 'half';
  }
  return new (incomingRequestClass())(meta.url, init, inv.abort.signal);
}

// The request a handler gets answers `signal` with its call's own AbortSignal instead of being
// built to follow it: undici makes a Request follow a signal through an abort listener, a WeakRef
// and a FinalizationRegistry entry, 14 us of CPU per call on Node 22 (28 us on Node 20) against
// 2.4 us this way, on a sandbox side of about 50 us per trivial call. What a script does with the
// request still follows the call: request.clone(), fetch(request), new Request(request, init)
// (the wrappers below add the signal when init names none), and new Request(url, request).
const CALL_SIGNAL = Symbol('onebox.callSignal');
let IncomingRequest = null;
let nativeRequest = null; // Node's own Request, before the wrapper below

/** Made on the first call: Request is one of Node's lazy globals, kept off the cold start. */
function incomingRequestClass() {
  if (IncomingRequest === null) {
    const global = globalThis.Request; // once wrapped (installRequest), Node's own is in nativeRequest
    IncomingRequest = class Request extends (nativeRequest ?? global) {
      constructor(input, init, signal) {
        super(input, init);
        this[CALL_SIGNAL] = signal;
      }

      get signal() {
        return this[CALL_SIGNAL] ?? super.signal;
      }

      clone() {
        return new IncomingRequest(super.clone(), undefined, this[CALL_SIGNAL]);
      }
    };
  }
  return IncomingRequest;
}

/** `init` with the signal of the request a handler got, when `input` is that request and `init` names none. */
function followingCall(input, init) {
  if (IncomingRequest === null || !(input instanceof IncomingRequest)) return init;
  if (init != null && (typeof init !== 'object' || init.signal !== undefined)) return init;
  // Inherited, not copied: init's fields may be getters or sit on its prototype.
  return Object.create(init ?? null, { signal: { value: input.signal, enumerable: true } });
}

function installFetch() {
  const nodeFetch = globalThis.fetch;
  if (typeof nodeFetch !== 'function') return;
  globalThis.fetch = function fetch(input, init) {
    return nodeFetch(input, followingCall(input, init));
  };
}

/** new Request(request, init) follows the call too; Request stays lazy where Node makes it so. */
function installRequest() {
  const own = Object.getOwnPropertyDescriptor(globalThis, 'Request');
  if (!own || !own.configurable) return;
  const wrap = (native) => {
    nativeRequest = native;
    return new Proxy(native, {
      construct(target, args, newTarget) {
        if (args.length > 0) args[1] = followingCall(args[0], args[1]);
        return Reflect.construct(target, args, newTarget);
      },
    });
  };
  const settle = (value) => Object.defineProperty(globalThis, 'Request', { value, writable: true, configurable: true, enumerable: own.enumerable });
  if (typeof own.get === 'function') {
    // Node's lazy getter defines the loaded value on globalThis itself: the wrapper goes over it.
    Object.defineProperty(globalThis, 'Request', {
      configurable: true,
      enumerable: own.enumerable,
      get() {
        const wrapped = wrap(own.get.call(globalThis));
        settle(wrapped);
        return wrapped;
      },
      set: settle,
    });
  } else if (typeof own.value === 'function') {
    settle(wrap(own.value));
  }
}

/**
 * A request body that streams in from the app (`body` frames, then `body_end`). The app sends
 * `window` frames ahead; each one the script reads is answered with a `pull`, so a script that
 * does not read its body holds the upload back instead of buffering it.
 */
class RequestBody {
  constructor(id) {
    this.id = id;
    this.queue = [];
    this.ended = false;
    this.error = null;
    this.waiting = null; // the pull() waiting for the next frame
    this.stream = new ReadableStream({
      pull: (controller) => this.#pull(controller),
      cancel: () => { this.queue = []; },
    }, { highWaterMark: 0 });
  }

  push(bytes) {
    this.queue.push(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    this.#wake();
  }

  end(error) {
    this.ended = true;
    if (error) this.error = new Error(error);
    this.#wake();
  }

  #wake() {
    const resolve = this.waiting;
    this.waiting = null;
    if (resolve) resolve();
  }

  async #pull(controller) {
    while (this.queue.length === 0 && !this.ended) {
      await new Promise((resolve) => { this.waiting = resolve; });
    }
    if (this.queue.length > 0) {
      controller.enqueue(this.queue.shift());
      if (!this.ended) channel.send({ type: 'pull', id: this.id, n: 1 });
    } else if (this.error) {
      controller.error(this.error);
    } else {
      controller.close();
    }
  }
}

/** Waits until call `inv` may send one more chunk frame, and takes that credit. */
async function takeCredit(inv) {
  while (inv.credit <= 0) {
    if (inv.abort.signal.aborted) throw inv.abort.signal.reason;
    await new Promise((resolve) => { inv.creditWaiter = resolve; });
  }
  if (inv.abort.signal.aborted) throw inv.abort.signal.reason;
  inv.credit--;
}

function onCredit(meta) {
  const inv = calls.get(meta.id);
  if (!inv) return;
  inv.credit += Number(meta.n) || 0;
  const resolve = inv.creditWaiter;
  inv.creditWaiter = null;
  if (resolve) resolve();
}

function onAbort(meta) {
  const inv = calls.get(meta.id);
  if (!inv) return;
  const reason = new DOMException(String(meta.reason || 'the client went away'), 'AbortError');
  inv.body?.end(reason.message);
  als.run(inv, () => inv.abort.abort(reason)); // abort listeners log against their call
  const resolve = inv.creditWaiter;
  inv.creditWaiter = null;
  if (resolve) resolve();
}

/** A Response from another implementation (a bundled undici, node-fetch, ...). */
function isResponseLike(value) {
  return value !== null && typeof value === 'object' && typeof value.status === 'number'
    && typeof value.arrayBuffer === 'function' && value.headers != null
    && typeof value.headers[Symbol.iterator] === 'function';
}

/** A handler's return value as a Response: Responses as they are, undefined -> 204, else JSON. */
function toResponse(value) {
  if (value instanceof Response || isResponseLike(value)) {
    if (value.type === 'error') throw new TypeError('the fetch handler returned Response.error()');
    if (!Number.isInteger(value.status) || value.status < 200 || value.status > 599) {
      throw new RangeError(`the fetch handler returned a response with status ${value.status} (200 to 599)`);
    }
    if (value.bodyUsed || value.body?.locked) {
      throw new TypeError('the fetch handler returned a Response whose body was already read');
    }
    return value;
  }
  if (value === undefined) return new Response(null, { status: 204 });
  const json = JSON.stringify(value);
  if (json === undefined) {
    throw new TypeError(`the fetch handler returned a ${typeof value}: return a Response or a JSON value`);
  }
  return new Response(json, { headers: { 'content-type': 'application/json; charset=utf-8' } });
}

async function runFetch(inv, meta, body) {
  const ctx = makeCtx(inv);
  let response;
  let request;
  try {
    if (!worker || typeof worker.fetch !== 'function') throw noHandler('fetch');
    request = buildRequest(inv, meta, body);
    response = toResponse(await worker.fetch(request, env, ctx));
  } catch (err) {
    return finish(inv, err instanceof NoHandler ? err.info : errorInfo(err));
  }

  const headers = [];
  for (const [name, value] of response.headers) headers.push([name, value]);
  const head = { type: 'head', id: inv.id, status: response.status, headers };
  const stream = response.body;
  const headersSize = Buffer.byteLength(JSON.stringify(headers), 'utf8');
  if (headersSize > HEADERS_MAX) {
    if (stream && typeof stream.cancel === 'function') stream.cancel().catch(() => {});
    return finish(inv, { message: `TypeError: the response headers take ${headersSize} bytes, more than ${HEADERS_MAX}`, stack: '' });
  }

  if (!stream || request.method === 'HEAD') {
    if (stream && typeof stream.cancel === 'function') stream.cancel().catch(() => {});
    else if (stream && typeof stream.destroy === 'function') stream.destroy();
    channel.send({ ...head, end: true });
    return finish(inv, null);
  }

  let error = null;
  try {
    if (typeof stream.getReader === 'function') {
      if (await sendBody(inv, head, stream.getReader())) return finish(inv, null); // in the head
    } else {
      channel.send(head);
      await sendIterable(inv, stream);
    }
  } catch (err) {
    error = errorInfo(err);
  }
  channel.send({ type: 'end', id: inv.id });
  return finish(inv, error);
}

const LATER = Symbol('later');
/**
 * `promise`'s value if it settles within this turn of the event loop, else LATER. The immediate
 * is cleared once the promise settles instead of racing it: two body reads one after the other
 * cost 8.6 us of CPU that way against 17 us with Promise.race (Node 22), though under load, with
 * many calls per turn, the whole call path showed no difference beyond the host's noise.
 */
function soon(promise) {
  return new Promise((resolve, reject) => {
    const later = setImmediate(resolve, LATER);
    promise.then((value) => {
      clearImmediate(later);
      resolve(value);
    }, (err) => {
      clearImmediate(later);
      reject(err);
    });
  });
}

/** Sends bytes as chunk frames, at the pace the channel takes them. */
async function sendChunks(inv, bytes) {
  for (let off = 0; off < bytes.length; off += CHUNK_MAX) {
    await takeCredit(inv);
    const wait = channel.send({ type: 'chunk', id: inv.id }, bytes.subarray(off, off + CHUNK_MAX));
    if (wait) await wait;
  }
}

/**
 * Sends the head and the body read from `reader`. A body that is all there at once and small
 * (a string, bytes, JSON) goes in the head frame (`end: true`) and true is returned; any other
 * gets the head as soon as the body makes the app wait, then chunk frames as it is read (the
 * caller sends `end`). The head always goes out, also when the body fails.
 */
async function sendBody(inv, head, reader) {
  const early = [];
  let earlyLength = 0;
  let headSent = false;
  try {
    let next = reader.read();
    for (;;) {
      const r = await soon(next);
      if (r === LATER) break;
      if (r.done) {
        channel.send({ ...head, end: true }, early.length === 1 ? early[0] : Buffer.concat(early));
        return true;
      }
      const bytes = toBytes(r.value);
      early.push(bytes);
      earlyLength += bytes.length;
      next = reader.read();
      if (earlyLength > INLINE_BODY_MAX) break;
    }
    channel.send(head);
    headSent = true;
    for (const bytes of early.splice(0)) await sendChunks(inv, bytes);
    for (;;) {
      if (channel.closed) return false;
      const { done, value } = await next;
      if (done) return false;
      await sendChunks(inv, toBytes(value));
      next = reader.read();
    }
  } catch (err) {
    reader.cancel(err).catch(() => {});
    if (!headSent) {
      channel.send(head);
      try {
        for (const bytes of early) await sendChunks(inv, bytes);
      } catch { /* aborted: the error below is what counts */ }
    }
    throw err;
  }
}

/** A Node.js Readable (node-fetch and friends) or another async iterable, as chunk frames. */
async function sendIterable(inv, stream) {
  if (typeof stream[Symbol.asyncIterator] !== 'function') {
    throw new TypeError('the response body is neither a ReadableStream nor an async iterable');
  }
  for await (const value of stream) {
    await sendChunks(inv, toBytes(value));
    if (channel.closed) return;
  }
}

function toBytes(value) {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError('a response body stream must produce Uint8Array chunks');
}

async function runScheduled(inv, meta) {
  const ctx = makeCtx(inv);
  const controller = {
    cron: meta.cron,
    scheduledTime: meta.scheduledTime,
    noRetry() {},
  };
  let error = null;
  try {
    if (!worker || typeof worker.scheduled !== 'function') throw noHandler('scheduled');
    await worker.scheduled(controller, env, ctx);
  } catch (err) {
    error = err instanceof NoHandler ? err.info : errorInfo(err);
  }
  return finish(inv, error);
}

// ---------------------------------------------------------------------------------------------
// Queues: the consumer's queue(batch, env, ctx) and the producer binding (env.NAME.send)
// ---------------------------------------------------------------------------------------------

const QUEUE_MAX_DELAY_SECONDS = 43200; // 12 hours, as Cloudflare
const QUEUE_MESSAGE_MAX = 128 * 1024; // one message's encoded body, as Cloudflare (the app checks its own limit too)
const QUEUE_BATCH_MAX = 100; // messages in one sendBatch
const QUEUE_SEND_BODY_MAX = 1024 * 1024; // one send's bodies together: the channel's limit for a queue frame
const QUEUE_IN_FLIGHT_MAX = 32; // sends waiting for their queue_result, at most; the rest wait here

function delaySeconds(options, what) {
  const value = options?.delaySeconds;
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > QUEUE_MAX_DELAY_SECONDS) {
    throw new RangeError(`${what}: delaySeconds must be a number of seconds from 0 to ${QUEUE_MAX_DELAY_SECONDS}`);
  }
  return Math.floor(value);
}

function decodeQueueBody(contentType, bytes) {
  switch (contentType) {
    case 'json': return JSON.parse(bytes.toString('utf8'));
    case 'text': return bytes.toString('utf8');
    case 'bytes': return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    case 'v8': return v8.deserialize(bytes);
    default: throw new TypeError(`unknown content type ${JSON.stringify(contentType)}`);
  }
}

/**
 * Runs the handler on a batch. Explicit message.ack()/retry() win (the first call on a message
 * counts), then ackAll()/retryAll(); the rest are acked when the handler returns and retried when
 * it throws. The outcome goes to the app in a queue_outcome frame just before done.
 */
async function runQueue(inv, meta, body) {
  const ctx = makeCtx(inv);
  const decisions = new Map(); // index -> { ack: true } | { retry: delay|null }
  let whole = null; // the batch-wide decision, if any
  let offset = 0;
  const messages = (meta.messages || []).map((m, index) => {
    const bytes = body.subarray(offset, offset + m.size);
    offset += m.size;
    let decoded;
    let failure = null;
    try { decoded = decodeQueueBody(m.contentType, bytes); } catch (err) { failure = err; }
    return Object.freeze({
      id: m.id,
      timestamp: new Date(m.timestamp),
      attempts: m.attempts,
      get body() { if (failure) throw failure; return decoded; },
      ack() { if (!decisions.has(index)) decisions.set(index, { ack: true }); },
      retry(options) {
        const delay = delaySeconds(options, 'message.retry()');
        if (!decisions.has(index)) decisions.set(index, { retry: delay });
      },
    });
  });
  const batch = Object.freeze({
    queue: meta.queue,
    messages: Object.freeze(messages),
    ackAll() { if (!whole) whole = { ack: true }; },
    retryAll(options) {
      const delay = delaySeconds(options, 'batch.retryAll()');
      if (!whole) whole = { retry: delay };
    },
  });
  let error = null;
  try {
    if (!worker || typeof worker.queue !== 'function') throw noHandler('queue');
    await worker.queue(batch, env, ctx);
  } catch (err) {
    error = err instanceof NoHandler ? err.info : errorInfo(err);
  }
  return finish(inv, error, () => {
    const acked = [];
    const retried = [];
    messages.forEach((m, index) => {
      const decision = decisions.get(index) || whole;
      if (!decision) return; // the app's default: ack on success, retry on error
      if (decision.ack) acked.push(index);
      else retried.push([index, decision.retry]);
    });
    channel.send({ type: 'queue_outcome', id: inv.id, acked, retried });
  });
}

const queuePending = new Map();
const queueWaiting = []; // sends beyond QUEUE_IN_FLIGHT_MAX, sent in order as answers come back
let queueNext = 0;

function encodeQueueBody(body, contentType, what) {
  const type = contentType ?? 'v8'; // Cloudflare's default: the structured clone of the value
  let bytes;
  switch (type) {
    case 'json':
      bytes = Buffer.from(JSON.stringify(body) ?? 'null', 'utf8');
      break;
    case 'text':
      if (typeof body !== 'string') throw new TypeError(`${what}: a message with contentType "text" takes a string body`);
      bytes = Buffer.from(body, 'utf8');
      break;
    case 'bytes':
      if (body instanceof ArrayBuffer) bytes = Buffer.from(new Uint8Array(body));
      else if (ArrayBuffer.isView(body)) bytes = Buffer.from(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
      else throw new TypeError(`${what}: a message with contentType "bytes" takes an ArrayBuffer or a typed array`);
      break;
    case 'v8':
      bytes = v8.serialize(body);
      break;
    default:
      throw new TypeError(`${what}: contentType must be "json", "text", "bytes" or "v8"`);
  }
  if (bytes.byteLength > QUEUE_MESSAGE_MAX) {
    throw new RangeError(`${what}: the message is ${bytes.byteLength} bytes, over the limit of ${QUEUE_MESSAGE_MAX} bytes (128 KiB) per message`);
  }
  return { contentType: type, bytes };
}

/** Sends messages to the app (or waits while QUEUE_IN_FLIGHT_MAX sends are open) and resolves once they are stored. */
function queueSend(binding, items, what) {
  const parts = items.map((item) => item.bytes);
  const total = parts.reduce((sum, bytes) => sum + bytes.byteLength, 0);
  if (total > QUEUE_SEND_BODY_MAX) {
    throw new RangeError(`${what}: the messages take ${total} bytes together, over the limit of ${QUEUE_SEND_BODY_MAX} bytes per call`);
  }
  const request = {
    meta: {
      type: 'queue', id: current().id, binding,
      messages: items.map((item) => ({ contentType: item.contentType, delaySeconds: item.delaySeconds, size: item.bytes.byteLength })),
    },
    body: Buffer.concat(parts, total),
  };
  return new Promise((resolve, reject) => {
    if (queuePending.size < QUEUE_IN_FLIGHT_MAX) queueDispatch(request, { resolve, reject });
    else queueWaiting.push({ request, settle: { resolve, reject } });
  });
}

function queueDispatch(request, settle) {
  const rid = ++queueNext;
  queuePending.set(rid, settle);
  channel.send({ ...request.meta, rid }, request.body);
}

function queueResult(meta) {
  const pending = queuePending.get(meta.rid);
  if (!pending) return;
  queuePending.delete(meta.rid);
  const next = queueWaiting.shift();
  if (next) queueDispatch(next.request, next.settle);
  if (meta.error) pending.reject(new Error(meta.error));
  else pending.resolve();
}

/** env.NAME for a queue producer binding: send(body, {contentType, delaySeconds}) and sendBatch([...], {delaySeconds}). */
function queueProducer(binding) {
  return Object.freeze({
    async send(body, options = {}) {
      const { contentType, bytes } = encodeQueueBody(body, options?.contentType, `${binding}.send()`);
      await queueSend(binding, [{ contentType, bytes, delaySeconds: delaySeconds(options, `${binding}.send()`) }], `${binding}.send()`);
    },
    async sendBatch(messages, options = {}) {
      const what = `${binding}.sendBatch()`;
      const list = Array.from(messages ?? []);
      if (list.length === 0) throw new TypeError(`${what} takes at least one message`);
      if (list.length > QUEUE_BATCH_MAX) throw new RangeError(`${what}: ${list.length} messages, over the limit of ${QUEUE_BATCH_MAX} per batch`);
      const batchDelay = delaySeconds(options, what);
      const items = list.map((message) => {
        const { contentType, bytes } = encodeQueueBody(message?.body, message?.contentType, what);
        const own = delaySeconds(message, what);
        return { contentType, bytes, delaySeconds: own ?? batchDelay };
      });
      await queueSend(binding, items, what);
    },
  });
}

bindingTypes.set('queue', (name) => queueProducer(name));

class NoHandler extends Error {}
function noHandler(kind) {
  const e = new NoHandler();
  e.info = { message: `the script has no ${kind} handler`, stack: '' };
  return e;
}

function onFrame(meta, body) {
  switch (meta.type) {
    case 'invoke':
      invoke(meta, body);
      break;
    case 'env':
      env = buildEnv(meta.vars, meta.bindings);
      break;
    case 'kv_result':
      kvResult(meta);
      break;
    case 'assets_result':
      assetsResult(meta, body);
      break;
    case 'queue_result':
      queueResult(meta);
      break;
    case 'd1_result':
      d1Result(meta);
      break;
    case 'credit':
      onCredit(meta);
      break;
    case 'body':
      calls.get(meta.id)?.body?.push(body);
      break;
    case 'body_end':
      calls.get(meta.id)?.body?.end(meta.error);
      break;
    case 'abort':
      onAbort(meta);
      break;
    default:
      log(null, 'debug', `[onebox] frame of unknown type ${JSON.stringify(meta.type)} ignored`);
  }
}

// ---------------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------------

async function main() {
  let socket;
  try {
    socket = await connect(CHANNEL_PATH, Date.now() + CONNECT_TIMEOUT_MS);
  } catch (err) {
    fatal(`cannot connect to the channel ${CHANNEL_PATH}: ${err.message}`);
    process.exit(1);
  }
  channel = new Channel(socket);
  // a script that calls process.exit() still gets out what it logged in its last turn
  process.on('exit', () => channel.flushNow());
  channel.onDrain = () => { if (dropped.size && channel.backlog() <= LOG_BACKLOG_MAX) reportDropped(); };
  const bye = () => process.exit(0);
  socket.on('end', bye);
  socket.on('close', bye);
  socket.on('error', bye);

  installConsole();
  installStdio();
  installCrashGuards();
  installFetch();
  installRequest();

  channel.send({ type: 'hello', pid: process.pid, node: process.version });

  const loaded = await loadModule();
  flushPartialLines(null);
  if (loaded.error) {
    process.exitCode = 1;
    socket.removeListener('end', bye);
    socket.removeListener('close', bye);
    socket.removeListener('error', bye);
    const failed = () => process.exit(1);
    socket.on('error', failed);
    setTimeout(failed, 2000); // the module may have left timers or handles behind
    channel.send({ type: 'load_error', ...loaded.error });
    socket.end(failed);
    return;
  }
  channel.send({ type: 'ready', handlers: loaded.handlers });
  channel.startReading(onFrame);
  // Node loads its fetch implementation (Request, Response, streams) on first use: do that
  // now, while a warm container waits for its first invocation, not during it.
  setImmediate(() => {
    try {
      void new Response(new (incomingRequestClass())('http://warm.up/', { method: 'POST', body: 'x' }).body).status;
    } catch { /* first invoke pays */ }
  });
}

main();
