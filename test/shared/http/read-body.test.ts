import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readBody } from '../../../shared/http/read-body';

const LIMIT = 1024;

/** How each read ended, in order: 'read', 'too large', or the error it rejected with. */
const settled: string[] = [];

/** Answers what readBody read, with the request's bytes as the Node server got them. */
function bodyApp(): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const text = await readBody(c, LIMIT).catch((error: Error) => {
      settled.push(error.message);
      throw error;
    });
    settled.push(text === undefined ? 'too large' : 'read');
    return c.json(text === undefined ? { tooLarge: true } : { tooLarge: false, text }, text === undefined ? 413 : 200);
  });
  return app;
}

interface Sent {
  readonly status: number;
  readonly body: { tooLarge: boolean; text?: string };
}

/** POSTs `chunks` one write each: with `contentLength`, under that header, else chunked; `end: false` leaves the body unfinished. */
function post(port: number, chunks: readonly Uint8Array[], options: { contentLength?: number; end?: boolean } = {}): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json' };
    if (options.contentLength !== undefined) headers['content-length'] = options.contentLength;
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/', headers, agent: false }, (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Sent['body'] }));
      res.on('error', reject);
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    if (options.end !== false) req.end();
  });
}

const utf8 = (text: string) => new TextEncoder().encode(text);
/** What Request.text() makes of these bytes: the decoding readBody must match. */
const asRequestText = (bytes: Uint8Array) => new Request('http://x/', { method: 'POST', body: bytes }).text();

describe('readBody on @hono/node-server (Node request)', () => {
  let server: ServerType;
  let port: number;

  beforeAll(async () => {
    server = await new Promise<ServerType>((resolve) => {
      const started = serve({ fetch: bodyApp().fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
    });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads a body with Content-Length and one sent in chunks, a character split between chunks included', async () => {
    const text = '{"title":"é ✓ 🚀 <b>\'$(rm -rf /)\'"}';
    const bytes = utf8(text);
    expect(await post(port, [bytes], { contentLength: bytes.length })).toEqual({ status: 200, body: { tooLarge: false, text } });
    const cut = text.indexOf('🚀') + 2; // inside the emoji's four bytes
    const split = [bytes.slice(0, cut), bytes.slice(cut)];
    expect(await post(port, split)).toEqual({ status: 200, body: { tooLarge: false, text } });
  });

  it('decodes as Request.text(): a leading BOM dropped, invalid bytes as U+FFFD', async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('{"a":"'), 0xff, 0xc3, ...utf8('"}')]);
    const sent = await post(port, [bytes.slice(0, 4), bytes.slice(4)]);
    expect(sent.body.text).toBe(await asRequestText(bytes));
    expect(sent.body.text).toBe('{"a":"\uFFFD\uFFFD"}');
  });

  it('reads a body of exactly the limit, and an empty one', async () => {
    const full = utf8('x'.repeat(LIMIT));
    expect((await post(port, [full.slice(0, 100), full.slice(100)])).body).toEqual({ tooLarge: false, text: 'x'.repeat(LIMIT) });
    expect((await post(port, [], { contentLength: 0 })).body).toEqual({ tooLarge: false, text: '' });
  });

  it('refuses a Content-Length over the limit without waiting for the body', async () => {
    // Only 10 of the announced bytes are sent and the request is never ended: the answer cannot depend on the body.
    expect(await post(port, [utf8('x'.repeat(10))], { contentLength: LIMIT + 1, end: false })).toEqual({ status: 413, body: { tooLarge: true } });
  });

  it('rejects, instead of waiting forever, when the client goes away before the body ends', async () => {
    const before = settled.length;
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-type': 'application/json' }, agent: false });
    req.on('error', () => undefined);
    req.write('{"unfinished": "');
    await new Promise((resolve) => setTimeout(resolve, 50));
    req.destroy();
    // Node errors the request ('aborted'); a stream closed without an error rejects too (read-body.ts onClose).
    await vi.waitFor(() => expect(settled.slice(before)).toEqual([expect.stringMatching(/^aborted$|closed before its body ended/)]), { timeout: 2000 });
  });

  it('refuses a chunked body once it passes the limit, and goes on serving', async () => {
    expect(await post(port, [utf8('x'.repeat(600)), utf8('x'.repeat(600))])).toEqual({ status: 413, body: { tooLarge: true } });
    expect(await post(port, [utf8('x'.repeat(LIMIT + 1))])).toEqual({ status: 413, body: { tooLarge: true } });
    expect((await post(port, [utf8('{}')])).body).toEqual({ tooLarge: false, text: '{}' });
  });
});

describe('readBody on app.request() (WHATWG request)', () => {
  const app = bodyApp();
  const send = async (body: string | Uint8Array, headers: Record<string, string> = {}) => {
    const response = await app.request('/', { method: 'POST', body, headers });
    return { status: response.status, body: (await response.json()) as Sent['body'] };
  };

  it('reads and decodes as on Node', async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('{"a":"é'), 0xff, ...utf8('"}')]);
    expect(await send(bytes)).toEqual({ status: 200, body: { tooLarge: false, text: await asRequestText(bytes) } });
  });

  it('refuses a body over the limit, counted or by its Content-Length', async () => {
    expect(await send('x'.repeat(LIMIT + 1))).toEqual({ status: 413, body: { tooLarge: true } });
    expect(await send('{}', { 'content-length': String(LIMIT + 1) })).toEqual({ status: 413, body: { tooLarge: true } });
    expect(await send('x'.repeat(LIMIT))).toEqual({ status: 200, body: { tooLarge: false, text: 'x'.repeat(LIMIT) } });
  });
});

describe('readBody with a Node stream destroyed without an error', () => {
  it('rejects instead of waiting for an end that will not come', async () => {
    const app = new Hono<{ Bindings: { incoming: Readable } }>();
    app.post('/', async (c) => c.json({ text: await readBody(c, LIMIT).catch((error: Error) => `rejected: ${error.message}`) }));
    const incoming = new Readable({ read() {} });
    incoming.push('{"half": ');
    setTimeout(() => incoming.destroy(), 20);
    const response = await app.request('/', { method: 'POST', body: 'unused' }, { incoming });
    expect(await response.json()).toEqual({ text: 'rejected: the request closed before its body ended' });
  });
});
