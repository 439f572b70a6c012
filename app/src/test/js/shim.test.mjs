// Tests of the runtime shim (app/src/main/resources/runtime/shim.mjs).
// Run: node --test app/src/test/js/
//
// Each test plays the app's side of the channel (PROTOCOL.md): it listens on a temp Unix socket,
// spawns the shim as a child process with ONEBOX_CHANNEL / ONEBOX_SCRIPT pointing at temp paths,
// and speaks the framing to it.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SHIM = fileURLToPath(new URL('../../main/resources/runtime/shim.mjs', import.meta.url));
const WAIT_MS = 10_000;
const running = new Set(); // every App started, so a failed test leaves no shim behind

after(() => {
  for (const app of running) app.kill();
});

function encode(meta, body = Buffer.alloc(0)) {
  const m = Buffer.from(JSON.stringify(meta));
  const h = Buffer.alloc(8);
  h.writeUInt32BE(m.length, 0);
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, m, body]);
}

/** The app's side of one channel, with the shim running against it. */
class App {
  static async start(source, { files = {}, scriptName = 'script.mjs' } = {}) {
    const app = new App();
    running.add(app);
    await app.#start(source, files, scriptName);
    return app;
  }

  frames = [];
  #waiters = [];
  stdout = '';
  stderr = '';

