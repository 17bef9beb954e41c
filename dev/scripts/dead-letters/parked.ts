/**
 * `npm run dead-letters -- parked [--older-than MINUTES]`: every event parked on a play workflow (early
 * events waiting for their gate, docs/operations.md "Parked events"), with its age. A parked event older
 * than the sweep period (5 minutes) whose play already waits at the gate was missed by the re-drive:
 * that is the alert (exit 1 with --older-than).
 */
import { WORKFLOW_LABELS } from '../../../shared/contract';
import { parkedEventsOf, type Workflow } from '../../../shared/kubernetes/workflow';

export interface ParkedRow {
  readonly workflow: string;
  readonly task?: string;
  readonly stage?: string;
  readonly function: string;
  /** Delivery IDs (or push keys) parked. */
  readonly keys: readonly string[];
  readonly parkedAt: string;
  readonly ageSeconds: number;
}

/** The parked events of `workflows`, oldest first. An unreadable `at` counts as parked now (age 0). */
export function parkedRows(workflows: readonly Workflow[], now: Date): ParkedRow[] {
  const rows: ParkedRow[] = [];
  for (const wf of workflows) {
    const labels = wf.metadata.labels ?? {};
    for (const [fn, parked] of Object.entries(parkedEventsOf(wf.metadata.annotations))) {
      const at = Date.parse(parked.at);
      rows.push({
        workflow: wf.metadata.name,
        task: labels[WORKFLOW_LABELS.taskId],
        stage: labels[WORKFLOW_LABELS.stage],
        function: fn,
        keys: Array.isArray(parked.keys) ? parked.keys : [],
        parkedAt: parked.at,
        ageSeconds: Number.isFinite(at) ? Math.max(0, Math.round((now.getTime() - at) / 1000)) : 0,
      });
    }
  }
  return rows.sort((a, b) => b.ageSeconds - a.ageSeconds || a.workflow.localeCompare(b.workflow) || a.function.localeCompare(b.function));
}
