/** The parts of an Argo `Workflow` object the resume reads and writes (argoproj.io/v1alpha1). */
import { DEDUP_ANNOTATION, PARKED_ANNOTATION, REMEDIATIONS_ANNOTATION } from '../contract';

export interface Parameter {
  name: string;
  value?: string;
  valueFrom?: { supplied?: Record<string, never>; default?: string; [key: string]: unknown };
  globalName?: string;
  [key: string]: unknown;
}

export interface NodeStatus {
  id: string;
  name: string;
  displayName: string;
  type: string;
  phase?: string;
  templateName?: string;
  templateRef?: { name?: string; template?: string };
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  inputs?: { parameters?: Parameter[] };
  outputs?: { parameters?: Parameter[]; [key: string]: unknown };
  [key: string]: unknown;
}

export interface Workflow {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: {
    phase?: string;
    nodes?: Record<string, NodeStatus>;
    compressedNodes?: string;
    offloadNodeStatusVersion?: string;
    outputs?: { parameters?: Parameter[]; [key: string]: unknown };
    [key: string]: unknown;
  };
}

export const WORKFLOWS = { group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows' } as const;
export const CODERUNS = { group: 'agents.platform', version: 'v1', plural: 'coderuns' } as const;


export interface ParkedEvent {
  readonly keys: readonly string[];
  readonly at: string;
}

export function parkedEventsOf(annotations: Readonly<Record<string, string>> | undefined): Record<string, ParkedEvent> {
  const raw = annotations?.[PARKED_ANNOTATION];
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, ParkedEvent>) : {};
  } catch {
    return {};
  }
}

/** Pushes whose cancellation can be in flight at once; older entries are dropped (their pushes are superseded). */
export const REMEDIATIONS_KEPT = 10;

export interface RecordedCodeRun {
  readonly name: string;
  readonly uid: string;
}

export interface RemediationEntry {
  readonly at: string;
  readonly codeRuns: readonly RecordedCodeRun[];
}

export function remediationsOf(annotations: Readonly<Record<string, string>> | undefined): Record<string, RemediationEntry> {
  const raw = annotations?.[REMEDIATIONS_ANNOTATION];
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, RemediationEntry>) : {};
  } catch {
    return {};
  }
}

/** How many dedup keys a workflow keeps; GitHub redelivers within days, a task sees a few dozen events. */
export const DEDUP_KEYS_KEPT = 100;


export function recordedKeysOf(annotations: Readonly<Record<string, string>> | undefined): string[] {
  const raw = annotations?.[DEDUP_ANNOTATION];
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter((key): key is string => typeof key === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * A copy of `workflow` that planResume (plan-resume.ts) may write without touching `workflow`: new objects down
 * to what it writes (metadata's labels and annotations, status and its nodes map, status.outputs whole), the rest
 * shared; planResume copies the one node it changes. A copy of the whole object (structuredClone) cost about 5%
 * of a resume's CPU, for parts no resume writes.
 */
export function writableCopy(workflow: Workflow): Workflow {
  const { metadata, status } = workflow;
  const copy: Workflow = { ...workflow, metadata: { ...metadata } };
  if (metadata.labels) copy.metadata.labels = { ...metadata.labels };
  if (metadata.annotations) copy.metadata.annotations = { ...metadata.annotations };
  if (status) {
    copy.status = { ...status };
    if (status.nodes) copy.status.nodes = { ...status.nodes };
    if (status.outputs) copy.status.outputs = structuredClone(status.outputs);
  }
  return copy;
}
