// The agents' side, as the agent platform runs it: it takes up every CodeRun a play creates
// (status.phase Running) and ends it Succeeded or Failed through the status subresource, which is
// what the play's `run-agent` resource step waits for (successCondition / failureCondition). What
// an agent does is scripted per task and GitHub App: succeed (the default), fail, or hold the run
// Running until the caller releases it. Only the agents are simulated; the CodeRuns, the
// workflow-controller and the pods that wait on them are real.
import type { KubeRest } from '../../dev/stack/kube-rest';

export type AgentOutcome = 'Succeeded' | 'Failed' | 'hold';

export interface CodeRun {
  name: string;
  taskId: string;
  githubApp: string;
  workflow: string;
  phase?: string;
  created: string;
}

interface CodeRunObject {
  metadata: { name: string; creationTimestamp: string; labels?: Record<string, string> };
  spec?: { githubApp?: string };
  status?: { phase?: string };
}

export interface CodeRunAgentsOptions {
  rest: KubeRest;
  namespace: string;
  /** How often the CodeRuns are listed. Default 200 ms. */
  pollMs?: number;
  log?: (line: string) => void;
}

export interface CodeRunAgents {
  /** The next runs of `githubApp` for `task` end as listed, in order; after the list, Succeeded. */
  script(task: string | number, githubApp: string, outcomes: AgentOutcome[]): void;
  /** Ends a held run. */
  release(name: string, outcome: 'Succeeded' | 'Failed'): Promise<void>;
  /** Every CodeRun seen, oldest first, with the phase this side gave it. */
  runs(task?: string | number): CodeRun[];
  stop(): void;
}

const key = (task: string | number, app: string) => `${task}/${app}`;

export function startCodeRunAgents(options: CodeRunAgentsOptions): CodeRunAgents {
  const path = `/apis/agents.platform/v1/namespaces/${options.namespace}/coderuns`;
  const scripts = new Map<string, AgentOutcome[]>();
  const seen = new Map<string, CodeRun>();
  let stopped = false;

  const setPhase = async (run: CodeRun, phase: string) => {
    const res = await options.rest.call('PATCH', `${path}/${run.name}/status`, { status: { phase } }, 'application/merge-patch+json');
    if (res.status === 404) return; // deleted meanwhile (rex-push cancels agents)
    if (res.status !== 200) throw new Error(`CodeRun ${run.name} status ${phase}: ${res.status} ${res.text}`);
    run.phase = phase;
    options.log?.(`agents: ${run.githubApp} for task ${run.taskId} (${run.name}) ${phase}`);
  };

  const takeUp = async (object: CodeRunObject) => {
    const labels = object.metadata.labels ?? {};
    const run: CodeRun = { name: object.metadata.name, taskId: labels['task-id'] ?? '', githubApp: labels['github-app'] ?? object.spec?.githubApp ?? '', workflow: labels['workflow-name'] ?? '', created: object.metadata.creationTimestamp };
    seen.set(run.name, run);
    await setPhase(run, 'Running');
    const outcome = scripts.get(key(run.taskId, run.githubApp))?.shift() ?? 'Succeeded';
    if (outcome !== 'hold') await setPhase(run, outcome);
  };

  const loop = async () => {
    while (!stopped) {
      try {
        const res = await options.rest.call<{ items: CodeRunObject[] }>('GET', path);
        if (res.status === 200) {
          const fresh = res.body.items.filter((o) => !seen.has(o.metadata.name) && !o.status?.phase).sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp));
          for (const object of fresh) await takeUp(object);
        }
      } catch (error) {
        options.log?.(`agents: ${String(error)}`);
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 200));
    }
  };
  void loop();

  return {
    script: (task, app, outcomes) => scripts.set(key(task, app), [...outcomes]),
    async release(name, outcome) {
      const run = seen.get(name);
      if (!run) throw new Error(`no CodeRun ${name} was taken up`);
      await setPhase(run, outcome);
    },
    runs: (task) => [...seen.values()].filter((r) => task === undefined || r.taskId === String(task)).sort((a, b) => a.created.localeCompare(b.created)),
    stop: () => {
      stopped = true;
    },
  };
}