  async #start(source, files, scriptName) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onebox-shim-'));
    this.script = path.join(this.dir, scriptName);
    fs.writeFileSync(this.script, source);
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(this.dir, name)), { recursive: true });
      fs.writeFileSync(path.join(this.dir, name), text);
    }
    this.socketPath = path.join(this.dir, 'channel.sock');
    this.server = net.createServer();
    this.connected = new Promise((resolve) => this.server.once('connection', resolve));
    await new Promise((resolve) => this.server.listen(this.socketPath, resolve));
    this.spawnedAt = performance.now();
    this.child = spawn(process.execPath, [SHIM], {
      env: { ...process.env, ONEBOX_CHANNEL: this.socketPath, ONEBOX_SCRIPT: this.script },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout.on('data', (d) => { this.stdout += d; });
    this.child.stderr.on('data', (d) => { this.stderr += d; });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.conn = await this.connected;
    let pending = Buffer.alloc(0);
    let reads = 0;
    this.conn.on('data', (data) => {
      reads++;
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 8) {
        const metaLen = pending.readUInt32BE(0);
        const bodyLen = pending.readUInt32BE(4);
        if (pending.length < 8 + metaLen + bodyLen) break;
        const meta = JSON.parse(pending.subarray(8, 8 + metaLen).toString('utf8'));
        const body = Buffer.from(pending.subarray(8 + metaLen, 8 + metaLen + bodyLen));
        pending = pending.subarray(8 + metaLen + bodyLen);
        this.frames.push({ meta, body, at: performance.now(), read: reads });
        this.#wake();
      }
    });
    this.conn.on('error', () => {});
  }

  #wake() {
    for (const w of this.#waiters.slice()) {
      const f = this.frames.find(w.pred);
      if (f) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        w.resolve(f);
      }
    }
  }

  /** The first frame (ever received) matching pred, waiting for it if need be. */
  waitFor(pred, what = 'a frame') {
    const f = this.frames.find(pred);
    if (f) return Promise.resolve(f);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      w.timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        reject(new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(this.frames.map((x) => x.meta))}; stderr: ${this.stderr}`));
      }, WAIT_MS);
      this.#waiters.push(w);
    });
  }

  type(t) {
    return this.waitFor((f) => f.meta.type === t, t);
  }

  send(meta, body) {
    this.conn.write(encode(meta, body));
  }

  /** All frames of invocation `id`, once its `done` arrived. */
  async result(id) {
    const done = await this.waitFor((f) => f.meta.type === 'done' && f.meta.id === id, `done ${id}`);
    const frames = this.frames.filter((f) => f.meta.id === id);
    const chunks = frames.filter((f) => f.meta.type === 'chunk');
    const headFrame = frames.find((f) => f.meta.type === 'head');
    return {
      frames,
      types: frames.filter((f) => f.meta.type !== 'log').map((f) => f.meta.type),
      head: frames.find((f) => f.meta.type === 'head')?.meta,
      chunks,
      // a complete body may ride in the head frame (head.end: true); else it streams in chunks
      body: Buffer.concat([headFrame?.meta.end ? headFrame.body : Buffer.alloc(0), ...chunks.map((f) => f.body)]),
      logs: frames.filter((f) => f.meta.type === 'log').map((f) => ({ level: f.meta.level, text: f.body.toString() })),
      done: done.meta,
    };
  }

  fetch(id, { method = 'GET', url = 'http://script.test/', headers = [], body } = {}) {
    this.send({ type: 'invoke', id, kind: 'fetch', method, url, headers }, body);
    return this.result(id);
  }

  async close() {
    this.conn?.end();
    this.server.close();
    const code = await this.exited;
    running.delete(this);
    fs.rmSync(this.dir, { recursive: true, force: true });
    return code;
  }

  kill() {
    this.child?.kill('SIGKILL');
    this.conn?.destroy();
    this.server?.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

async function ready(source, opts) {
  const app = await App.start(source, opts);
  const r = await app.waitFor((f) => f.meta.type === 'ready' || f.meta.type === 'load_error', 'ready');
  assert.equal(r.meta.type, 'ready', `expected ready, got ${JSON.stringify(r.meta)}`);
  return app;
}

async function loadError(source, opts) {
  const app = await App.start(source, opts);
  const f = await app.type('load_error');
  const code = await app.exited;
  assert.ok(!app.frames.some((x) => x.meta.type === 'ready'));
  await app.close();
  return { meta: f.meta, code };
}

const header = (head, name) => head.headers.filter(([n]) => n === name).map(([, v]) => v);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// -------------------------------------------------------------------------------------------

test('hello, then ready with the handlers; exits 0 when the channel closes', async () => {
  const app = await App.start('export default { fetch() { return new Response("hi"); } };');
  const hello = await app.type('hello');
  assert.equal(hello.meta.node, process.version);
  assert.equal(hello.meta.pid, app.child.pid);
  const r = await app.type('ready');
  assert.deepEqual(r.meta.handlers, ['fetch']);
  assert.ok(app.frames.indexOf(hello) < app.frames.indexOf(r));
  assert.equal(await app.close(), 0);
  assert.equal(app.stdout, '');

  const both = await ready('export default { fetch() {}, async scheduled() {} };');
  assert.deepEqual((await both.type('ready')).meta.handlers, ['fetch', 'scheduled']);
  assert.equal(await both.close(), 0);
});

test('syntax error: load_error names the line and column, exit code 1', async () => {
  const { meta, code } = await loadError([
    'export default {',
    '  fetch(request) {',
    '    return new Response("x") }',
    '  }',
    '};',
  ].join('\n'));
  assert.equal(code, 1);
  assert.equal(meta.message, "SyntaxError: Unexpected token '}' (script.mjs:5:1)");
  assert.match(meta.stack, /script\.mjs:5\n\};\n\^\n\nSyntaxError: Unexpected token/); // source line and caret

  const mid = await loadError('export default {\n  fetch() {\n    let x = ;\n  }\n};\n');
  assert.equal(mid.meta.message, "SyntaxError: Unexpected token ';' (script.mjs:3:13)");
  assert.equal(mid.code, 1);
});

test('link error (missing named import) and a throw at top level name their place too', async () => {
  const link = await loadError('import { nope } from "node:fs";\nexport default { fetch() {} };\n');
  assert.match(link.meta.message, /^SyntaxError: .*'nope' \(script\.mjs:1:10\)$/);
  assert.equal(link.code, 1);

  const thrown = await loadError('const a = 1;\n  undefinedThing();\nexport default { fetch() {} };\n');
  assert.equal(thrown.meta.message, 'ReferenceError: undefinedThing is not defined (script.mjs:2:3)');
  assert.equal(thrown.code, 1);

  const json = await loadError('export default { fetch() {} };\nconst config = JSON.parse("{oops");\n');
  assert.match(json.meta.message, /^SyntaxError: .*JSON.* \(script\.mjs:2:\d+\)$/);

  const dep = await loadError('import x from "./lib/dep.mjs";\nexport default { fetch() { return x; } };\n',
    { files: { 'lib/dep.mjs': 'export default 1;\nexport const y = ;\n' } });
  assert.match(dep.meta.message, /^SyntaxError: Unexpected token ';'/);
  assert.equal(dep.code, 1);

  const missing = await loadError('import "./nowhere.mjs";\nexport default { fetch() {} };\n');
  assert.match(missing.meta.message, /Cannot find module/);
  assert.equal(missing.code, 1);
});

test('a default export without fetch, scheduled or queue is a load_error', async () => {
  for (const source of [
    'export default { hello() {} };',
    'export const fetch = () => new Response("x");',
    'export default { fetch: "not a function" };',
  ]) {
    const { meta, code } = await loadError(source);
    assert.equal(meta.message, "the module's default export needs a fetch, scheduled or queue handler");
    assert.equal(code, 1);
  }
});

test('a call answered at once leaves in one write: its head and done reach the app in the same read', async () => {
  const app = await ready(`export default { async fetch() { console.log('answering'); return new Response('ok'); } };`);
  for (const id of [1, 2, 3]) {
    const r = await app.fetch(id);
    assert.deepEqual(r.types, ['head', 'done']);
    assert.deepEqual(r.logs.map((l) => l.text), ['answering']);
    assert.equal(new Set(r.frames.map((f) => f.read)).size, 1, `frames of call ${id} came in several reads: ${JSON.stringify(r.frames.map((f) => [f.meta.type, f.read]))}`);
  }
  assert.equal(await app.close(), 0);
});

test('what a script logs just before process.exit() still reaches the app', async () => {
  const app = await ready(`export default { async fetch() { console.log('last words'); process.exit(3); } };`);
  app.send({ type: 'invoke', id: 1, kind: 'fetch', method: 'GET', url: 'http://script.test/', headers: [] });
  const line = await app.waitFor((f) => f.meta.type === 'log' && f.meta.id === 1, 'the log line');
  assert.equal(line.body.toString(), 'last words');
  assert.equal(await app.exited, 3);
  app.kill();
  running.delete(app);
});

test('fetch returning a Response: head (status, headers, both Set-Cookies) carrying the small body, done', async () => {
  const app = await ready(`export default {
    async fetch(request, env, ctx) {
      const h = new Headers({ 'content-type': 'text/plain', 'x-a': '1' });
      h.append('set-cookie', 'a=1; Path=/');
      h.append('set-cookie', 'b=2; HttpOnly');
      return new Response('hello, world', { status: 201, headers: h });
    },
  };`);
  const r = await app.fetch('r1');
  assert.deepEqual(r.types, ['head', 'done']);
  assert.equal(r.head.end, true);
  assert.equal(r.head.status, 201);
  assert.deepEqual(header(r.head, 'content-type'), ['text/plain']);
  assert.deepEqual(header(r.head, 'x-a'), ['1']);
  assert.deepEqual(header(r.head, 'set-cookie'), ['a=1; Path=/', 'b=2; HttpOnly']);
  assert.equal(r.body.toString(), 'hello, world');
  assert.equal(r.done.error, undefined);
  assert.equal(await app.close(), 0);
});

test('a streamed body goes out as it is produced, in several chunk frames', async () => {
  const app = await ready(`export default {
    fetch() {
      const enc = new TextEncoder();
      let n = 0;
      const stream = new ReadableStream({
        async pull(c) {
          if (n === 3) { c.close(); return; }
          if (n > 0) await new Promise((r) => setTimeout(r, 60));
          c.enqueue(enc.encode('part' + (n++) + ';'));
        },
      });
      return new Response(stream, { headers: { 'content-type': 'text/plain' } });
    },
  };`);
  const r = await app.fetch('s1');
  assert.equal(r.types[0], 'head');
  assert.equal(r.head.end, undefined);
  assert.deepEqual(r.types.slice(-2), ['end', 'done']);
  assert.ok(r.chunks.length >= 2, `expected >= 2 chunk frames, got ${r.chunks.length}`);
  assert.equal(r.body.toString(), 'part0;part1;part2;');
  // streamed, not buffered: the first chunk arrived well before the last
  assert.ok(r.chunks.at(-1).at - r.chunks[0].at >= 80, 'chunks arrived together');
  assert.equal(await app.close(), 0);
});

test('the head goes out before a body that is not ready; a large complete body streams', async () => {
  const app = await ready(`export default {
    fetch(request) {
      if (request.url.endsWith('/large')) return new Response('x'.repeat(100 * 1024));
      return new Response(new ReadableStream({
        async start(c) {
          await new Promise((r) => setTimeout(r, 150));
          c.enqueue(new TextEncoder().encode('data: late\\n\\n'));
          c.close();
        },
      }), { headers: { 'content-type': 'text/event-stream' } });
    },
  };`);
  const sse = await app.fetch('l1', { url: 'http://x/events' });
  assert.deepEqual(sse.types, ['head', 'chunk', 'end', 'done']);
  assert.equal(sse.head.end, undefined);
  assert.ok(sse.chunks[0].at - sse.frames[0].at >= 100, 'the head waited for the body');
  assert.equal(sse.body.toString(), 'data: late\n\n');

  const large = await app.fetch('l2', { url: 'http://x/large' });
  assert.equal(large.head.end, undefined);
  assert.deepEqual(large.types.filter((t) => t !== 'chunk'), ['head', 'end', 'done']);
  assert.equal(large.body.toString(), 'x'.repeat(100 * 1024));
  assert.equal(await app.close(), 0);
});

test('a non-Response value is sent as JSON; undefined as 204', async () => {
  const app = await ready(`export default {
    fetch(request) {
      const u = new URL(request.url);
      if (u.pathname === '/obj') return { ok: true, list: [1, 'two'], nested: { n: null } };
      if (u.pathname === '/null') return null;
      if (u.pathname === '/str') return Promise.resolve('plain');
      if (u.pathname === '/fn') return () => 1;
      return undefined;
    },
  };`);
  const obj = await app.fetch('j1', { url: 'http://x/obj' });
  assert.deepEqual(obj.types, ['head', 'done']);
  assert.equal(obj.head.status, 200);
  assert.deepEqual(header(obj.head, 'content-type'), ['application/json; charset=utf-8']);
  assert.deepEqual(JSON.parse(obj.body), { ok: true, list: [1, 'two'], nested: { n: null } });
  assert.equal(obj.done.error, undefined);

  assert.equal((await app.fetch('j2', { url: 'http://x/null' })).body.toString(), 'null');
  assert.equal((await app.fetch('j3', { url: 'http://x/str' })).body.toString(), '"plain"');

  const none = await app.fetch('j4', { url: 'http://x/undefined' });
  assert.deepEqual(none.types, ['head', 'done']);
  assert.equal(none.head.end, true);
  assert.equal(none.head.status, 204);
  assert.equal(none.body.length, 0);
  assert.equal(none.done.error, undefined);

  const fn = await app.fetch('j5', { url: 'http://x/fn' });
  assert.deepEqual(fn.types, ['done']);
  assert.match(fn.done.error.message, /returned a function/);
  assert.equal(await app.close(), 0);
});

test('a throwing or rejecting handler: only done, with the error', async () => {
  const app = await ready(`export default {
    fetch(request) {
      if (request.url.endsWith('/sync')) throw new TypeError('bad input');
      return (async () => { await null; throw new Error('boom'); })();
    },
  };`);
  const sync = await app.fetch('e1', { url: 'http://x/sync' });
  assert.deepEqual(sync.types, ['done']);
  assert.equal(sync.done.error.message, 'TypeError: bad input');
  assert.match(sync.done.error.stack, /TypeError: bad input\n\s+at /);

  const rejected = await app.fetch('e2', { url: 'http://x/async' });
  assert.deepEqual(rejected.types, ['done']);
  assert.equal(rejected.done.error.message, 'Error: boom');
  assert.match(rejected.done.error.stack, /script\.mjs/);
  assert.equal(await app.close(), 0);
});

test('a body stream that fails mid-way: head, chunks, end, then done with the error', async () => {
  const app = await ready(`export default {
    fetch() {
      let n = 0;
      return new Response(new ReadableStream({
        pull(c) {
          if (n++ === 0) c.enqueue(new TextEncoder().encode('first'));
          else c.error(new Error('stream broke'));
        },
      }));
    },
  };`);
  const r = await app.fetch('b1');
  assert.deepEqual(r.types.filter((t) => t !== 'chunk'), ['head', 'end', 'done']);
  assert.equal(r.body.toString(), 'first');
  assert.equal(r.done.error.message, 'Error: stream broke');
  assert.equal(await app.close(), 0);
});

test('the request arrives whole: method, url, query, headers, binary body', async () => {
  const app = await ready(`export default {
    async fetch(request) {
      const u = new URL(request.url);
      const bytes = new Uint8Array(await request.arrayBuffer());
      return new Response(bytes, { headers: {
        'x-method': request.method,
        'x-path': u.pathname,
        'x-query': JSON.stringify(Object.fromEntries(u.searchParams)),
        'x-headers': JSON.stringify([...request.headers]),
        'content-type': 'application/octet-stream',
      } });
    },
  };`);
  const body = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const r = await app.fetch('q1', {
    method: 'PUT',
    url: 'http://script.test/a/b?x=1&y=two%20words',
    headers: [['x-test', 'yes'], ['accept', 'text/plain'], ['x-multi', 'a'], ['x-multi', 'b'], ['bad name', 'dropped']],
    body,
  });
  assert.equal(r.done.error, undefined, JSON.stringify(r.done));
  assert.deepEqual(header(r.head, 'x-method'), ['PUT']);
  assert.deepEqual(header(r.head, 'x-path'), ['/a/b']);
  assert.deepEqual(JSON.parse(header(r.head, 'x-query')[0]), { x: '1', y: 'two words' });
  const hs = Object.fromEntries(JSON.parse(header(r.head, 'x-headers')[0]));
  assert.equal(hs['x-test'], 'yes');
  assert.equal(hs.accept, 'text/plain');
  assert.equal(hs['x-multi'], 'a, b');
  assert.ok(r.logs.some((l) => l.level === 'warn' && l.text.includes('bad name')));
  assert.ok(r.body.equals(body), 'binary body changed on the way');

  // GET carries no body even if bytes were sent; HEAD gets a head and no chunks
  const get = await app.fetch('q2', { method: 'GET', body: Buffer.from('ignored') });
  assert.equal(get.body.length, 0);
  const head = await app.fetch('q3', { method: 'HEAD' });
  assert.deepEqual(head.types, ['head', 'done']);
  assert.equal(head.head.end, true);
  assert.deepEqual(header(head.head, 'x-method'), ['HEAD']);
  assert.equal(await app.close(), 0);
});

test('20 concurrent invocations: every log line is attributed to its own invocation', async () => {
  const app = await ready(`
    console.log('loading');
    export default {
      async fetch(request) {
        const n = new URL(request.url).searchParams.get('n');
        console.log('start', n);
        await new Promise((r) => setTimeout(r, Math.random() * 50));
        console.info('middle %s', n);
        await new Promise((r) => setImmediate(r));
        console.error('end', n);
        return new Response(n);
      },
    };`);
  const loading = await app.waitFor((f) => f.meta.type === 'log');
  assert.equal(loading.meta.id, null);
  assert.equal(loading.body.toString(), 'loading');

  // all 20 invoke frames in one write: frames merged within one 'data' event
  const ids = Array.from({ length: 20 }, (_, i) => `c${i}`);
  app.conn.write(Buffer.concat(ids.map((id, i) => encode({
    type: 'invoke', id, kind: 'fetch', method: 'GET', url: `http://x/?n=${i}`, headers: [],
  }))));
  const results = await Promise.all(ids.map((id) => app.result(id)));
  results.forEach((r, i) => {
    assert.equal(r.body.toString(), String(i));
    assert.deepEqual(r.logs, [
      { level: 'log', text: `start ${i}` },
      { level: 'info', text: `middle ${i}` },
      { level: 'error', text: `end ${i}` },
    ]);
    for (const f of r.frames.filter((x) => x.meta.type === 'log')) assert.equal(typeof f.meta.ts, 'number');
  });
  assert.equal(await app.close(), 0);
});

