// The play template's state machine as shipped (issue 13 items 2 and 5): every QA pass writes its stages,
// rex-push's stage agrees with the restarted pass's first write, and agent failures are bounded.
import { describe, expect, it } from 'vitest';
import { LABELED_READY_FOR_QA, PR_OPENED, REX_PUSH } from '../../shared/declarations';
import { DEFAULT_MAX_AGENT_FAILURES, FAILED_STAGE } from '../../shared/play';
import { playWorkflowTemplate } from '../../manifests/play-template';
import { withDefaults } from '../../manifests/options';

type Step = { name: string; template: string; when?: string; arguments?: { parameters?: { name: string; value: string }[] } };
type Template = { name: string; steps?: Step[][]; suspend?: object; resource?: Record<string, any>; inputs?: object; outputs?: { parameters?: any[] } };

const templates = playWorkflowTemplate(withDefaults()).spec.templates as Template[];
const named = (name: string) => templates.find((t) => t.name === name) as Template;
const stageWritten = (step: Step) => (step.template === 'update-workflow-stage' ? step.arguments?.parameters?.find((p) => p.name === 'stage')?.value : undefined);
const firstStage = (name: string) => stageWritten(named(name).steps?.[0]?.[0] as Step);

describe('the play template moves the stage on every QA pass', () => {
  it('each QA pass starts with its working stage, and each gate is preceded by its waiting stage', () => {
    expect(firstStage('qa-cycle')).toBe('quality-in-progress');
    expect(firstStage('qa-testing')).toBe('testing-in-progress');
    expect(firstStage('qa-after-cleo')).toBe('waiting-ready-for-qa');
    expect(firstStage('qa-after-tess')).toBe('waiting-pr-approved');
    expect(firstStage('after-rex')).toBe('waiting-pr-created');
  });

  it('the functions write the stage the template writes next: pr-opened and rex-push → the QA pass, labeled-ready-for-qa → testing', () => {
    expect(PR_OPENED.nextStage).toBe(firstStage('qa-cycle'));
    expect(REX_PUSH.nextStage).toBe(firstStage('qa-cycle'));
    expect(LABELED_READY_FOR_QA.nextStage).toBe(firstStage('qa-testing'));
  });

  it('every restart, by decision or by cancellation, runs qa-cycle again with the failure count reset', () => {
    const restarts = templates.flatMap((t) => (t.steps ?? []).flat().filter((s) => s.name === 'restart-qa'));
    expect(restarts).toHaveLength(4); // cancelled Cleo, cancelled Tess, decision=restart at both gates
    for (const restart of restarts) {
      expect(restart.template).toBe('qa-cycle');
      expect(restart.arguments?.parameters).toEqual([{ name: 'failures', value: '0' }]);
    }
  });
});

describe('agent failures are bounded', () => {
  it('the limit is a play parameter with default 3', () => {
    const parameters = playWorkflowTemplate(withDefaults()).spec.arguments.parameters as { name: string; value?: string }[];
    expect(DEFAULT_MAX_AGENT_FAILURES).toBe(3);
    expect(parameters.find((p) => p.name === 'max-agent-failures')).toEqual({ name: 'max-agent-failures', value: '3' });
  });

  it.each(['cleo', 'tess'])('a failed %s CodeRun retries QA with one failure more below the limit, and gives up at it', (role) => {
    const [group] = named(`${role}-outcome`).steps as Step[][];
    const byName = Object.fromEntries((group ?? []).map((s) => [s.name, s]));
    expect(byName[`after-${role}`]?.when).toBe('{{inputs.parameters.phase}} == Succeeded');
    expect(byName['retry-qa']).toMatchObject({ template: 'qa-cycle', when: expect.stringMatching(/^\{\{inputs\.parameters\.phase\}\} != Succeeded && \{\{inputs\.parameters\.failures\}\} < \{\{=/) });
    expect(byName['retry-qa']?.arguments?.parameters).toEqual([{ name: 'failures', value: '{{=sprig.atoi(inputs.parameters.failures) + 1}}' }]);
    expect(byName['give-up']).toMatchObject({ template: 'play-failed', when: expect.stringMatching(/ >= \{\{=/) });
    // The limit expression falls back to the default for anything but a short decimal number, so `when` always parses.
    expect(byName['give-up']?.when).toContain("sprig.regexMatch('^[0-9]+$', workflow.parameters['max-agent-failures'])");
    expect(byName['give-up']?.when).toContain(`: '${DEFAULT_MAX_AGENT_FAILURES}')}}`);
  });

  it('the agent step waits until the CodeRun finished either way and reports its phase; a deleted CodeRun still fails it', () => {
    const runAgent = named('run-agent');
    expect(runAgent.resource).toMatchObject({ action: 'create', successCondition: 'status.phase in (Succeeded,Failed)' });
    expect(runAgent.resource?.failureCondition).toBeUndefined();
    expect(runAgent.outputs?.parameters).toEqual([{ name: 'phase', valueFrom: { jsonPath: '{.status.phase}' } }]);
  });

  it('past the limit the play stops: stage failed and the reason in one merge patch, then a gate only an operator resumes, then QA again', () => {
    const mark = named('mark-play-failed');
    expect(mark.resource).toEqual({
      action: 'patch',
      mergeStrategy: 'merge',
      flags: ['workflow', '{{workflow.name}}'],
      manifest: `metadata:\n  labels:\n    current-stage: ${FAILED_STAGE}\n  annotations:\n    handoff.dev/failure-reason: {{=toJson(inputs.parameters['reason'])}}\n`,
    });
    const stops = (name: string) => named(name).steps?.map((group) => group.map((s) => [s.name, s.template]));
    expect(stops('play-failed')).toEqual([[['record-failure', 'mark-play-failed']], [['wait-for-operator', 'wait-for-operator']], [['operator-restart', 'qa-cycle']]]);
    expect(named('play-failed').steps?.[2]?.[0]?.arguments?.parameters).toEqual([{ name: 'failures', value: '0' }]);
    expect(stops('rex-failed')).toEqual([[['record-failure', 'mark-play-failed']], [['wait-for-operator', 'wait-for-operator']], [['operator-restart', 'rex-again']]]);
    // Rex runs again under implementation-in-progress, so an early pr-opened is parked rather than already-done.
    expect(stops('rex-again')).toEqual([[['stage-implementation-in-progress', 'update-workflow-stage']], [['implementation', 'main']]]);
    expect(named('wait-for-operator')).toEqual({ name: 'wait-for-operator', suspend: {} });
  });

  it('a stage written after an operator resumed the play clears the failure reason', () => {
    expect(named('update-workflow-stage').resource?.manifest).toBe(
      "metadata:\n  labels:\n    current-stage: {{=toJson(inputs.parameters['stage'])}}\n  annotations:\n    handoff.dev/failure-reason: null\n",
    );
  });
});
