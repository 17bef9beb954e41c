// The platform WorkflowTemplates as shipped, run in pods on the node: each GitHub webhook goes
// through the real EventSource and the platform Sensor, which creates the Workflow; the controller
// runs its step in a pod (the step images of dev/stack/node/step-images.ts stand in for alpine and
// bitnami/kubectl), and the test checks what the step did: pr-validation finds the task in the
// branch, coderun-template and implementation create a CodeRun for the agent and end with it,
// orchestrator-resume-close labels and annotates the repository's play workflows. With hostile
// text, the steps run the same way and the text arrives only as data: canaries that would print a
// marker or label every workflow if they ran leave no trace. docs/security.md ("Untrusted text").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeRun } from '../../fakes/coderun-agents';
import { buildManifests, objectsOf } from '../../../manifests';
import { deliverWebhook } from '../../../dev/stack/github/webhook';
import { MERGED_BRANCH_KEY } from '../../../manifests/step-scripts';
import { labelValueFor } from '../../../shared/labels/label-value';
import { example, pullRequestEvent } from '../../fixtures/github-events';
import { HOSTILE_TEXTS } from '../../fixtures/hostile-text';
import { control } from '../guarantees/support';
import { firstPod } from '../pods';
import { createWorkflow, eventually, kube, stack, uniqueTask } from '../support';

const needsPods = !stack().node || !stack().eventSourceUrl;
const ns = () => stack().namespace;
const unb64 = (text: string) => Buffer.from(text, 'base64').toString('utf8');
const workflows = () => `/apis/argoproj.io/v1alpha1/namespaces/${ns()}/workflows`;

/** What a canary prints if a shell ever runs it; its own text never contains this word. */
const MARKER = 'PWNED';
/**
 * Command substitutions, backticks and separators that would print MARKER or label every workflow
 * if a shell ran the text unquoted or inside double quotes, and an Argo tag that would expand.
 */
const CANARY = ['$(printf${IFS}P%sD${IFS}WNE)', '`printf P%sD WNE`', ';printf${IFS}P%sD${IFS}WNE;', '$(kubectl label workflows --all --overwrite handoff.dev/pwned=yes)', '{{workflow.name}}'].join('-');
/** Text that breaks out of single or double quotes and runs the same canary. */
const QUOTE_BREAKOUTS = ["x'; printf P%sD WNE; '", 'x"; printf P%sD WNE; "'];

interface WorkflowObject {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  status?: { phase?: string; message?: string; nodes?: Record<string, { type: string; phase: string; message?: string }> };
}

interface CodeRunObject {
  metadata: { name: string; labels?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] };
  spec: Record<string, unknown> & { env: Record<string, string> };
  status?: { phase?: string };
}

/** Delivers a signed webhook to the EventSource; the Workflow the platform Sensor `sensor` creates from it. */
async function deliver(sensor: string, event: string, payload: object): Promise<string> {
  const rest = kube();
  const list = async () => (await rest.call<{ items: WorkflowObject[] }>('GET', `${workflows()}?labelSelector=${encodeURIComponent(`handoff.dev/sensor=${sensor}`)}`)).body.items.map((w) => w.metadata.name);
  const before = new Set(await list());
  const delivered = await deliverWebhook({ url: stack().eventSourceUrl!, event, payload, secret: stack().webhookSecret });
  expect(delivered.status).toBe(200);
  return eventually(`a Workflow from ${sensor}`, async () => (await list()).find((name) => !before.has(name)), 120_000);
}

/** Waits until the workflow has ended, however it ended. */
function finished(name: string): Promise<WorkflowObject> {
  return eventually(`${name} finished`, async () => {
    const res = await kube().call<WorkflowObject>('GET', `${workflows()}/${name}`);
    return ['Succeeded', 'Failed', 'Error'].includes(res.body.status?.phase ?? '') ? res.body : undefined;
  }, 180_000);
}

/** The step's output: the log of the `main` container of the workflow's pod. */
async function stepLog(workflow: string): Promise<string> {
  const pod = await firstPod(kube(), ns(), workflow);
  const res = await kube().call<string>('GET', `/api/v1/namespaces/${ns()}/pods/${pod.metadata.name}/log?container=main`);
  expect(res.status, res.text).toBe(200);
  return res.text;
}

