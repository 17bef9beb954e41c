import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../shared/config';

describe('loadConfig', () => {
  it('refuses to start with no token and no secret (fails closed)', () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
    expect(() => loadConfig({})).toThrow(/TRIGGER_TOKENS.*GITHUB_WEBHOOK_SECRETS.*ALLOW_UNAUTHENTICATED/);
  });

  it('starts unauthenticated only when asked to', () => {
    const config = loadConfig({ ALLOW_UNAUTHENTICATED: 'true' });
    expect(config.allowUnauthenticated).toBe(true);
    expect(config.triggerTokens).toEqual([]);
  });

  it('applies the documented defaults', () => {
    const config = loadConfig({ TRIGGER_TOKENS: 'a' }, '/nonexistent/serviceaccount/namespace');
    expect(config).toMatchObject({
      port: 8080,
      namespace: 'argo',
      dryRun: false,
      bodyLimitBytes: 5 * 1024 * 1024,
      correlation: 'strict',
      logins: { rex: ['5DLabs-Rex[bot]'], cleo: ['5DLabs-Cleo[bot]'], tess: ['5DLabs-Tess[bot]'] },
    });
  });

  it('takes the namespace from NAMESPACE, else from the ServiceAccount mount, else argo', () => {
    const dir = mkdtempSync(join(tmpdir(), 'handoff-config-'));
    const file = join(dir, 'namespace');
    writeFileSync(file, 'team-a\n');
    expect(loadConfig({ TRIGGER_TOKENS: 'a' }, file).namespace).toBe('team-a');
    expect(loadConfig({ TRIGGER_TOKENS: 'a', NAMESPACE: 'team-b' }, file).namespace).toBe('team-b');
    expect(loadConfig({ TRIGGER_TOKENS: 'a' }, join(dir, 'absent')).namespace).toBe('argo');
    writeFileSync(file, 'Not_A_Namespace');
    expect(() => loadConfig({ TRIGGER_TOKENS: 'a' }, file)).toThrow(/NAMESPACE is unset and .* does not hold a namespace name/);
    expect(() => loadConfig({ TRIGGER_TOKENS: 'a' }, dir)).toThrow(/NAMESPACE is unset and .* cannot be read/);
  });

  it('reads several tokens from the variable, stripping a Bearer prefix, and keeps the file path for re-reading', () => {
    const dir = mkdtempSync(join(tmpdir(), 'handoff-config-'));
    const file = join(dir, 'tokens');
    writeFileSync(file, 'Bearer from-file\nsecond-in-file\n');
    const config = loadConfig({ TRIGGER_TOKENS: 'one, Bearer two', TRIGGER_TOKENS_FILE: file });
    expect(config.triggerTokens).toEqual(['one', 'two']);
    expect(config.triggerTokensFile).toBe(file);
  });

  it('refuses to start when TRIGGER_TOKENS_FILE is the only credential and holds no token', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'handoff-config-')), 'tokens');
    writeFileSync(file, '\n  \n');
    expect(() => loadConfig({ TRIGGER_TOKENS_FILE: file })).toThrow(/refusing to start without authentication/);
    writeFileSync(file, 'Bearer t\n');
    expect(loadConfig({ TRIGGER_TOKENS_FILE: file }).triggerTokensFile).toBe(file);
  });

  it('names the variable whose file cannot be read', () => {
    expect(() => loadConfig({ TRIGGER_TOKENS_FILE: '/nonexistent/tokens' })).toThrow(/TRIGGER_TOKENS_FILE=\/nonexistent\/tokens/);
  });

  it('parses logins per role and the GitHub App key', () => {
    const config = loadConfig({
      GITHUB_WEBHOOK_SECRETS: 's1,s2',
      CLEO_LOGINS: '5dlabs-cleo[bot], 5DLabs-Cleo',
      GITHUB_APP_ID: '123',
      GITHUB_APP_PRIVATE_KEY: '-----BEGIN KEY-----\\nabc\\n-----END KEY-----',
      GITHUB_API_URL: 'https://ghe.example.com/api/v3',
    });
    expect(config.webhookSecrets).toEqual(['s1', 's2']);
    expect(config.logins.cleo).toEqual(['5dlabs-cleo[bot]', '5DLabs-Cleo']);
    expect(config.github.app).toEqual({ appId: '123', privateKey: '-----BEGIN KEY-----\nabc\n-----END KEY-----' });
    expect(config.github.baseUrl).toBe('https://ghe.example.com/api/v3');
  });

  it.each([
    [{ TRIGGER_TOKENS: 'a', PORT: 'eighty' }, /PORT/],
    [{ TRIGGER_TOKENS: 'a', NAMESPACE: 'Not_A_Namespace' }, /NAMESPACE/],
    [{ TRIGGER_TOKENS: 'a', CORRELATION_MODE: 'loose' }, /CORRELATION_MODE/],
    [{ TRIGGER_TOKENS: 'a', GITHUB_APP_ID: '12' }, /GITHUB_APP_PRIVATE_KEY/],
    [{ TRIGGER_TOKENS: 'a', GITHUB_APP_PRIVATE_KEY: 'k' }, /GITHUB_APP_ID/],
    [{ TRIGGER_TOKENS: 'a', DRY_RUN: 'yes' }, /DRY_RUN/],
  ])('rejects %o with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