test('frames split into single bytes are read correctly', async () => {
  const app = await ready('export default { async fetch(r) { return new Response(await r.text() + "!"); } };');
  const bytes = Buffer.concat([
    encode({ type: 'env', vars: { A: '1' } }),
    encode({ type: 'invoke', id: 'split', kind: 'fetch', method: 'POST', url: 'http://x/', headers: [] }, Buffer.from('héllo')),
  ]);
  for (const b of bytes) {
    app.conn.write(Buffer.from([b]));
    await new Promise((r) => setImmediate(r));
  }
  const r = await app.result('split');
  assert.equal(r.body.toString(), 'héllo!');
  assert.equal(await app.close(), 0);
});

test('ctx.waitUntil delays done until the promise settles', async () => {
  const app = await ready(`export default {
    fetch(request, env, ctx) {
      ctx.waitUntil(new Promise((r) => setTimeout(r, 250)).then(() => {
        console.log('late work done');
        ctx.waitUntil(new Promise((r) => setTimeout(r, 50)).then(() => console.log('nested done')));
      }));
      ctx.waitUntil(Promise.reject(new Error('background failed')));
      ctx.passThroughOnException();
      return new Response('early');
    },
  };`);
  const r = await app.fetch('w1');
  const head = r.frames.find((f) => f.meta.type === 'head');
  const done = r.frames.find((f) => f.meta.type === 'done');
  assert.equal(head.meta.end, true);
  assert.ok(done.at - head.at >= 200, `done came ${done.at - head.at} ms after the response`);
  assert.equal(r.body.toString(), 'early');
  assert.deepEqual(r.logs.map((l) => l.text).filter((t) => !t.includes('background')), ['late work done', 'nested done']);
  assert.ok(r.logs.some((l) => l.level === 'error' && l.text.includes('background failed')));
  assert.equal(r.done.error, undefined);
  assert.equal(await app.close(), 0);
});

