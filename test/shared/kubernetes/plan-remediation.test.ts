import { describe, expect, it } from 'vitest';
import { REX_PUSH } from '../../../shared/declarations';
import { planRemediation } from '../../../shared/kubernetes/plan-remediation';
import type { CodeRunRef, RemediationRequest } from '../../../shared/kubernetes/types';
import { compressed, playWorkflow } from '../../fixtures/workflows';

const NOW = new Date('2026-12-02T08:00:00.123Z');
const cleo = (phase?: string): CodeRunRef => ({ name: 'cleo-1', uid: 'u-cleo', githubApp: '5DLabs-Cleo', phase });
const request = (candidates: CodeRunRef[], extra: Partial<RemediationRequest> = {}): RemediationRequest => ({
  name: 'play-7', key: 'sha:aa', dedupKeys: ['d-1', 'sha:aa'], suspendNodes: REX_PUSH.suspendNodes, fromStages: REX_PUSH.fromStages, nextStage: REX_PUSH.nextStage, candidates, ...extra,
});

describe('planRemediation', () => {
  it('a waiting gate: gate mode, every listed CodeRun goes, nothing is written before the resume', () => {
    const plan = planRemediation(playWorkflow({ name: 'play-7', position: 'wait-ready-for-qa' }), request([cleo('Succeeded')]), NOW);
    expect(plan).toEqual({ outcome: 'decided', mode: 'gate', codeRuns: [cleo('Succeeded')] });
  });

  it('reads a compressed node status', () => {
    expect(planRemediation(compressed(playWorkflow({ name: 'play-7', position: 'wait-pr-approved' })), request([]), NOW)).toMatchObject({ mode: 'gate' });
  });

  it('a running CodeRun and no gate: cancel mode, the set and the stage written in one object before any deletion', () => {
    const before = playWorkflow({ name: 'play-7', position: 'tess-running' });
    const plan = planRemediation(before, request([cleo('Succeeded'), { name: 'tess-1', uid: 'u-tess', githubApp: '5DLabs-Tess', phase: 'Running' }]), NOW);
    expect(plan).toMatchObject({ outcome: 'decided', mode: 'cancel' });
    if (plan.outcome !== 'decided' || !plan.workflow) throw new Error('expected a record write');
    expect(plan.workflow.metadata.labels?.['current-stage']).toBe('quality-in-progress');
    expect(JSON.parse(plan.workflow.metadata.annotations?.['handoff.dev/remediations'] ?? '{}')).toEqual({
      'sha:aa': { at: '2026-12-02T08:00:00Z', codeRuns: [{ name: 'cleo-1', uid: 'u-cleo' }, { name: 'tess-1', uid: 'u-tess' }] },
    });
    expect(before.metadata.labels?.['current-stage']).toBe('testing-in-progress'); // not modified
  });

  it('a CodeRun with no phase yet counts as running (the platform has not picked it up)', () => {
    expect(planRemediation(playWorkflow({ name: 'play-7', position: 'cleo-running' }), request([cleo(undefined)]), NOW)).toMatchObject({ mode: 'cancel' });
  });

  it('between steps (no gate, only finished CodeRuns or none): not-ready, no write', () => {
    for (const candidates of [[], [cleo('Succeeded')], [cleo('Failed')]]) {
      const plan = planRemediation(playWorkflow({ name: 'play-7', position: 'cleo-running' }), request(candidates), NOW);
      expect(plan).toMatchObject({ outcome: 'not-ready', reason: expect.stringMatching(/between steps/) });
    }
  });

  it('a redelivery uses the recorded set, whatever is listed now, and writes nothing', () => {
    const workflow = playWorkflow({ name: 'play-7', position: 'cleo-running' });
    workflow.metadata.annotations = { 'handoff.dev/remediations': JSON.stringify({ 'sha:aa': { at: 'x', codeRuns: [{ name: 'cleo-1', uid: 'u-cleo' }] } }) };
    const newer = { name: 'cleo-2', uid: 'u-2', githubApp: '5DLabs-Cleo', phase: 'Running' };
    expect(planRemediation(workflow, request([newer]), NOW)).toEqual({ outcome: 'decided', mode: 'cancel', codeRuns: [{ name: 'cleo-1', uid: 'u-cleo', githubApp: '' }], recorded: true });
  });

  it('keeps at most 10 pushes in flight, dropping the oldest', () => {
    const workflow = playWorkflow({ name: 'play-7', position: 'cleo-running' });
    workflow.metadata.annotations = { 'handoff.dev/remediations': JSON.stringify(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`sha:${i}`, { at: 'x', codeRuns: [] }]))) };
    const plan = planRemediation(workflow, request([cleo('Running')]), NOW);
    if (plan.outcome !== 'decided' || !plan.workflow) throw new Error('expected a record write');
    expect(Object.keys(JSON.parse(plan.workflow.metadata.annotations?.['handoff.dev/remediations'] ?? '{}'))).toEqual([...Array.from({ length: 9 }, (_, i) => `sha:${i + 1}`), 'sha:aa']);
  });

  it('an applied push is a duplicate; a play past QA (completed, failed) is already-done; before QA not-ready', () => {
    const applied = playWorkflow({ name: 'play-7', position: 'cleo-running' });
    applied.metadata.annotations = { 'handoff.dev/applied-events': JSON.stringify(['sha:aa']) };
    expect(planRemediation(applied, request([cleo('Running')]), NOW)).toMatchObject({ outcome: 'duplicate' });
    expect(planRemediation(playWorkflow({ name: 'play-7', position: 'completed' }), request([]), NOW)).toMatchObject({ outcome: 'already-done' });
    expect(planRemediation(playWorkflow({ name: 'play-7', position: 'cleo-running', stage: 'failed' }), request([]), NOW)).toMatchObject({ outcome: 'already-done' });
    expect(planRemediation(playWorkflow({ name: 'play-7', position: 'wait-pr-created' }), request([]), NOW)).toMatchObject({ outcome: 'not-ready' });
  });
});
