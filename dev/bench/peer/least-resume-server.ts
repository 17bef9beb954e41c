/**
 * bench:apiserver's second floor: the least a resume *served as a function* can do, to show what of Handoff's time
 * is the HTTP hop every function pays and what is Handoff's own work.
 *
 * A bare node:http server that reads the Sensor's request, checks its bearer token, parses the JSON, takes the task
 * from the PR's `task-N` label, and makes the resume's two API calls: a label-selected list, then a
 * resourceVersion-checked PUT of the write planResume plans (shared/kubernetes/plan-resume.ts, as the API-only floor
 * does), over one kept-alive TLS connection with the kubeconfig's credentials. It answers 200 with the outcome.
 * It does none of the rest: no signature check, schema, guards, correlation rules, dedup across workflows, metrics,
 * logs or error answers. Not a function to deploy; a yardstick.
 *
 * Env: KUBECONFIG, NAMESPACE, PORT, TRIGGER_TOKENS (one token).
 */
import http from 'node:http';
import https from 'node:https';
import { KubeConfig } from '../../../shared/kubernetes/client-node';
import { PR_OPENED } from '../../../shared/declarations';
import { WORKFLOW_LABELS } from '../../../shared/contract';
import { planResume } from '../../../shared/kubernetes/plan-resume';
import type { Workflow } from '../../../shared/kubernetes/workflow';

const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();
const server = new URL(kubeConfig.getCurrentCluster()?.server ?? '');
const tls: https.RequestOptions = {};
await kubeConfig.applyToHTTPSOptions(tls);
const agent = new https.Agent({ keepAlive: true, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.rejectUnauthorized });
const auth = tls.headers ?? {};
const namespace = process.env.NAMESPACE ?? 'argo';
const token = `Bearer ${process.env.TRIGGER_TOKENS ?? ''}`;
const workflows = `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows`;
let deliveries = 0;

function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: { items?: Workflow[] } }> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  const headers = { ...auth, accept: 'application/json', ...(data === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }) };
  return new Promise((resolve, reject) => {
    const request = https.request({ host: server.hostname, port: server.port, method, path, agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as { items?: Workflow[] } }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(data);
  });
}

async function resume(raw: string): Promise<{ outcome: string }> {
  const { body } = JSON.parse(raw) as { body: { pull_request: { labels: { name: string }[] } } };
  const task = body.pull_request.labels.find((label) => label.name.startsWith('task-'))?.name.slice('task-'.length);
  const selector = `${WORKFLOW_LABELS.type}=${WORKFLOW_LABELS.typeValue},${WORKFLOW_LABELS.taskId}=${task}`;
  const listed = (await call('GET', `${workflows}?labelSelector=${encodeURIComponent(selector)}`)).body.items?.[0];
  if (!listed) return { outcome: 'no-workflow' };
  const { fromStages, parkFrom, suspendNodes, nextStage, outputs } = PR_OPENED;
  const name = listed.metadata.name;
  const plan = planResume(listed, { name, actor: PR_OPENED.name, fromStages, parkFrom, suspendNodes, nextStage, outputs, dedupKeys: [`least-${(deliveries += 1)}`] }, new Date());
  if (plan.outcome !== 'resumed') return { outcome: plan.outcome };
  const put = await call('PUT', `${workflows}/${name}`, plan.workflow);
  return { outcome: put.status === 200 ? 'resumed' : `put ${put.status}` };
}

http
  .createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
      };
      if (request.url === '/healthz') return answer(200, { status: 'ok' });
      if (request.headers.authorization !== token) return answer(401, { outcome: 'unauthorized' });
      resume(Buffer.concat(chunks).toString('utf8')).then(
        (result) => answer(200, result),
        (error: unknown) => answer(503, { outcome: 'unavailable', reason: String(error) }),
      );
    });
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
