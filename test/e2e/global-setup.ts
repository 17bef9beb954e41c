// Starts the local stack once for the whole e2e run and shares its connection details.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureBinaries } from '../../dev/stack/binaries/binaries';
import { functionBundle, functionNames } from '../../dev/stack/functions/functions';
import { E2E_SENSOR_RETRIES, startStack, type Stack, type StackInfo } from '../../dev/stack/stack';
import { repoRoot } from '../../dev/stack/binaries/versions';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackInfo & { node: boolean; argo: string; argoEvents: string; validateKnativeServices: string };
  }
}

let stack: Stack | undefined;

export async function setup(project: TestProject): Promise<void> {
  const log = (line: string) => console.log(`[e2e stack] ${line}`);
  // Builds missing binaries first (slow only on the very first run; it says so).
  const binaries = await ensureBinaries(undefined, { onProgress: log });
  const bundles = functionNames.every((name) => existsSync(functionBundle(name)));
  if (!bundles) throw new Error('dist/functions/*/index.js missing: run npm run build before npm run test:e2e');
  // Pods run on a real node unless HANDOFF_NODE=0 (then the tests that need pods are skipped).
  const node = process.env.HANDOFF_NODE !== '0';
  stack = await startStack({
    node,
    workDir: join(repoRoot, '.handoff', 'e2e', 'run'),
    logDir: join(repoRoot, '.handoff', 'logs', 'e2e'),
    startTimeoutMs: 300_000,
    // Shorter Sensor retries than shipped (said in the stack's log): the tests that wait for them to run out wait less.
    sensorRetries: E2E_SENSOR_RETRIES,
    log,
  });
  const { rest: _rest, fakeGitHub: _fake, startSensor: _startSensor, stop: _stop, ...info } = stack;
  project.provide('stack', { ...info, node, argo: binaries.argo, argoEvents: binaries['argo-events'], validateKnativeServices: binaries['validate-knative-services'] });
}

export async function teardown(): Promise<void> {
  await stack?.stop();
}