test('env vars are visible as env.NAME, frozen, and replaced by a later env frame', async () => {
  const app = await ready(`export default {
    fetch(request, env) {
      let frozen = false;
      try { env.GREETING = 'changed'; } catch { frozen = true; }
      return { greeting: env.GREETING ?? null, other: env.OTHER ?? null, frozen: frozen && Object.isFrozen(env) };
    },
  };`);
  assert.deepEqual(JSON.parse((await app.fetch('v0')).body), { greeting: null, other: null, frozen: true });
  app.send({ type: 'env', vars: { GREETING: 'hello', OTHER: 'x' } });
  assert.deepEqual(JSON.parse((await app.fetch('v1')).body), { greeting: 'hello', other: 'x', frozen: true });
  app.send({ type: 'env', vars: { GREETING: 'bye' } });
  assert.deepEqual(JSON.parse((await app.fetch('v2')).body), { greeting: 'bye', other: null, frozen: true });
  assert.equal(await app.close(), 0);
});

test('scheduled gets cron and scheduledTime; missing handlers are reported per kind', async () => {
  const app = await ready(`export default {
    async scheduled(controller, env, ctx) {
      console.log(controller.cron, controller.scheduledTime, typeof controller.noRetry, env.K);
      ctx.waitUntil(new Promise((r) => setTimeout(r, 30)).then(() => console.log('after')));
      if (controller.cron === 'fail') throw new Error('cron failed');
    },
  };`);
  app.send({ type: 'env', vars: { K: 'v' } });
  app.send({ type: 'invoke', id: 'k1', kind: 'scheduled', cron: '*/5 * * * *', scheduledTime: 1700000000000 });
  const r = await app.result('k1');
  assert.deepEqual(r.types, ['done']);
  assert.equal(r.done.error, undefined);
  assert.deepEqual(r.logs.map((l) => l.text), ['*/5 * * * * 1700000000000 function v', 'after']);

  app.send({ type: 'invoke', id: 'k2', kind: 'scheduled', cron: 'fail', scheduledTime: 1 });
  assert.equal((await app.result('k2')).done.error.message, 'Error: cron failed');

  const noFetch = await app.fetch('k3');
  assert.deepEqual(noFetch.types, ['done']);
  assert.equal(noFetch.done.error.message, 'the script has no fetch handler');
  assert.equal(await app.close(), 0);

  const fetchOnly = await ready('export default { fetch() { return new Response("x"); } };');
  fetchOnly.send({ type: 'invoke', id: 'k4', kind: 'scheduled', cron: '* * * * *', scheduledTime: 1 });
  assert.equal((await fetchOnly.result('k4')).done.error.message, 'the script has no scheduled handler');
  assert.equal(await fetchOnly.close(), 0);
});

test('process.stdout/stderr writes and every console method become log frames, not output', async () => {
  const app = await ready(`export default {
    fetch() {
      process.stdout.write('partial ');
      process.stdout.write(Buffer.from('line\\nsecond'));
      process.stderr.write('to stderr\\n', () => {});
      console.info('%s=%d', 'a', 1);
      console.warn('careful');
      console.debug({ a: 1 });
      console.dir({ a: { b: { c: { d: 1 } } } }, { depth: 0 });
      console.trace('here');
      console.group('group');
      console.log('inside');
      console.groupEnd();
      console.log('outside');
      console.assert(false, 'asserted');
      return new Response('ok');
    },
  };`);
  const r = await app.fetch('o1');
  const logs = r.logs;
  assert.deepEqual(logs.slice(0, 6), [
    { level: 'log', text: 'partial line' },
    { level: 'error', text: 'to stderr' },
    { level: 'info', text: 'a=1' },
    { level: 'warn', text: 'careful' },
    { level: 'debug', text: '{ a: 1 }' },
    { level: 'log', text: '{ a: [Object] }' },
  ]);
  assert.equal(logs[6].level, 'debug');
  assert.match(logs[6].text, /^Trace: here\n\s+at /);
  assert.deepEqual(logs.slice(7), [
    { level: 'log', text: 'group' },
    { level: 'log', text: '  inside' },
    { level: 'log', text: 'outside' },
    { level: 'warn', text: 'Assertion failed: asserted' },
    { level: 'log', text: 'second' }, // the unfinished line, flushed before done
  ]);
  assert.equal(await app.close(), 0);
  assert.equal(app.stdout, '', 'the shim printed to its real stdout');
});

test('uncaught exceptions and unhandled rejections are logged against their invocation; the process lives on', async () => {
  const app = await ready(`export default {
    fetch() {
      setTimeout(() => { throw new Error('thrown later'); }, 1);
      Promise.reject(new Error('never handled'));
      return new Promise((r) => setTimeout(() => r(new Response('survived')), 30));
    },
  };`);
  const r = await app.fetch('u1');
  assert.equal(r.body.toString(), 'survived');
  assert.ok(r.logs.some((l) => l.level === 'error' && l.text.includes('thrown later')), JSON.stringify(r.logs));
  assert.ok(r.logs.some((l) => l.level === 'error' && l.text.includes('never handled')), JSON.stringify(r.logs));
  assert.equal((await app.fetch('u2')).body.toString(), 'survived');
  assert.equal(await app.close(), 0);
});

