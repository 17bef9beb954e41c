/**
 * The resume, as a pure change to one Workflow object: a TypeScript port of Argo
 * Workflows `workflow/util/util.go` ResumeWorkflow with a node field selector
 * (→ updateSuspendedNode, SelectorMatchesNode) plus SetWorkflow for supplied outputs
 * (`argo node set -p`), and the stage label and dedup record written in the same object.
 */
import { stageIndex, type Stage } from '../play';
import { dehydrate, hydrate } from './node-status-packing';
import { AmbiguousNodeError, WorkflowShapeError, type ResumeRequest } from './types';
import { DEDUP_KEYS_KEPT, parkedEventsOf, remediationsOf, recordedKeysOf, type ParkedEvent, type NodeStatus, type Parameter, type Workflow, writableCopy } from './workflow';
import { DEDUP_ANNOTATION, PARKED_ANNOTATION, REMEDIATIONS_ANNOTATION, UPDATED_AT_ANNOTATION, WORKFLOW_LABELS } from '../contract';

export type ResumePlan =
  | { readonly outcome: 'duplicate' | 'already-done' | 'not-ready' | 'nothing-parked'; readonly reason: string }
  /** Early: the object to PUT records the event as parked (and its keys as seen). */
  | { readonly outcome: 'parked'; readonly workflow: Workflow; readonly fromStage: string; readonly reason: string }
  | {
      readonly outcome: 'resumed';
      /** The object to PUT. */
      readonly workflow: Workflow;
      /** The dedup keys applied (a redrive's are the parked event's). */
      readonly keys: readonly string[];
      readonly node?: { readonly id: string; readonly displayName: string };
      readonly fromStage: string;
      readonly toStage: Stage;
    };

