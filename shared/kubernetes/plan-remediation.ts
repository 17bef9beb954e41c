/**
 * rex-push's decision, as a pure function of one Workflow object and the CodeRuns listed for it
 * (docs/state-machine.md, "Rex pushes"):
 *
 * - a QA gate (wait-ready-for-qa, wait-pr-approved) is waiting → `gate`: the resume restarts QA with
 *   decision=restart; the finished CodeRuns left behind are deleted first. Nothing restarts before the
 *   resume write, which also records the push as applied, so a redelivery is a duplicate.
 * - else Cleo's or Tess's CodeRun is running → `cancel`: deleting it fails the agent step and the
 *   template restarts QA at once, before the push is recorded as applied. So the set to delete is fixed
 *   on the workflow first (REMEDIATIONS_ANNOTATION, with the stage moved to quality-in-progress in the
 *   same write), and a redelivery deletes that set and nothing else: never what the restarted QA created.
 * - else the play is between steps (a stage step, an agent's CodeRun not created yet) → `not-ready`,
 *   no write: the Sensor retries until one of the two above holds.
 */
import { stageIndex, type Stage } from '../play';
import { hydrate } from './node-status-packing';
import { isActiveSuspendNode } from './plan-resume';
import type { CodeRunRef, RemediationDecision, RemediationRequest } from './types';
import { REMEDIATIONS_KEPT, recordedKeysOf, remediationsOf, type Workflow } from './workflow';
import { REMEDIATIONS_ANNOTATION, WORKFLOW_LABELS } from '../contract';

/** CodeRun phases after which the agent no longer runs. */
const FINISHED_PHASES = ['Succeeded', 'Failed'];

export type RemediationPlan =
  | Exclude<RemediationDecision, { outcome: 'decided' }>
  | (Extract<RemediationDecision, { outcome: 'decided' }> & { readonly workflow?: Workflow });

/** `workflow` is not modified; a `cancel` decided now carries the changed copy to PUT. */
export function planRemediation(workflow: Workflow, request: RemediationRequest, now: Date): RemediationPlan {
  const name = workflow.metadata.name;
  const seen = request.dedupKeys.find((key) => recordedKeysOf(workflow.metadata.annotations).includes(key));
  if (seen) return { outcome: 'duplicate', reason: `${name} already applied ${seen}` };

  const stage = workflow.metadata.labels?.[WORKFLOW_LABELS.stage] ?? '';
  if (!request.fromStages.includes(stage as Stage)) {
    const last = Math.max(...request.fromStages.map(stageIndex));
    return stageIndex(stage) > last
      ? { outcome: 'already-done', reason: `${name} is already at stage ${stage}` }
      : { outcome: 'not-ready', reason: `${name} is at stage ${stage || '(none)'}: QA has not started` };
  }

  const records = remediationsOf(workflow.metadata.annotations);
  const recorded = records[request.key];
  if (recorded) {
    // A redelivery of a push that already cancelled: exactly the CodeRuns it fixed then.
    const byName = new Map(request.candidates.map((run) => [run.name, run]));
    const codeRuns = recorded.codeRuns.map((run) => byName.get(run.name)?.uid === run.uid ? (byName.get(run.name) as CodeRunRef) : { name: run.name, uid: run.uid, githubApp: '' });
    return { outcome: 'decided', mode: 'cancel', codeRuns, recorded: true };
  }

  const readable = structuredClone(workflow);
  hydrate(readable);
  const gateWaiting = Object.values(readable.status?.nodes ?? {}).some((node) => isActiveSuspendNode(node) && request.suspendNodes.includes(node.displayName));
  if (gateWaiting) return { outcome: 'decided', mode: 'gate', codeRuns: request.candidates };

  const running = request.candidates.filter((run) => !FINISHED_PHASES.includes(run.phase ?? ''));
  if (running.length === 0) {
    return {
      outcome: 'not-ready',
      reason: `${name} is at stage ${stage} between steps: no ${request.suspendNodes.join('/')} gate is waiting and no QA CodeRun is running yet`,
    };
  }

  const updated = structuredClone(workflow);
  const annotations = (updated.metadata.annotations ??= {});
  const kept = Object.entries(records).slice(-(REMEDIATIONS_KEPT - 1));
  const entry = { at: `${now.toISOString().slice(0, 19)}Z`, codeRuns: request.candidates.map(({ name: runName, uid }) => ({ name: runName, uid })) };
  annotations[REMEDIATIONS_ANNOTATION] = JSON.stringify(Object.fromEntries([...kept, [request.key, entry]]));
  (updated.metadata.labels ??= {})[WORKFLOW_LABELS.stage] = request.nextStage;
  return { outcome: 'decided', mode: 'cancel', codeRuns: request.candidates, workflow: updated };
}
