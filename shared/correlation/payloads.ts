/** The fields of GitHub payloads the functions rely on; anything else passes through untouched. */
import * as z from 'zod';
import type { GitHubEventName } from '../function-declaration';

const Repository = z.looseObject({
  name: z.string().min(1),
  full_name: z.string().min(1),
  owner: z.looseObject({ login: z.string().min(1) }),
});

const PullRequest = z.looseObject({
  number: z.number().int().positive(),
  head: z.looseObject({
    ref: z.string().min(1),
    // null when the fork's repository was deleted
    repo: z.looseObject({ full_name: z.string() }).nullable(),
  }),
  labels: z.array(z.looseObject({ name: z.string() })),
});

export const PullRequestPayload = z.looseObject({
  action: z.string(),
  repository: Repository,
  pull_request: PullRequest,
});

export const PushPayload = z.looseObject({
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
