/**
 * The shipped shell steps run locally (sh, coreutils) with hostile event text in their env, as the
 * controller would set it (base64 from the Sensor): nothing runs, kubectl gets the text as exactly
 * one argument, the label follows the documented rule, and invalid input is refused.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildManifests } from '../../manifests/index';
import { labelValueFor } from '../../shared/labels/label-value';
import { HOSTILE_TEXTS } from '../fixtures/hostile-text';

const templates = buildManifests().flatMap((file) => file.objects as any[]).filter((o) => o.kind === 'WorkflowTemplate');
const container = (name: string) => templates.find((t) => t.metadata.name === name).spec.templates[0].container;
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

const dir = mkdtempSync(join(tmpdir(), 'handoff-steps-'));
/** Created only if hostile text runs a command. */
const marker = join(dir, 'ran');
const kubectlLog = join(dir, 'kubectl.log');
// A kubectl that records its argv (NUL-separated, one \x01 per call) and does nothing else.
writeFileSync(join(dir, 'kubectl'), `#!/bin/sh\nprintf '%s\\0' "$@" >> "${kubectlLog}"\nprintf '\\001\\0' >> "${kubectlLog}"\n`);
chmodSync(join(dir, 'kubectl'), 0o755);
beforeEach(() => rmSync(kubectlLog, { force: true }));
afterEach(() => expect(existsSync(marker), 'hostile text ran a command').toBe(false));

const kubectlCalls = (): string[][] => {
  const log = kubectlLog;
  if (!existsSync(log)) return [];
  const calls: string[][] = [[]];
  for (const part of readFileSync(log, 'utf8').split('\0').slice(0, -1)) part === '\u0001' ? calls.push([]) : calls[calls.length - 1]!.push(part);
  return calls.slice(0, -1);
};

/**
 * The tools the images provide: the host's (Debian: dash, GNU coreutils, as bitnami/kubectl) or,
 * when installed, only busybox applets (as alpine, which pr-validation runs on).
 */
const busybox = ['/usr/bin/busybox', '/bin/busybox'].find((path) => existsSync(path));
const busyboxDir = join(dir, 'busybox');
if (busybox) {
  mkdirSync(busyboxDir);
  for (const applet of ['sh', 'base64', 'tr', 'sed', 'cut', 'sha256sum', 'printf', 'cat']) symlinkSync(busybox, join(busyboxDir, applet));
}
const toolchains: [string, string][] = [['host tools', process.env.PATH!], ...(busybox ? [['busybox only', busyboxDir] as [string, string]] : [])];
let toolPath: string = process.env.PATH!;

/** Runs a template's container as the kubelet would (command + env), with the env values the controller resolves. */
function runStep(name: string, values: { owner: string; repo: string; branch: string; pr?: string }) {
  const { command, env } = container(name);
  const resolved: Record<string, string> = { OWNER_B64: b64(values.owner), REPO_B64: b64(values.repo), BRANCH_B64: b64(values.branch), PR_NUMBER: values.pr ?? '7' };
  expect(env.map((e: any) => e.name).sort()).toEqual(Object.keys(resolved).sort());
  return spawnSync(command[0], command.slice(1), { env: { PATH: `${dir}:${toolPath}`, ...resolved }, encoding: 'utf8' });
}

const withMarker = (text: string) => text.replaceAll('evil.example|sh', `evil.example|sh;touch ${marker}`);
const branches = [...HOSTILE_TEXTS.map(withMarker), `task-3-$(touch ${marker})`, `task-3-\`touch ${marker}\``, `x";touch ${marker};"`];

describe.each(toolchains)('with %s', (_toolchain, path) => {
beforeEach(() => {
  toolPath = path;
});

describe('orchestrator-resume-close', () => {
  it.each(branches.map((b) => [b.slice(0, 50), b]))('branch %j: labelled by the rule, annotated exactly, nothing runs', (_shown, branch) => {
    const out = runStep('orchestrator-resume-close', { owner: 'Codertocat', repo: 'Hello-World', branch });
    expect(out.status, out.stderr).toBe(0);
    const selector = 'workflow-type=play-orchestration,repository=codertocat-hello-world';
    expect(kubectlCalls()).toEqual([
      ['label', 'workflows', '--overwrite', '-l', selector, '--', `handoff.dev/merged-branch=${labelValueFor(branch)}`],
      ['annotate', 'workflows', '--overwrite', '-l', selector, '--', `handoff.dev/merged-branch=${branch}`],
    ]);
  });

  it.each([
    ['$(id)', 'repo'],
    ['-leading', 'repo'],
    ['trailing-', 'repo'],
    ['a'.repeat(40), 'repo'],
    ['', 'repo'],
    ['owner', 'repo.'],
    ['owner', 'repo/x'],
    ['owner', 're po'],
    ['owner', ''],
    ['owner', `r${'e'.repeat(60)}po`],
    ['owner', '{{workflow.name}}'],
  ])('owner %j, repo %j: refused with a reason, no kubectl call', (owner, repo) => {
    const out = runStep('orchestrator-resume-close', { owner, repo, branch: 'main' });
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/^refused: /m);
    expect(kubectlCalls()).toEqual([]);
  });

  it('refuses a value that is not base64', () => {
    const { command } = container('orchestrator-resume-close');
    const out = spawnSync(command[0], command.slice(1), { env: { PATH: `${dir}:${toolPath}`, OWNER_B64: b64('o'), REPO_B64: b64('r'), BRANCH_B64: '$(id)', PR_NUMBER: '' }, encoding: 'utf8' });
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('BRANCH_B64 is not base64');
    expect(kubectlCalls()).toEqual([]);
  });
});

describe('pr-validation', () => {
  it.each(branches.map((b) => [b.slice(0, 50), b]))('branch %j: nothing runs; a task only from a task branch', (_shown, branch) => {
    const out = runStep('pr-validation', { owner: 'Codertocat', repo: 'Hello-World', branch });
    const task = /[\x00-\x1f\x7f]/.test(branch) ? undefined : /(^|.*\/)task-([0-9]+)(-.*)?$/.exec(branch)?.[2];
    if (/[\x00-\x1f\x7f]/.test(branch)) expect([out.status, out.stderr]).toEqual([2, 'refused: the branch contains control characters\n']);
    else if (task) expect([out.status, out.stdout.split('\n').at(-2)]).toEqual([0, `task ${task}`]);
    else expect(out.status).toBe(1);
  });

  it('finds the task of an ordinary branch', () => {
    const out = runStep('pr-validation', { owner: 'Codertocat', repo: 'Hello-World', branch: 'feature/task-12-login' });
    expect(out.stdout).toBe('validating Codertocat/Hello-World#7 on branch feature/task-12-login\ntask 12\n');
  });

  it('prints a PR number only when it is one', () => {
    const out = runStep('pr-validation', { owner: 'o', repo: 'r', branch: 'task-1-x', pr: '1;id' });
    expect(out.stdout.split('\n')[0]).toBe('validating o/r# on branch task-1-x');
  });
});
});
