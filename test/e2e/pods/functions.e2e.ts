// The four functions as Knative Services on the node: knative/<function>.yaml as generated (only the
// image is the one built here from the shipped Dockerfile) passes Knative Serving's real webhook
// with its default feature flags, becomes Ready, and serves through the ingress (Traefik's KIngress
// provider). Each Revision's pod runs the image as the function's ServiceAccount, non-root, beside
// Knative's queue-proxy, reads in-cluster config and resumes a play of the shipped template; the
// apiserver denies the running pods what their RBAC does not grant.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCtr } from '../../../dev/stack/image/ctr';
import { defaultAddress } from '../../../dev/stack/image/containerd';
import { scenarioPayload } from '../../../dev/stack/github/payloads';
import { readWorkflow, repository } from '../guarantees/support';
import { deletePlay, playAtPrGate, scriptAgent } from '../shipped-play';
import { eventually, kube, stack, uniqueTask } from '../support';
import { deployFunctionServices, functionPods, functions, ingressAddress, knativeService, live, ns, postThroughIngress, sensorRequest, type PodObject } from './knative';

const needsKnative = !stack().knative;

/** The function's one serving pod, every container ready (it has just served, so it is not at zero). */
async function podOf(fn: string): Promise<PodObject> {
  return eventually(`one running pod of ${fn}, all containers ready`, async () => {
    const pods = live(await functionPods(fn));
    return pods.length === 1 && (pods[0]!.status?.containerStatuses ?? []).every((c) => c.ready) ? pods[0] : undefined;
  });
}

describe.skipIf(needsKnative)('the functions as Knative Services from the shipped image', () => {
  let image = '';
  let ingress = '';
  const host = (fn: string) => `${fn}.${ns()}.svc.cluster.local`;

  beforeAll(async () => {
    const deployed = await deployFunctionServices();
    image = deployed.image;
    const services = deployed.objects.filter((o) => o.apiVersion === 'serving.knative.dev/v1' && o.kind === 'Service');
    expect(services.map((s) => s.metadata.name).sort()).toEqual([...functions].sort());
    ingress = await ingressAddress();
  }, 600_000);

  it('are cluster-local Routes on the Revision the webhook accepted, served by the Traefik ingress', async () => {
    for (const fn of functions) {
      const ksvc = await knativeService(fn);
      expect(ksvc.status?.url).toBe(`http://${host(fn)}`);
      expect(ksvc.status?.traffic).toEqual([expect.objectContaining({ revisionName: ksvc.status?.latestReadyRevisionName, percent: 100 })]);
      expect(ksvc.spec.template.spec.containers[0]!.image).toBe(image);
      // Knative made the route's name resolve to the ingress: an ExternalName Service in the function's namespace.
      const route = await kube().call<{ spec: { type: string; externalName: string } }>('GET', `/api/v1/namespaces/${ns()}/services/${fn}`);
      expect(route.body.spec.type).toBe('ExternalName');
      expect(route.body.spec.externalName).toBe(`${stack().knative!.ingress.privateService}.${stack().knative!.ingress.namespace}.svc.cluster.local`);
    }
  });

  it('pr-opened resumes a play through the ingress, in a pod, as its ServiceAccount with in-cluster config', async () => {
    const rest = kube();
    const task = uniqueTask();
    await scriptAgent(task, 'cleo', ['hold']); // the play stays at quality-in-progress after the resume
    const name = await playAtPrGate(rest, task);
    try {
      const { payload } = scenarioPayload('pr-opened', { task, repository });
      const request = sensorRequest(stack().triggerToken, 'pull_request', payload, `knative-${task}`);
      const response = await postThroughIngress(ingress, host('pr-opened'), request.headers, request.body);
      if (response.status !== 200) {
        // What the apiserver holds for the task and what the answering pod logged, for the failure's message.
        const plays = await rest.call('GET', `/apis/argoproj.io/v1alpha1/namespaces/${ns()}/workflows?labelSelector=${encodeURIComponent(`task-id=${task}`)}`);
        const pods = await Promise.all(live(await functionPods('pr-opened')).map(async (pod) => `${pod.metadata.name}: ${(await rest.call('GET', `/api/v1/namespaces/${ns()}/pods/${pod.metadata.name}/log?container=function`)).text.slice(-3000)}`));
        expect.fail(`${response.status} ${response.body}\nplays of task ${task}: ${plays.text.slice(0, 3000)}\npods: ${pods.join('\n')}`);
      }
      expect(JSON.parse(response.body)).toMatchObject({ outcome: 'resumed', workflow: name });
      const after = await readWorkflow(rest, name);
      expect(after.metadata.labels?.['current-stage']).toBe('quality-in-progress');
      expect(JSON.stringify(after.metadata.managedFields ?? [])).toMatch(/handoff/);
    } finally {
      await deletePlay(rest, name);
    }
  });

  it('each Revision pod runs the built image as its own ServiceAccount, uid 65532 (runAsNonRoot holds), beside queue-proxy', async () => {
    const ctr = createCtr(defaultAddress, '/dev/null');
    for (const fn of functions) {
      // Wake it (it may be at zero): a request without a token is refused by the function itself.
      const woken = await postThroughIngress(ingress, host(fn), { 'Content-Type': 'application/json' }, '{}');
      expect(woken.status, `${fn}: ${woken.body}`).toBe(401);
      const pod = await podOf(fn);
      expect(pod.spec.serviceAccountName).toBe(`handoff-${fn}`);
      // The container as knative/<function>.yaml names it, and the sidecar Knative's revision reconciler adds.
      expect(pod.spec.containers.map((c) => c.name)).toEqual(['function', 'queue-proxy']);
      const user = pod.spec.containers[0]!;
      expect(user.image).toBe(image);
      expect(user.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      for (const status of pod.status!.containerStatuses!) {
        expect(status.ready, `${fn} ${status.name}`).toBe(true);
        // The container's process, as the kernel sees it on the node.
        const pid = ctr.taskPid(status.containerID!.replace('containerd://', ''));
        expect(pid, `${fn} ${status.name}`).toBeGreaterThan(0);
        const uids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        expect([uids?.[1], uids?.[2]], `${fn} ${status.name}`).toEqual(['65532', '65532']);
      }
    }
  });

  it('a wrong trigger token gets 401 from the function through the ingress', async () => {
    const { payload } = scenarioPayload('approved', { task: uniqueTask(), repository });
    const request = sensorRequest('not-the-token', 'pull_request_review', payload, 'knative-wrong-token');
    const response = await postThroughIngress(ingress, host('approved'), request.headers, request.body);
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