/** The one CodeRun the workflow created (labelled with its name, owned by it). */
async function codeRunOf(workflow: string): Promise<CodeRunObject> {
  const res = await kube().call<{ items: CodeRunObject[] }>('GET', `/apis/agents.platform/v1/namespaces/${ns()}/coderuns?labelSelector=${encodeURIComponent(`workflow-name=${workflow}`)}`);
  expect(res.status).toBe(200);
  expect(res.body.items).toHaveLength(1);
  const run = res.body.items[0]!;
  expect(run.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`)).toEqual([`Workflow/${workflow}`]);
  return run;
}

/** No workflow anywhere carries the label the kubectl canary would have set. */
async function expectNoCanaryLabel() {
  const res = await kube().call<{ items: WorkflowObject[] }>('GET', `${workflows()}?labelSelector=${encodeURIComponent('handoff.dev/pwned')}`);
  expect(res.status).toBe(200);
  expect(res.body.items.map((w) => w.metadata.name)).toEqual([]);
}

/** The CodeRuns the stack's agents' side took up (dev/stack/control-server.ts). */
const agentRuns = () => control<CodeRun[]>('GET', '/agents/runs');

describe.skipIf(needsPods)('the platform templates in pods, from webhooks through the platform Sensors', () => {
  beforeAll(async () => {
    const files = buildManifests({ namespace: ns() });
    const sensors = objectsOf(files).filter((o) => o.kind === 'Sensor' && o.metadata.name.startsWith('platform-'));
    expect(sensors).toHaveLength(6);
    for (const sensor of sensors) await control('POST', '/sensors', { sensor, kubeApi: true });
  }, 600_000);

  describe('pr-validation', () => {
    it('finds the task in the head branch and succeeds', async () => {
      const task = uniqueTask();
      const payload = pullRequestEvent('synchronize', { task, branch: `feature/task-${task}-login-form` });
      const name = await deliver('platform-pr-validation', 'pull_request', payload);
      expect((await finished(name)).status?.phase).toBe('Succeeded');
      const log = await stepLog(name);
      expect(log).toContain(`validating Codertocat/Hello-World#${payload.pull_request.number} on branch feature/task-${task}-login-form\n`);
      expect(log).toContain(`task ${task}\n`);
    });

    it('fails a branch that names no task', async () => {
      const name = await deliver('platform-pr-validation', 'pull_request', pullRequestEvent('synchronize', { branch: 'feature/login-form' }));
      const wf = await finished(name);
      expect(wf.status?.phase).toBe('Failed');
      expect(Object.values(wf.status?.nodes ?? {}).find((n) => n.type === 'Pod')?.message).toContain('exit code 1');
      expect(await stepLog(name)).toContain('branch does not name a task');
    });

    it.each([CANARY, ...QUOTE_BREAKOUTS])('with a hostile branch (%s): the branch is printed as data, no canary runs, the task is still found', async (hostile) => {
      const task = uniqueTask();
      const branch = `task-${task}-${hostile}`;
      const name = await deliver('platform-pr-validation', 'pull_request', pullRequestEvent('synchronize', { branch }));
      expect((await finished(name)).status?.phase).toBe('Succeeded');
      const log = await stepLog(name);
      expect(log).toContain(` on branch ${branch}\n`);
      expect(log).toContain(`task ${task}\n`);
      expect(log).not.toContain(MARKER);
      expect(log).not.toContain(name); // {{workflow.name}} stayed text
      await expectNoCanaryLabel();
    });

    it('refuses a branch with a control character (exit 2), printing nothing it would run', async () => {
      const name = await deliver('platform-pr-validation', 'pull_request', pullRequestEvent('synchronize', { branch: `task-1-x\n${CANARY}` }));
      const wf = await finished(name);
      expect(wf.status?.phase).toBe('Failed');
      expect(Object.values(wf.status?.nodes ?? {}).find((n) => n.type === 'Pod')?.message).toContain('exit code 2');
      const log = await stepLog(name);
      expect(log).toContain('refused: the branch contains control characters');
      expect(log).not.toContain(MARKER);
    });
  });

  describe('coderun-template and implementation', () => {
    it('a comment makes a Rex CodeRun with the comment, exactly, and the workflow ends with the agent', async () => {
      const payload = example('issue_comment', (p) => p.action === 'created');
      payload.sender.type = 'User';
      payload.comment.body = [...HOSTILE_TEXTS, CANARY, ...QUOTE_BREAKOUTS].join('\n');
      const name = await deliver('platform-comment-to-rex', 'issue_comment', payload);
      expect((await finished(name)).status?.phase).toBe('Succeeded');
      const run = await codeRunOf(name);
      expect(run.metadata.labels).toEqual({ agent: 'rex', 'pr-number': String(payload.issue.number), 'workflow-name': name });
      const { env, ...spec } = run.spec;
      expect(spec).toEqual({
        service: payload.repository.name,
        repositoryUrl: `https://github.com/${payload.repository.owner.login}/${payload.repository.name}`,
        docsRepositoryUrl: '',
        workingDirectory: '.',
        model: 'claude-sonnet',
        githubApp: 'rex',
      });
      expect(unb64(env.COMMENT_BODY_B64!)).toBe(payload.comment.body);
      expect(JSON.parse(unb64(env.GITHUB_EVENT_B64!))).toEqual(payload);
      expect({ owner: unb64(env.OWNER_B64!), repo: unb64(env.REPO_B64!), branch: unb64(env.BRANCH_B64!) }).toEqual({ owner: payload.repository.owner.login, repo: payload.repository.name, branch: '' });
      expect({ pr: env.PR_NUMBER, issue: env.ISSUE_NUMBER, comments: env.INCLUDE_COMMENTS }).toEqual({ pr: String(payload.issue.number), issue: String(payload.issue.number), comments: 'true' });
      expect((await agentRuns()).find((r) => r.name === run.metadata.name)?.phase).toBe('Succeeded');
      await expectNoCanaryLabel();
    });

    it('a failed CI run makes a triage CodeRun on its branch; the workflow fails when the agent fails', async () => {
      const payload = example('workflow_run', (p) => p.action === 'completed');
      payload.workflow_run.name = 'CI';
      payload.workflow_run.conclusion = 'failure';
      payload.workflow_run.head_branch = `fix/${CANARY}`;
      // The stack's agents' side keys a run by its task-id label (none here) and its GitHub App.
      await control('PUT', '/agents/script', { task: '', githubApp: 'triage', outcomes: ['Failed'] });
      const name = await deliver('platform-ci-failure-triage', 'workflow_run', payload);
      expect((await finished(name)).status?.phase).toBe('Failed');
      const run = await codeRunOf(name);
      expect(run.spec.githubApp).toBe('triage');
      expect(run.metadata.labels?.agent).toBe('triage');
      expect(unb64(run.spec.env.BRANCH_B64!)).toBe(payload.workflow_run.head_branch);
      expect(run.status?.phase).toBe('Failed');
    });

    it('an opened issue makes a Rex implementation CodeRun for the issue', async () => {
      const payload = example('issues', (p) => p.action === 'opened');
      payload.issue.title = `Implement ${CANARY}`;
      const name = await deliver('platform-issue-implementation', 'issues', payload);
      expect((await finished(name)).status?.phase).toBe('Succeeded');
      const run = await codeRunOf(name);
      expect(run.spec.githubApp).toBe('rex');
      expect(run.spec.env.ISSUE_NUMBER).toBe(String(payload.issue.number));
      expect(run.spec.env.PR_NUMBER).toBe('');
      expect(JSON.parse(unb64(run.spec.env.GITHUB_EVENT_B64!)).issue.title).toBe(payload.issue.title);
    });
  });

  describe('orchestrator-resume-close', () => {
    /** A play workflow of `repository` (label value), parked at a suspend node; no pod. */
    async function playOf(repository: string): Promise<string> {
      return createWorkflow(kube(), ns(), {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { generateName: 'play-merge-', labels: { 'workflow-type': 'play-orchestration', repository } },
        spec: { entrypoint: 'wait', templates: [{ name: 'wait', suspend: {} }] },
      });
    }
    const read = async (name: string) => (await kube().call<WorkflowObject>('GET', `${workflows()}/${name}`)).body;
    const plays: string[] = [];
    afterAll(async () => {
      for (const name of plays) await kube().call('DELETE', `${workflows()}/${name}`);
    });

    it.each([
      ['a merged PR with a hostile branch', `task-7-${CANARY}-${QUOTE_BREAKOUTS.join('-')}\nsecond line`],
      ['a merged PR with a plain branch', 'feature/task-7-login'],
    ])('%s marks exactly the repository’s play workflows with the branch (label by the hashed rule, annotation exact)', async (_what, branch) => {
      const task = uniqueTask();
      const payload = pullRequestEvent('closed', { task, branch });
      payload.pull_request.merged = true;
      payload.repository.owner.login = 'Platform-E2E';
      payload.repository.name = `merge-${task}`;
      const mine = await playOf(`platform-e2e-merge-${task}`);
      const other = await playOf(`platform-e2e-other-${task}`);
      plays.push(mine, other);

      const name = await deliver('platform-merge-to-orchestrator', 'pull_request', payload);
      expect((await finished(name)).status?.phase).toBe('Succeeded');
      const marked = await read(mine);
      expect(marked.metadata.labels?.[MERGED_BRANCH_KEY]).toBe(labelValueFor(branch));
      expect(marked.metadata.annotations?.[MERGED_BRANCH_KEY]).toBe(branch);
      const untouched = await read(other);
      expect(untouched.metadata.labels?.[MERGED_BRANCH_KEY]).toBeUndefined();
      expect(untouched.metadata.annotations?.[MERGED_BRANCH_KEY]).toBeUndefined();
      const log = await stepLog(name);
      expect(log).toContain(`merged into Platform-E2E/merge-${task}: branch ${branch} (label ${labelValueFor(branch)}) pr ${payload.pull_request.number}\n`);
      expect(log).not.toContain(MARKER);
      await expectNoCanaryLabel();
    });
  });
});
