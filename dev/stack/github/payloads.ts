// Real GitHub webhook payloads from @octokit/webhooks-examples, adapted to a play task: a
// `task-<N>` label, a `task-<N>-implementation` branch and the agents' bot senders.
import { createRequire } from 'node:module';
import type { FunctionName } from '../../../shared/function-declaration';
import { DEFAULT_LOGINS, READY_FOR_QA_LABEL } from '../../../shared/play';

const require = createRequire(import.meta.url);
const examples = require('@octokit/webhooks-examples') as { name: string; examples: Record<string, unknown>[] }[];

type Payload = Record<string, any>;

export type Scenario = 'pr-opened' | 'ready-for-qa' | 'approved' | 'rex-push';
export const scenarios: Record<Scenario, { event: string; function: FunctionName }> = {
  'pr-opened': { event: 'pull_request', function: 'pr-opened' },
  'ready-for-qa': { event: 'pull_request', function: 'labeled-ready-for-qa' },
  approved: { event: 'pull_request_review', function: 'approved' },
  'rex-push': { event: 'push', function: 'rex-push' },
};

function example(event: string, pick: (p: Payload) => boolean): Payload {
  const found = examples.find((e) => e.name === event)?.examples.find((p) => pick(p as Payload));
  if (!found) throw new Error(`no @octokit/webhooks-examples payload for ${event}`);
  return structuredClone(found) as Payload;
}

const bot = (login: string) => ({ login, id: 900_000 + login.length, type: 'Bot' });

export interface ScenarioOptions {
  task: number;
  /** owner/name; default the fixture's repository. */
  repository?: string;
}

function adaptRepository(payload: Payload, repository?: string): void {
  if (!repository) return;
  const [owner = '', name = ''] = repository.split('/');
  payload.repository = { ...payload.repository, name, full_name: repository, owner: { ...payload.repository.owner, login: owner } };
}

function adaptPullRequest(payload: Payload, options: ScenarioOptions, sender: string): Payload {
  adaptRepository(payload, options.repository);
  const pr = payload.pull_request;
  pr.head.ref = `task-${options.task}-implementation`;
  pr.head.label = `${payload.repository.owner.login}:${pr.head.ref}`;
  pr.head.repo = structuredClone(payload.repository);
  pr.base.repo = structuredClone(payload.repository);
  pr.labels = [{ id: 1000, name: `task-${options.task}`, color: 'ededed', default: false }];
  pr.user = bot(DEFAULT_LOGINS.rex[0]!);
  payload.sender = bot(sender);
  return payload;
}

export function scenarioPayload(scenario: Scenario, options: ScenarioOptions): { event: string; payload: Payload } {
  switch (scenario) {
    case 'pr-opened':
      return { event: 'pull_request', payload: adaptPullRequest(example('pull_request', (p) => p.action === 'opened'), options, DEFAULT_LOGINS.rex[0]!) };
    case 'ready-for-qa': {
      const payload = adaptPullRequest(example('pull_request', (p) => p.action === 'labeled'), options, DEFAULT_LOGINS.cleo[0]!);
      payload.label = { id: 2000, name: READY_FOR_QA_LABEL, color: '0e8a16', default: false };
      payload.pull_request.labels.push(payload.label);
      return { event: 'pull_request', payload };
    }
    case 'approved': {
      const payload = adaptPullRequest(example('pull_request_review', (p) => p.action === 'submitted'), options, DEFAULT_LOGINS.tess[0]!);
      payload.review.state = 'approved';
      payload.review.user = bot(DEFAULT_LOGINS.tess[0]!);
      return { event: 'pull_request_review', payload };
    }
    case 'rex-push': {
      const payload = example('push', (p) => p.deleted === false);
      adaptRepository(payload, options.repository);
      payload.ref = `refs/heads/task-${options.task}-implementation`;
      payload.base_ref = null;
      payload.sender = bot(DEFAULT_LOGINS.rex[0]!);
      payload.pusher = { name: DEFAULT_LOGINS.rex[0]!, email: null };
      return { event: 'push', payload };
    }
  }
}
