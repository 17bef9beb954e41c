import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { APPROVED, LABELED_READY_FOR_QA, PR_OPENED, REX_PUSH } from '../../../shared/declarations';
import { QA_STAGES } from '../../../shared/play';
import { dehydrate } from '../../../shared/kubernetes/node-status-packing';
import { planResume } from '../../../shared/kubernetes/plan-resume';
import { AmbiguousNodeError, OffloadedNodeStatusError, WorkflowShapeError, type ResumeRequest } from '../../../shared/kubernetes/types';
import { type NodeStatus, type Workflow } from '../../../shared/kubernetes/workflow';
import { compressed, dagWorkflow, huge, offloaded, playWorkflow } from '../../fixtures/workflows';
import { DEDUP_ANNOTATION, PARKED_ANNOTATION } from '../../../shared/contract';

const NOW = new Date('2026-11-22T12:34:56.789Z');
const request = (declaration: typeof PR_OPENED, extra: Partial<ResumeRequest> = {}): ResumeRequest => ({
  name: 'play-orchestration-7xk2p',
  actor: declaration.name,
  suspendNodes: declaration.suspendNodes,
  fromStages: declaration.fromStages,
  nextStage: declaration.nextStage,
  dedupKeys: ['delivery-1'],
  outputs: declaration.outputs,
  ...extra,
});

/**
 * planResume on a deep-frozen input, as every test here calls it: the plan copies what it writes, so a write to the
 * input (which throws on a frozen object in strict mode) fails the test.
 */
