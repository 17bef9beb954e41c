/**
 * Each folder of functions/ is an entry like a Knative function's: it default-exports its function
 * (shared/server/define-function.ts) and starts nothing when imported; the build's runner serves it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { functionNames } from '../../dev/scripts/bundle/options';
import { declarationFor } from '../../shared/declarations';
import { callsGitHub } from '../../shared/function-declaration';
import type { HandoffFunction } from '../../shared/server/define-function';
import { ENTRIES } from '../support/entries';

const loadConfig = vi.hoisted(() => vi.fn());
vi.mock('../../shared/config', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../shared/config')>();
  loadConfig.mockImplementation(actual.loadConfig);
  return { ...actual, loadConfig };
});

/** Listening sockets, signal handlers: what serving leaves behind in the process. */
function started() {
  return {
    servers: process.getActiveResourcesInfo().filter((resource) => resource === 'TCPServerWrap').length,
    sigterm: process.listenerCount('SIGTERM'),
    sigint: process.listenerCount('SIGINT'),
  };
}

describe.each(functionNames())('functions/%s/index.ts', (name) => {
  let exit: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    vi.resetModules();
    loadConfig.mockClear();
    exit = vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`process.exit(${code}) on import`);
    });
  });
  afterEach(() => exit.mockRestore());

  it('starts nothing when imported: no configuration read, no server, no signal handler, no exit', async () => {
    const before = started();
    await import(`../../functions/${name}/index.ts`);
    expect(loadConfig).not.toHaveBeenCalled();
    expect(exit).not.toHaveBeenCalled();
    expect(started()).toEqual(before);
  });

  it('default-exports its function: the declaration named like the folder, the GitHub client only where it calls GitHub', async () => {
    const { default: fn } = (await import(`../../functions/${name}/index.ts`)) as { default: HandoffFunction };
    expect(fn).toMatchObject({ declaration: { name }, production: expect.any(Object), app: expect.any(Function) });
    expect(fn.declaration).toEqual(declarationFor(name));
    const { required, optional } = callsGitHub(fn.declaration);
    expect(typeof fn.production.createGitHubClient).toBe(required || optional ? 'function' : 'undefined');
  });

  it('is the entry the tests build their apps from (test/support/entries.ts)', () => {
    expect(ENTRIES[name as keyof typeof ENTRIES]?.declaration.name).toBe(name);
  });
});

it('test/support/entries.ts lists every folder of functions/', () => {
  expect(Object.keys(ENTRIES).sort()).toEqual(functionNames());
});
