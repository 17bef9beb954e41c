// Plays of the shipped play-orchestration template on the e2e stack: the real template in pods, its
// stage steps written by argoexec, its agents' CodeRuns ended by the stack's agents' side
// (test/fakes/coderun-agents.ts), scripted per task through the stack's control server. Nothing in
// the workflow is simulated: a test waits for the states the template itself reaches.
import { expect } from 'vitest';
import { startPlay } from '../../dev/stack/argo/plays';
import type { KubeRest } from '../../dev/stack/kube-rest';
import { CODERUN_APPS, type AgentRole } from '../../shared/play';
import type { AgentOutcome, CodeRun } from '../fakes/coderun-agents';
import { control, nodesNamed, readWorkflow, repository, sendToEventSource, stageOf, untilWorkflowPhase, type GuaranteeWorkflow } from './guarantees/support';
import { eventually, stack } from './support';

export type { AgentOutcome, CodeRun };

/** Starts a play of the installed shipped template for `task` (what `npm run play -- --task N` does). */
export function submitPlay(rest: KubeRest, task: number, parameters: Record<string, string> = {}): Promise<string> {
  return startPlay({ rest, namespace: stack().namespace, task, repository, parameters: { service: 'e2e', ...parameters } });
}

/** The agents' side ends `task`'s next CodeRuns of `role` as listed (then Succeeded); `hold` keeps one Running. */
export async function scriptAgent(task: number, role: AgentRole, outcomes: AgentOutcome[]): Promise<void> {
  await control('PUT', '/agents/script', { task, githubApp: CODERUN_APPS[role], outcomes });
}

/** The CodeRuns the agents' side took up for `task`, oldest first, with the phase it gave each. */
export function agentRuns(task: number): Promise<CodeRun[]> {
  return control<CodeRun[]>('GET', `/agents/runs?task=${task}`);
}

/** Ends a CodeRun the agents' side holds. */
export async function releaseAgent(name: string, outcome: 'Succeeded' | 'Failed'): Promise<void> {
  await control('POST', '/agents/release', { name, outcome });
}

/** Waits for `task`'s `count`th run of `role` in `phase` (Running: taken up, held or not yet ended). */
export function untilAgentRun(task: number, role: AgentRole, phase: string, count = 1, timeoutMs = 180_000): Promise<CodeRun> {
  return eventually(`${role} run #${count} of task ${task} ${phase}`, async () => (await agentRuns(task)).filter((r) => r.githubApp === CODERUN_APPS[role] && r.phase === phase)[count - 1], timeoutMs);
}

/**
 * Waits until the template has written `stage` and its `count`th `gate` suspend node waits (Running).
 * The stage step runs before the gate is created, so both are needed before an event can resume it.
 */
export function untilGate(rest: KubeRest, name: string, gate: string, stage: string, count = 1, timeoutMs = 240_000): Promise<GuaranteeWorkflow> {
  return eventually(`${name}: ${gate} #${count} waiting at stage ${stage}`, async () => {
    const wf = await readWorkflow(rest, name);
    const gates = Object.values(wf.status?.nodes ?? {}).filter((n) => n.displayName === gate);
    return gates.length >= count && gates.some((n) => n.phase === 'Running') && stageOf(wf) === stage ? wf : undefined;
  }, timeoutMs);
}

/** Waits for the template's own stage step to move the label to `stage`. */
export function untilStage(rest: KubeRest, name: string, stage: string, timeoutMs = 240_000): Promise<GuaranteeWorkflow> {
  return eventually(`${name} at stage ${stage}`, async () => {
    const wf = await readWorkflow(rest, name);
    return stageOf(wf) === stage ? wf : undefined;
  }, timeoutMs);
}

/**
 * Waits until the controller has started the step `displayName` (a node of that name, in any phase: one
 * waiting for the agents' semaphore is Pending): it carried the play on to that step.
 */
export function untilStep(rest: KubeRest, name: string, displayName: string, timeoutMs = 180_000): Promise<GuaranteeWorkflow> {
  return eventually(`${name}: step ${displayName} started`, async () => {
    const wf = await readWorkflow(rest, name);
    return nodesNamed(wf, displayName).length > 0 ? wf : undefined;
  }, timeoutMs);
}

/** A play of `task` waiting for its PR: Rex's CodeRun succeeded and the template waits at wait-pr-created. */
export async function playAtPrGate(rest: KubeRest, task: number, parameters: Record<string, string> = {}): Promise<string> {
  const name = await submitPlay(rest, task, parameters);
  await untilGate(rest, name, 'wait-pr-created', 'waiting-pr-created');
  return name;
}

/** A play of `task` taken to Cleo's turn the real way: a signed pull_request.opened through the EventSource resumes wait-pr-created. */
export async function playAtCleo(rest: KubeRest, task: number, parameters: Record<string, string> = {}): Promise<string> {
  const name = await playAtPrGate(rest, task, parameters);
  expect((await sendToEventSource('pr-opened', task)).status).toBe(200);
  // The function resumes the gate and writes quality-in-progress; Cleo may already be done, so only the gate is waited for.
  await eventually(`${name}: wait-pr-created passed`, async () => (nodesNamed(await readWorkflow(rest, name), 'wait-pr-created').some((n) => n.phase === 'Succeeded') ? true : undefined), 180_000);
  return name;
}

/**
 * A play of `task` run to completion the real way: each gate resumed by its signed GitHub event once the template
 * waits there, every agent's CodeRun Succeeded; the play ends Succeeded at stage completed.
 */
export async function completedPlay(rest: KubeRest, task: number): Promise<string> {
  const name = await submitPlay(rest, task);
  const gates = [['wait-pr-created', 'waiting-pr-created', 'pr-opened'], ['wait-ready-for-qa', 'waiting-ready-for-qa', 'ready-for-qa'], ['wait-pr-approved', 'waiting-pr-approved', 'approved']] as const;
  for (const [gate, stage, scenario] of gates) {
    await untilGate(rest, name, gate, stage);
    expect((await sendToEventSource(scenario, task)).status).toBe(200);
  }
  const done = await untilWorkflowPhase(rest, name, 'Succeeded', 180_000);
  expect(stageOf(done)).toBe('completed');
  return name;
}

/** Deletes a play and, through its owner references, its pods and CodeRuns: a held agent's pod stops waiting. */
export async function deletePlay(rest: KubeRest, name: string): Promise<void> {
  const res = await rest.call('DELETE', `/apis/argoproj.io/v1alpha1/namespaces/${stack().namespace}/workflows/${name}`, { propagationPolicy: 'Background' });
  expect([200, 202, 404], res.text).toContain(res.status);
}
