/**
 * `npm run dead-letters -- list | show ID | replay ID | replay --all | drop ID` (docs/operations.md, "Dead letters").
 * An ID is a dead letter's object name (`handoff-dl-<function>-<hash>`, as `list` prints it) or a delivery ID.
 */
import { parseArgs } from 'node:util';
import type { DeadLetter } from '../../../shared/dead-letters/dead-letter';
import type { DeadLetterStore } from '../../../shared/dead-letters/secret-store';
import type { Workflow } from '../../../shared/kubernetes/workflow';
import { parkedRows } from './parked';
import { replayDeadLetter, type ReplayResult } from './replay';

export interface CommandDeps {
  readonly store: DeadLetterStore;
  /** The base URL of a function (where the Sensor sends its events). */
  readonly functionUrl: (functionName: string) => string;
  /** The bearer token the functions accept (read only when replaying). */
  readonly token: () => Promise<string>;
  /** The play workflows (label workflow-type=play-orchestration), for `parked`. */
  readonly playWorkflows?: () => Promise<Workflow[]>;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
}

export const USAGE = `usage: npm run dead-letters -- <command> [options]
  list [--function F]          every dead letter, oldest first
  show ID                      one dead letter, with its request
  replay ID                    send it again (same route, same delivery ID); dropped once it settles
  replay --all [--function F]  every dead letter, one at a time
  drop ID                      delete it
  drop --older-than DAYS       delete every dead letter older than DAYS days (retention)
  parked [--older-than MIN]    events parked on play workflows, oldest first; exit 1 if any is older than MIN minutes
options: --namespace NS, --kubeconfig FILE, --url-template T (default http://{function}.{namespace}.svc.cluster.local),
  --url F=URL (one function's URL), --token-file FILE (default: the handoff-trigger-token Secret), --json`;

