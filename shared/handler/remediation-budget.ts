/**
 * How long one rex-push attempt may take. The Sensor's HTTP trigger gives up after TRIGGER_TIMEOUT_SECONDS
 * (60 s, manifests/function-sensor.ts) and redelivers; an attempt still running then would race its own
 * redelivery. So every attempt ends well within it (docs/state-machine.md, "Time budget"):
 *
 *   GitHub, listing the branch's PRs and removing ready-for-qa (run beside the Kubernetes reads/deletes) ≤ 30 s
 *   Kubernetes: list CodeRuns, GET+PUT the record, deletes, GET+PUT the resume (each ~10 ms; 5 conflict tries) ≤ ~2 s
 *   a cold start of the function                                                                           ≤ ~2 s
 *
 * One GitHub call alone can take 10 s per attempt × 3 attempts + 1 s + 4 s of retry waits = 35 s (plus a
 * rate-limit wait of at most 10 s), and the label removals follow the listing, so without this cap the two
 * could take 70-90 s. With it, GitHub work that is not done after 30 s fails the attempt with 503 (the
 * Sensor retries; every step is idempotent and a redelivery deletes only the CodeRuns the push recorded).
 */
import { GitHubUnavailableError } from '../github/types';

export const GITHUB_BUDGET_MS = 30_000;

export interface Deadline {
  /** `work`, or GitHubUnavailableError once the budget is spent (the work itself is left to finish or fail unheard). */
  github<T>(what: string, work: Promise<T>): Promise<T>;
}

export function startDeadline(budgetMs: number = GITHUB_BUDGET_MS, now: () => number = () => performance.now()): Deadline {
  const end = now() + budgetMs;
  return {
    github(what, work) {
      const left = end - now();
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new GitHubUnavailableError(`${what}: not done within rex-push's ${budgetMs / 1000} s GitHub budget; the Sensor retries`)), Math.max(0, left));
      });
      // A late failure of abandoned work must not become an unhandled rejection.
      work.catch(() => undefined);
      return Promise.race([work, expired]).finally(() => clearTimeout(timer));
    },
  };
}
