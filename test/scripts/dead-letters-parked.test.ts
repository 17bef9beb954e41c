/** `npm run dead-letters -- parked`: the events parked on play workflows, their age, and the alert exit code. */
import { describe, expect, it } from 'vitest';
import { runDeadLetters } from '../../dev/scripts/dead-letters/commands';
import { PARKED_ANNOTATION } from '../../shared/contract';
import type { Workflow } from '../../shared/kubernetes/workflow';
import { MemoryDeadLetters } from '../fakes/memory-dead-letters';

const NOW = new Date('2026-12-10T12:00:00Z');

function play(name: string, task: string, stage: string, parked?: Record<string, { keys: string[]; at: string }> | string): Workflow {
  const annotations = parked === undefined ? {} : { [PARKED_ANNOTATION]: typeof parked === 'string' ? parked : JSON.stringify(parked) };
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name, labels: { 'workflow-type': 'play-orchestration', 'task-id': task, 'current-stage': stage }, annotations } } as unknown as Workflow;
}

const workflows = [
  play('play-7-a', '7', 'waiting-ready-for-qa', { 'labeled-ready-for-qa': { keys: ['d-qa'], at: '2026-12-10T11:50:00Z' }, approved: { keys: ['d-ok', 'd-ok2'], at: '2026-12-10T11:58:30Z' } }),
  play('play-8-b', '8', 'quality-in-progress'),
  play('play-9-c', '9', 'implementation-in-progress', { 'pr-opened': { keys: ['d-pr'], at: '2026-12-10T11:59:00Z' } }),
  play('play-10-d', '10', 'waiting-pr-created', 'not json'),
];

function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runDeadLetters(argv, {
    store: new MemoryDeadLetters(),
    functionUrl: (fn) => `http://${fn}`,
    token: async () => 't',
    playWorkflows: async () => workflows,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    now: () => NOW,
  });
  return code.then((c) => ({ code: c, out, err }));
}

describe('npm run dead-letters -- parked', () => {
  it('lists every parked event, oldest first, with its play, stage, keys and age; unreadable annotations are skipped', async () => {
    const { code, out } = await run('parked');
    expect(code).toBe(0);
    expect(out).toEqual([
      'WORKFLOW\tTASK\tSTAGE\tFUNCTION\tKEYS\tPARKED-AT\tAGE',
      'play-7-a\t7\twaiting-ready-for-qa\tlabeled-ready-for-qa\td-qa\t2026-12-10T11:50:00Z\t600s',
      'play-7-a\t7\twaiting-ready-for-qa\tapproved\td-ok,d-ok2\t2026-12-10T11:58:30Z\t90s',
      'play-9-c\t9\timplementation-in-progress\tpr-opened\td-pr\t2026-12-10T11:59:00Z\t60s',
    ]);
  });

  it('--older-than MIN shows only those older and exits 1 (the alert); none older exits 0', async () => {
    const old = await run('parked', '--older-than', '5');
    expect(old.code).toBe(1);
    expect(old.out.slice(1)).toEqual(['play-7-a\t7\twaiting-ready-for-qa\tlabeled-ready-for-qa\td-qa\t2026-12-10T11:50:00Z\t600s']);
    expect(old.err).toEqual(['1 parked event(s) older than 5 minutes: the re-drive missed them (docs/operations.md, "Parked events")']);
    expect((await run('parked', '--older-than', '15')).code).toBe(0);
  });

  it('--function and --json narrow and format; a bad --older-than is a usage error', async () => {
    const { code, out } = await run('parked', '--function', 'approved', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual([{ workflow: 'play-7-a', task: '7', stage: 'waiting-ready-for-qa', function: 'approved', keys: ['d-ok', 'd-ok2'], parkedAt: '2026-12-10T11:58:30Z', ageSeconds: 90 }]);
    const bad = await run('parked', '--older-than', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.err[0]).toMatch(/--older-than takes a number of minutes, got "soon"/);
  });
});
