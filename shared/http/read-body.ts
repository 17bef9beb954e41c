/**
 * Reads a request's body as text, up to a size limit, straight from Node's request when the function runs on
 * @hono/node-server.
 *
 * Hono's `bodyLimit` middleware and `c.req.text()` both go through `c.req.raw.body`, which makes @hono/node-server
 * build a WHATWG Request around Node's IncomingMessage: undici's Request and Headers, and a ReadableStream fed from
 * the Node stream. For a 24 KB webhook that was about 0.7 ms of CPU per event, a fifth of a resume's
 * (docs/performance.md, "Resume latency"). Here the bytes come from the IncomingMessage that @hono/node-server passes
 * as `c.env.incoming`; anywhere else (Hono's `app.request()` in tests, another runtime) from `c.req.raw.body`. Both
 * follow bodyLimit's rules (hono/dist/middleware/body-limit): a Content-Length over the limit, without
 * Transfer-Encoding, is refused before a byte is read; otherwise the bytes are counted as they arrive and the read
 * stops at the first chunk past the limit. What was not read is left to @hono/node-server, which drains it after
 * the answer (up to 64 MiB or 500 ms, then closes the connection). The text is decoded as `Request.text()`
 * decodes it (WHATWG UTF-8 decode: invalid bytes become U+FFFD, a leading BOM is dropped), so the string
 * authenticate() verifies a signature over is the same as before.
 */
import { Readable } from 'node:stream';
import type { Context } from 'hono';

/** The body as text; undefined when it is over `maxSize` bytes. */
export async function readBody(c: Context, maxSize: number): Promise<string | undefined> {
  const length = c.req.header('content-length');
  if (length !== undefined && c.req.header('transfer-encoding') === undefined && Number.parseInt(length, 10) > maxSize) return undefined;
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  const chunks = incoming instanceof Readable ? await readNodeStream(incoming, maxSize) : await readWebStream(c.req.raw.body, maxSize);
  return chunks && new TextDecoder().decode(Buffer.concat(chunks));
}

/** The chunks of a Node stream, or undefined once they exceed maxSize (the rest stays unread, the stream paused); rejects if it closes first. */
function readNodeStream(stream: Readable, maxSize: number): Promise<Uint8Array[] | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const stop = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxSize) {
        chunks.push(chunk);
        return;
      }
      stop();
      stream.pause();
      resolve(undefined);
    };
    const onEnd = () => {
      stop();
      resolve(chunks);
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    // A client that goes away mid-body: the stream closes without 'end' (or errors first); never left pending.
    const onClose = () => onError(new Error('the request closed before its body ended'));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

/** The same for a WHATWG body stream (none: an empty body). */
async function readWebStream(body: ReadableStream<Uint8Array> | null, maxSize: number): Promise<Uint8Array[] | undefined> {
  const chunks: Uint8Array[] = [];
  if (!body) return chunks;
  const reader = body.getReader();
  let size = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.length;
    if (size > maxSize) return undefined;
    chunks.push(read.value);
  }
  return chunks;
}
