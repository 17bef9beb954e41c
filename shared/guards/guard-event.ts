import type { FunctionDeclaration } from '../declarations';
import { firstFailedMatch, type Logins } from './evaluate-match';

export type GuardResult = { readonly accepted: true } | { readonly accepted: false; readonly reason: string };

/** Checks the event type and every declared condition (action, label, sender, ref…). */
export function guardEvent(
  declaration: FunctionDeclaration,
  eventName: string,
  payload: unknown,
  logins: Logins,
): GuardResult {
  if (eventName !== declaration.event) {
    return { accepted: false, reason: `event ${eventName} is not ${declaration.event}` };
  }
  const failed = firstFailedMatch(declaration.matches, payload, logins);
  return failed ? { accepted: false, reason: failed } : { accepted: true };
}
