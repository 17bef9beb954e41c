// The four functions as local processes: `node dist/functions/<name>/index.js` (built by npm run build).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DECLARATIONS } from '../../../shared/declarations';
import type { FunctionName } from '../../../shared/function-declaration';
import { freePort } from '../processes/ports';
import { spawnManaged, waitFor, type ManagedProcess } from '../processes/processes';
import { repoRoot } from '../binaries/versions';

export const functionNames: FunctionName[] = DECLARATIONS.map((d) => d.name as FunctionName);

/** The host-process functions' GITHUB_TOKEN: the fake GitHub is given it as a token it accepts. */
export const HOST_FUNCTIONS_GITHUB_TOKEN = 'local-harness-token';

export function functionBundle(name: FunctionName): string {
  return join(repoRoot, 'dist', 'functions', name, 'index.js');
}

export interface FunctionsOptions {
  namespace: string;
  /** One kubeconfig for every function, or one each (the local stack: a token of the function's ServiceAccount). */
  kubeconfig: string | Readonly<Record<FunctionName, string>>;
  /** Accepted as TRIGGER_TOKENS (fixed for the life of the process). */
  triggerToken?: string;
  /** The function's TRIGGER_TOKENS_FILE (the local stack: its projected Secret volume, re-read on change). */
  triggerTokensFile?: (name: FunctionName) => string;
  webhookSecret: string;
  githubApiUrl: string;
  logDir: string;
  startTimeoutMs: number;
  /** Extra environment for every function (e.g. REX_LOGINS). */
  env?: Record<string, string>;
}

export interface RunningFunction {
  name: FunctionName;
  port: number;
  /** Loopback URL of the function. */
  url: string;
  process: ManagedProcess;
}

export async function startFunctions(options: FunctionsOptions): Promise<RunningFunction[]> {
  const missing = functionNames.filter((name) => !existsSync(functionBundle(name)));
  if (missing.length) throw new Error(`missing ${missing.map(functionBundle).join(', ')}: run npm run build first`);
  const running: RunningFunction[] = [];
  try {
    for (const name of functionNames) {
      // Listens on all interfaces: the Sensors reach it from their network namespaces.
      const port = await freePort('0.0.0.0');
      const process = spawnManaged({
        name: `function-${name}`,
        command: globalThis.process.execPath,
        args: ['--enable-source-maps', functionBundle(name)],
        env: {
          PATH: globalThis.process.env.PATH,
          PORT: String(port),
          NAMESPACE: options.namespace,
          KUBECONFIG: typeof options.kubeconfig === 'string' ? options.kubeconfig : options.kubeconfig[name],
          ...(options.triggerToken ? { TRIGGER_TOKENS: options.triggerToken } : {}),
          ...(options.triggerTokensFile ? { TRIGGER_TOKENS_FILE: options.triggerTokensFile(name) } : {}),
          GITHUB_WEBHOOK_SECRETS: options.webhookSecret,
          GITHUB_TOKEN: HOST_FUNCTIONS_GITHUB_TOKEN,
          GITHUB_API_URL: options.githubApiUrl,
          ...options.env,
        },
        logDir: options.logDir,
      });
      const url = `http://127.0.0.1:${port}`;
      running.push({ name, port, url, process });
      await waitFor(`function ${name} /readyz`, async () => (await fetch(`${url}/readyz`)).ok, options.startTimeoutMs, process);
    }
    return running;
  } catch (error) {
    for (const f of running) await f.process.stop();
    throw error;
  }
}
