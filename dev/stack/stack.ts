// The whole local stack: etcd, kube-apiserver, CRDs, namespace/RBAC, workflow-controller, NATS
// JetStream, the four functions, the GitHub EventSource and the four function Sensors. One
// folder of logs; stop() ends every process group and deletes every network namespace.
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FunctionName } from '../../shared/function-declaration';
import { removeMountPointIfUnused, startArgoEventsProcess, type ArgoEventsProcess } from './events/argo-events';
import { ensureBinaries, ingressBinaries, knativeBinaries, nodeBinaries, type BinaryName } from './binaries/binaries';
import { loadTraefikImage, traefikNamespace, traefikObjects, traefikServices } from './knative/traefik';
import { deployFunctionServices, ingressAddress, type FunctionService } from './knative/function-services';
import { startServing, waitForDeployments } from './knative/start-serving';
import { hostIp } from './node/host-ip';
import { nodeIdentities, tokenFileLines } from './node/identities';
import { nodeName, startNode, type Node } from './node/start-node';
import { startControlPlane } from './control-plane/control-plane';
import type { FakeGitHub } from '../../test/fakes/fake-github';
import { createLocalGitHubApp, githubAppSecretObject, startLocalFakeGitHub } from './github/local-github';
import { functionKubeconfigs } from './functions/function-identities';
import { functionNames, startFunctions, type RunningFunction } from './functions/functions';
import { startKubeForward, type KubeForward } from './events/kube-forward';
import type { KubeObject, KubeRest } from './kube-rest';
import { buildManifests, objectsOf, type ManifestOptions } from '../../manifests';
import { describeSensorRetries, SHIPPED_SENSOR_RETRIES, type SensorRetries } from '../../manifests/sensor-retries';
import { startCodeRunAgents, type CodeRunAgents } from '../../test/fakes/coderun-agents';
import { createSecretVolumes, type SecretConsumer } from './functions/secret-volume';
import { startNats } from './events/nats';
import { startControlServer, type ControlServer } from './control-server';
import { endLeftovers, forgetProcesses } from './processes/leftovers';
import { createProcessRegistry } from './processes/process-registry';
import { createNetns, deleteNetns, deleteStaleNetns, type Netns } from './processes/netns';
import type { ManagedProcess } from './processes/processes';
import { repoRoot } from './binaries/versions';
import { LOCAL_RESOURCE_CHECK_INTERVAL, startWorkflowController } from './argo/workflow-controller';

export interface StackOptions {
  namespace?: string;
  /** Runtime files (certs, etcd data, kubeconfig). Default .handoff/run */
  workDir?: string;
  /** Every process log. Default .handoff/logs */
  logDir?: string;
  /** Per-component readiness timeout; generous for 2-core machines. Default 180 s. */
  startTimeoutMs?: number;
  /** Start the four functions (needs dist/ from npm run build). Default true. */
  functions?: boolean;
  /** Start NATS, the EventSource and the Sensors (needs manifests/). Default true. */
  events?: boolean;
  /**
   * A node: containerd, kubelet, kube-proxy, scheduler, controller-manager and CoreDNS, so Pods run
   * (dev/stack/node). Default: HANDOFF_NODE=1 in the environment.
   */
  node?: boolean;
  /**
   * Knative Serving and its ingress on the node (dev/stack/knative). Needs the node. Default: with the
   * node, unless HANDOFF_KNATIVE=0.
   */
  knative?: boolean;
  /**
   * With Knative: the four functions as Knative Services, from the image built from the Dockerfile
   * (dev/stack/knative/function-services.ts). Default: with Knative, unless HANDOFF_KNATIVE_FUNCTIONS=0.
   */
  knativeFunctions?: boolean;
  /**
   * What the stack's Sensors call. `host-processes` (the default): the functions as host processes, which the
   * e2e tests kill and restart (dev/stack/control-server.ts). `knative`: the URLs the generated Sensors name,
   * http://<function>.<namespace>.svc.cluster.local, resolved by CoreDNS to the Knative Services; needs them
   * (knativeFunctions). The host processes run either way (`npm run send -- … --to process`).
   */
  sensorsCall?: SensorsCall;
  /**
   * How the stack's function Sensors retry an unsettled call (the manifest option sensorRetries). Default: as
   * shipped. The e2e stack passes E2E_SENSOR_RETRIES, so a test that waits for retries to run out waits less.
   */
  sensorRetries?: SensorRetries;
  log?: (line: string) => void;
}

