import { Webhooks } from '@octokit/webhooks';
import { describe, expect, it } from 'vitest';
import { createAuthenticate } from '../../../shared/http/authenticate';
import { EventError } from '../../../shared/handler/event-error';

const body = JSON.stringify({ action: 'opened', html: '<b>&</b>' });
const sign = (secret: string, payload = body) => new Webhooks({ secret }).sign(payload);
const headers = (entries: Record<string, string>) => new Headers(entries);

describe('createAuthenticate', () => {
  const authenticate = createAuthenticate({ triggerTokens: ['old-token', 'new-token'], webhookSecrets: ['old-secret', 'new-secret'], allowUnauthenticated: false });

  it.each(['old-token', 'new-token'])('accepts the rotated bearer token %s as a Sensor call', async (token) => {
    await expect(authenticate(headers({ authorization: `Bearer ${token}` }), body)).resolves.toBe('sensor');
  });

  it.each(['old-secret', 'new-secret'])('accepts a signature made with the rotated secret %s', async (secret) => {
    await expect(authenticate(headers({ 'x-hub-signature-256': await sign(secret) }), body)).resolves.toBe('github');
  });

  it.each([
    ['a wrong token', { authorization: 'Bearer nope' }, /not one of TRIGGER_TOKENS/],
    ['a token prefix', { authorization: 'Bearer old' }, /not one of TRIGGER_TOKENS/],
    ['a non-bearer scheme', { authorization: 'Basic b2xkLXRva2Vu' }, /not "Bearer <token>"/],
    ['no credentials', {}, /missing credentials/],
  ])('rejects %s', async (_what, entries, message) => {
    const failure = authenticate(headers(entries), body);
    await expect(failure).rejects.toBeInstanceOf(EventError);
    await expect(failure).rejects.toThrow(message);
  });

  it('rejects a signature of other bytes (the re-marshalled body of an EventSource)', async () => {
    const signature = await sign('new-secret', JSON.stringify(JSON.parse(body), null, 2));
    await expect(authenticate(headers({ 'x-hub-signature-256': signature }), body)).rejects.toThrow(/does not match/);
  });

  it('rejects a signature made with an unknown secret, and a malformed one', async () => {
    await expect(authenticate(headers({ 'x-hub-signature-256': await sign('other') }), body)).rejects.toThrow(/does not match/);
    await expect(authenticate(headers({ 'x-hub-signature-256': 'sha256=zz' }), body)).rejects.toThrow(/does not match/);
  });

  it('fails closed for a credential type that is not configured', async () => {
    const tokensOnly = createAuthenticate({ triggerTokens: ['t'], webhookSecrets: [], allowUnauthenticated: false });
    await expect(tokensOnly(headers({ 'x-hub-signature-256': await sign('x') }), body)).rejects.toThrow(/GITHUB_WEBHOOK_SECRETS is not configured/);
    const secretsOnly = createAuthenticate({ triggerTokens: [], webhookSecrets: ['s'], allowUnauthenticated: false });
    await expect(secretsOnly(headers({ authorization: 'Bearer t' }), body)).rejects.toThrow(/TRIGGER_TOKENS is not configured/);
  });

  it('lets unauthenticated calls through only with ALLOW_UNAUTHENTICATED, still checking credentials that are sent', async () => {
    const open = createAuthenticate({ triggerTokens: ['t'], webhookSecrets: [], allowUnauthenticated: true });
    await expect(open(headers({}), body)).resolves.toBe('unauthenticated');
    await expect(open(headers({ authorization: 'Bearer wrong' }), body)).rejects.toThrow(EventError);
  });
});
