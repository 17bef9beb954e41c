// npm run dead-letters -- list | show ID | replay ID | replay --all | drop ID | parked  (docs/operations.md, "Dead letters")
// Works against any cluster: KUBECONFIG (or --kubeconfig), else the in-cluster ServiceAccount. Replays go to each
// function's Service URL with the token the functions accept, read from the handoff-trigger-token Secret unless
// --token-file is given. With --stack (default .handoff/stack.json when it exists and no --kubeconfig is given) it
// uses the local stack of `npm start`: its kubeconfig, namespace, function ports and token.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { WORKFLOW_LABELS } from '../../shared/contract';
import { WORKFLOWS, type Workflow } from '../../shared/kubernetes/workflow';
import type { StackInfo } from '../stack/stack';
import { repoRoot } from '../stack/binaries/versions';
import { withDefaults } from '../../manifests/options';
import { createSecretDeadLetterStore } from '../../shared/dead-letters/secret-store';
import { stripBearer } from '../../shared/http/trigger-token-file';
import { USAGE, runDeadLetters } from './dead-letters/commands';

const GLOBAL = new Set(['--namespace', '--kubeconfig', '--url-template', '--url', '--token-file', '--stack']);

function splitGlobalOptions(argv: string[]) {
  const global: Record<string, string[]> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    if (!GLOBAL.has(flag)) {
      rest.push(argv[i]!);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    (global[flag] ??= []).push(value);
  }
  return { global, rest };
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = splitGlobalOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { global, rest } = parsed;
  const stackFile = global['--stack']?.[0] ?? (global['--kubeconfig'] ? undefined : join(repoRoot, '.handoff', 'stack.json'));
  const stack = stackFile && existsSync(stackFile) ? (JSON.parse(readFileSync(stackFile, 'utf8')) as StackInfo) : undefined;

  const kubeConfig = new KubeConfig();
  const kubeconfigFile = global['--kubeconfig']?.[0] ?? stack?.kubeconfig;
  if (kubeconfigFile) kubeConfig.loadFromFile(kubeconfigFile);
  else kubeConfig.loadFromDefault();
  const contextNamespace = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
  const namespace = global['--namespace']?.[0] ?? stack?.namespace ?? contextNamespace ?? withDefaults({}).namespace;

  const urls = new Map<string, string>(Object.entries(stack?.functionUrls ?? {}));
  for (const pair of global['--url'] ?? []) {
    const [name, url] = pair.split(/=(.*)/s, 2);
    if (!name || !url) {
      console.error(`--url takes FUNCTION=URL, got "${pair}"`);
      return 2;
    }
    urls.set(name, url);
  }
  const template = global['--url-template']?.[0] ?? 'http://{function}.{namespace}.svc.cluster.local';
  const functionUrl = (name: string) => urls.get(name) ?? template.replaceAll('{function}', name).replaceAll('{namespace}', namespace);

  const token = async () => {
    const file = global['--token-file']?.[0];
    if (file) return stripBearer(readFileSync(file, 'utf8').trim());
    if (process.env.HANDOFF_TRIGGER_TOKEN) return stripBearer(process.env.HANDOFF_TRIGGER_TOKEN.trim());
    if (stack?.triggerToken) return stack.triggerToken;
    const { name, key } = withDefaults({ namespace }).sensorTokenSecret;
    const secret = await kubeConfig.makeApiClient(CoreV1Api).readNamespacedSecret({ name, namespace });
    const value = secret.data?.[key];
    if (!value) throw new Error(`Secret ${namespace}/${name} has no key ${key}: pass --token-file`);
    return stripBearer(Buffer.from(value, 'base64').toString('utf8').trim());
  };

  return runDeadLetters(rest, {
    store: createSecretDeadLetterStore({ namespace, kubeConfig }),
    functionUrl,
    token,
    playWorkflows: async () => {
      const list = (await kubeConfig.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
        ...WORKFLOWS,
        namespace,
        labelSelector: `${WORKFLOW_LABELS.type}=${WORKFLOW_LABELS.typeValue}`,
      })) as { items: Workflow[] };
      return list.items;
    },
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}

/**
 * Exits once stdout and stderr are flushed: to a pipe whose reader is slow, writes are queued, and process.exit
 * would cut a long `list` short.
 */
function exitWhenFlushed(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main().then(exitWhenFlushed, (error: unknown) => {
  process.stderr.write(`dead-letters: ${(error as Error).message ?? String(error)}\n`);
  exitWhenFlushed(1);
});