/** Runs one command; the exit code: 0 done, 1 something did not settle or was not found, 2 usage. */
export async function runDeadLetters(argv: readonly string[], deps: CommandDeps): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { all: { type: 'boolean' }, function: { type: 'string' }, json: { type: 'boolean' }, 'older-than': { type: 'string' } },
      strict: true,
    });
  } catch (error) {
    deps.err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, id, ...extra] = positionals;
  const usage = (problem: string) => {
    deps.err(`${problem}\n${USAGE}`);
    return 2;
  };
  if (extra.length > 0) return usage(`unexpected arguments: ${extra.join(' ')}`);

  switch (command) {
    case 'list': {
      const letters = await deps.store.list(values.function);
      if (values.json) deps.out(JSON.stringify(letters.map(({ request: _request, ...summary }) => summary), null, 2));
      else {
        deps.out(['ID', 'FUNCTION', 'DELIVERY', 'STATUS', 'OUTCOME', 'DEAD-LETTERED', 'REASON'].join('\t'));
        for (const letter of letters) deps.out([letter.id, letter.function, letter.deliveryId ?? '-', letter.status, letter.outcome, letter.deadLetteredAt, oneLine(letter.reason)].join('\t'));
      }
      return 0;
    }
    case 'show': {
      if (!id) return usage('show needs an ID');
      const letter = await find(deps.store, id);
      if (!letter) return notFound(deps, id);
      const request = letter.request === undefined ? undefined : parseJson(letter.request);
      deps.out(JSON.stringify({ ...letter, request }, null, 2));
      return 0;
    }
    case 'replay': {
      if (!!values.all === (id !== undefined)) return usage('replay needs an ID or --all');
      const letters = values.all ? await deps.store.list(values.function) : [await find(deps.store, id!)];
      if (letters[0] === undefined) return notFound(deps, id!);
      const token = await deps.token();
      let unsettled = 0;
      for (const letter of letters as DeadLetter[]) {
        const result = await replayDeadLetter(letter, { url: deps.functionUrl(letter.function), token, fetch: deps.fetch });
        if (result.verdict === 'settled') await deps.store.remove(letter.id);
        else unsettled += 1;
        deps.out(`${letter.id}\t${describe(result)}`);
      }
      if (values.all) deps.out(`replayed ${letters.length}: ${letters.length - unsettled} settled and dropped, ${unsettled} kept`);
      return unsettled === 0 ? 0 : 1;
    }
    case 'drop': {
      if (values['older-than'] !== undefined) {
        if (id !== undefined) return usage('drop takes an ID or --older-than, not both');
        const days = Number(values['older-than'].replace(/d$/, ''));
        if (!Number.isFinite(days) || days < 0) return usage(`--older-than takes a number of days, got "${values['older-than']}"`);
        const cutoff = (deps.now?.() ?? new Date()).getTime() - days * 86_400_000;
        const old = (await deps.store.list(values.function)).filter((letter) => Date.parse(letter.deadLetteredAt) < cutoff);
        for (const letter of old) if (await deps.store.remove(letter.id)) deps.out(`dropped ${letter.id}`);
        deps.out(`dropped ${old.length} dead letters older than ${days} days`);
        return 0;
      }
      if (!id) return usage('drop needs an ID (or --older-than DAYS)');
      const letter = await find(deps.store, id);
      if (!letter || !(await deps.store.remove(letter.id))) return notFound(deps, id);
      deps.out(`dropped ${letter.id}`);
      return 0;
    }
    case 'parked': {
      if (id !== undefined) return usage('parked takes no ID');
      if (!deps.playWorkflows) throw new Error('parked needs the play workflows');
      const minutes = values['older-than'] === undefined ? undefined : Number(values['older-than'].replace(/m$/, ''));
      if (minutes !== undefined && (!Number.isFinite(minutes) || minutes < 0)) return usage(`--older-than takes a number of minutes, got "${values['older-than']}"`);
      const rows = parkedRows(await deps.playWorkflows(), deps.now?.() ?? new Date()).filter((row) => values.function === undefined || row.function === values.function);
      const old = minutes === undefined ? [] : rows.filter((row) => row.ageSeconds > minutes * 60);
      const shown = minutes === undefined ? rows : old;
      if (values.json) deps.out(JSON.stringify(shown, null, 2));
      else {
        deps.out(['WORKFLOW', 'TASK', 'STAGE', 'FUNCTION', 'KEYS', 'PARKED-AT', 'AGE'].join('\t'));
        for (const row of shown) deps.out([row.workflow, row.task ?? '-', row.stage ?? '-', row.function, row.keys.join(','), row.parkedAt, `${row.ageSeconds}s`].join('\t'));
      }
      if (minutes !== undefined && old.length > 0) {
        deps.err(`${old.length} parked event(s) older than ${minutes} minutes: the re-drive missed them (docs/operations.md, "Parked events")`);
        return 1;
      }
      return 0;
    }
    default:
      return usage(command ? `unknown command "${command}"` : 'no command');
  }
}

/** By object name, else by delivery ID (one function's, or the only one). */
async function find(store: DeadLetterStore, id: string): Promise<DeadLetter | undefined> {
  const byName = await store.get(id);
  if (byName) return byName;
  const byDelivery = (await store.list()).filter((letter) => letter.deliveryId === id);
  if (byDelivery.length > 1) throw new Error(`delivery ${id} was dead-lettered by ${byDelivery.map((l) => `${l.function} (${l.id})`).join(' and ')}: name one`);
  return byDelivery[0];
}

function notFound(deps: CommandDeps, id: string): number {
  deps.err(`no dead letter ${id}`);
  return 1;
}

function describe(result: ReplayResult): string {
  const answer = result.status === undefined ? '' : `${result.status} ${result.outcome ?? ''}`.trim();
  switch (result.verdict) {
    case 'settled':
      return `settled: ${answer}; dropped`;
    case 'refused':
      return `refused again: ${answer}: ${oneLine(result.reason ?? '')}; kept`;
    case 'failed':
      return `not now: ${answer ? `${answer}: ` : ''}${oneLine(result.reason ?? '')}; kept, replay it later`;
    case 'not-kept':
      return `cannot replay: ${result.reason}`;
  }
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
