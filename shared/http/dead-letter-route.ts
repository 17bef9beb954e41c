/**
 * The Sensor's last call for an event its retries could not apply (its `dlqTrigger`, manifests/function-sensor.ts):
 * the same request to the same route with `/dead-letter` appended. The function tries the event once more and,
 * if it still does not apply, keeps it as a dead letter and answers 200 `dead-lettered`.
 */
export const DEAD_LETTER_SUFFIX = '/dead-letter';

/** `/` → `/dead-letter`, `/parked` → `/parked/dead-letter`. */
export const deadLetterRoute = (route: string): string => (route === '/' ? DEAD_LETTER_SUFFIX : `${route}${DEAD_LETTER_SUFFIX}`);