/**
 * The e2e stack's Sensor retries: the shipped 8 attempts and factor, from 1 s instead of 2 s, so an event
 * no retry applies reaches the dead-letter trigger after 127 s of sleeps instead of 254 s (each with up to
 * 20 % jitter). Still long enough for a play to reach the stage an early event waits for (early-events.e2e.ts).
 */
export const E2E_SENSOR_RETRIES: SensorRetries = { ...SHIPPED_SENSOR_RETRIES, duration: '1s' };

/** What the stack's Sensors call (StackOptions.sensorsCall). */
export type SensorsCall = 'host-processes' | 'knative';

type NodeOptions = Pick<StackOptions, 'node' | 'knative' | 'knativeFunctions'>;

/** The node, Knative and the Knative functions a stack with these options runs (the defaults read the environment). */
function nodeParts(options: NodeOptions) {
  const withNode = options.node ?? process.env.HANDOFF_NODE === '1';
  const withKnative = withNode && (options.knative ?? process.env.HANDOFF_KNATIVE !== '0');
  const withKnativeFunctions = withKnative && (options.knativeFunctions ?? process.env.HANDOFF_KNATIVE_FUNCTIONS !== '0');
  return { withNode, withKnative, withKnativeFunctions };
}

/** Whether a stack with these options deploys the four functions as Knative Services. */
export const knativeFunctionsDeployed = (options: NodeOptions): boolean => nodeParts(options).withKnativeFunctions;

/** What the Sensors of a stack with these options call; throws when they are to call Knative Services it does not deploy. */
export function resolveSensorsCall(options: NodeOptions & Pick<StackOptions, 'sensorsCall'>): SensorsCall {
  const sensorsCall = options.sensorsCall ?? 'host-processes';
  if (sensorsCall === 'knative' && !knativeFunctionsDeployed(options)) {
    throw new Error('sensorsCall knative needs the functions as Knative Services: a node, with HANDOFF_KNATIVE and HANDOFF_KNATIVE_FUNCTIONS not 0');
  }
  return sensorsCall;
}

export interface StackInfo {
  namespace: string;
  kubeconfig: string;
  server: string;
  logDir: string;
  webhookSecret: string;
  triggerToken: string;
  /** Fault injection (dev/stack/control-server.ts): bearer `controlToken`. */
  controlUrl: string;
  controlToken: string;
  /** GitHub EventSource webhook URL (reachable from the host). */
  eventSourceUrl?: string;
  functionUrls: Partial<Record<FunctionName, string>>;
  /** What the Sensors call, when they run. */
  sensorsCall?: SensorsCall;
  /** How the function Sensors retry an unsettled call, when they run (StackOptions.sensorRetries). */
  sensorRetries?: SensorRetries;
  githubApiUrl?: string;
  /** Knative Serving on the node, when it runs: the ingress cluster-local routes resolve to (its Service). */
  knative?: KnativeInfo;
}

export interface KnativeInfo {
  namespace: string;
  ingress: { namespace: string; privateService: string; publicService: string };
  /** The node's containerd, where images for the function Services are loaded. */
  containerdAddress: string;
  /** The four functions as Knative Services, when deployed (knativeFunctions). */
  functions?: {
    image: string;
    /** The ClusterIP of the ingress's private Service: cluster-local routes go there with their host (reachable from the node). */
    ingressAddress: string;
    services: Record<FunctionName, FunctionService>;
    /** Their GITHUB_API_URL (the manifest option githubApiUrl): the fake GitHub at the node IP. A redeploy passes it again. */
    githubApiUrl: string;
  };
}

export interface ExtraSensorOptions {
  /** Reach the kube-apiserver from the Sensor's network namespace (argoWorkflow/k8s triggers). */
  kubeApi?: boolean;
  env?: Record<string, string>;
}

