import type { FunctionDeclaration } from '../function-declaration';
import { firstFailedMatch, type Logins } from './evaluate-match';

export type GuardResult = { readonly accepted: true } | { readonly accepted: false; readonly reason: string };

/** Checks the event type and every declared condition (action, label, sender, ref…), or every condition of one further group. */
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
  if (!failed) return { accepted: true };
  const groups = declaration.alsoMatches ?? [];
  const groupFailures: string[] = [];
  for (const group of groups) {
    const groupFailed = firstFailedMatch(group.matches, payload, logins);
    if (!groupFailed) return { accepted: true };
    groupFailures.push(`nor ${group.name}: ${groupFailed}`);
  }
  return { accepted: false, reason: [failed, ...groupFailures].join('; ') };
}
