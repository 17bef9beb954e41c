/**
 * The peer of the cold-start benchmark: the very same function app, hosted by
 * Knative Functions' Node runtime (faas-js-runtime 3.x) instead of @hono/node-server.
 * bench/cold-start.ts bundles one per function, wired like functions/<name>/index.ts (only
 * rex-push gets the GitHub client); faas-js-runtime must run with --include-raw.
 */
import type { FunctionDeclaration } from '../../shared/declarations';
import { buildFunctionApp } from '../../shared/server/build-function-app';
import { productionPorts, type ProductionPortsOptions } from '../../shared/server/production-ports';
import { loadFunctionConfig } from '../../shared/server/serve-function';

interface FaasContext {
  readonly method: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly rawBody?: string;
}

export function createFaasHandle(declaration: FunctionDeclaration, options: ProductionPortsOptions = {}) {
  const config = loadFunctionConfig(declaration);
  const { app } = buildFunctionApp(declaration, config, productionPorts(declaration, config, options));
  return async function handle(context: FaasContext) {
    const headers = new Headers();
    for (const [name, value] of Object.entries(context.headers)) {
      if (typeof value === 'string') headers.set(name, value);
    }
    const response = await app.fetch(new Request('http://function.local/', { method: context.method, headers, body: context.rawBody ?? '' }));
    return { statusCode: response.status, headers: { 'content-type': 'application/json' }, body: await response.text() };
  };
}
