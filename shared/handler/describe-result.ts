import type { EventResponse } from '../contract';
import type { ResumeResult } from '../kubernetes/types';

/** Maps the resume result onto the response's outcome, reason and planned write. */
export function describe(result: ResumeResult, done: 'resumed' | 'remediated'): Pick<EventResponse, 'outcome' | 'reason' | 'planned'> {
  const outcome = result.outcome === 'resumed' ? done : result.outcome === 'nothing-parked' ? 'ignored' : result.outcome;
  const reason =
    result.reason ??
    (result.outcome === 'resumed'
      ? `${result.node ? `resumed ${result.node.displayName}; ` : ''}stage ${result.fromStage} → ${result.toStage}`
      : undefined);
  return { outcome, reason, planned: result.planned };
}
