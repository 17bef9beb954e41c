/**
 * The peer of the cold-start benchmark: the very same function app, hosted by
 * Knative Functions' Node runtime (faas-js-runtime 3.x) instead of @hono/node-server.
 * FUNCTION names the declaration; faas-js-runtime must run with --include-raw.
 */
import { declarationFor } from '../../shared/declarations';
import { buildFunctionApp } from '../../shared/server/build-function-app';
import { loadFunctionConfig } from '../../shared/server/serve-function';

const { app } = buildFunctionApp(declarationFor(process.env.FUNCTION ?? ''), loadFunctionConfig(declarationFor(process.env.FUNCTION ?? '')));

interface FaasContext {
  readonly method: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly rawBody?: string;
}

export async function handle(context: FaasContext) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(context.headers)) {
    if (typeof value === 'string') headers.set(name, value);
  }
  const response = await app.fetch(new Request('http://function.local/', { method: context.method, headers, body: context.rawBody ?? '' }));
  return { statusCode: response.status, headers: { 'content-type': 'application/json' }, body: await response.text() };
}
