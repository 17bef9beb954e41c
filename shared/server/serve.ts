/**
 * Serves one function (an entry's default export, shared/server/define-function.ts) as a standalone HTTP server.
 * The build's runner calls it: `node dist/functions/<name>/index.js` (dev/scripts/bundle/options.ts).
 */
import { serve as listen } from '@hono/node-server';
import type { HandoffFunction } from './define-function';
import { loadFunctionConfig } from './load-function-config';
import { productionPorts } from './production-ports';

export function serve(fn: HandoffFunction): void {
  const { declaration } = fn;
  const config = loadFunctionConfig(declaration);
  const { app, logger, drain } = fn.app(config, productionPorts(declaration, config, fn.production));
  const server = listen({ fetch: app.fetch, port: config.port }, (info) => {
    logger.info({ port: info.port, namespace: config.namespace, dryRun: config.dryRun }, 'listening');
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    drain();
    logger.info({ signal }, 'shutting down');
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
