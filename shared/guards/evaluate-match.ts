import type { Match } from '../function-declaration';
import type { AgentRole } from '../play';
import { valueAt } from './payload-path';

export type Logins = Readonly<Record<AgentRole, readonly string[]>>;

/** Whether one declared condition holds for a GitHub payload. */
export function evaluateMatch(match: Match, payload: unknown, logins: Logins): boolean {
  const value = valueAt(payload, match.path);
  if ('is' in match) return (value === true) === match.is;
  if (typeof value !== 'string') return false;
  if ('anyOf' in match) {
    return match.ignoreCase
      ? match.anyOf.some((candidate) => candidate.toLowerCase() === value.toLowerCase())
      : match.anyOf.includes(value);
  }
  if ('role' in match) {
    return logins[match.role].some((login) => login.toLowerCase() === value.toLowerCase());
  }
  return new RegExp(match.pattern).test(value);
}

/** A short reason naming the first declared condition that fails, or undefined when all hold. */
export function firstFailedMatch(matches: readonly Match[], payload: unknown, logins: Logins): string | undefined {
  for (const match of matches) {
    if (evaluateMatch(match, payload, logins)) continue;
    const actual = JSON.stringify(valueAt(payload, match.path) ?? null);
    if ('is' in match) return `${match.path} is ${actual}, not ${match.is}`;
    if ('anyOf' in match) return `${match.path} is ${actual}, not ${match.anyOf.join(' or ')}`;
    if ('role' in match) return `${match.path} is ${actual}, not a ${match.role} login`;
    return `${match.path} is ${actual}, which does not match ${match.pattern}`;
  }
  return undefined;
}