test('a large body respects backpressure and arrives intact in bounded chunks', async () => {
  const app = await ready(`export default {
    fetch() {
      const size = 8 * 1024 * 1024;
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = (i * 7) & 255;
      return new Response(bytes);
    },
  };`);
  app.conn.pause(); // the app is slow to read
  app.send({ type: 'invoke', id: 'big', kind: 'fetch', method: 'GET', url: 'http://x/', headers: [] });
  await sleep(300);
  app.conn.resume();
  const r = await app.result('big');
  assert.equal(r.head.end, undefined);
  assert.equal(r.body.length, 8 * 1024 * 1024);
  for (let i = 0; i < r.body.length; i += 4099) assert.equal(r.body[i], (i * 7) & 255);
  assert.ok(r.chunks.every((c) => c.body.length <= 64 * 1024));
  assert.equal(await app.close(), 0);
});

test('a slow reader holds the body stream back instead of buffering it all', async () => {
  const app = await ready(`export default {
    fetch() {
      let pulled = 0;
      setTimeout(() => console.log('pulled', pulled), 250);
      return new Response(new ReadableStream({
        pull(c) {
          if (pulled === 400) { c.close(); return; }
          pulled++;
          c.enqueue(new Uint8Array(64 * 1024).fill(pulled & 255));
        },
      }, { highWaterMark: 0 }));
    },
  };`);
  app.conn.pause();
  app.send({ type: 'invoke', id: 'slow', kind: 'fetch', method: 'GET', url: 'http://x/', headers: [] });
  await sleep(600);
  app.conn.resume();
  const r = await app.result('slow');
  assert.equal(r.body.length, 400 * 64 * 1024);
  const line = r.logs.find((l) => l.text.startsWith('pulled '));
  assert.ok(line, `no 'pulled' line in ${JSON.stringify(r.logs)}`);
  const pulled = Number(line.text.slice('pulled '.length));
  console.log("PULLED", pulled); assert.ok(pulled < 40, `the shim read ${pulled} chunks (of 400) while nothing was sent`);
  assert.equal(await app.close(), 0);
});

test('router-style code (new URL, params, request.json, Response.json, 404) works unchanged', async () => {
  const app = await ready(`
    // a tiny itty-router / Hono look-alike
    function Router() {
      const routes = [];
      const add = (method) => (pattern, handler) => {
        const re = new RegExp('^' + pattern.replace(/:(\\w+)/g, '(?<$1>[^/]+)') + '$');
        routes.push({ method, re, handler });
        return router;
      };
      const router = {
        get: add('GET'), post: add('POST'), all: add('*'),
        async fetch(request, env, ctx) {
          const url = new URL(request.url);
          for (const r of routes) {
            const m = url.pathname.match(r.re);
            if (m && (r.method === '*' || r.method === request.method)) {
              request.params = m.groups || {};
              request.query = Object.fromEntries(url.searchParams);
              return r.handler(request, env, ctx);
            }
          }
          return new Response('Not Found', { status: 404 });
        },
      };
      return router;
    }
    const router = Router()
      .get('/users/:id', (req) => Response.json({ id: req.params.id, q: req.query }))
      .post('/users', async (req, env) => Response.json({ created: await req.json(), by: env.USER }, { status: 201 }));
    export default { fetch: router.fetch };
  `);
  app.send({ type: 'env', vars: { USER: 'ada' } });
  const get = await app.fetch('h1', { url: 'http://x/users/42?verbose=1' });
  assert.equal(get.head.status, 200);
  assert.match(header(get.head, 'content-type')[0], /^application\/json/);
  assert.deepEqual(JSON.parse(get.body), { id: '42', q: { verbose: '1' } });

  const post = await app.fetch('h2', {
    method: 'POST', url: 'http://x/users', headers: [['content-type', 'application/json']],
    body: Buffer.from(JSON.stringify({ name: 'Grace' })),
  });
  assert.equal(post.head.status, 201);
  assert.deepEqual(JSON.parse(post.body), { created: { name: 'Grace' }, by: 'ada' });

  const missing = await app.fetch('h3', { url: 'http://x/nope' });
  assert.equal(missing.head.status, 404);
  assert.equal(missing.body.toString(), 'Not Found');
  assert.equal(await app.close(), 0);
});

test('env.KV: at most 32 calls are in flight; the rest wait in the shim and go out as answers come back', async () => {
  const app = await ready(`export default {
    async fetch(request, env) {
      const puts = [];
      for (let i = 0; i < 100; i++) puts.push(env.KV.put('k' + i, ''));
      await Promise.all(puts);
      return new Response('all stored');
    },
  };`);
  app.send({ type: 'invoke', id: 'kv1', kind: 'fetch', method: 'GET', url: 'http://script.test/', headers: [] });
  const kvFrames = () => app.frames.filter((f) => f.meta.type === 'kv');
  await app.waitFor(() => kvFrames().length >= 32, '32 kv frames');
  await sleep(200);
  assert.equal(kvFrames().length, 32, 'no more than the cap before an answer');

  app.send({ type: 'kv_result', rid: kvFrames()[0].meta.rid });
  await app.waitFor(() => kvFrames().length >= 33, 'the 33rd kv frame');
  await sleep(100);
  assert.equal(kvFrames().length, 33, 'one answer lets one waiting call out');

  for (let answered = 1; answered < 100; answered++) {
    await app.waitFor(() => kvFrames().length > answered, `kv frame ${answered + 1}`);
    app.send({ type: 'kv_result', rid: kvFrames()[answered].meta.rid });
  }
  const r = await app.result('kv1');
  assert.equal(r.body.toString(), 'all stored');
  const sent = kvFrames().map((f) => f.meta);
  assert.deepEqual(sent.map((m) => m.key), Array.from({ length: 100 }, (_, i) => 'k' + i), 'in call order');
  assert.ok(sent.every((m) => m.id === 'kv1' && m.op === 'put'), 'queued calls keep their invocation');
  assert.equal(new Set(sent.map((m) => m.rid)).size, 100);
  assert.equal(await app.close(), 0);
});

test('env: vars from the env frame are strings; declared bindings are built by type and their calls carry the binding name', async () => {
  const app = await ready(`export default {
    async fetch(request, env) {
      const value = await env.CACHE.get('k');
      return Response.json({ greeting: env.GREETING, value, own: typeof env.KV.get, unknown: typeof env.ODD });
    },
  };`);
  app.send({ type: 'env', vars: { GREETING: 'hello' }, bindings: [{ name: 'CACHE', type: 'kv' }, { name: 'ODD', type: 'no-such-type' }] });
  app.send({ type: 'invoke', id: 'b1', kind: 'fetch', method: 'GET', url: 'http://script.test/', headers: [] });
  const kvFrames = () => app.frames.filter((f) => f.meta.type === 'kv');
  await app.waitFor(() => kvFrames().length >= 1, 'the kv frame');
  assert.equal(kvFrames()[0].meta.binding, 'CACHE', 'the call names its binding, not what it reaches');
  app.send({ type: 'kv_result', rid: kvFrames()[0].meta.rid, value: 'stored' });
  const r = await app.result('b1');
  assert.deepEqual(JSON.parse(r.body), { greeting: 'hello', value: 'stored', own: 'function', unknown: 'undefined' });
  assert.equal(await app.close(), 0);
});

