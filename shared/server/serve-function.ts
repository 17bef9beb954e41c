/** Starts one function as a standalone HTTP server: `node dist/functions/<name>/index.js`. */
import { serve } from '@hono/node-server';
import { ConfigError, hasGitHubCredentials, loadConfig, type Config } from '../config';
import { stepOf, type FunctionDeclaration } from '../declarations';
import { buildFunctionApp } from './build-function-app';
import { productionPorts, type ProductionPortsOptions } from './production-ports';

/** Loads the configuration, or says what is wrong and exits 1. */
export function loadFunctionConfig(declaration: FunctionDeclaration): Config {
  try {
    const config = loadConfig();
    const removal = stepOf(declaration, 'remove-label');
    if (removal && !hasGitHubCredentials(config.github)) {
      throw new ConfigError(`${declaration.name} removes the ${removal.label} label, so it needs GITHUB_TOKEN or GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY(_FILE)`);
    }
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${declaration.name}: ${error.message}\n`);
    process.exit(1);
  }
}

export function serveFunction(declaration: FunctionDeclaration, options: ProductionPortsOptions = {}): void {
  const config = loadFunctionConfig(declaration);
  const { app, logger, drain } = buildFunctionApp(declaration, config, productionPorts(declaration, config, options));
  const server = serve({ fetch: app.fetch, port: config.port }, (info) => {
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
