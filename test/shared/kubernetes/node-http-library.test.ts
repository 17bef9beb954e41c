/**
 * NodeHttpLibrary at the wire, against a bare node:http server: what it sends and what client-node gets back. The
 * client's behaviour through it (lists, PUTs, 404, 409, 5xx, dropped connections) is client.test.ts, which runs
 * over both transports.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { URLSearchParams } from 'node:url';
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeHttpLibrary } from '../../../shared/kubernetes/node-http-library';

interface Received {
  readonly method?: string;
  readonly url?: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let server: Server;
let base: string;
const received: Received[] = [];
const connections = new Set<unknown>();

beforeAll(async () => {
  server = createServer((req, res) => {
    connections.add(req.socket);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (req.url === '/slow') return; // never answers
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Warning', ['299 - "first"', '299 - "second"']);
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.end(JSON.stringify({ kind: 'Status', path: req.url, text: 'é ✓' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const library = new NodeHttpLibrary();
const send = (request: RequestContext) => library.send(request).toPromise();
function context(method: HttpMethod, path: string, body?: string): RequestContext {
  const request = new RequestContext(`${base}${path}`, method);
  request.setHeaderParam('Accept', 'application/json');
  if (body !== undefined) {
    request.setHeaderParam('Content-Type', 'application/json');
    request.setBody(body);
  }
  return request;
}

describe('NodeHttpLibrary', () => {
  it('sends method, path with query, headers, and a string body with its Content-Length (not chunked)', async () => {
    const body = JSON.stringify({ metadata: { name: 'play-1', annotations: { title: 'é ✓ 🚀' } } });
    const response = await send(context(HttpMethod.PUT, '/apis/argoproj.io/v1alpha1/namespaces/argo/workflows/play-1?dryRun=All', body));
    expect(response.httpStatusCode).toBe(200);
    const last = received.at(-1)!;
    expect(last).toMatchObject({ method: 'PUT', url: '/apis/argoproj.io/v1alpha1/namespaces/argo/workflows/play-1?dryRun=All', body });
    expect(last.headers).toMatchObject({ accept: 'application/json', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    expect(last.headers['transfer-encoding']).toBeUndefined();
  });

  it('sends a GET without a body or Content-Length', async () => {
    await send(context(HttpMethod.GET, '/api/v1/namespaces/argo/secrets?labelSelector=a%3Db'));
    const last = received.at(-1)!;
    expect(last).toMatchObject({ method: 'GET', body: '' });
    expect(last.headers['content-length']).toBeUndefined();
    expect(last.headers['transfer-encoding']).toBeUndefined();
  });

  it('gives client-node the status, lower-case headers (several values joined as node-fetch did) and the body as text or bytes', async () => {
    const response = await send(context(HttpMethod.GET, '/missing'));
    expect(response.httpStatusCode).toBe(404);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers.warning).toBe('299 - "first", 299 - "second"');
    const expected = JSON.stringify({ kind: 'Status', path: '/missing', text: 'é ✓' });
    expect(await response.body.text()).toBe(expected);
    expect((await response.body.binary()).equals(Buffer.from(expected))).toBe(true);
  });

  it('sends with the agent the request carries: a kept-alive agent reuses its connection', async () => {
    const agent = new http.Agent({ keepAlive: true });
    const before = connections.size;
    for (let i = 0; i < 3; i += 1) {
      const request = context(HttpMethod.GET, `/kept-${i}`);
      request.setAgent(agent);
      await (await send(request)).body.text();
    }
    expect(connections.size - before).toBe(1);
    agent.destroy();
  });

  it('rejects a body that is not a string, sending nothing', async () => {
    const count = received.length;
    const request = context(HttpMethod.POST, '/form');
    request.setBody(new URLSearchParams({ a: 'b' }));
    await expect(send(request)).rejects.toThrow(/string bodies only/);
    expect(received.length).toBe(count);
  });

  it('rejects with Node\'s error when the connection fails or the signal aborts', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(send(new RequestContext(`http://127.0.0.1:${port}/`, HttpMethod.GET))).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    const slow = context(HttpMethod.POST, '/slow', '{}');
    const controller = new AbortController();
    slow.setSignal(controller.signal);
    const pending = send(slow);
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});
