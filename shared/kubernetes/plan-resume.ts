/**
 * The resume, as a pure change to one Workflow object: a TypeScript port of Argo
 * Workflows `workflow/util/util.go` ResumeWorkflow with a node field selector
 * (→ updateSuspendedNode, SelectorMatchesNode) plus SetWorkflow for supplied outputs
 * (`argo node set -p`), and the stage label and dedup record written in the same object.
 */
import { WORKFLOW_LABELS, stageIndex, type Stage } from '../declarations';
import { dehydrate, hydrate } from './node-status-packing';
import { AmbiguousNodeError, WorkflowShapeError, type ResumeRequest } from './types';
import {
  DEDUP_ANNOTATION,
  DEDUP_KEYS_KEPT,
  UPDATED_AT_ANNOTATION,
  recordedKeysOf,
  type NodeStatus,
  type Parameter,
  type Workflow,
} from './workflow';

export type ResumePlan =
  | { readonly outcome: 'duplicate' | 'already-done' | 'not-ready'; readonly reason: string }
  | {
      readonly outcome: 'resumed';
      /** The object to PUT. */
      readonly workflow: Workflow;
      readonly node?: { readonly id: string; readonly displayName: string };
      readonly fromStage: string;
      readonly toStage: Stage;
    };

/** `workflow` is not modified; the plan carries a changed copy. */
export function planResume(workflow: Workflow, request: ResumeRequest, now: Date): ResumePlan {
  const name = workflow.metadata.name;
  const recorded = recordedKeysOf(workflow.metadata.annotations);
  const seen = request.dedupKeys.find((key) => recorded.includes(key));
  if (seen) return { outcome: 'duplicate', reason: `${name} already applied ${seen}` };

  const stage = workflow.metadata.labels?.[WORKFLOW_LABELS.stage] ?? '';
  if (!request.fromStages.includes(stage as Stage)) {
    const last = Math.max(...request.fromStages.map(stageIndex));
    return stageIndex(stage) > last
      ? { outcome: 'already-done', reason: `${name} is already at stage ${stage}` }
      : { outcome: 'not-ready', reason: `${name} is at stage ${stage || '(none)'}, not ${request.fromStages.join(' or ')} yet` };
  }

  const updated = structuredClone(workflow);
  hydrate(updated);
  const nodes = updated.status?.nodes ?? {};
  const active = Object.values(nodes).filter((node) => isActiveSuspendNode(node) && request.suspendNodes.includes(node.displayName));
  if (active.length > 1) {
    throw new AmbiguousNodeError(`${name} has ${active.length} active ${request.suspendNodes.join('/')} suspend nodes (${active.map((node) => node.id).join(', ')}); refusing to pick one`);
  }
  const node = active[0];
  if (!node && !request.nodeOptional) {
    // argo-workflows #12863: resuming before the node exists is a silent no-op upstream; here it is retryable.
    return { outcome: 'not-ready', reason: `${name} is at stage ${stage} but ${request.suspendNodes.join(' or ')} is not an active suspend node yet` };
  }

  if (node) {
    setSuppliedOutputs(updated, node, request.outputs ?? {});
    overrideOutputParametersWithDefault(node);
    // updateSuspendedNode with SetOperationValues{Phase: Succeeded, Message}.
    node.phase = 'Succeeded';
    node.finishedAt = rfc3339Seconds(now);
    node.message = `Resumed by: handoff/${request.actor} (${request.dedupKeys[0] ?? 'no delivery'})`;
  }

  // Argo v3.7's creator.LabelActor would also set or clear workflows.argoproj.io/actor* and action
  // from the caller's user claims; a function has none, so those labels are left as they are.
  const labels = (updated.metadata.labels ??= {});
  labels[WORKFLOW_LABELS.stage] = request.nextStage;
  const annotations = (updated.metadata.annotations ??= {});
  annotations[DEDUP_ANNOTATION] = JSON.stringify([...recorded, ...request.dedupKeys].slice(-DEDUP_KEYS_KEPT));
  annotations[UPDATED_AT_ANNOTATION] = rfc3339Seconds(now);

  dehydrate(updated);
  return {
    outcome: 'resumed',
    workflow: updated,
    node: node ? { id: node.id, displayName: node.displayName } : undefined,
    fromStage: stage,
    toStage: request.nextStage,
  };
}

/** NodeStatus.IsActiveSuspendNode: `type == Suspend && phase == Running`. */
export function isActiveSuspendNode(node: NodeStatus): boolean {
  return node.type === 'Suspend' && node.phase === 'Running';
}

/**
 * updateSuspendedNode's output-parameter branch (what SetWorkflow / `argo node set -p` does):
 * every requested parameter must be expected and still supplied; it gets a value and
 * loses valueFrom; a globalName is also set in status.outputs (AddParamToGlobalScope).
 */
function setSuppliedOutputs(workflow: Workflow, node: NodeStatus, outputs: Readonly<Record<string, string>>): void {
  const entries = Object.entries(outputs);
  if (entries.length === 0) return;
  const parameters = node.outputs?.parameters;
  if (!parameters) throw new WorkflowShapeError('cannot set output parameters because node is not expecting any raw parameters');
  for (const [name, value] of entries) {
    const parameter = parameters.find((candidate) => candidate.name === name);
    if (!parameter) throw new WorkflowShapeError(`node is not expecting output parameter '${name}'`);
    if (!parameter.valueFrom?.supplied) {
      throw new WorkflowShapeError(`cannot set output parameter '${name}' because it does not use valueFrom.raw or it was already set`);
    }
    parameter.value = value;
    delete parameter.valueFrom;
    if (parameter.globalName) addParamToGlobalScope(workflow, parameter.globalName, value);
  }
}

/** util.AddParamToGlobalScope: upsert `{name: globalName, value}` into status.outputs.parameters. */
function addParamToGlobalScope(workflow: Workflow, globalName: string, value: string): void {
  const status = (workflow.status ??= {});
  const outputs = (status.outputs ??= {});
  const parameters: Parameter[] = (outputs.parameters ??= []);
  const existing = parameters.find((parameter) => parameter.name === globalName);
  if (existing) existing.value = value;
  else parameters.push({ name: globalName, value });
}

/**
 * util.OverrideOutputParametersWithDefault: a supplied parameter left unset takes its
 * default, or the resume fails. (Argo's selector path skips this and leaves such a
 * parameter unresolved downstream; we take the no-selector path's safer rule.)
 */
function overrideOutputParametersWithDefault(node: NodeStatus): void {
  for (const parameter of node.outputs?.parameters ?? []) {
    if (!parameter.valueFrom?.supplied) continue;
    if (parameter.valueFrom.default === undefined) {
      throw new WorkflowShapeError(`raw output parameter '${parameter.name}' has not been set and does not have a default value`);
    }
    parameter.value = parameter.valueFrom.default;
    delete parameter.valueFrom;
  }
}

/** metav1.Time marshals as RFC 3339 in UTC with whole seconds. */
function rfc3339Seconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
