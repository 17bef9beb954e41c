/** Per-attempt deadlines, against a real local server (nock's delayed replies ignore abort signals). */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GitHubUnavailableError } from '../../../shared/github/types';
import { pull, testClient } from './helpers';

let server: Server;
let baseUrl: string;
/** How the next requests are answered, in order; `hang` never answers. */
let script: ('hang' | 'ok')[] = [];
const seen: string[] = [];

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method} ${req.url}`);
    if ((script.shift() ?? 'hang') === 'hang') return;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([pull(12, 'task-7-rex')]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  server.closeAllConnections();
  seen.length = 0;
  script = [];
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  nock.enableNetConnect();
});

describe('requestTimeoutMs', () => {
  it('aborts a hanging attempt and retries it', async () => {
    script = ['hang', 'ok'];
    const { client } = testClient({ baseUrl, retries: 1, requestTimeoutMs: 100 });
    await expect(client.listOpenByBranch('acme', 'shop', 'task-7-rex')).resolves.toEqual([{ number: 12, labels: [] }]);
    expect(seen).toHaveLength(2);
  });

  it('fails with GitHubUnavailableError when every attempt times out', async () => {
    script = ['hang', 'hang'];
    const { client } = testClient({ baseUrl, retries: 1, requestTimeoutMs: 100 });
    const error = await client.listOpenByBranch('acme', 'shop', 'task-7-rex').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubUnavailableError);
    expect((error as Error).message).toMatch(/GitHub unreachable \(.*timeout.*\)/);
    expect(seen).toHaveLength(2);
  });
});
