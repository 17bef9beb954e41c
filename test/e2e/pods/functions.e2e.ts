// The four functions as pods on the node, from the image built from the shipped Dockerfile, with
// the pod template of knative/<function>.yaml unchanged (ServiceAccount, probes, securityContext,
// volumes), run the way Knative's revision reconciler would run it (harness/node/knative-workload.ts)
// until Knative Serving is part of the stack. They read in-cluster config, resume a play through
// their Service's ClusterIP, and the apiserver denies the running pods what their RBAC does not grant.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCtr } from '../../../harness/image/ctr';
import { defaultAddress } from '../../../harness/image/containerd';
import { ensureFunctionImage } from '../../../harness/image/function-image';
import { loadImage } from '../../../harness/image/load-image';
import type { KubeObject } from '../../../harness/kube-rest';
import { loadBuildManifests, objectsOf } from '../../../harness/manifests';
import { workloadOf } from '../../../harness/node/knative-workload';
import { scenarioPayload } from '../../../harness/payloads';
import { playAgent, readWorkflow, repository, submitPodlessPlay } from '../guarantees/support';
import { eventually, kube, stack, uniqueTask } from '../support';

const functions = ['pr-opened', 'labeled-ready-for-qa', 'approved', 'rex-push'] as const;
const needsPods = !stack().node;

interface PodObject {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { serviceAccountName?: string; containers: { image: string; securityContext?: Record<string, unknown> }[] };
  status?: { phase?: string; podIP?: string; containerStatuses?: { ready: boolean; containerID?: string }[] };
}

const ns = () => stack().namespace;
const apply = async (object: KubeObject, plural: string) => {
  const rest = kube();
  const res = await rest.call('PATCH', rest.pathOf(object, plural) + '?fieldManager=handoff-e2e&force=true', object, 'application/apply-patch+yaml');
  expect(res.status, `${object.kind}/${object.metadata.name}: ${res.text}`).toBeLessThan(300);
};

async function podOf(fn: string): Promise<PodObject> {
  const res = await kube().call<{ items: PodObject[] }>('GET', `/api/v1/namespaces/${ns()}/pods?labelSelector=${encodeURIComponent(`handoff.dev/workload=${fn}`)}`);
  expect(res.status).toBe(200);
  const running = res.body.items.filter((p) => p.status?.phase === 'Running');
  expect(running).toHaveLength(1);
  return running[0]!;
}

/** The Service's ClusterIP, as kube-proxy programs it on the node. */
async function clusterIp(fn: string): Promise<string> {
  const res = await kube().call<{ spec: { clusterIP: string } }>('GET', `/api/v1/namespaces/${ns()}/services/${fn}`);
  expect(res.status).toBe(200);
  return res.body.spec.clusterIP;
}

/** A Sensor's HTTP trigger request (the event in `body`, GitHub's headers in `headers`). */
function sensorRequest(url: string, token: string, event: string, payload: object, delivery: string) {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ headers: { 'X-Github-Event': [event], 'X-Github-Delivery': [delivery] }, body: { ...payload, 'X-GitHub-Event': event, 'X-GitHub-Delivery': delivery } }),
  });
}

