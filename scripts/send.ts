// npm run send -- <scenario|payload.json> [--task N] [--repo owner/name] [--event name] [--to eventsource|function]
// Signs a real GitHub payload with the local stack's webhook secret and POSTs it to the
// EventSource (default) or straight to the function (direct GitHub delivery).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FunctionName } from '../shared/declarations';
import { scenarioPayload, scenarios, type Scenario } from '../harness/payloads';
import type { StackInfo } from '../harness/stack';
import { repoRoot } from '../harness/versions';
import { deliverWebhook } from '../harness/webhook';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    task: { type: 'string', default: '1' },
    repo: { type: 'string' },
    event: { type: 'string' },
    function: { type: 'string' },
    to: { type: 'string', default: 'eventsource' },
    stack: { type: 'string', default: join(repoRoot, '.handoff', 'stack.json') },
  },
});
const target = positionals[0];
if (!target) {
  console.error(`usage: npm run send -- <${Object.keys(scenarios).join('|')}|payload.json> [--task N] [--repo owner/name] [--to eventsource|function] [--event E --function F for files]`);
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

let url: string | undefined;
if (values.to === 'function') {
  if (!fn) throw new Error('--function is required with --to function and a payload file');
  url = stack.functionUrls[fn];
} else url = stack.eventSourceUrl;
if (!url) throw new Error(`the running stack has no ${values.to} URL`);

const result = await deliverWebhook({ url, event, payload, secret: stack.webhookSecret });
console.log(`${event} → ${url}: HTTP ${result.status} (delivery ${result.delivery})\n${result.body}`);
process.exit(result.status < 300 ? 0 : 1);
