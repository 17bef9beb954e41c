// npm run play -- --task N [--repo owner/name] [--param name=value …]   start a play for task N
// npm run play -- list [--task N]                                       the plays, their stage and where each waits
// On the local stack of `npm start` (.handoff/stack.json, or --stack FILE). On a cluster, the same is
// `argo submit --from workflowtemplate/play-orchestration -p task-id=N -p repository=<owner>-<name> …`
// and `argo list -l workflow-type=play-orchestration` (README, "Walk a task through its play").
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kubeRestFromKubeconfig } from '../stack/kube-rest';
import { listPlays, startPlay } from '../stack/argo/plays';
import type { StackInfo } from '../stack/stack';
import { repoRoot } from '../stack/binaries/versions';
import { printTable } from './table';

const USAGE = 'usage: npm run play -- --task N [--repo owner/name] [--param name=value …] | npm run play -- list [--task N]';

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        task: { type: 'string' },
        repo: { type: 'string' },
        param: { type: 'string', multiple: true, default: [] },
        stack: { type: 'string', default: join(repoRoot, '.handoff', 'stack.json') },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0] ?? 'start';
  if (!['start', 'list'].includes(command) || positionals.length > 1 || (command === 'start' && !values.task)) {
    console.error(USAGE);
    return 2;
  }
  if (!existsSync(values.stack)) {
    console.error(`no running local stack (${values.stack} missing): run npm start first`);
    return 2;
  }
  const stack = JSON.parse(readFileSync(values.stack, 'utf8')) as StackInfo;
  const rest = kubeRestFromKubeconfig(stack.kubeconfig);

  if (command === 'list') {
    const plays = await listPlays(rest, stack.namespace, values.task);
    if (plays.length === 0) {
      console.log(values.task ? `no play for task ${values.task}` : 'no plays yet: npm run play -- --task N starts one');
      return 0;
    }
    printTable(
      ['workflow', 'task', 'stage', 'phase', 'waiting at'],
      plays.map((play) => [play.name, play.task, play.stage || '(none)', play.phase, play.waitingAt.join(', ') || '-']),
    );
    return 0;
  }

  const parameters: Record<string, string> = {};
  for (const pair of values.param) {
    const [name, value] = pair.split(/=(.*)/s, 2);
    if (!name || value === undefined) {
      console.error(`--param takes name=value, got ${JSON.stringify(pair)}`);
      return 2;
    }
    parameters[name] = value;
  }
  try {
    const name = await startPlay({ rest, namespace: stack.namespace, task: values.task!, repository: values.repo, parameters });
    console.log(`started ${name} for task ${values.task} (namespace ${stack.namespace}); npm run play -- list --task ${values.task} shows where it stands`);
    return 0;
  } catch (error) {
    console.error(`play: ${(error as Error).message}`);
    return 1;
  }
}

process.exitCode = await main();