function planFrozen(workflow: Workflow, resumeRequest: ResumeRequest, now: Date): ReturnType<typeof planResume> {
  return planResume(deepFreeze(workflow), resumeRequest, now);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** The plan's object must differ from the input only where a resume writes. */
function changedNodes(before: Workflow, after: Workflow): string[] {
  const a = before.status?.nodes ?? {};
  const b = after.status?.nodes ?? {};
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  return Object.keys(a).filter((id) => JSON.stringify(a[id]) !== JSON.stringify(b[id]));
}

function resumed(plan: ReturnType<typeof planResume>) {
  if (plan.outcome !== 'resumed') throw new Error(`expected resumed, got ${plan.outcome}: ${plan.reason}`);
  return plan;
}

describe('planResume', () => {
  it('resumes exactly the active suspend node of the stage and moves the label, changing nothing else', () => {
    const before = playWorkflow({ position: 'wait-pr-created' });
    const plan = resumed(planFrozen(before, request(PR_OPENED), NOW));
    const node = Object.values(plan.workflow.status?.nodes ?? {}).find((n) => n.displayName === 'wait-pr-created') as NodeStatus;
    expect(changedNodes(before, plan.workflow)).toEqual([node.id]);
    expect(node).toMatchObject({
      phase: 'Succeeded',
      finishedAt: '2026-11-22T12:34:56Z',
      message: 'Resumed by: handoff/pr-opened (delivery-1)',
      outputs: { parameters: [{ name: 'decision', value: 'continue' }] },
    });
    expect(node.outputs?.parameters?.[0]).not.toHaveProperty('valueFrom');
    expect(plan.workflow.metadata.labels?.['current-stage']).toBe('quality-in-progress');
    expect(JSON.parse(plan.workflow.metadata.annotations?.[DEDUP_ANNOTATION] ?? '')).toEqual(['delivery-1']);
    expect(plan.workflow.metadata.annotations?.['updated-at']).toBe('2026-11-22T12:34:56Z');
    // Everything else is untouched: spec, other labels, other annotations, other status fields.
    const strip = (w: Workflow) => ({ ...w, metadata: { ...w.metadata, labels: { ...w.metadata.labels, 'current-stage': '' }, annotations: {} }, status: { ...w.status, nodes: {} } });
    expect(strip(plan.workflow)).toEqual(strip(before));
    expect(before.metadata.labels?.['current-stage']).toBe('waiting-pr-created');
  });

  it('picks the active iteration after QA recursion, never a finished one with the same display name', () => {
    const before = playWorkflow({ position: 'wait-pr-approved', restarts: 2 });
    const all = Object.values(before.status?.nodes ?? {}).filter((n) => n.displayName === 'wait-pr-approved');
    expect(all).toHaveLength(3);
    const plan = resumed(planFrozen(before, request(APPROVED), NOW));
    const [changed] = changedNodes(before, plan.workflow);
    expect(changed).toBe(all.find((n) => n.phase === 'Running')?.id);
    expect(plan.toStage).toBe('completed');
  });

  it('resumes inside a DAG with nested steps and leaves another active suspend node alone', () => {
    const before = dagWorkflow();
    const plan = resumed(planFrozen(before, request(LABELED_READY_FOR_QA, { name: before.metadata.name }), NOW));
    const changed = changedNodes(before, plan.workflow);
    expect(changed).toHaveLength(1);
    expect(plan.workflow.status?.nodes?.[changed[0] as string]?.name).toBe('play-dag-q8r4t.qa[1].wait-ready-for-qa');
    const gate = Object.values(plan.workflow.status?.nodes ?? {}).find((n) => n.displayName === 'wait-security-review');
    expect(gate?.phase).toBe('Running');
  });

  it('sets the supplied output decision=restart (argo node set) for rex-push', () => {
    const before = playWorkflow({ position: 'wait-ready-for-qa' });
    const plan = resumed(planFrozen(before, request(REX_PUSH), NOW));
    const node = Object.values(plan.workflow.status?.nodes ?? {}).find((n) => n.displayName === 'wait-ready-for-qa');
    expect(node?.outputs?.parameters).toEqual([{ name: 'decision', value: 'restart' }]);
    // QA restarts: Cleo works next, as the restarted qa-cycle's own stage step also says.
    expect(plan.workflow.metadata.labels?.['current-stage']).toBe('quality-in-progress');
  });

  it('adds a globalName output to the workflow outputs (AddParamToGlobalScope)', () => {
    const before = playWorkflow({ position: 'wait-pr-approved' });
    const node = Object.values(before.status?.nodes ?? {}).find((n) => n.displayName === 'wait-pr-approved') as NodeStatus;
    (node.outputs?.parameters?.[0] as { globalName?: string }).globalName = 'qa-decision';
    const plan = resumed(planFrozen(before, request(REX_PUSH, { fromStages: QA_STAGES }), NOW));
    expect(plan.workflow.status?.outputs?.parameters).toEqual([{ name: 'qa-decision', value: 'restart' }]);

    // An earlier value is replaced in place, the other outputs kept.
    const again = playWorkflow({ position: 'wait-pr-approved' });
    const waiting = Object.values(again.status?.nodes ?? {}).find((n) => n.displayName === 'wait-pr-approved') as NodeStatus;
    (waiting.outputs?.parameters?.[0] as { globalName?: string }).globalName = 'qa-decision';
    (again.status ??= {}).outputs = { parameters: [{ name: 'other', value: 'x' }, { name: 'qa-decision', value: 'approve' }] };
    const replaced = resumed(planFrozen(again, request(REX_PUSH, { fromStages: QA_STAGES }), NOW));
    expect(replaced.workflow.status?.outputs?.parameters).toEqual([{ name: 'other', value: 'x' }, { name: 'qa-decision', value: 'restart' }]);
    expect(again.status.outputs.parameters?.[1]).toEqual({ name: 'qa-decision', value: 'approve' });
  });

  it('with nodeOptional moves only the stage while an agent runs', () => {
    const before = playWorkflow({ position: 'tess-running' });
    const plan = resumed(planFrozen(before, request(REX_PUSH, { nodeOptional: true }), NOW));
    expect(plan.node).toBeUndefined();
    expect(changedNodes(before, plan.workflow)).toEqual([]);
    expect(plan.workflow.metadata.labels?.['current-stage']).toBe('quality-in-progress');
  });

  it('rex-push after a cancellation: no gate waiting → keys recorded, stage kept, its remediation record dropped; a gate waiting by then → resumed with restart', () => {
    const records = JSON.stringify({ 'sha:old': { at: 'x', codeRuns: [] }, 'sha:mine': { at: 'y', codeRuns: [{ name: 'cleo-1', uid: 'u' }] } });
    const running = playWorkflow({ position: 'cleo-running', stage: 'testing-in-progress' });
    running.metadata.annotations = { 'handoff.dev/remediations': records };
    const kept = resumed(planFrozen(running, request(REX_PUSH, { keepStageWithoutNode: true, remediationKey: 'sha:mine', dedupKeys: ['d-1', 'sha:mine'] }), NOW));
    expect(kept.node).toBeUndefined();
    expect(kept.workflow.metadata.labels?.['current-stage']).toBe('testing-in-progress');
    expect(kept.toStage).toBe('testing-in-progress');
    expect(JSON.parse(kept.workflow.metadata.annotations?.['handoff.dev/remediations'] ?? '{}')).toEqual({ 'sha:old': { at: 'x', codeRuns: [] } });
    expect(JSON.parse(kept.workflow.metadata.annotations?.['handoff.dev/applied-events'] ?? '[]')).toEqual(['d-1', 'sha:mine']);

    const waiting = playWorkflow({ position: 'wait-pr-approved' });
    waiting.metadata.annotations = { 'handoff.dev/remediations': JSON.stringify({ 'sha:mine': { at: 'y', codeRuns: [] } }) };
    const restarted = resumed(planFrozen(waiting, request(REX_PUSH, { keepStageWithoutNode: true, remediationKey: 'sha:mine' }), NOW));
    expect(restarted.node?.displayName).toBe('wait-pr-approved');
    expect(restarted.workflow.metadata.labels?.['current-stage']).toBe('quality-in-progress');
    expect(restarted.workflow.metadata.annotations?.['handoff.dev/remediations']).toBeUndefined();
  });

  it('answers not-ready before the stage, and when the node is not active yet (argo-workflows #12863)', () => {
    expect(planFrozen(playWorkflow({ position: 'cleo-running' }), request(LABELED_READY_FOR_QA), NOW)).toMatchObject({ outcome: 'not-ready', reason: expect.stringMatching(/quality-in-progress/) });
    const early = playWorkflow({ position: 'cleo-running', stage: 'waiting-ready-for-qa' });
    expect(planFrozen(early, request(LABELED_READY_FOR_QA), NOW)).toMatchObject({ outcome: 'not-ready', reason: expect.stringMatching(/not an active suspend node yet/) });
  });

  it('answers already-done past the stage, and duplicate for a recorded key', () => {
    expect(planFrozen(playWorkflow({ position: 'tess-running' }), request(LABELED_READY_FOR_QA), NOW)).toMatchObject({ outcome: 'already-done' });
    const done = resumed(planFrozen(playWorkflow(), request(PR_OPENED), NOW)).workflow;
    expect(planFrozen(done, request(PR_OPENED), NOW)).toMatchObject({ outcome: 'duplicate', reason: expect.stringMatching(/delivery-1/) });
    expect(planFrozen(done, request(PR_OPENED, { dedupKeys: ['delivery-2'] }), NOW)).toMatchObject({ outcome: 'already-done' });
  });

  it('parks an early event at parkFrom: records it, changes no node and no stage; copies are duplicates, a second event joins it', () => {
    const before = playWorkflow({ position: 'cleo-running' });
    const early = request(LABELED_READY_FOR_QA, { parkFrom: LABELED_READY_FOR_QA.parkFrom });
    const plan = planFrozen(before, early, NOW);
    if (plan.outcome !== 'parked') throw new Error(`expected parked, got ${plan.outcome}`);
    expect(plan.reason).toMatch(/quality-in-progress: the event is parked and resumes wait-ready-for-qa when the play reaches waiting-ready-for-qa/);
    expect(changedNodes(before, plan.workflow)).toEqual([]);
    expect(plan.workflow.metadata.labels?.['current-stage']).toBe('quality-in-progress');
    expect(JSON.parse(plan.workflow.metadata.annotations?.[PARKED_ANNOTATION] ?? '')).toEqual({ 'labeled-ready-for-qa': { keys: ['delivery-1'], at: '2026-11-22T12:34:56Z' } });
    expect(JSON.parse(plan.workflow.metadata.annotations?.[DEDUP_ANNOTATION] ?? '')).toEqual(['delivery-1']);

    expect(planFrozen(plan.workflow, early, NOW)).toMatchObject({ outcome: 'duplicate' });
    const second = planFrozen(plan.workflow, { ...early, dedupKeys: ['delivery-2'] }, new Date('2026-11-22T13:00:00Z'));
    if (second.outcome !== 'parked') throw new Error(`expected parked, got ${second.outcome}`);
    expect(JSON.parse(second.workflow.metadata.annotations?.[PARKED_ANNOTATION] ?? '')).toEqual({ 'labeled-ready-for-qa': { keys: ['delivery-1', 'delivery-2'], at: '2026-11-22T12:34:56Z' } });
    // Before parkFrom it is still not-ready (the Sensor retries): an approval while Cleo runs is not early, it is out of order.
    expect(planFrozen(before, request(APPROVED, { parkFrom: APPROVED.parkFrom }), NOW)).toMatchObject({ outcome: 'not-ready' });
  });

  it('re-drives the parked event once its gate is active: resumes with its delivery, drops it from the parked record, no second dedup entry', () => {
    const parkedAt = planFrozen(playWorkflow({ position: 'cleo-running' }), request(LABELED_READY_FOR_QA, { parkFrom: LABELED_READY_FOR_QA.parkFrom }), NOW);
    if (parkedAt.outcome !== 'parked') throw new Error(parkedAt.outcome);
    const redrive = request(LABELED_READY_FOR_QA, { redrive: true, dedupKeys: [] });
    expect(planFrozen(parkedAt.workflow, redrive, NOW)).toMatchObject({ outcome: 'not-ready' }); // Cleo still runs

    const atGate = playWorkflow({ position: 'wait-ready-for-qa' });
    atGate.metadata.annotations = { ...parkedAt.workflow.metadata.annotations, [PARKED_ANNOTATION]: JSON.stringify({ ...JSON.parse(parkedAt.workflow.metadata.annotations?.[PARKED_ANNOTATION] ?? '{}'), approved: { keys: ['other'], at: 'x' } }) };
    const plan = resumed(planFrozen(atGate, redrive, NOW));
    expect(plan.keys).toEqual(['delivery-1']);
    const node = Object.values(plan.workflow.status?.nodes ?? {}).find((n) => n.displayName === 'wait-ready-for-qa' && n.phase === 'Succeeded');
    expect(node?.message).toBe('Resumed by: handoff/labeled-ready-for-qa (parked delivery-1)');
    expect(plan.workflow.metadata.labels?.['current-stage']).toBe('testing-in-progress');
    expect(JSON.parse(plan.workflow.metadata.annotations?.[DEDUP_ANNOTATION] ?? '')).toEqual(['delivery-1']);
    expect(JSON.parse(plan.workflow.metadata.annotations?.[PARKED_ANNOTATION] ?? '')).toEqual({ approved: { keys: ['other'], at: 'x' } });

    expect(planFrozen(plan.workflow, redrive, NOW)).toMatchObject({ outcome: 'nothing-parked' });
    expect(planFrozen(playWorkflow({ position: 'wait-ready-for-qa' }), redrive, NOW)).toMatchObject({ outcome: 'nothing-parked' });
  });

  it('rex-push\'s reset drops every parked event (QA starts over)', () => {
    const workflow = playWorkflow({ position: 'wait-ready-for-qa' });
    workflow.metadata.annotations = { [PARKED_ANNOTATION]: JSON.stringify({ approved: { keys: ['early-approval'], at: 'x' } }) };
    const plan = resumed(planFrozen(workflow, request(REX_PUSH, { nodeOptional: true, clearParked: true }), NOW));
    expect(plan.workflow.metadata.annotations).not.toHaveProperty(PARKED_ANNOTATION);
    const kept = resumed(planFrozen(workflow, request(LABELED_READY_FOR_QA), NOW));
    expect(JSON.parse(kept.workflow.metadata.annotations?.[PARKED_ANNOTATION] ?? '')).toEqual({ approved: { keys: ['early-approval'], at: 'x' } });
  });

  it('bounds the dedup record', () => {
    let workflow = playWorkflow({ position: 'wait-ready-for-qa' });
    workflow.metadata.annotations = { [DEDUP_ANNOTATION]: JSON.stringify(Array.from({ length: 100 }, (_, i) => `old-${i}`)) };
    workflow = resumed(planFrozen(workflow, request(LABELED_READY_FOR_QA, { dedupKeys: ['new-1'] }), NOW)).workflow;
    const keys = JSON.parse(workflow.metadata.annotations?.[DEDUP_ANNOTATION] ?? '[]');
    expect(keys).toHaveLength(100);
    expect(keys.at(-1)).toBe('new-1');
    expect(keys[0]).toBe('old-1');
  });

  it('refuses two active suspend nodes of the same stage', () => {
    const workflow = playWorkflow({ position: 'wait-ready-for-qa' });
    const node = Object.values(workflow.status?.nodes ?? {}).find((n) => n.displayName === 'wait-ready-for-qa') as NodeStatus;
    workflow.status!.nodes![`${node.id}-copy`] = { ...structuredClone(node), id: `${node.id}-copy` };
    expect(() => planFrozen(workflow, request(LABELED_READY_FOR_QA), NOW)).toThrow(AmbiguousNodeError);
  });

  it('ports node set errors exactly', () => {
    const noOutputs = playWorkflow({ position: 'wait-ready-for-qa' });
    const node = Object.values(noOutputs.status?.nodes ?? {}).find((n) => n.displayName === 'wait-ready-for-qa') as NodeStatus;
    delete node.outputs;
    expect(() => planFrozen(structuredClone(noOutputs), request(REX_PUSH), NOW)).toThrow(new WorkflowShapeError('cannot set output parameters because node is not expecting any raw parameters'));
    node.outputs = { parameters: [{ name: 'other', valueFrom: { supplied: {} } }] };
    expect(() => planFrozen(structuredClone(noOutputs), request(REX_PUSH), NOW)).toThrow("node is not expecting output parameter 'decision'");
    node.outputs = { parameters: [{ name: 'decision', value: 'continue' }] };
    expect(() => planFrozen(structuredClone(noOutputs), request(REX_PUSH), NOW)).toThrow("cannot set output parameter 'decision' because it does not use valueFrom.raw or it was already set");
    node.outputs = { parameters: [{ name: 'decision', valueFrom: { supplied: {} } }] };
    expect(() => planFrozen(structuredClone(noOutputs), request(LABELED_READY_FOR_QA), NOW)).toThrow("raw output parameter 'decision' has not been set and does not have a default value");
  });

  it('reads compressed nodes and writes them back inline when the object fits (Hydrate/Dehydrate)', () => {
    const before = compressed(playWorkflow({ position: 'wait-pr-created' }));
    const plan = resumed(planFrozen(before, request(PR_OPENED), NOW));
    expect(plan.workflow.status?.compressedNodes).toBeUndefined();
    expect(Object.values(plan.workflow.status?.nodes ?? {}).find((n) => n.displayName === 'wait-pr-created')?.phase).toBe('Succeeded');
  });

  it('compresses nodes when the object is over MAX_WORKFLOW_SIZE, and the result round-trips', () => {
    const before = huge(playWorkflow({ position: 'wait-pr-created' }), 1_200_000);
    const plan = resumed(planFrozen(before, request(PR_OPENED), NOW));
    expect(plan.workflow.status?.nodes).toBeUndefined();
    const nodes = JSON.parse(gunzipSync(Buffer.from(plan.workflow.status?.compressedNodes ?? '', 'base64')).toString()) as Record<string, NodeStatus>;
    expect(Object.values(nodes).find((n) => n.displayName === 'wait-pr-created')?.phase).toBe('Succeeded');
    expect(Buffer.byteLength(JSON.stringify(plan.workflow))).toBeLessThan(1024 * 1024);
  });

  it('refuses offloaded node status with a clear error, and a workflow too large even compressed', () => {
    expect(() => planFrozen(offloaded(playWorkflow()), request(PR_OPENED), NOW)).toThrow(OffloadedNodeStatusError);
    expect(() => planFrozen(offloaded(playWorkflow()), request(PR_OPENED), NOW)).toThrow(/Argo Server/);
    const workflow = huge(playWorkflow(), 10_000);
    expect(() => dehydrate(workflow, 1000)).toThrow(/even with compressed nodes/);
  });
});
