// onebox runtime shim.
//
// Baked into every script image at /opt/onebox/shim.mjs and started as `node /opt/onebox/shim.mjs`.
// It connects to the app over the container's channel (a Unix socket, see PROTOCOL.md beside
// this file), loads the user's module (Cloudflare Workers module format) and runs its `fetch`
// and `scheduled` handlers for the invocations the app sends, many at once.
//
// Plain ES module, Node.js 20/22, node: built-ins only. Start-up is on the cold-start path:
// keep the imports light and touch nothing lazy (fetch globals, child_process) until needed.

import net from 'node:net';
import { AsyncLocalStorage } from 'node:async_hooks';
import { formatWithOptions, inspect } from 'node:util';
import { pathToFileURL, fileURLToPath } from 'node:url';
import path from 'node:path';

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
    if (metaBytes.length > (meta.type === 'kv' ? KV_META_MAX : META_MAX)) {
      // the app would stop the sandbox for it: the caller (a KV call, ...) fails instead
      throw new RangeError(`a ${meta.type} message of ${metaBytes.length} bytes is more than the channel takes`);
    }
    const bodyLen = body ? body.byteLength : 0;
    const header = Buffer.allocUnsafe(8);
    header.writeUInt32BE(metaBytes.length, 0);
    header.writeUInt32BE(bodyLen, 4);
    if (bodyLen === 0) {
      this.socket.write(Buffer.concat([header, metaBytes], 8 + metaBytes.length));
    } else if (bodyLen <= 16 * 1024) {
      this.socket.write(Buffer.concat([header, metaBytes, body], 8 + metaBytes.length + bodyLen));
    } else {
      this.socket.cork();
      this.socket.write(Buffer.concat([header, metaBytes], 8 + metaBytes.length));
      this.socket.write(body);
      this.socket.uncork();
    }
    return this.flushed();
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
env = buildEnv({});

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
  handlers = ['fetch', 'scheduled'].filter((name) => typeof exported?.[name] === 'function');
  if (handlers.length === 0) {
    return { error: { message: "the module's default export needs a fetch or scheduled handler", stack: '' } };
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

async function finish(inv, error) {
  await settleWaitUntil(inv);
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
  const init = { method, headers, signal: inv.abort.signal };
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
  return new Request(meta.url, init);
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
/** `promise`'s value if it settles within this turn of the event loop, else LATER. */
const soon = (promise) => Promise.race([promise, new Promise((r) => setImmediate(r, LATER))]);

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
  channel.onDrain = () => { if (dropped.size && channel.backlog() <= LOG_BACKLOG_MAX) reportDropped(); };
  const bye = () => process.exit(0);
  socket.on('end', bye);
  socket.on('close', bye);
  socket.on('error', bye);

  installConsole();
  installStdio();
  installCrashGuards();

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
    try { void new Response(new Request('http://warm.up/', { method: 'POST', body: 'x' }).body).status; } catch { /* first invoke pays */ }
  });
}

main();
