// A producer and consumer pair in one Worker, for the queue tests.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const binding = env[url.searchParams.get('q')];
    if (url.pathname === '/send') {
      const n = Number(url.searchParams.get('n') || 1);
      const delaySeconds = url.searchParams.has('delay') ? Number(url.searchParams.get('delay')) : undefined;
      const body = (i) => ({ i, tag: url.searchParams.get('tag'), mode: url.searchParams.get('mode'), sentAt: Date.now() });
      if (url.searchParams.get('one') === 'true') {
        const sends = [];
        for (let i = 0; i < n; i++) sends.push(binding.send(body(i), { delaySeconds }));
        await Promise.all(sends);
      } else {
        await binding.sendBatch(Array.from({ length: n }, (_, i) => ({ body: body(i) })), { delaySeconds });
      }
      return new Response('sent');
    }
    if (url.pathname === '/big') {
      try {
        await binding.send('x'.repeat(Number(url.searchParams.get('bytes'))), { contentType: 'text' });
        return new Response('stored');
      } catch (err) {
        return new Response(err.message, { status: 413 });
      }
    }
    if (url.pathname === '/types') {
      await binding.send({ when: new Date(0), tags: new Map([['a', 1]]) }, { contentType: 'v8' });
      await binding.send('plain', { contentType: 'text' });
      await binding.send(new Uint8Array([1, 2, 3]), { contentType: 'bytes' });
      await binding.send({ ok: true }, { contentType: 'json' });
      return new Response('sent');
    }
    return new Response('not found', { status: 404 });
  },

  async queue(batch, env) {
    const at = Date.now();
    const messages = batch.messages.map((m) => {
      let body = m.body;
      if (body instanceof ArrayBuffer) body = { bytes: Array.from(new Uint8Array(body)) };
      else if (body && body.tags instanceof Map) body = { date: body.when.toISOString(), map: Object.fromEntries(body.tags) };
      return { id: m.id, attempts: m.attempts, body };
    });
    await env.KV.put(`b/${batch.queue}/${at}/${messages[0].id}`, JSON.stringify({ at, queue: batch.queue, messages }));
    for (const m of batch.messages) {
      const mode = m.body && m.body.mode;
      if (mode === 'throw') throw new Error('boom on purpose');
      if (mode === 'slow') await new Promise((resolve) => setTimeout(resolve, 4000));
      if (mode === 'retry' && m.attempts === 1) m.retry({ delaySeconds: 1 });
    }
  },
};
