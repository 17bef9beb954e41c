/**
 * The peer of the cold-start benchmark: the very same function (an entry's default export,
 * functions/<name>/index.ts), hosted by Knative Functions' Node runtime (faas-js-runtime 3.x)
 * instead of shared/server/serve.ts. dev/bench/cold-start.ts bundles one per function;
 * faas-js-runtime must run with --include-raw.
 */
import type { HandoffFunction } from '../../../shared/server/define-function';
import { loadFunctionConfig } from '../../../shared/server/load-function-config';
import { productionPorts } from '../../../shared/server/production-ports';

interface FaasContext {
  readonly method: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly rawBody?: string;
}

export function createFaasHandle(fn: HandoffFunction) {
  const config = loadFunctionConfig(fn.declaration);
  const { app } = fn.app(config, productionPorts(fn.declaration, config, fn.production));
  return async function handle(context: FaasContext) {
    const headers = new Headers();
    for (const [name, value] of Object.entries(context.headers)) {
      if (typeof value === 'string') headers.set(name, value);
    }
    const response = await app.fetch(new Request('http://function.local/', { method: context.method, headers, body: context.rawBody ?? '' }));
    return { statusCode: response.status, headers: { 'content-type': 'application/json' }, body: await response.text() };
  };
}