export interface Stack extends StackInfo {
  rest: KubeRest;
  fakeGitHub?: FakeGitHub;
  /** Runs one more Sensor on the stack's bus in a namespace of its own (e.g. a benchmark peer). Needs events. */
  startSensor?(sensor: KubeObject, options?: ExtraSensorOptions): Promise<ManagedProcess>;
  stop(): Promise<void>;
}

export const secretRefs = {
  webhookSecret: { name: 'github-webhook-secret', key: 'secret' },
  /** What the Sensors send: `Bearer <token>`. */
  sensorTokenSecret: { name: 'handoff-trigger-token', key: 'authorization' },
  /** What the functions accept: one token per line. */
  acceptedTokensSecret: { name: 'handoff-trigger-token', key: 'accepted-tokens' },
};


/** How many agent CodeRuns the local stack runs at once (shipped: 4, manifests/play-rbac.ts). */
const LOCAL_AGENT_SLOTS = 16;

/** The file name of the accepted token list in a function's trigger-token volume (as in knative/<function>.yaml). */
const ACCEPTED_TOKENS_FILE = 'accepted-tokens';

/** Irregular plurals of kinds the generator may emit (Kubernetes does not derive plurals). */
const appliedKinds = new Set(['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Secret', 'WorkflowTemplate', 'ClusterWorkflowTemplate', 'EventSource', 'Sensor', 'Service', 'Namespace', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
const clusterScopedKinds = new Set(['Namespace', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);

export async function applyObjects(rest: KubeRest, objects: KubeObject[], namespace: string): Promise<void> {
  for (const object of objects) {
    if (!appliedKinds.has(object.kind)) continue; // e.g. ExternalSecret: no operator locally; CRDs: applied earlier
    const withNs = clusterScopedKinds.has(object.kind) || object.kind.startsWith('Cluster') ? object : { ...object, metadata: { ...object.metadata, namespace: object.metadata.namespace ?? namespace } };
    const res = await rest.apply(withNs);
    if (res.status >= 300) throw new Error(`apply ${object.kind}/${object.metadata.name}: ${res.status} ${res.text}`);
  }
}

/** The generated EventSource's first GitHub webhook (port, endpoint). */
function githubWebhook(eventSource: KubeObject): { port: string; endpoint: string } {
  const github = (eventSource.spec as { github?: Record<string, { webhook?: { port?: string; endpoint?: string } }> }).github ?? {};
  const first = Object.values(github)[0]?.webhook;
  if (!first?.port || !first.endpoint) throw new Error(`EventSource ${eventSource.metadata.name} has no github webhook port/endpoint`);
  return { port: String(first.port), endpoint: first.endpoint };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const namespace = options.namespace ?? 'argo';
  const workDir = options.workDir ?? join(repoRoot, '.handoff', 'run');
  const logDir = options.logDir ?? join(repoRoot, '.handoff', 'logs');
  const startTimeoutMs = options.startTimeoutMs ?? 180_000;
  const log = options.log ?? (() => {});
  const events = options.events ?? true;
  const withFunctions = events || (options.functions ?? true);
  const { withNode, withKnative, withKnativeFunctions } = nodeParts(options);
  const sensorsCall = resolveSensorsCall(options);
  const sensorRetries = options.sensorRetries ?? SHIPPED_SENSOR_RETRIES;
  const pidFile = `${workDir}.pids.json`;
  for (const pid of endLeftovers(pidFile)) log(`ended process group ${pid} left by a previous run`);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true, mode: 0o700 });
  mkdirSync(logDir, { recursive: true });
  for (const stale of deleteStaleNetns()) log(`removed stale network namespace ${stale}`);

  const processes = createProcessRegistry(pidFile, startTimeoutMs);
  const track = (...started: ManagedProcess[]) => started.forEach((p) => processes.add(p));
  const namespaces: Netns[] = [];
  let fakeGitHub: FakeGitHub | undefined;
  let control: ControlServer | undefined;
  const forwards: KubeForward[] = [];
  let node: Node | undefined;
  let agents: CodeRunAgents | undefined;
  const stop = async () => {
    agents?.stop();
    await control?.close();
    processes.close();
    // Reverse start order: consumers first, the apiserver and etcd last.
    for (const p of processes.all().reverse()) await p.stop();
    node?.clean();
    for (const forward of forwards) await forward.close();
    forgetProcesses(pidFile);
    for (const ns of namespaces) deleteNetns(ns);
    if (namespaces.length > 0) removeMountPointIfUnused();
    await fakeGitHub?.close();
  };
  try {
    const needed: BinaryName[] = events ? ['etcd', 'kube-apiserver', 'workflow-controller', 'nats-server', 'argo-events'] : ['etcd', 'kube-apiserver', 'workflow-controller'];
    if (withNode) needed.push(...nodeBinaries);
    if (withKnative) needed.push(...knativeBinaries, ...ingressBinaries);
    const binaries = await ensureBinaries(needed, { onProgress: log, logFile: join(logDir, 'build-binaries.log') });
    const nodeIp = withNode ? hostIp() : undefined;
    const identities = nodeIdentities(nodeName);
    const controlPlane = await startControlPlane({ binaries, workDir, logDir, namespace, startTimeoutMs, log, node: nodeIp ? { ip: nodeIp, tokenLines: tokenFileLines(identities) } : undefined });
    const rest = controlPlane.apiServer.rest;
    const [apiServerProcess, etcdProcess] = controlPlane.processes;
    processes.add(etcdProcess!);
    processes.add(apiServerProcess!, async () => (await rest.call('GET', '/readyz')).status === 200);
    if (nodeIp) {
      node = await startNode({ binaries, nodeIp, identities, server: controlPlane.apiServer.server, caFile: controlPlane.apiServer.caFile, rest, logDir, startTimeoutMs, log, track: (p) => processes.add(p) });
    }
    let knative: KnativeInfo | undefined;
    if (node && withKnative) {
      // Traefik goes in with Serving's install: Knative's Routes wait for the KIngress it marks ready.
      await loadTraefikImage(node.containerdAddress, binaries.traefik, join(logDir, 'node-images.log'), log);
      const serving = await startServing({ rest, containerdAddress: node.containerdAddress, binaries, logDir, startTimeoutMs, log, alongside: traefikObjects() });
      await waitForDeployments(rest, traefikNamespace, ['traefik'], startTimeoutMs);
      knative = {
        namespace: serving.namespace,
        ingress: { namespace: traefikNamespace, privateService: traefikServices.private, publicService: traefikServices.public },
        containerdAddress: node.containerdAddress,
      };
      log(`Traefik serves Knative's routes (Services ${traefikServices.public} and ${traefikServices.private} in ${traefikNamespace})`);
    }
    const webhookSecret = randomBytes(20).toString('hex');
    const triggerToken = randomBytes(20).toString('hex');
    const secretValues: Record<string, Record<string, string>> = {
      [secretRefs.webhookSecret.name]: { [secretRefs.webhookSecret.key]: webhookSecret },
      [secretRefs.sensorTokenSecret.name]: { [secretRefs.sensorTokenSecret.key]: `Bearer ${triggerToken}`, [secretRefs.acceptedTokensSecret.key]: `${triggerToken}\n` },
    };
    const secretObject = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData: data });
    await applyObjects(rest, Object.entries(secretValues).map(([name, data]) => secretObject(name, data)), namespace);
    // The kubelet's part: each consumer reads the Secrets from files, rewritten atomically when a Secret changes.
    const secretVolumes = createSecretVolumes();
    const secrets = {
      async update(name: string, data: Record<string, string>, lagMs?: Partial<Record<SecretConsumer, number>>) {
        const res = await rest.call('PUT', `/api/v1/namespaces/${namespace}/secrets/${name}`, secretObject(name, data));
        if (res.status !== 200) throw new Error(`update Secret ${name}: ${res.status} ${res.text}`);
        secretValues[name] = data;
        secretVolumes.update(name, data, lagMs);
      },
    };

    // The fake GitHub, for the host-process functions and the Knative functions' pods (dev/stack/github/local-github.ts).
    const withKnativeServices = !!knative && withKnativeFunctions;
    if (withFunctions || withKnativeServices) {
      const githubApp = createLocalGitHubApp();
      fakeGitHub = await startLocalFakeGitHub(githubApp, node?.ip);
      // The App's credentials the Services mount, with the key the fake GitHub knows.
      if (withKnativeServices) await applyObjects(rest, [githubAppSecretObject(namespace, githubApp)], namespace);
      log(`fake GitHub at ${fakeGitHub.url}${withKnativeServices ? ` (the Knative functions call it as GitHub App ${githubApp.id})` : ''}`);
    }
    if (knative && withKnativeFunctions && fakeGitHub) {
      // The trigger-token and GitHub App Secrets they mount exist (above); the Services scale to zero once idle.
      const githubApiUrl = fakeGitHub.url;
      const deployed = await deployFunctionServices({ rest, namespace, containerdAddress: knative.containerdAddress, githubApiUrl, readyTimeoutMs: startTimeoutMs, log });
      knative.functions = { image: deployed.image, ingressAddress: await ingressAddress(rest, knative.ingress), services: deployed.services, githubApiUrl };
    }

    if (node) log(`workflow pods: argoexec checks a resource step's conditions every ${LOCAL_RESOURCE_CHECK_INTERVAL} here (upstream 5 s)`);
    const controller = await startWorkflowController({ binary: binaries['workflow-controller'], kubeconfig: controlPlane.kubeconfig, namespace, logDir, rest, startTimeoutMs, executorImage: node?.images.argoexec });
    processes.add(controller, controller.ready);
    log('workflow-controller is leader');

    const controlToken = randomBytes(20).toString('hex');
    const info: Stack = { namespace, kubeconfig: controlPlane.kubeconfig, server: controlPlane.apiServer.server, logDir, webhookSecret, triggerToken, controlToken, controlUrl: '', functionUrls: {}, githubApiUrl: fakeGitHub?.url, fakeGitHub, knative, rest, stop };
    const startControl = async () => {
      control = await startControlServer({
        token: controlToken,
        processes,
        fakeGitHub,
        secrets,
        agents: () => agents,
        startSensor: events ? (sensor, extra) => (info.startSensor ? info.startSensor(sensor, extra) : Promise.reject(new Error('the Sensors are not up yet'))) : undefined,
      });
      info.controlUrl = control.url;
      log(`fault-injection control at ${control.url}`);
    };
    if (!withFunctions) {
      await startControl();
      return info;
    }

    if (!fakeGitHub) throw new Error('the fake GitHub is started with the functions');
    // As in a cluster: each function reads its accepted tokens from its Secret volume and calls the apiserver as
    // its own ServiceAccount (RBAC and the write policy apply), both from the generated manifests.
    const tokenFile = (name: FunctionName) => join(workDir, 'functions', name, 'trigger', ACCEPTED_TOKENS_FILE);
    for (const name of functionNames) {
      secretVolumes.mount({ secret: secretRefs.acceptedTokensSecret.name, consumer: 'function', dir: join(workDir, 'functions', name, 'trigger'), items: { [secretRefs.acceptedTokensSecret.key]: ACCEPTED_TOKENS_FILE } }, secretValues[secretRefs.acceptedTokensSecret.name]!);
    }
    const functionIdentities = objectsOf(buildManifests({ namespace }), (f) => f.path.startsWith('knative/')).filter((o) => o.kind !== 'Service');
    await applyObjects(rest, functionIdentities, namespace);
    const kubeconfigs = await functionKubeconfigs(rest, { names: functionNames, namespace, server: controlPlane.apiServer.server, caFile: controlPlane.apiServer.caFile, dir: workDir });
    log(`functions run as their ServiceAccounts, under ${functionIdentities.filter((o) => o.kind === 'ValidatingAdmissionPolicy').map((o) => o.metadata.name).join(', ') || 'no write policy'}`);
    const functions: RunningFunction[] = await startFunctions({ namespace, kubeconfig: kubeconfigs, triggerTokensFile: tokenFile, webhookSecret, githubApiUrl: fakeGitHub.url, logDir, startTimeoutMs });
    for (const f of functions) processes.add(f.process, async () => (await fetch(`${f.url}/readyz`)).ok);
    await startControl();
    for (const f of functions) info.functionUrls[f.name] = f.url;
    log(`functions ready: ${functions.map((f) => `${f.name} ${f.url}`).join(', ')}`);
    if (!events) return info;

    // One network namespace for the EventSource and one per Sensor (each binds :7777).
    // With a node, the Argo Events processes resolve cluster names (a Sensor calls a Knative URL) through CoreDNS, as in a pod.
    const dns = node ? { nameserver: node.ip, search: [`${namespace}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'] } : undefined;
    const eventSourceNs = createNetns(0, process.pid, dns);
    namespaces.push(eventSourceNs);
    const sensorNs = {} as Record<FunctionName, Netns>;
    functionNames.forEach((name, i) => {
      sensorNs[name] = createNetns(i + 1, process.pid, dns);
      namespaces.push(sensorNs[name]);
    });
    const port = Object.fromEntries(functions.map((f) => [f.name, f.port])) as Record<FunctionName, number>;
    const manifestOptions: Partial<ManifestOptions> = {
      namespace,
      webhookSecret: secretRefs.webhookSecret,
      sensorTokenSecret: secretRefs.sensorTokenSecret,
      acceptedTokensSecret: secretRefs.acceptedTokensSecret,
      // Unset for the Knative URLs: the generator's default, http://<function>.<namespace>.svc.cluster.local.
      ...(sensorsCall === 'host-processes' ? { functionUrl: (name: FunctionName) => `http://${sensorNs[name].hostIp}:${port[name]}/` } : {}),
      // With a node, the platform templates' steps run on the images it built (dev/stack/node/step-images.ts).
      ...(node ? { stepImages: node.images.steps } : {}),
      sensorRetries,
    };
    const files = buildManifests(manifestOptions);
    // The functions' Knative Services as generated name the published image, which no registry serves
    // here: with Knative they were deployed above with the image built here (dev/stack/knative/function-services.ts).
    await applyObjects(rest, objectsOf(files).filter((o) => !o.apiVersion.startsWith('serving.knative.dev/')), namespace);
    log(`applied ${objectsOf(files).length} generated objects (RBAC, WorkflowTemplates, EventSource, Sensors, Services)`);
    if (node) {
      // Local change: the shipped `agents` semaphore (how many agent CodeRuns run at once) is 4; tests hold
      // agents on purpose and run many plays, so the local stack allows more at once, and says so.
      const semaphores = await rest.call('PATCH', `/api/v1/namespaces/${namespace}/configmaps/workflow-semaphores`, { data: { agents: String(LOCAL_AGENT_SLOTS) } }, 'application/merge-patch+json');
      if (semaphores.status !== 200) throw new Error(`workflow-semaphores: ${semaphores.status} ${semaphores.text}`);
      log(`agent slots (workflow-semaphores agents): ${LOCAL_AGENT_SLOTS} here, 4 as shipped`);
      // One line per CodeRun phase: to its own log, so a run of many plays does not flood the console.
      const agentsLog = join(logDir, 'agents.log');
      agents = startCodeRunAgents({ rest, namespace, log: (line) => appendFileSync(agentsLog, `${new Date().toISOString()} ${line}\n`) });
      log(`the shipped play template is installed; the agents' side ends each CodeRun a play creates Succeeded (test/fakes/coderun-agents.ts; log: ${agentsLog})`);
    }

    const nats = await startNats({ binary: binaries['nats-server'], workDir, logDir, clientIps: namespaces.map((n) => n.hostIp), startTimeoutMs });
    processes.add(nats.process, nats.ready);
    const filesRoot = join(workDir, 'argo-events');
    // One folder for the EventSource and every Sensor (they share the bind-mounted root), so one consumer kind.
    for (const [name, data] of Object.entries(secretValues)) secretVolumes.mount({ secret: name, consumer: 'sensor', dir: join(filesRoot, 'secrets', name) }, data);

    const eventSource = objectsOf(files, (f) => f.path === 'argo/events/eventsource-github.yaml').find((o) => o.kind === 'EventSource');
    if (!eventSource) throw new Error('the generator emitted no EventSource in argo/events/eventsource-github.yaml');
    const common = { binary: binaries['argo-events'], nats, filesRoot, kubeconfig: controlPlane.kubeconfig, logDir, startTimeoutMs };
    // Started again after a kill: ready once the new process logs its ready line, as at the first start.
    // A crashed one (e.g. the EventSource's nil dereference when a publish races its bus reconnect, argo-events
    // v1.9.11 pkg/eventsources/eventing.go:598) is started again after the kubelet's back-off, as its pod's container would be.
    const trackArgoEvents = (started: ArgoEventsProcess) => processes.add(started, started.readiness, { restartOnCrash: true });
    trackArgoEvents(await startArgoEventsProcess({ ...common, kind: 'EventSource', object: eventSource, netns: eventSourceNs }));
    const webhook = githubWebhook(eventSource);
    info.eventSourceUrl = `http://${eventSourceNs.nsIp}:${webhook.port}${webhook.endpoint}`;
    log(`EventSource listening at ${info.eventSourceUrl}`);
    for (const name of functionNames) {
      const sensor = objectsOf(files, (f) => f.path === `argo/events/sensors/${name}.yaml`).find((o) => o.kind === 'Sensor');
      if (!sensor) throw new Error(`the generator emitted no Sensor in argo/events/sensors/${name}.yaml`);
      trackArgoEvents(await startArgoEventsProcess({ ...common, kind: 'Sensor', object: sensor, netns: sensorNs[name] }));
    }
    info.sensorsCall = sensorsCall;
    log(`Sensors subscribed; they call ${sensorsCall === 'knative' ? `the Knative Services (http://<function>.${namespace}.svc.cluster.local, through CoreDNS)` : 'the functions as host processes'}`);
    info.sensorRetries = sensorRetries;
    if (sensorRetries !== SHIPPED_SENSOR_RETRIES) log(`Sensor retries: ${describeSensorRetries(sensorRetries)} here; as shipped: ${describeSensorRetries(SHIPPED_SENSOR_RETRIES)}`);
    /** An Argo Events process in a network namespace of its own, optionally with the apiserver reachable. */
    const startWithOwnNetns = async (kind: 'EventSource' | 'Sensor', object: KubeObject, extra: ExtraSensorOptions & { readyLine?: string } = {}) => {
      const netns = createNetns(namespaces.length, process.pid, dns);
      namespaces.push(netns);
      let kubeconfig = controlPlane.kubeconfig;
      if (extra.kubeApi) {
        const forward = await startKubeForward({ kubeconfig, listenIp: netns.hostIp, file: join(workDir, `kubeconfig-${object.metadata.name}`) });
        forwards.push(forward);
        kubeconfig = forward.kubeconfig;
      }
      const started = await startArgoEventsProcess({ ...common, kubeconfig, kind, object, netns, env: extra.env, readyLine: extra.readyLine });
      trackArgoEvents(started);
      return started;
    };
    // The resource EventSource on play workflows (re-drives of parked events) watches the apiserver.
    const playWorkflows = objectsOf(files, (f) => f.path === 'argo/events/eventsource-play-workflows.yaml').find((o) => o.kind === 'EventSource');
    if (playWorkflows) {
      await startWithOwnNetns('EventSource', playWorkflows, { kubeApi: true, readyLine: 'running informer...' });
      log('play-workflows EventSource watching');
    }
    // The periodic sweep of parked events (a calendar EventSource; every function Sensor listens to it).
    const parkedSweep = objectsOf(files, (f) => f.path === 'argo/events/eventsource-parked-sweep.yaml').find((o) => o.kind === 'EventSource');
    if (parkedSweep) {
      await startWithOwnNetns('EventSource', parkedSweep, { readyLine: 'expected next calendar event' });
      log('parked-sweep EventSource scheduled');
    }
    info.startSensor = (sensor, extra = {}) => startWithOwnNetns('Sensor', sensor, extra);
    return info;
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Connection details for other commands (npm run send); local secrets, so mode 0600. */
export function writeStackInfo(file: string, stack: StackInfo): void {
  const { namespace, kubeconfig, server, logDir, webhookSecret, triggerToken, controlUrl, controlToken, eventSourceUrl, functionUrls, sensorsCall, githubApiUrl, knative } = stack;
  writeFileSync(file, JSON.stringify({ namespace, kubeconfig, server, logDir, webhookSecret, triggerToken, controlUrl, controlToken, eventSourceUrl, functionUrls, sensorsCall, githubApiUrl, knative, pid: process.pid }, null, 2) + '\n', { mode: 0o600 });
}
