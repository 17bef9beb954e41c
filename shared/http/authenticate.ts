/** Authenticates POST /: a Sensor's bearer token, or GitHub's HMAC signature of the raw bytes. Fails closed. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Webhooks } from '@octokit/webhooks';
import { EventError } from '../handler/event-error';
import type { TriggerTokenFile } from './trigger-token-file';
import type { Caller } from '../contract';

export interface AuthenticateOptions {
  /** Bearer tokens accepted from the Sensor (TRIGGER_TOKENS); several allow rotation. */
  readonly triggerTokens: readonly string[];
  /** More accepted tokens, re-read when the file changes (TRIGGER_TOKENS_FILE); an unreadable file adds none. */
  readonly triggerTokenFile?: TriggerTokenFile;
  /** Webhook secrets accepted for direct GitHub delivery; several allow rotation. */
  readonly webhookSecrets: readonly string[];
  /** Accept unauthenticated calls (local work only). */
  readonly allowUnauthenticated: boolean;
}


export type Authenticate = (headers: Headers, rawBody: string) => Promise<Caller>;

export function createAuthenticate(options: AuthenticateOptions): Authenticate {
  const fixedDigests = options.triggerTokens.map(digest);
  let fileTokens: readonly string[] = [];
  let fileDigests: readonly Buffer[] = [];
  /** The digests of every token accepted now; the file's are recomputed only when its list changed. */
  const tokenDigests = (): readonly Buffer[] => {
    const current = options.triggerTokenFile?.tokens() ?? [];
    if (current !== fileTokens) {
      fileTokens = current;
      fileDigests = current.map(digest);
    }
    return fileDigests.length === 0 ? fixedDigests : [...fixedDigests, ...fileDigests];
  };
  const verifiers = options.webhookSecrets.map((secret) => new Webhooks({ secret }));

  return async (headers, rawBody) => {
    const authorization = headers.get('authorization');
    const signature = headers.get('x-hub-signature-256');

    if (authorization !== null) {
      const token = /^Bearer\s+(.+)$/i.exec(authorization.trim())?.[1];
      if (!token) throw new EventError('unauthorized', 'the Authorization header is not "Bearer <token>"');
      const accepted = tokenDigests();
      if (accepted.length === 0) throw new EventError('unauthorized', 'bearer tokens are not accepted: TRIGGER_TOKENS is not configured and TRIGGER_TOKENS_FILE holds none');
      if (!matchesAny(digest(token), accepted)) throw new EventError('unauthorized', 'the bearer token is not one of TRIGGER_TOKENS');
      return 'sensor';
    }
    if (signature !== null) {
      if (verifiers.length === 0) throw new EventError('unauthorized', 'signed deliveries are not accepted: GITHUB_WEBHOOK_SECRETS is not configured');
      for (const verifier of verifiers) {
        if (await verifier.verify(rawBody, signature).catch(() => false)) return 'github';
      }
      throw new EventError('unauthorized', 'X-Hub-Signature-256 does not match the body for any of GITHUB_WEBHOOK_SECRETS');
    }
    if (options.allowUnauthenticated) return 'unauthenticated';
    throw new EventError('unauthorized', 'missing credentials: send "Authorization: Bearer <token>" (Sensor) or X-Hub-Signature-256 (GitHub)');
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time: compares against every token, whatever matches first. */
function matchesAny(candidate: Buffer, digests: readonly Buffer[]): boolean {
  let matched = false;
  for (const known of digests) matched = timingSafeEqual(candidate, known) || matched;
  return matched;
}
