/**
 * One function, as its entry exports it: `export default defineFunction(DECLARATION, { createGitHubClient })`.
 * Like a Knative Functions entry, it exports what to serve and starts nothing; `serve(fn)` (serve.ts) runs it,
 * the build bundles the two together (dev/scripts/bundle/options.ts), tests build its app with fakes.
 */
import type { Config } from '../config';
import type { FunctionDeclaration } from '../function-declaration';
import { buildFunctionApp, type FunctionApp, type FunctionPorts } from './build-function-app';
import type { ProductionPortsOptions } from './production-ports';

export interface HandoffFunction {
  readonly declaration: FunctionDeclaration;
  /** What productionPorts needs from the entry: the GitHub client, passed only where the declaration calls GitHub. */
  readonly production: ProductionPortsOptions;
  /** Builds the app: from productionPorts in production (serve.ts), from fakes in tests. */
  readonly app: (config: Config, ports: FunctionPorts) => FunctionApp;
}

export function defineFunction(declaration: FunctionDeclaration, production: ProductionPortsOptions = {}): HandoffFunction {
  return { declaration, production, app: (config, ports) => buildFunctionApp(declaration, config, ports) };
}
