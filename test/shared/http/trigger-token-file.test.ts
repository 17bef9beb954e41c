import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSecretVolume } from '../../../dev/stack/functions/secret-volume';
import { createAuthenticate } from '../../../shared/http/authenticate';
import { parseTokenList, watchTriggerTokenFile } from '../../../shared/http/trigger-token-file';

const volume = () => mkdtempSync(join(tmpdir(), 'handoff-tokens-'));
/** A clock the test moves: the file is checked at most once per checkEveryMs of it. */
const clock = () => {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};

describe('parseTokenList', () => {
  it('takes one token per line or comma, drops a Bearer prefix and blanks', () => {
    expect(parseTokenList('Bearer current\r\nnext, third\n\n  \n')).toEqual(['current', 'next', 'third']);
    expect(parseTokenList('\n \n')).toEqual([]);
  });
});

describe('watchTriggerTokenFile', () => {
  it('follows a kubelet-style atomic swap of ..data without a restart', () => {
    const dir = volume();
    writeSecretVolume(dir, { 'accepted-tokens': 'Bearer old\n' });
    const time = clock();
    const file = watchTriggerTokenFile(join(dir, 'accepted-tokens'), { now: time.now, checkEveryMs: 1000 });
    expect(file.tokens()).toEqual(['old']);

    writeSecretVolume(dir, { 'accepted-tokens': 'old\nnew\n' });
    expect(file.tokens()).toEqual(['old']); // not checked again within the interval
    time.advance(1000);
    expect(file.tokens()).toEqual(['old', 'new']);

    writeSecretVolume(dir, { 'accepted-tokens': 'new\n' });
    time.advance(1000);
    expect(file.tokens()).toEqual(['new']);
  });

  it('sees an in-place rewrite of a plain file', () => {
    const path = join(volume(), 'tokens');
    writeFileSync(path, 'a\n');
    const time = clock();
    const file = watchTriggerTokenFile(path, { now: time.now });
    expect(file.tokens()).toEqual(['a']);
    writeFileSync(path, 'a\nbb\n');
    time.advance(1000);
    expect(file.tokens()).toEqual(['a', 'bb']);
  });

  it('fails closed: an emptied, deleted or unreadable file accepts no token, and recovers when readable again', () => {
    const dir = volume();
    writeSecretVolume(dir, { 'accepted-tokens': 'old\n' });
    const time = clock();
    const reloads: { count: number; error?: Error }[] = [];
    const path = join(dir, 'accepted-tokens');
    const file = watchTriggerTokenFile(path, { now: time.now, onReload: (r) => reloads.push(r) });
    expect(file.tokens()).toEqual(['old']);

    writeSecretVolume(dir, { 'accepted-tokens': '\n' });
    time.advance(1000);
    expect(file.tokens()).toEqual([]);

    writeSecretVolume(dir, { other: 'x' }); // the key is gone from the Secret
    time.advance(1000);
    expect(file.tokens()).toEqual([]);

    writeSecretVolume(dir, { 'accepted-tokens': 'back\n' });
    time.advance(1000);
    expect(file.tokens()).toEqual(['back']);

    rmSync(dir, { recursive: true, force: true });
    time.advance(1000);
    expect(file.tokens()).toEqual([]);
    expect(reloads.map((r) => [r.count, r.error !== undefined])).toEqual([[1, false], [0, false], [0, true], [1, false], [0, true]]);
  });
});

describe('createAuthenticate with a token file', () => {
  it('accepts old and new while both are listed, then only the new one, without a restart', async () => {
    const dir = volume();
    writeSecretVolume(dir, { 'accepted-tokens': 'Bearer old\n' });
    const time = clock();
    const authenticate = createAuthenticate({
      triggerTokens: [],
      triggerTokenFile: watchTriggerTokenFile(join(dir, 'accepted-tokens'), { now: time.now }),
      webhookSecrets: [],
      allowUnauthenticated: false,
    });
    const call = (token: string) => authenticate(new Headers({ authorization: `Bearer ${token}` }), '{}');
    await expect(call('old')).resolves.toBe('sensor');
    await expect(call('new')).rejects.toThrow(/not one of TRIGGER_TOKENS/);

    writeSecretVolume(dir, { 'accepted-tokens': 'old\nnew\n' });
    time.advance(1000);
    await expect(call('old')).resolves.toBe('sensor');
    await expect(call('new')).resolves.toBe('sensor');

    writeSecretVolume(dir, { 'accepted-tokens': 'new\n' });
    time.advance(1000);
    await expect(call('old')).rejects.toThrow(/not one of TRIGGER_TOKENS/);
    await expect(call('new')).resolves.toBe('sensor');

    writeSecretVolume(dir, { 'accepted-tokens': '' });
    time.advance(1000);
    await expect(call('new')).rejects.toThrow(/TRIGGER_TOKENS_FILE holds none/);
  });
});
