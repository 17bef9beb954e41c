// Argo Events EventSource and Sensors as local processes, configured the way the controller
// configures their pods (argo-events pkg/reconciler/{eventsource,sensor}/resource.go): the object
// as base64 JSON in EVENTSOURCE_OBJECT / SENSOR_OBJECT, the bus in EVENTBUS_CONFIG, POD_NAME.
// Secrets are read from the hard-coded /argo-events/secrets/<name>/<key> (argo-events
// pkg/shared/util/util.go GetSecretVolumePath), so each process gets a private mount namespace
// in which the stack's own secrets folder is bind-mounted on /argo-events; the host's
// /argo-events stays an empty mount point. The stack writes those folders as the kubelet writes a Secret volume
// (dev/stack/functions/secret-volume.ts), so a changed Secret reaches a running Sensor the way it does in a pod.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KubeObject } from '../kube-rest';
import type { Nats } from './nats';
import type { Netns } from '../processes/netns';
import { logLineProbe, type ReadinessProbe } from '../processes/process-registry';
import { spawnManaged, waitFor, type ManagedProcess } from '../processes/processes';

export const argoEventsMountPoint = '/argo-events';

/** Removes the empty /argo-events mount point once no stack network namespace (so no other stack) is left. */
export function removeMountPointIfUnused(): void {
  try {
    if (execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').some((line) => line.startsWith('hnd-'))) return;
    rmdirSync(argoEventsMountPoint);
  } catch {
    /* not empty, absent, or in use: leave it */
  }
}

export interface ArgoEventsProcessOptions {
  binary: string;
  kind: 'EventSource' | 'Sensor';
  object: KubeObject;
  netns: Netns;
  nats: Nats;
  /** Folder holding secrets/<name>/<key>, mounted on /argo-events for this process only. */
  filesRoot: string;
  /** Must be a valid kubeconfig file (the sensor exits otherwise); its clients are built lazily. */
  kubeconfig: string;
  logDir: string;
  startTimeoutMs: number;
  /** Extra environment (e.g. a PATH with the argo CLI for argoWorkflow triggers). */
  env?: Record<string, string>;
  /** The log line that says it is ready; default: the Sensor's subscription or the EventSource's server start. */
  readyLine?: string;
}

/** An Argo Events process and how to tell it is ready again after a restart (its ready line in the new part of its log). */
export interface ArgoEventsProcess extends ManagedProcess {
  readiness: ReadinessProbe;
}

export async function startArgoEventsProcess(options: ArgoEventsProcessOptions): Promise<ArgoEventsProcess> {
  mkdirSync(argoEventsMountPoint, { recursive: true });
  const isSensor = options.kind === 'Sensor';
  const name = `${isSensor ? 'sensor' : 'eventsource'}-${options.object.metadata.name}`;
  const encoded = Buffer.from(JSON.stringify(options.object)).toString('base64');
  const namespace = options.object.metadata.namespace ?? 'argo';
  // The log is appended across runs: readiness counts only what this process writes.
  const logFile = join(options.logDir, `${name}.log`);
  const offset = existsSync(logFile) ? statSync(logFile).size : 0;
  const graftState = join(options.filesRoot, 'graft', `${name}.log`);
  mkdirSync(dirname(graftState), { recursive: true });
  const process = spawnManaged({
    name,
    command: 'ip',
    args: [
      'netns', 'exec', options.netns.name,
      'unshare', '--mount', '--propagation', 'private',
      // The NATS leader elector keeps its state in a hard-coded /tmp/graft.log (argo-events
      // pkg/shared/leaderelection), which in a container is its own and gone at a restart: here each process
      // gets a file of its own, emptied at each start, bound over /tmp/graft.log in its mount namespace. Not a
      // tmpfs over all of /tmp: the repository (binaries, kubeconfig, secrets) may itself live under /tmp.
      'sh', '-c',
      'mount --bind "$1" "$2" && : > "$3" && { [ -e /tmp/graft.log ] || [ -L /tmp/graft.log ] || : > /tmp/graft.log; } && mount --bind "$3" /tmp/graft.log && shift 3 && exec "$@"',
      'sh', options.filesRoot, argoEventsMountPoint, graftState,
      options.binary, isSensor ? 'sensor-service' : 'eventsource-service',
    ],
    env: {
      PATH: globalThis.process.env.PATH,
      [isSensor ? 'SENSOR_OBJECT' : 'EVENTSOURCE_OBJECT']: encoded,
      EVENTBUS_CONFIG: options.nats.busConfig(options.netns.hostIp),
      EVENTBUS_SUBJECT: `eventbus-${namespace}`,
      POD_NAME: `${name}-local`,
      KUBECONFIG: options.kubeconfig,
      LOG_LEVEL: 'info',
      ...options.env,
    },
    logDir: options.logDir,
  });
  const readyLine = options.readyLine ?? (isSensor ? 'started subscribing to events for trigger' : 'Eventing server started.');
  const readiness = logLineProbe(process.logFile, readyLine);
  await waitFor(`${name} (${readyLine})`, () => readiness({ logOffset: offset, startedAt: new Date() }), options.startTimeoutMs, process);
  return Object.assign(process, { readiness });
}
