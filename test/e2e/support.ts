// Helpers for e2e tests: a REST client from the stack's kubeconfig, polling, play workflows.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { kubeRestFromKubeconfig, type KubeRest } from '../../dev/stack/kube-rest';
import type { NodeStatus as WorkflowNode, Workflow } from '../../shared/kubernetes/workflow';

export const stack = () => inject('stack');

export function kube(): KubeRest {
  return kubeRestFromKubeconfig(stack().kubeconfig);
}

/** Polls until `probe` returns a value (not undefined); fails with the last seen state. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** The Workflow shape the functions read and write (the e2e tests read the same fields). */
export type { WorkflowNode, Workflow };

export async function getWorkflow(rest: KubeRest, namespace: string, name: string): Promise<Workflow> {
  const res = await rest.call<Workflow>('GET', `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows/${name}`);
  if (res.status !== 200) throw new Error(`GET workflow ${name}: ${res.status} ${res.text}`);
  return res.body;
}

export function nodeNamed(workflow: Workflow, displayName: string): WorkflowNode | undefined {
  return Object.values(workflow.status?.nodes ?? {}).find((n) => n.displayName === displayName);
}

/** Waits until the controller has the suspend node `displayName` Running. */
export function untilSuspendedAt(rest: KubeRest, namespace: string, name: string, displayName: string): Promise<Workflow> {
  return eventually(`${name} suspended at ${displayName}`, async () => {
    const wf = await getWorkflow(rest, namespace, name);
    return nodeNamed(wf, displayName)?.phase === 'Running' ? wf : undefined;
  });
}

export async function createWorkflow(rest: KubeRest, namespace: string, workflow: object): Promise<string> {
  const res = await rest.call<{ metadata: { name: string } }>('POST', `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows`, workflow);
  if (res.status !== 201) throw new Error(`create workflow: ${res.status} ${res.text}`);
  return res.body.metadata.name;
}

let taskCounter = 0;
/** A task id unique to this run, so tests never correlate to each other's workflows. */
export function uniqueTask(): number {
  taskCounter += 1;
  return (Date.now() % 100_000) * 10 + taskCounter;
}

/** `npm run send -- <args>` against this stack (its connection details written as npm start writes them, mode 0600). */
export function runSend(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runStackScript('send', args);
}

/** `npm run <script> -- …args --stack <this stack's info>`, as a user runs it beside `npm start`. */
export async function runStackScript(script: 'send' | 'play', args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), `handoff-${script}-`));
  const file = join(dir, 'stack.json');
  writeFileSync(file, JSON.stringify(stack()), { mode: 0o600 });
  try {
    return await new Promise((resolve, reject) => {
      execFile('npm', ['run', '--silent', script, '--', ...args, '--stack', file], { timeout: 180_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        if (error && code === -1) reject(error);
        else resolve({ code, stdout, stderr });
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
