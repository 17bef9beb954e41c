// npm run send -- <scenario|payload.json> [--task N] [--repo owner/name] [--event name] [--to eventsource|function|process]
// Sends a real GitHub payload to the local stack:
//   eventsource (default)  signed with the stack's webhook secret, to the GitHub EventSource; then follows the delivery
//                          to the function's answer and prints it, with the play's stage (--wait seconds): the host
//                          process's log, or, when the Sensors call the Knative URLs, the log of the Service's pods;
//   function               as the Sensor's HTTP trigger does (its body, the trigger token as Bearer) to the function's
//                          Knative Service through the ingress, Host = its cluster-local URL's host; at zero the
//                          activator holds the request until a pod is up. Without Knative, as `process`.
//   process                signed, straight to the function's host process (direct GitHub delivery).
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FunctionName } from '../../shared/function-declaration';
import { scenarioPayload, scenarios, type Scenario } from '../stack/github/payloads';
import type { StackInfo } from '../stack/stack';
import { repoRoot } from '../stack/binaries/versions';
import { attemptsOf, functionLogFile, podAttemptsOf, type HandledEvent } from '../stack/functions/function-log';
import { postThroughIngress, sensorRequest } from '../stack/knative/function-services';
import { kubeRestFromKubeconfig } from '../stack/kube-rest';
import { deliverWebhook } from '../stack/github/webhook';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    task: { type: 'string', default: '1' },
    repo: { type: 'string' },
    event: { type: 'string' },
    function: { type: 'string' },
    to: { type: 'string', default: 'eventsource' },
    /** Seconds to follow an EventSource delivery to the function's answer. */
    wait: { type: 'string', default: '30' },
    stack: { type: 'string', default: join(repoRoot, '.handoff', 'stack.json') },
  },
});
const target = positionals[0];
if (!target) {
  console.error(`usage: npm run send -- <${Object.keys(scenarios).join('|')}|payload.json> [--task N] [--repo owner/name] [--to eventsource|function|process] [--event E --function F for files]`);
  process.exit(2);
}
if (!existsSync(values.stack)) {
  console.error(`no running local stack (${values.stack} missing): run npm start first`);
  process.exit(2);
}
const stack = JSON.parse(readFileSync(values.stack, 'utf8')) as StackInfo;

let event: string;
let payload: unknown;
let fn: FunctionName | undefined;
if (target in scenarios) {
  const scenario = target as Scenario;
  ({ event, payload } = scenarioPayload(scenario, { task: Number(values.task), repository: values.repo }));
  fn = scenarios[scenario].function;
} else {
  payload = JSON.parse(readFileSync(target, 'utf8'));
  if (!values.event) throw new Error('--event is required with a payload file (e.g. --event pull_request)');
  event = values.event;
  fn = values.function as FunctionName | undefined;
}

if (!['eventsource', 'function', 'process'].includes(values.to)) throw new Error(`--to must be eventsource, function or process, not ${values.to}`);
if (values.to !== 'eventsource' && !fn) throw new Error(`--function is required with --to ${values.to} and a payload file`);

const knative = values.to === 'function' ? stack.knative?.functions : undefined;
if (knative) {
  const service = knative.services[fn!];
  if (!service) throw new Error(`the running stack has no Knative Service for ${fn}`);
  const delivery = randomUUID();
  const { headers, body } = sensorRequest(stack.triggerToken, event, payload as object, delivery);
  const started = Date.now();
  const result = await postThroughIngress(knative.ingressAddress, service.host, headers, body);
  console.log(`${event} → ${service.url} (ingress ${knative.ingressAddress}): HTTP ${result.status} in ${Date.now() - started} ms (delivery ${delivery})\n${result.body}`);
  process.exit(result.status < 300 ? 0 : 1);
}

const url = values.to === 'eventsource' ? stack.eventSourceUrl : stack.functionUrls[fn!];
if (!url) throw new Error(`the running stack has no ${values.to === 'eventsource' ? 'EventSource' : `${fn} process`} URL`);

const result = await deliverWebhook({ url, event, payload, secret: stack.webhookSecret });
console.log(`${event} → ${url}: HTTP ${result.status} (delivery ${result.delivery})\n${result.body}`);
if (result.status >= 300) process.exit(1);
if (values.to === 'process' || !fn) process.exit(0); // the function's answer is printed above, or no function is named

// The EventSource's 200 says only that the event is on the bus: follow it to the function's answer.
const waitMs = Number(values.wait) * 1000;
// Where the Sensor's calls land: the Knative Service's pods (npm start's default with Knative) or the host process.
const inPods = stack.sensorsCall === 'knative' && !!stack.knative?.functions?.services[fn];
const source = inPods ? `the log of its Knative Service's pods, ${stack.knative!.functions!.services[fn]!.url}` : `its log ${functionLogFile(stack.logDir, fn)}`;
console.log(`following delivery ${result.delivery} to ${fn} (${source}; up to ${values.wait} s, --wait to change)`);
const rest = kubeRestFromKubeconfig(stack.kubeconfig);
const deadline = Date.now() + waitMs;
let shown = 0;
for (;;) {
  const attempts = inPods ? await podAttemptsOf(rest, stack.namespace, fn, result.delivery) : await attemptsOf(stack.logDir, fn, result.delivery);
  for (const attempt of attempts.slice(shown)) console.log(`  ${await describeAttempt(attempt)}`);
  shown = attempts.length;
  const last = attempts[attempts.length - 1];
  // Settled (200) or permanently refused (4xx: kept as a dead letter): nothing more will happen to it.
  if (last && last.status < 500) process.exit(last.status === 200 && last.outcome !== 'dead-lettered' ? 0 : 1);
  if (Date.now() > deadline) {
    console.log(last ? `  still being retried by the Sensor after ${values.wait} s` : `  ${fn} has not answered after ${values.wait} s (the Sensor may still be calling it)`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 250));
}

/** One answer of the function, with the play's stage now when it names a workflow. */
async function describeAttempt(attempt: HandledEvent): Promise<string> {
  const parts = [`${fn} answered ${attempt.status} ${attempt.outcome}`];
  if (attempt.task) parts.push(`task ${attempt.task}`);
  if (attempt.workflow) {
    const res = await rest.call<{ metadata: { labels?: Record<string, string> } }>('GET', `/apis/argoproj.io/v1alpha1/namespaces/${stack.namespace}/workflows/${attempt.workflow}`);
    parts.push(`workflow ${attempt.workflow}${res.status === 200 ? ` (stage now ${res.body.metadata.labels?.['current-stage'] ?? '(none)'})` : ''}`);
  }
  let line = parts.join(', ');
  if (attempt.reason) line += `: ${attempt.reason}`;
  if (attempt.status >= 500) line += ' (the Sensor retries)';
  if (attempt.deadLetter) line += `; kept as dead letter ${attempt.deadLetter} (npm run dead-letters -- show ${attempt.deadLetter})`;
  return line;
}