test('env.ASSETS.fetch sends an assets frame with the path, and the assets_result becomes its Response', async () => {
  const app = await ready(`export default {
    async fetch(request, env) {
      const page = await env.ASSETS.fetch(new Request('http://script.test/docs/?x=1', { headers: { 'if-none-match': '"v1"' } }));
      const missing = await env.ASSETS.fetch('http://script.test/gone').catch((e) => e.message);
      return Response.json({ status: page.status, type: page.headers.get('content-type'), body: await page.text(), missing });
    },
  };`);
  app.send({ type: 'env', vars: {}, bindings: [{ name: 'ASSETS', type: 'assets' }] });
  app.send({ type: 'invoke', id: 'a1', kind: 'fetch', method: 'GET', url: 'http://script.test/', headers: [] });
  const assetFrames = () => app.frames.filter((f) => f.meta.type === 'assets');
  await app.waitFor(() => assetFrames().length >= 1, 'the assets frame');
  const first = assetFrames()[0].meta;
  assert.equal(first.binding, 'ASSETS');
  assert.equal(first.method, 'GET');
  assert.equal(first.path, '/docs/');
  assert.equal(first.query, '?x=1');
  assert.equal(first.ifNoneMatch, '"v1"');
  app.send({ type: 'assets_result', rid: first.rid, status: 200, headers: [['content-type', 'text/html; charset=utf-8']] },
    Buffer.from('<h1>docs</h1>'));
  await app.waitFor(() => assetFrames().length >= 2, 'the second assets frame');
  app.send({ type: 'assets_result', rid: assetFrames()[1].meta.rid, error: 'no assets are bound to env.ASSETS' });
  const r = await app.result('a1');
  assert.deepEqual(JSON.parse(r.body), { status: 200, type: 'text/html; charset=utf-8', body: '<h1>docs</h1>',
    missing: 'env.ASSETS.fetch: no assets are bound to env.ASSETS' });
  assert.equal(await app.close(), 0);
});

test('env.DB (d1): statements go out as d1 frames naming the binding; answers come back in D1\'s shapes', async () => {
  const app = await ready(`export default {
    async fetch(request, env) {
      const stmt = env.DB.prepare('SELECT id, name FROM users WHERE id = ?').bind(1);
      const first = await stmt.first();
      const name = await stmt.first('name');
      const all = await stmt.all();
      const raw = await stmt.raw({ columnNames: true });
      const run = await env.DB.prepare('INSERT INTO users (name, avatar) VALUES (?, ?)').bind('ada', new Uint8Array([1, 2, 255])).run();
      const batch = await env.DB.batch([env.DB.prepare('DELETE FROM users'), env.DB.prepare('SELECT 1 AS one')]);
      const exec = await env.DB.exec('CREATE TABLE t (a); DROP TABLE t');
      let missing; try { await stmt.first('nope'); } catch (e) { missing = e.message; }
      let typeError; try { env.DB.prepare('SELECT ?').bind(undefined); } catch (e) { typeError = e.message; }
      return Response.json({ first, name, all, raw, run, batch, exec, missing, typeError });
    },
  };`);
  app.send({ type: 'env', vars: {}, bindings: [{ name: 'DB', type: 'd1' }] });
  app.send({ type: 'invoke', id: 'd1', kind: 'fetch', method: 'GET', url: 'http://script.test/', headers: [] });
  const meta = { duration: 0.1, changes: 0, last_row_id: 0, rows_read: 1, rows_written: 0 };
  const row = { columns: ['id', 'name'], rows: [[1, 'ada']], meta };
  const answers = [
    { results: [row] }, { results: [row] }, { results: [row] }, { results: [row] },
    { results: [{ columns: [], rows: [], meta: { ...meta, changes: 1, last_row_id: 7 } }] },
    { results: [{ columns: [], rows: [], meta }, { columns: ['one'], rows: [[1]], meta }] },
    { count: 2, duration: 0.5 },
    { results: [row] },
  ];
  const d1Frames = () => app.frames.filter((f) => f.meta.type === 'd1');
  for (let i = 0; i < answers.length; i++) {
    await app.waitFor(() => d1Frames().length > i, `d1 frame ${i + 1}`);
    app.send({ type: 'd1_result', rid: d1Frames()[i].meta.rid, ...answers[i] });
  }
  const r = await app.result('d1');
  const body = JSON.parse(r.body);
  assert.deepEqual(body.first, { id: 1, name: 'ada' });
  assert.equal(body.name, 'ada');
  assert.deepEqual(body.all, { success: true, meta, results: [{ id: 1, name: 'ada' }] });
  assert.deepEqual(body.raw, [['id', 'name'], [1, 'ada']]);
  assert.equal(body.run.meta.last_row_id, 7);
  assert.deepEqual(body.batch.map((b) => b.results), [[], [{ one: 1 }]]);
  assert.deepEqual(body.exec, { count: 2, duration: 0.5 });
  assert.equal(body.missing, 'D1_COLUMN_NOTFOUND: Column not found (nope)');
  assert.equal(body.typeError, "D1_TYPE_ERROR: Type 'undefined' not supported for value 'undefined'");
  const sent = d1Frames().map((f) => f.meta);
  assert.ok(sent.every((m) => m.binding === 'DB' && m.id === 'd1'), 'calls name their binding, never a database');
  assert.deepEqual(sent[0].statements, [{ sql: 'SELECT id, name FROM users WHERE id = ?', params: [1] }]);
  assert.deepEqual(sent[4].statements[0].params, ['ada', { blob: Buffer.from([1, 2, 255]).toString('base64') }]);
  assert.deepEqual(sent.map((m) => m.op), ['query', 'query', 'query', 'query', 'query', 'batch', 'exec', 'query']);
  assert.equal(await app.close(), 0);
});

