/**
 * The fields of GitHub payloads the functions rely on. A parsed payload holds only these: z.object leaves the rest
 * out without visiting it, where z.looseObject copied the 200-odd other keys of a pull_request payload's objects on every event
 * (about 0.1 ms of CPU per event, docs/performance.md). Nothing reads the rest from the parsed value: the guards read
 * the event as it came (shared/guards/), and a dead letter keeps the request itself.
 */
import * as z from 'zod';
import type { GitHubEventName } from '../function-declaration';

const Repository = z.object({
  name: z.string().min(1),
  full_name: z.string().min(1),
  owner: z.object({ login: z.string().min(1) }),
});

const PullRequest = z.object({
  number: z.number().int().positive(),
  head: z.object({
    ref: z.string().min(1),
    // null when the fork's repository was deleted
    repo: z.object({ full_name: z.string() }).nullable(),
  }),
  labels: z.array(z.object({ name: z.string() })),
});

export const PullRequestPayload = z.object({
  action: z.string(),
  repository: Repository,
  pull_request: PullRequest,
});

export const PushPayload = z.object({
  ref: z.string().min(1),
  after: z.string().regex(/^[0-9a-f]{40}$/, 'must be a commit SHA'),
  deleted: z.boolean(),
  repository: Repository,
});

export type PullRequestPayload = z.infer<typeof PullRequestPayload>;
export type PushPayload = z.infer<typeof PushPayload>;

export type ParsedPayload =
  | { readonly kind: 'pull_request'; readonly payload: PullRequestPayload }
  | { readonly kind: 'push'; readonly payload: PushPayload };

export type ParseResult = { readonly ok: true; readonly value: ParsedPayload } | { readonly ok: false; readonly reason: string };

/** Validates the payload of an event this function handles. */
export function parsePayload(event: GitHubEventName, payload: unknown): ParseResult {
  const parsed = event === 'push' ? PushPayload.safeParse(payload) : PullRequestPayload.safeParse(payload);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    return { ok: false, reason: `${event} payload fails the schema: ${problems.join('; ')}` };
  }
  return event === 'push'
    ? { ok: true, value: { kind: 'push', payload: parsed.data as PushPayload } }
    : { ok: true, value: { kind: 'pull_request', payload: parsed.data as PullRequestPayload } };
}
