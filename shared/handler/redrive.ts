/**
 * Parked events, applied late: the re-drive when a play's workflow changes (POST /parked) and the
 * periodic sweep (POST /parked/sweep). Not on an event's own path (handle-event.ts); they resume
 * through the same client, with the declaration's nodes and stage move.
 */
import { parkedEventsOf } from '../kubernetes/workflow';
import { describe } from './describe-result';
import type { HandlerOptions } from './handle-event';
import type { EventResponse } from '../contract';

/**
 * The re-drive of a parked event: the play workflow `name` changed (a resource event through the
 * function's Sensor); if this function parked an event on it and its gate is now active, resume it.
 */
export type HandleRedrive = (workflow: string) => Promise<EventResponse>;

export function createRedriveHandler(options: Pick<HandlerOptions, 'declaration' | 'dryRun' | 'workflows'>): HandleRedrive {
  const { declaration } = options;
  return async (workflow) => {
    const base = { function: declaration.name, event: 'parked', workflow, dryRun: options.dryRun || undefined };
    if (!declaration.parkFrom?.length) return { ...base, outcome: 'ignored', reason: `${declaration.name} never parks events` };
    const result = await options.workflows.resume({
      name: workflow,
      actor: declaration.name,
      suspendNodes: declaration.suspendNodes,
      fromStages: declaration.fromStages,
      nextStage: declaration.nextStage,
      dedupKeys: [],
      outputs: declaration.outputs,
      redrive: true,
      dryRun: options.dryRun,
    });
    // Nothing parked, or the workflow is gone: nothing to do, and a retry would not change that.
    if (result.outcome === 'nothing-parked' || result.outcome === 'no-workflow') return { ...base, outcome: 'ignored', reason: result.reason };
    return { ...base, deliveryId: result.keys?.[0], ...describe(result, 'resumed') };
  };
}

/**
 * The periodic sweep (POST /parked/sweep, from the parked-sweep calendar EventSource through the function's
 * Sensor): every play waiting in a stage this function resumes with an event of this function parked on it is
 * re-driven, so a parked event whose re-drive was never delivered (the update lost on its way) waits at most
 * one period. Answers `swept` with each workflow's outcome in `steps`; `onRedrive` gets each re-drive's own
 * answer (its delivery, workflow and outcome), which the app logs as it logs a POST /parked.
 */
export type HandleSweep = (onRedrive?: (response: EventResponse) => void) => Promise<EventResponse>;

export function createSweepHandler(options: Pick<HandlerOptions, 'declaration' | 'workflows'> & { readonly redrive: HandleRedrive }): HandleSweep {
  const { declaration } = options;
  return async (onRedrive) => {
    const base = { function: declaration.name, event: 'parked-sweep' };
    const waiting = await options.workflows.listInStages(declaration.fromStages);
    const parked = waiting.filter((workflow) => parkedEventsOf(workflow.annotations)[declaration.name] !== undefined);
    const steps: Record<string, string> = {};
    for (const workflow of parked) {
      const response = await options.redrive(workflow.name);
      steps[workflow.name] = response.outcome;
      onRedrive?.(response);
    }
    return { ...base, outcome: 'swept', reason: `${parked.length} of ${waiting.length} waiting play workflows had an event of ${declaration.name} parked`, steps };
  };
}