test('env.DB (d1): at most 32 calls in flight; a 50 MiB bound value fails in the script, not on the channel', async () => {
  const app = await ready(`export default {
    async fetch(request, env) {
      let big;
      try { await env.DB.prepare('INSERT INTO t VALUES (?)').bind('x'.repeat(50 * 1024 * 1024)).run(); } catch (e) { big = e.message; }
      let blob;
      try { await env.DB.prepare('INSERT INTO t VALUES (?)').bind(new Uint8Array(50 * 1024 * 1024)).run(); } catch (e) { blob = e.message; }
      const calls = [];
      for (let i = 0; i < 40; i++) calls.push(env.DB.prepare('SELECT ?').bind(i).run());
      const errors = (await Promise.allSettled(calls)).filter((c) => c.status === 'rejected').map((c) => c.reason.message);
      return Response.json({ big, blob, errors: errors.length, first: errors[0] });
    },
  };`);
  app.send({ type: 'env', vars: {}, bindings: [{ name: 'DB', type: 'd1' }] });
  app.send({ type: 'invoke', id: 'flood', kind: 'fetch', method: 'GET', url: 'http://script.test/', headers: [] });
  const d1Frames = () => app.frames.filter((f) => f.meta.type === 'd1');
  await app.waitFor(() => d1Frames().length >= 32, '32 d1 frames');
  await sleep(200);
  assert.equal(d1Frames().length, 32, 'no more than the cap before an answer; the 50 MiB call never went out');
  for (let answered = 0; answered < 40; answered++) {
    await app.waitFor(() => d1Frames().length > answered, `d1 frame ${answered + 1}`);
    app.send({ type: 'd1_result', rid: d1Frames()[answered].meta.rid, error: 'D1_ERROR: refused: SQLITE_ERROR' });
  }
  const body = JSON.parse((await app.result('flood')).body);
  assert.match(body.big, /^D1_ERROR: the statement's SQL and bound values are more than the 6 MiB a D1 call may carry/);
  assert.equal(body.blob, body.big);
  assert.equal(body.errors, 40);
  assert.equal(body.first, 'D1_ERROR: refused: SQLITE_ERROR');
  assert.equal(await app.close(), 0);
});

test('what a script does cannot make the shim send a frame over the channel limits', async () => {
  const app = await ready(`export default {
    fetch(request) {
      const what = new URL(request.url).pathname;
      if (what === '/error') throw new Error('\\u0001'.repeat(2_000_000));
      if (what === '/headers') {
        const headers = new Headers();
        for (let i = 0; i < 100; i++) headers.set('x-h' + i, 'v'.repeat(1024));
        return new Response('never', { headers });
      }
      if (what === '/log') { console.log('y'.repeat(1_000_000)); return new Response('logged'); }
      return { status: 42, headers: [], arrayBuffer() {} };
    },
  };`);
  const error = await app.fetch('e1', { url: 'http://x/error' });
  assert.deepEqual(error.types, ['done']);
  assert.ok(Buffer.byteLength(JSON.stringify(error.done.error)) <= 32 * 1024, 'the error is cut to fit');
  assert.match(error.done.error.message, /^Error: /);

  const headers = await app.fetch('e2', { url: 'http://x/headers' });
  assert.deepEqual(headers.types, ['done']);
  assert.match(headers.done.error.message, /response headers take \d+ bytes, more than 49152/);

  const log = await app.fetch('e3', { url: 'http://x/log' });
  assert.equal(log.body.toString(), 'logged');
  const line = log.logs.find((l) => l.text.startsWith('yyy'));
  assert.ok(line.text.endsWith(' … [983616 more bytes cut]'), line.text.slice(-60));
  assert.ok(Buffer.byteLength(line.text) <= 16 * 1024 + 64);

  const status = await app.fetch('e4', { url: 'http://x/status' });
  assert.deepEqual(status.types, ['done']);
  assert.match(status.done.error.message, /status 42/);
  assert.equal(await app.close(), 0);
});

test('a response body goes out only within its credit; abort fires request.signal', async () => {
  const app = await ready(`export default {
    fetch(request) {
      let pulled = 0;
      request.signal.addEventListener('abort', () => console.log('aborted after', pulled, 'pulls:', request.signal.reason.message));
      return new Response(new ReadableStream({
        pull(c) { pulled++; c.enqueue(new Uint8Array(1000).fill(pulled & 255)); },
      }, { highWaterMark: 0 }));
    },
  };`);
  app.send({ type: 'invoke', id: 7, kind: 'fetch', method: 'GET', url: 'http://x/', headers: [], window: 2 });
  await app.waitFor((f) => f.meta.type === 'chunk' && f.meta.id === 7, 'a chunk');
  await sleep(300);
  const chunks = () => app.frames.filter((f) => f.meta.type === 'chunk' && f.meta.id === 7).length;
  assert.equal(chunks(), 2, 'no more chunks than the window');
  app.send({ type: 'credit', id: 7, n: 3 });
  await app.waitFor(() => chunks() === 5, '5 chunks');
  await sleep(200);
  assert.equal(chunks(), 5, 'no more chunks than the credit');
  app.send({ type: 'abort', id: 7, reason: 'the client went away' });
  const r = await app.result(7);
  assert.deepEqual(r.types.slice(-2), ['end', 'done']);
  assert.ok(r.done.error, 'the call ends with the abort as its error');
  const line = r.logs.find((l) => l.text.startsWith('aborted after'));
  assert.ok(line, JSON.stringify(r.logs));
  assert.match(line.text, /pulls: the client went away$/);
  assert.equal(await app.close(), 0);
});

test('abort reaches the request a handler got and what the script makes of it: clone, copies, fetch in flight', async () => {
  const http = await import('node:http');
  const held = [];
  const upstream = http.createServer((req, res) => { held.push({ req, res }); }); // never answers
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${upstream.address().port}/held`;
  try {
    const app = await ready(`export default {
      async fetch(request) {
        console.log('kind:', request.constructor.name, request instanceof Request, request.signal instanceof AbortSignal, Request === globalThis.Request);
        const watch = (what, r) => r.signal.addEventListener('abort', () => console.log(what, 'aborted'));
        watch('clone', request.clone());
        const copy = new Request(request, { headers: { 'x-copy': '1' } });
        watch('copy', copy);
        watch('url copy', new Request(request.url, request));
        class Init { get headers() { return { 'x-init': 'getter' }; } }
        const calls = [fetch(request, new Init()), fetch(copy)];
        for (const r of await Promise.allSettled(calls)) console.log('fetch:', r.status, r.reason?.name);
        return new Response('late');
      },
    };`);
    app.send({ type: 'invoke', id: 11, kind: 'fetch', method: 'GET', url, headers: [] });
    for (const deadline = Date.now() + WAIT_MS; held.length < 2; await sleep(10)) {
      assert.ok(Date.now() < deadline, 'both fetches reach upstream');
    }
    const seen = held.map(({ req }) => req.headers['x-init'] ?? req.headers['x-copy']).sort();
    assert.deepEqual(seen, ['1', 'getter'], 'init fields read through getters, the copy with its headers');
    app.send({ type: 'abort', id: 11, reason: 'the client went away' });
    const r = await app.result(11);
    const texts = r.logs.map((l) => l.text);
    assert.ok(texts.includes('kind: Request true true true'), JSON.stringify(texts));
    for (const what of ['clone', 'copy', 'url copy']) assert.ok(texts.includes(`${what} aborted`), JSON.stringify(texts));
    assert.equal(texts.filter((t) => t === 'fetch: rejected AbortError').length, 2, JSON.stringify(texts));
    assert.equal(await app.close(), 0);
  } finally {
    held.forEach(({ res }) => res.destroy());
    upstream.close();
  }
});

test('a streamed request body is pulled frame by frame as the script reads it', async () => {
  const app = await ready(`import { createHash } from 'node:crypto';
  export default {
    async fetch(request) {
      const hash = createHash('sha256');
      let size = 0;
      for await (const part of request.body) { hash.update(part); size += part.length; }
      return Response.json({ size, sha256: hash.digest('hex') });
    },
  };`);
  const parts = Array.from({ length: 10 }, (_, i) => Buffer.alloc(1000 + i, i));
  app.send({ type: 'invoke', id: 9, kind: 'fetch', method: 'POST', url: 'http://x/', headers: [], window: 2, body: 'stream' });
  app.send({ type: 'body', id: 9 }, parts[0]);
  app.send({ type: 'body', id: 9 }, parts[1]);
  let sent = 2;
  while (sent < parts.length) {
    // one pull per frame read: the app sends the next only then
    await app.waitFor(() => app.frames.filter((f) => f.meta.type === 'pull' && f.meta.id === 9).length >= sent - 1, `pull ${sent - 1}`);
    app.send({ type: 'body', id: 9 }, parts[sent++]);
  }
  app.send({ type: 'body_end', id: 9 });
  const r = await app.result(9);
  const whole = Buffer.concat(parts);
  const { createHash } = await import('node:crypto');
  assert.deepEqual(JSON.parse(r.body), { size: whole.length, sha256: createHash('sha256').update(whole).digest('hex') });
  assert.ok(app.frames.every((f) => f.meta.type !== 'pull' || f.meta.n === 1));
  assert.equal(await app.close(), 0);
});

test('queue: a batch arrives decoded by content type; ack/retry decisions go out in queue_outcome before done', async () => {
  const app = await ready(`import v8 from 'node:v8';
  export default {
    async queue(batch, env) {
      console.log(JSON.stringify({ queue: batch.queue, n: batch.messages.length }));
      for (const m of batch.messages) {
        const body = m.body instanceof ArrayBuffer ? [...new Uint8Array(m.body)] : m.body instanceof Date ? m.body.toISOString() : m.body;
        console.log(JSON.stringify({ id: m.id, attempts: m.attempts, ts: m.timestamp.getTime(), body }));
      }
      batch.messages[1].retry({ delaySeconds: 7 });
      batch.messages[1].ack(); // the first decision counts
      batch.messages[2].ack();
    },
  };`);
  assert.deepEqual(app.frames.find((f) => f.meta.type === 'ready').meta.handlers, ['queue']);
  const bodies = [Buffer.from('{"a":1}'), Buffer.from('plain'), Buffer.from([1, 2, 3]), (await import('node:v8')).serialize(new Date(0))];
  const types = ['json', 'text', 'bytes', 'v8'];
  app.send({
    type: 'invoke', id: 1, kind: 'queue', queue: 'jobs',
    messages: bodies.map((b, i) => ({ id: 'm' + i, timestamp: 1000 + i, attempts: i + 1, contentType: types[i], size: b.length })),
  }, Buffer.concat(bodies));
  const r = await app.result(1);
  assert.deepEqual(r.types, ['queue_outcome', 'done']);
  const outcome = r.frames.find((f) => f.meta.type === 'queue_outcome').meta;
  assert.deepEqual(outcome.acked, [2]);
  assert.deepEqual(outcome.retried, [[1, 7]]);
  assert.equal(r.done.error, undefined);
  const lines = r.logs.map((l) => JSON.parse(l.text));
  assert.deepEqual(lines[0], { queue: 'jobs', n: 4 });
  assert.deepEqual(lines.slice(1).map((l) => l.body), [{ a: 1 }, 'plain', [1, 2, 3], '1970-01-01T00:00:00.000Z']);
  assert.deepEqual(lines.slice(1).map((l) => [l.id, l.attempts, l.ts]), [['m0', 1, 1000], ['m1', 2, 1001], ['m2', 3, 1002], ['m3', 4, 1003]]);
  assert.equal(await app.close(), 0);
});

test('queue: retryAll applies to undecided messages; a throw reports the error and leaves the rest to the app', async () => {
  const app = await ready(`export default {
    async queue(batch) {
      if (batch.queue === 'all') { batch.messages[0].ack(); batch.retryAll(); return; }
      throw new Error('bad batch');
    },
  };`);
  const one = (id, queue) => app.send({ type: 'invoke', id, kind: 'queue', queue,
    messages: [{ id: 'a', timestamp: 1, attempts: 1, contentType: 'text', size: 1 }, { id: 'b', timestamp: 1, attempts: 1, contentType: 'text', size: 1 }] },
  Buffer.from('xy'));
  one(1, 'all');
  const all = await app.result(1);
  assert.deepEqual(all.frames.find((f) => f.meta.type === 'queue_outcome').meta, { type: 'queue_outcome', id: 1, acked: [0], retried: [[1, null]] });
  one(2, 'throws');
  const thrown = await app.result(2);
  assert.deepEqual(thrown.frames.find((f) => f.meta.type === 'queue_outcome').meta, { type: 'queue_outcome', id: 2, acked: [], retried: [] });
  assert.match(thrown.done.error.message, /bad batch/);
  assert.equal(await app.close(), 0);
});

test('queue producer: send and sendBatch encode bodies in the frame body; limits fail in the script, never on the channel', async () => {
  const app = await ready(`export default {
    async fetch(request, env) {
      await env.JOBS.send({ n: 1 }, { contentType: 'json', delaySeconds: 5 });
      await env.JOBS.sendBatch([{ body: 'a', contentType: 'text' }, { body: new Uint8Array([9]), contentType: 'bytes', delaySeconds: 2 }], { delaySeconds: 1 });
      const errors = [];
      for (const attempt of [() => env.JOBS.send('x'.repeat(128 * 1024 + 1), { contentType: 'text' }),
        () => env.JOBS.sendBatch(Array.from({ length: 101 }, () => ({ body: 1 }))),
        () => env.JOBS.send(1, { delaySeconds: 50000 })]) {
        try { await attempt(); } catch (err) { errors.push(err.message); }
      }
      return Response.json(errors);
    },
  };`);
  app.send({ type: 'env', vars: {}, bindings: [{ name: 'JOBS', type: 'queue' }] });
  app.send({ type: 'invoke', id: 1, kind: 'fetch', method: 'GET', url: 'http://script.test/', headers: [] });
  const first = await app.type('queue');
  assert.deepEqual({ ...first.meta, rid: 0 }, { type: 'queue', id: 1, binding: 'JOBS', rid: 0, messages: [{ contentType: 'json', delaySeconds: 5, size: 7 }] });
  assert.equal(first.body.toString(), '{"n":1}');
  app.send({ type: 'queue_result', rid: first.meta.rid, ids: ['x'] });
  const second = await app.waitFor((f) => f.meta.type === 'queue' && f.meta.rid !== first.meta.rid, 'the batch');
  assert.deepEqual(second.meta.messages, [{ contentType: 'text', delaySeconds: 1, size: 1 }, { contentType: 'bytes', delaySeconds: 2, size: 1 }]);
  assert.deepEqual([...second.body], [97, 9]);
  app.send({ type: 'queue_result', rid: second.meta.rid, ids: ['y', 'z'] });
  const r = await app.result(1);
  const errors = JSON.parse(r.body.toString());
  assert.match(errors[0], /over the limit of 131072 bytes \(128 KiB\) per message/);
  assert.match(errors[1], /101 messages, over the limit of 100 per batch/);
  assert.match(errors[2], /delaySeconds must be a number of seconds from 0 to 43200/);
  assert.equal(app.frames.filter((f) => f.meta.type === 'queue').length, 2);
  assert.equal(await app.close(), 0);
});
