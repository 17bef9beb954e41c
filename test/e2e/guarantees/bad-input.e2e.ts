// Guarantee: every bad input gets a clear answer and no side effect, against the running functions
// over HTTP (the Sensor's envelope and bearer token, straight to each function's port). Thousands of
// mutated real payloads and envelopes: never a 5xx, never a resume, and nothing a function writes is changed:
// no play workflow, no CodeRun, no label on GitHub. The task the fuzz correlates to has a completed play of the
// shipped template, run there through its gates by GitHub events (shipped-play.ts completedPlay).
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RESUMABLE_NODE_FIELDS } from '../../../manifests/function-write-policy';
import type { FunctionName } from '../../../shared/function-declaration';
import { type Workflow } from '../../../shared/kubernetes/workflow';
import { labeledEvent, pullRequestEvent, pushEvent, reviewEvent, sensorEnvelope } from '../../fixtures/github-events';
import { completedPlay } from '../shipped-play';
import { uniqueTask } from '../support';
import { codeRunNames, kube, labelRemovals, stack } from './support';
import { FUNCTION_ANNOTATIONS, WORKFLOW_LABELS } from '../../../shared/contract';
import { mutatePayload, payloadPaths, weirdValues, type Json } from '../../fixtures/payload-fuzz';

const runsPerFunction = Number(process.env.E2E_FUZZ_RUNS ?? 1000);
/**
 * Requests in flight at once (each run of the property sends this many together): the functions are called
 * concurrently in production too (one Sensor trigger per dependency, Knative pods), and the 2-core machine
 * answers several at once sooner than one after another. 4 divides the 4 requests per function run.
 */
const AT_ONCE = 4;
const seeds: Record<FunctionName, { event: string; payload: (task: number) => Record<string, unknown> }> = {
  'pr-opened': { event: 'pull_request', payload: (task) => pullRequestEvent('opened', { task, sender: '5DLabs-Rex[bot]' }) },
  'labeled-ready-for-qa': { event: 'pull_request', payload: (task) => labeledEvent('ready-for-qa', { task }) },
  approved: { event: 'pull_request_review', payload: (task) => reviewEvent('approved', { task }) },
  'rex-push': { event: 'push', payload: (task) => pushEvent({ task }) },
};

const weird = weirdValues(['task-', 'task-0', 'task--1', 'task-99999999999999999999', 'refs/heads/task-1', 'refs/tags/v1', '5DLabs-Rex[bot]', '5dlabs-tess[BOT]', 'APPROVED', 'ready-for-qa', 'opened', 'labeled', 'submitted', '../../etc', '\u0000', 'é'.repeat(3000)]);

type Case =
  | { kind: 'payload'; fn: FunctionName; ownTask: boolean; mutations: [number, Json | undefined][]; envelope: 'sensor' | 'drop-headers' | 'event-mismatch' | 'array-delivery' | 'no-delivery' }
  | { kind: 'raw'; fn: FunctionName; body: string; contentType: string }
  /** POST /parked, the re-drive route of the functions that park early events. */
  | { kind: 'redrive'; fn: FunctionName; body: string }
  /** POST /parked naming the completed play itself: nothing is parked on it. */
  | { kind: 'redrive-own'; fn: FunctionName };

const functions = Object.keys(seeds) as FunctionName[];
const parking = functions.filter((fn) => fn !== 'rex-push');
const caseArb: fc.Arbitrary<Case> = fc.oneof(
  { weight: 9, arbitrary: fc.record({
    kind: fc.constant('payload' as const),
    fn: fc.constantFrom(...functions),
    ownTask: fc.boolean(),
    mutations: fc.array(fc.tuple(fc.nat(), weird), { minLength: 1, maxLength: 3 }),
    envelope: fc.constantFrom('sensor' as const, 'sensor' as const, 'sensor' as const, 'drop-headers' as const, 'event-mismatch' as const, 'array-delivery' as const, 'no-delivery' as const),
  }) },
  { weight: 1, arbitrary: fc.record({
    kind: fc.constant('raw' as const),
    fn: fc.constantFrom(...functions),
    body: fc.oneof(fc.string(), fc.constantFrom('{', '[]', 'null', '{"headers":1}', '{"body":[]}', '{"headers":{},"body":{}}')),
    contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
  }) },
  { weight: 1, arbitrary: fc.record({
    kind: fc.constant('redrive' as const),
    fn: fc.constantFrom(...parking),
    body: fc.oneof(
      fc.string(),
      fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
      (weird.filter((value) => value !== undefined) as fc.Arbitrary<Json>).map((workflow) => JSON.stringify({ workflow })),
      fc.constantFrom('{"workflow":"play-fuzz-absent"}', '{"workflow":"Play"}', '{"workflow":""}'),
    ),
  }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('redrive-own' as const), fn: fc.constantFrom(...parking) }) },
);

interface Effects {
  stage?: string;
  annotations: Record<string, string | undefined>;
  outputs?: unknown[];
  /** What a function may change on a suspend node, by node ID. */
  suspendNodes: Record<string, Record<string, unknown>>;
}

/**
 * What a function's write can change on each play workflow, and nothing else (the write policy,
 * knative/function-write-policy.yaml): the stage label, the functions' annotations, status.outputs.parameters and a
 * suspend node's phase, finishedAt, message and outputs. Not the resourceVersion: the controller may still write a
 * finished play (its labels, its status) while the fuzz runs.
 */
