/**
 * client-node's HTTP transport on Node's own http and https modules, in place of its node-fetch one.
 *
 * @kubernetes/client-node 1.4.0 sends every request through `IsomorphicFetchHttpLibrary.send`
 * (dist/gen/http/isomorphic-fetch.js): node-fetch 2 with the request's URL, method, body, headers, signal and
 * agent, then a ResponseContext of the status, the headers (lower-case names, as node-fetch's `Headers` gives
 * them) and the body as text or bytes. A CPU profile of a resume put node-fetch's own code (its Request, Headers
 * and Body classes, stream plumbing) at about a tenth of the function's CPU per event (docs/performance.md).
 * This library does the same with `http.request`/`https.request`, so the request is built and sent by the
 * code node-fetch ends in anyway. Its configuration hook (`createConfiguration({ httpApi })`) is the one
 * client-node's generated APIs read.
 *
 * What node-fetch did that this keeps: the agent the request carries (KeepAliveKubeConfig's kept-alive one; a
 * proxy agent), its abort signal, a Content-Length for a string body. What it drops, because the apiserver
 * calls made here do not need it: following redirects (the apiserver does not redirect API calls),
 * `Accept-Encoding: gzip,deflate` with decompression (so answers come uncompressed; the apiserver only compresses
 * answers over 128 KiB for clients that ask), and bodies other than strings (FormData or URLSearchParams, which
 * client-node only builds for endpoints with form parameters: none of CustomObjectsApi's or
 * KubernetesObjectApi's). A network failure rejects with Node's own error (`ECONNREFUSED`, `ECONNRESET`...),
 * as node-fetch's FetchError did with the same `code`.
 */
import http from 'node:http';
import https from 'node:https';
import { ResponseContext, type HttpLibrary, type RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import { from, type Observable } from '@kubernetes/client-node/dist/gen/rxjsStub.js';

export class NodeHttpLibrary implements HttpLibrary {
  send(request: RequestContext): Observable<ResponseContext> {
    return from(send(request));
  }
}

function send(request: RequestContext): Promise<ResponseContext> {
  const body = request.getBody();
  if (body !== undefined && typeof body !== 'string') return Promise.reject(new TypeError('NodeHttpLibrary sends string bodies only (client-node builds FormData and URLSearchParams for form endpoints, which Handoff does not call)'));
  const url = new URL(request.getUrl());
  const headers: http.OutgoingHttpHeaders = { ...request.getHeaders() };
  if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
  const options: http.RequestOptions = { method: request.getHttpMethod(), headers, agent: request.getAgent(), signal: request.getSignal() };

  return new Promise((resolve, reject) => {
    const onResponse = (response: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve(new ResponseContext(response.statusCode ?? 0, headersOf(response), { text: async () => bytes.toString('utf8'), binary: async () => bytes }));
      });
    };
    const outgoing = url.protocol === 'https:' ? https.request(url, options, onResponse) : http.request(url, options, onResponse);
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** The response's headers by lower-case name, several values joined by ", " as node-fetch's Headers.forEach gives them. */
function headersOf(response: http.IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
