// npm start: with a reachable cluster (KUBECONFIG, ~/.kube/config or in-cluster) serve the four
// functions against it; with none, start the whole local stack (building the pinned binaries on
// the first run) and print where to send events. Ctrl-C, a closed terminal, a dead pipe, a crash
// or a killed launcher stops everything (dev/stack/processes/lifetime.ts).
import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import { join } from 'node:path';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { HOST_FUNCTIONS_GITHUB_TOKEN, startFunctions } from '../stack/functions/functions';
import { knativeFunctionsDeployed, startStack, writeStackInfo, type SensorsCall, type Stack } from '../stack/stack';
import { repoRoot } from '../stack/binaries/versions';
import { startFakeGitHub } from '../../test/fakes/fake-github';
import { safeLine, stopWhenStartEnds } from '../stack/processes/lifetime';

const print = safeLine();
const log = (line: string) => print(`[start] ${line}`);

/** What to stop when `npm start` ends; grows as things start. Before the stack is up, the children die with us (pdeathsig). */
let stopAll = async (): Promise<void> => {};
stopWhenStartEnds({ stop: () => stopAll(), log });

async function reachableCluster(): Promise<string | undefined> {
  const inCluster = !!process.env.KUBERNETES_SERVICE_HOST;
  const file = process.env.KUBECONFIG ?? join(homedir(), '.kube', 'config');
  if (!inCluster && !existsSync(file)) return undefined;
  const config = new KubeConfig();
  if (inCluster && !process.env.KUBECONFIG) config.loadFromCluster();
  else config.loadFromDefault();
  try {
    const version = await Promise.race([config.makeApiClient(VersionApi).getCode(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 5_000))]);
    return `${config.getCurrentCluster()?.server} (Kubernetes ${version.gitVersion})`;
  } catch (error) {
    log(`cluster from ${inCluster ? 'in-cluster config' : file} is not reachable (${String(error)}); starting the local stack instead`);
    return undefined;
  }
}

/** What the Sensors call, in words. */
function sensorsLine(stack: Stack): string {
  if (stack.sensorsCall === 'knative') return `the Knative URLs (http://<function>.${stack.namespace}.svc.cluster.local, resolved by CoreDNS)`;
  return stack.sensorsCall === 'host-processes' ? 'the host processes' : '(no Sensors)';
}

/** The Knative Services' URLs and how to reach them from this machine (the ingress's ClusterIP, through kube-proxy). */
function knativeLines(stack: Stack): string {
  const functions = stack.knative?.functions;
  if (!functions) return '';
  const urls = Object.entries(functions.services).map(([name, service]) => `${name} ${service.url}`);
  const [first] = Object.values(functions.services);
  return `  Knative:       ${urls.join(', ')}
                 image ${functions.image}; idle Services scale to zero
                 from this machine: the ingress at http://${functions.ingressAddress}/ with the URL's host, e.g.
                 curl -H 'Host: ${first?.host}' http://${functions.ingressAddress}/readyz
`;
}

const cluster = await reachableCluster();
const logDir = join(repoRoot, '.handoff', 'logs');
if (cluster) {
  mkdirSync(join(logDir, 'cluster'), { recursive: true });
  // Serve against the existing cluster: the functions use the same KUBECONFIG / in-cluster config.
  const triggerToken = process.env.TRIGGER_TOKENS ?? 'local-dev-token';
  // GitHub writes go to the recording fake unless real GitHub credentials or an API URL are given.
  const realGitHub = !!(process.env.GITHUB_API_URL || process.env.GITHUB_TOKEN || process.env.GITHUB_APP_ID);
  const fakeGitHub = realGitHub ? undefined : await startFakeGitHub({ tokens: [HOST_FUNCTIONS_GITHUB_TOKEN] });
  const passThrough = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && e[0] !== 'PORT'));
  const functions = await startFunctions({
    namespace: process.env.NAMESPACE ?? 'argo',
    kubeconfig: process.env.KUBECONFIG ?? join(homedir(), '.kube', 'config'),
    triggerToken,
    webhookSecret: process.env.GITHUB_WEBHOOK_SECRETS ?? 'local-dev-secret',
    githubApiUrl: process.env.GITHUB_API_URL ?? fakeGitHub?.url ?? 'https://api.github.com',
    logDir: join(logDir, 'cluster'),
    env: realGitHub ? passThrough : { ...passThrough, GITHUB_TOKEN: HOST_FUNCTIONS_GITHUB_TOKEN },
    startTimeoutMs: 60_000,
  });
  log(`serving the functions against ${cluster}`);
  for (const f of functions) log(`  ${f.name}: ${f.url}  (log ${f.process.logFile})`);
  stopAll = async () => {
    for (const f of functions) await f.process.stop();
    await fakeGitHub?.close();
  };
} else {
  // A node (kubelet, containerd, kube-proxy, CoreDNS) runs the play's pods unless HANDOFF_NODE=0.
  const node = process.env.HANDOFF_NODE !== '0';
  // The Sensors call the Knative Services when they are deployed, unless HANDOFF_SENSORS=processes (the host
  // processes, which the control server can kill and restart).
  const sensorsCall: SensorsCall = knativeFunctionsDeployed({ node }) && process.env.HANDOFF_SENSORS !== 'processes' ? 'knative' : 'host-processes';
  log(`no reachable cluster: starting the local stack (etcd, kube-apiserver, ${node ? 'a node, ' : ''}workflow-controller, NATS, Argo Events, functions)`);
  const started = Date.now();
  let stack: Stack;
  try {
    stack = await startStack({ log, node, sensorsCall });
  } catch (error) {
    safeLine(process.stderr)(`[start] failed: ${error instanceof Error ? error.message : String(error)}\n[start] logs: ${logDir}`);
    process.exit(1);
  }
  const infoFile = join(repoRoot, '.handoff', 'stack.json');
  writeStackInfo(infoFile, stack);
  log(`ready in ${Math.round((Date.now() - started) / 1000)} s`);
  print(`
  KUBECONFIG=${stack.kubeconfig}
  API server:    ${stack.server}
  EventSource:   ${stack.eventSourceUrl ?? '(not started)'}   (GitHub webhooks, signed with the secret in ${infoFile})
  Functions:     ${Object.entries(stack.functionUrls).map(([n, u]) => `${n} ${u}`).join(', ')}   (host processes)
${knativeLines(stack)}  Sensors call:  ${sensorsLine(stack)}
  Fake GitHub:   ${stack.githubApiUrl ?? '(none)'}   (GET /github/requests on the control server lists what it received)
  Logs:          ${stack.logDir}

  Send an event:  npm run send -- pr-opened --task 42          (through the EventSource)
                  npm run send -- approved --task 42 --to function   (${stack.knative?.functions ? 'the Knative Service, through the ingress' : 'the host process'})
  Scenarios: pr-opened, ready-for-qa, approved, rex-push, or a payload.json file.
  Ctrl-C stops everything.
`);
  stopAll = async () => {
    await stack.stop();
    rmSync(infoFile, { force: true });
  };
}
