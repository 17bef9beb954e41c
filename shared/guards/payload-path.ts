/** Reads a dotted path (`review.user.login`) from a JSON payload, as the Sensor filter does under `body.`. */
export function valueAt(payload: unknown, path: string): unknown {
  let current: unknown = payload;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
