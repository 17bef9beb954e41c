/**
 * Argo Events data filters generated from a function's declaration, so the Sensor
 * and the function's guard cannot drift apart. String filter values are unanchored
 * Go regular expressions (argo-events pkg/sensors/dependencies/filter.go), so every
 * literal is anchored and escaped here.
 */
import type { FunctionDeclaration, Match } from '../shared/function-declaration';
import type { ManifestOptions } from './options';

export interface DataFilter {
  readonly path: string;
  readonly type: 'string' | 'bool';
  readonly value: readonly string[];
}

/** Escapes RE2 metacharacters: `5DLabs-Rex[bot]` → `5DLabs-Rex\[bot\]`. */
export function escapeRegex(literal: string): string {
  return literal.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

const exactly = (literal: string, ignoreCase: boolean) => `${ignoreCase ? '(?i)' : ''}^${escapeRegex(literal)}$`;

function filterFor(match: Match, logins: ManifestOptions['logins']): DataFilter {
  const path = `body.${match.path}`;
  if ('is' in match) return { path, type: 'bool', value: [String(match.is)] };
  if ('pattern' in match) return { path, type: 'string', value: [match.pattern] };
  if ('role' in match) return { path, type: 'string', value: logins[match.role].map((login) => exactly(login, true)) };
  return { path, type: 'string', value: match.anyOf.map((value) => exactly(value, match.ignoreCase ?? false)) };
}

/**
 * The event type is matched on `body.X-GitHub-Event`, the plain string the GitHub
 * EventSource adds to the body; `headers.X-Github-Event` is an array, whose string
 * form is `["push"]`, so an anchored filter on it would never match.
 */
export function dataFilters(declaration: FunctionDeclaration, logins: ManifestOptions['logins'], matches: readonly Match[] = declaration.matches): DataFilter[] {
  return [
    { path: 'body.X-GitHub-Event', type: 'string', value: [exactly(declaration.event, false)] },
    ...matches.map((match) => filterFor(match, logins)),
  ];
}

/** One Sensor dependency per way the function accepts an event: its `matches`, then each `alsoMatches` group. */
export function githubDependencies(declaration: FunctionDeclaration, logins: ManifestOptions['logins']): { readonly name: string; readonly filters: DataFilter[] }[] {
  return [
    { name: declaration.name, filters: dataFilters(declaration, logins) },
    ...(declaration.alsoMatches ?? []).map((group) => ({ name: `${declaration.name}-${group.name}`, filters: dataFilters(declaration, logins, group.matches) })),
  ];
}