describe.skipIf(needsPods)('the functions as pods from the shipped image', () => {
  let image = '';
  beforeAll(async () => {
    const built = await ensureFunctionImage((line) => console.log(`[image] ${line}`));
    await loadImage(defaultAddress, built);
    image = built.name;
    // The GitHub App Secret the Services reference (pr-opened and rex-push call GitHub).
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'handoff-github', namespace: ns() }, stringData: { 'app-id': '1', 'private-key': privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() } } as KubeObject, 'secrets');
    const files = (await loadBuildManifests())({ namespace: ns(), image });
    const services = objectsOf(files, (f) => f.path.startsWith('knative/')).filter((o) => o.apiVersion === 'serving.knative.dev/v1' && o.kind === 'Service');
    expect(services.map((s) => s.metadata.name).sort()).toEqual([...functions].sort());
    for (const ksvc of services) {
      const workload = workloadOf(ksvc as Parameters<typeof workloadOf>[0]);
      await apply(workload.deployment, 'deployments');
      await apply(workload.service, 'services');
    }
    // Available: the readiness probe of the shipped manifest passes in every pod.
    await eventually('four function Deployments available', async () => {
      const res = await kube().call<{ items: { metadata: { name: string }; status?: { availableReplicas?: number } }[] }>('GET', `/apis/apps/v1/namespaces/${ns()}/deployments?labelSelector=app.kubernetes.io%2Fpart-of%3Dhandoff`);
      const available = res.body.items.filter((d) => d.status?.availableReplicas === 1).map((d) => d.metadata.name);
      return functions.every((fn) => available.includes(fn)) ? true : undefined;
    }, 240_000);
  }, 600_000);

  afterAll(async () => {
    for (const fn of functions) {
      await kube().call('DELETE', `/apis/apps/v1/namespaces/${ns()}/deployments/${fn}`);
      await kube().call('DELETE', `/api/v1/namespaces/${ns()}/services/${fn}`);
    }
  });

  it('each runs the built image as its own ServiceAccount, as uid 65532 (runAsNonRoot holds), ready by its shipped probe', async () => {
    const ctr = createCtr(defaultAddress, '/dev/null');
    for (const fn of functions) {
      const pod = await podOf(fn);
      expect(pod.spec.serviceAccountName).toBe(`handoff-${fn}`);
      expect(pod.spec.containers[0]!.image).toBe(image);
      expect(pod.spec.containers[0]!.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      const status = pod.status!.containerStatuses![0]!;
      expect(status.ready).toBe(true);
      // The container's process, as the kernel sees it on the node.
      const pid = ctr.taskPid(status.containerID!.replace('containerd://', ''));
      expect(pid, fn).toBeGreaterThan(0);
      const uids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      expect([uids?.[1], uids?.[2]], fn).toEqual(['65532', '65532']);
    }
  });

  it('pr-opened in a pod resumes a play through its Service ClusterIP, as its ServiceAccount with in-cluster config', async () => {
    const rest = kube();
    const task = uniqueTask();
    const name = await submitPodlessPlay(rest, task);
    await playAgent(rest, name, 'agent-rex', 'wait-pr-created', 'waiting-pr-created');
    const { payload } = scenarioPayload('pr-opened', { task, repository });
    const response = await sensorRequest(`http://${await clusterIp('pr-opened')}/`, stack().triggerToken, 'pull_request', payload, `pods-${task}`);
    const body = (await response.json()) as { outcome: string; workflow?: string };
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ outcome: 'resumed', workflow: name });
    const after = await readWorkflow(rest, name);
    expect(after.metadata.labels?.['current-stage']).toBe('quality-in-progress');
    // The write was made by the function's ServiceAccount (managedFields record the user agent's manager).
    expect(JSON.stringify(after.metadata.managedFields ?? [])).toMatch(/handoff/);
  });

  it('a wrong trigger token gets 401 from the pod', async () => {
    const { payload } = scenarioPayload('approved', { task: uniqueTask(), repository });
    const response = await sensorRequest(`http://${await clusterIp('approved')}/`, 'not-the-token', 'pull_request_review', payload, 'pods-wrong-token');
    expect(response.status).toBe(401);
  });

  it('the apiserver denies a pod running as a function ServiceAccount what its Role does not grant', async () => {
    // The same image and ServiceAccount as rex-push, running a probe of its in-cluster credentials.
    const probe = `
      const fs = require('fs'); const https = require('https');
      const token = fs.readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/token', 'utf8');
      const ca = fs.readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/ca.crt');
      const ns = ${JSON.stringify(ns())};
      const call = (method, path) => new Promise((done) => {
        const req = https.request({ host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT, method, path, ca, headers: { authorization: 'Bearer ' + token } }, (res) => { res.resume(); res.on('end', () => done(res.statusCode)); });
        req.on('error', (e) => done(e.message)); req.end();
      });
      (async () => {
        const result = {
          listWorkflows: await call('GET', '/apis/argoproj.io/v1alpha1/namespaces/' + ns + '/workflows'),
          listCodeRuns: await call('GET', '/apis/agents.platform/v1/namespaces/' + ns + '/coderuns'),
          listSecrets: await call('GET', '/api/v1/namespaces/' + ns + '/secrets'),
          deleteWorkflows: await call('DELETE', '/apis/argoproj.io/v1alpha1/namespaces/' + ns + '/workflows'),
          listPods: await call('GET', '/api/v1/namespaces/' + ns + '/pods'),
          otherNamespace: await call('GET', '/apis/argoproj.io/v1alpha1/namespaces/default/workflows'),
        };
        console.log(JSON.stringify(result));
      })();`;
    const name = `rbac-probe-${uniqueTask()}`;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: ns() },
      spec: {
        serviceAccountName: 'handoff-rex-push',
        restartPolicy: 'Never',
        securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{ name: 'probe', image, imagePullPolicy: 'Never', command: ['/nodejs/bin/node', '-e', probe], securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
      },
    };
    const created = await kube().call('POST', `/api/v1/namespaces/${ns()}/pods`, pod);
    expect(created.status, created.text).toBe(201);
    await eventually(`${name} Succeeded`, async () => {
      const res = await kube().call<PodObject>('GET', `/api/v1/namespaces/${ns()}/pods/${name}`);
      return res.body.status?.phase === 'Succeeded' ? true : undefined;
    }, 120_000);
    const log = await kube().call<string>('GET', `/api/v1/namespaces/${ns()}/pods/${name}/log`);
    expect(log.status, log.text).toBe(200);
    expect(JSON.parse(log.text.trim())).toEqual({ listWorkflows: 200, listCodeRuns: 200, listSecrets: 403, deleteWorkflows: 403, listPods: 403, otherNamespace: 403 });
  });
});