async function functionEffects(): Promise<Map<string, Effects>> {
  const res = await kube().call<{ items: Workflow[] }>('GET', `/apis/argoproj.io/v1alpha1/namespaces/${stack().namespace}/workflows?labelSelector=workflow-type%3Dplay-orchestration`);
  expect(res.status, res.text).toBe(200);
  return new Map(
    res.body.items.map((wf) => [
      wf.metadata.name,
      {
        stage: wf.metadata.labels?.[WORKFLOW_LABELS.stage],
        annotations: Object.fromEntries(FUNCTION_ANNOTATIONS.map((key) => [key, wf.metadata.annotations?.[key]])),
        outputs: wf.status?.outputs?.parameters,
        suspendNodes: Object.fromEntries(
          Object.entries(wf.status?.nodes ?? {})
            .filter(([, node]) => node.type === 'Suspend')
            .map(([id, node]) => [id, Object.fromEntries(RESUMABLE_NODE_FIELDS.map((field) => [field, (node as unknown as Record<string, unknown>)[field]]))]),
        ),
      },
    ]),
  );
}

/** What the functions write beside the workflow for the fuzzed tasks: rex-push deletes CodeRuns and removes labels on GitHub. */
async function sideEffects(tasks: number[]) {
  return Promise.all(tasks.map(async (task) => ({ task, codeRuns: await codeRunNames(kube(), task), labelRemovals: (await labelRemovals(task)).length })));
}

/** The effects of `after` restricted to what `before` already had (nodes the controller added since are not the functions'). */
function sameScope(before: Map<string, Effects>, after: Map<string, Effects>): [Record<string, Effects>, Record<string, Effects>] {
  const names = [...before.keys()].filter((name) => after.has(name));
  const restrict = (effects: Effects, to: Effects): Effects => ({ ...effects, suspendNodes: Object.fromEntries(Object.entries(effects.suspendNodes).filter(([id]) => id in to.suspendNodes)) });
  return [
    Object.fromEntries(names.map((name) => [name, restrict(before.get(name)!, after.get(name)!)])),
    Object.fromEntries(names.map((name) => [name, restrict(after.get(name)!, before.get(name)!)])),
  ];
}

describe('fuzzed payloads and envelopes against the running functions', () => {
  // The shipped template is installed only with a node (global-setup.ts).
  it.skipIf(!stack().functionUrls['pr-opened'] || !stack().node || !stack().eventSourceUrl)(`${runsPerFunction * 4} mutated requests: only 4xx or 200 without effect, and nothing a function writes changed`, async () => {
    const rest = kube();
    const { functionUrls, triggerToken } = stack();
    const task = uniqueTask(); // its play has completed: a correlating event must change nothing
    const absent = uniqueTask(); // no workflow at all
    const name = await completedPlay(rest, task);
    const before = await functionEffects();
    const besideBefore = await sideEffects([task, absent]);
    expect(besideBefore[0]!.codeRuns).toHaveLength(3); // Rex's, Cleo's and Tess's, finished: what a Rex push would cancel
    const statuses = new Map<string, number>();

    /** One fuzzed request and the checks on its answer. */
    const attempt = async (c: Case) => {
      let url = functionUrls[c.fn]!;
      let body: string;
      let contentType = 'application/json';
      if (c.kind === 'redrive') {
        url = `${url}/parked`;
        body = c.body;
      } else if (c.kind === 'redrive-own') {
        url = `${url}/parked`;
        body = JSON.stringify({ workflow: name });
      } else if (c.kind === 'raw') {
        body = c.body;
        contentType = c.contentType;
      } else {
        const seed = seeds[c.fn];
        let payload = seed.payload(c.ownTask ? task : absent);
        const all = payloadPaths(payload, 3);
        for (const [at, value] of c.mutations) payload = mutatePayload(payload, all[at % all.length]!, value);
        const envelope = sensorEnvelope(seed.event, payload, randomUUID()) as { headers: Record<string, unknown>; body: Record<string, unknown> };
        if (c.envelope === 'drop-headers') delete (envelope as Record<string, unknown>).headers;
        if (c.envelope === 'event-mismatch') envelope.headers['X-Github-Event'] = [seed.event === 'push' ? 'pull_request' : 'push'];
        if (c.envelope === 'array-delivery') envelope.body['X-GitHub-Delivery'] = ['a', 'b'];
        if (c.envelope === 'no-delivery') {
          delete envelope.body['X-GitHub-Delivery'];
          delete envelope.headers['X-Github-Delivery'];
        }
        body = JSON.stringify(envelope);
      }
      const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': contentType, Authorization: `Bearer ${triggerToken}` }, body });
      const text = await response.text();
      let outcome = '?';
      try {
        outcome = (JSON.parse(text) as { outcome?: string }).outcome ?? '?';
      } catch {
        /* counted below as a non-JSON answer */
      }
      const key = `${response.status} ${outcome}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      expect(response.status, `${c.fn}: ${text}`).toBeLessThan(500);
      if (response.status === 200) expect(['ignored', 'duplicate', 'already-done'], `${c.fn}: ${text}`).toContain(outcome);
      else expect(response.status, `${c.fn}: ${text}`).toBeGreaterThanOrEqual(400);
    };
    await fc.assert(
      fc.asyncProperty(fc.array(caseArb, { minLength: AT_ONCE, maxLength: AT_ONCE }), async (cases) => {
        await Promise.all(cases.map(attempt));
      }),
      { numRuns: runsPerFunction * (4 / AT_ONCE) },
    );

    const after = await functionEffects();
    expect(after.has(name)).toBe(true);
    const [expected, received] = sameScope(before, after);
    expect(received).toEqual(expected);
    expect(await sideEffects([task, absent])).toEqual(besideBefore);
    console.log(`[fuzz] ${runsPerFunction * 4} requests; answers: ${[...statuses.entries()].sort().map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  }, 900_000);
});