/** `workflow` is not modified; the plan carries a changed copy. */
export function planResume(workflow: Workflow, request: ResumeRequest, now: Date): ResumePlan {
  const name = workflow.metadata.name;
  const recorded = recordedKeysOf(workflow.metadata.annotations);
  const parked = parkedEventsOf(workflow.metadata.annotations);
  let keys = request.dedupKeys;
  if (request.redrive) {
    const mine = parked[request.actor];
    if (!mine) return { outcome: 'nothing-parked', reason: `${name} has no event parked by ${request.actor}` };
    keys = mine.keys; // recorded when parked: not a duplicate here
  } else {
    const seen = keys.find((key) => recorded.includes(key));
    if (seen) return { outcome: 'duplicate', reason: `${name} already applied ${seen}` };
  }

  const stage = workflow.metadata.labels?.[WORKFLOW_LABELS.stage] ?? '';
  if (!request.fromStages.includes(stage as Stage)) {
    if (!request.redrive && request.parkFrom?.includes(stage as Stage)) return park(workflow, request, stage, recorded, parked[request.actor], now);
    const last = Math.max(...request.fromStages.map(stageIndex));
    return stageIndex(stage) > last
      ? { outcome: 'already-done', reason: `${name} is already at stage ${stage}` }
      : { outcome: 'not-ready', reason: `${name} is at stage ${stage || '(none)'}, not ${request.fromStages.join(' or ')} yet` };
  }

  const updated = writableCopy(workflow);
  hydrate(updated);
  const nodes = updated.status?.nodes ?? {};
  const active = Object.entries(nodes).filter(([, node]) => isActiveSuspendNode(node) && request.suspendNodes.includes(node.displayName));
  if (active.length > 1) {
    throw new AmbiguousNodeError(`${name} has ${active.length} active ${request.suspendNodes.join('/')} suspend nodes (${active.map(([, node]) => node.id).join(', ')}); refusing to pick one`);
  }
  // The one node a resume writes is copied whole; the others stay shared with `workflow`.
  const [key, found] = active[0] ?? [];
  const node = key !== undefined && found ? (nodes[key] = structuredClone(found)) : undefined;
  if (!node && !request.nodeOptional && !request.keepStageWithoutNode) {
    // argo-workflows #12863: resuming before the node exists is a silent no-op upstream; here it is retryable.
    return { outcome: 'not-ready', reason: `${name} is at stage ${stage} but ${request.suspendNodes.join(' or ')} is not an active suspend node yet` };
  }

  if (node) {
    setSuppliedOutputs(updated, node, request.outputs ?? {});
    overrideOutputParametersWithDefault(node);
    // updateSuspendedNode with SetOperationValues{Phase: Succeeded, Message}.
    node.phase = 'Succeeded';
    node.finishedAt = rfc3339Seconds(now);
    node.message = `Resumed by: handoff/${request.actor} (${request.redrive ? 'parked ' : ''}${keys[0] ?? 'no delivery'})`;
  }

  // Argo v3.7's creator.LabelActor would also set or clear workflows.argoproj.io/actor* and action
  // from the caller's user claims; a function has none, so those labels are left as they are.
  const labels = (updated.metadata.labels ??= {});
  // After a cancellation (rex-push) the record write moved the stage; the restarted QA moves it on from there.
  const keepStage = !node && request.keepStageWithoutNode;
  if (!keepStage) labels[WORKFLOW_LABELS.stage] = request.nextStage;
  const annotations = (updated.metadata.annotations ??= {});
  if (request.remediationKey) {
    const { [request.remediationKey]: _done, ...inFlight } = remediationsOf(annotations);
    if (Object.keys(inFlight).length > 0) annotations[REMEDIATIONS_ANNOTATION] = JSON.stringify(inFlight);
    else delete annotations[REMEDIATIONS_ANNOTATION];
  }
  annotations[DEDUP_ANNOTATION] = JSON.stringify(withKeys(recorded, keys));
  annotations[UPDATED_AT_ANNOTATION] = rfc3339Seconds(now);
  // The event this write applies is no longer parked; rex-push's reset drops every parked one.
  const stillParked = request.clearParked ? {} : Object.fromEntries(Object.entries(parked).filter(([actor]) => actor !== request.actor));
  if (Object.keys(stillParked).length > 0) annotations[PARKED_ANNOTATION] = JSON.stringify(stillParked);
  else delete annotations[PARKED_ANNOTATION];

  dehydrate(updated);
  return {
    outcome: 'resumed',
    workflow: updated,
    keys,
    node: node ? { id: node.id, displayName: node.displayName } : undefined,
    fromStage: stage,
    toStage: keepStage ? (stage as Stage) : request.nextStage,
  };
}

/** Records an early event on the workflow: its keys as seen (so copies are duplicates) and as parked for `actor`. */
function park(workflow: Workflow, request: ResumeRequest, stage: string, recorded: readonly string[], already: ParkedEvent | undefined, now: Date): ResumePlan {
  const updated = structuredClone(workflow);
  const annotations = (updated.metadata.annotations ??= {});
  const parked = parkedEventsOf(annotations);
  parked[request.actor] = { keys: withKeys(already?.keys ?? [], request.dedupKeys), at: already?.at ?? rfc3339Seconds(now) };
  annotations[PARKED_ANNOTATION] = JSON.stringify(parked);
  annotations[DEDUP_ANNOTATION] = JSON.stringify(withKeys(recorded, request.dedupKeys));
  return {
    outcome: 'parked',
    workflow: updated,
    fromStage: stage,
    reason: `${workflow.metadata.name} is at stage ${stage}: the event is parked and resumes ${request.suspendNodes.join(' or ')} when the play reaches ${request.fromStages.join(' or ')}`,
  };
}

/** The bounded dedup record with `added` appended once each. */
function withKeys(recorded: readonly string[], added: readonly string[]): string[] {
  return [...recorded, ...added.filter((key, i) => !recorded.includes(key) && added.indexOf(key) === i)].slice(-DEDUP_KEYS_KEPT);
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
