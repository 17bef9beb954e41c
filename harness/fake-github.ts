// A recording stand-in for the GitHub REST API (GITHUB_API_URL of the local functions): the
// only write the functions make is removing the ready-for-qa label, which it accepts.
import { createServer, type Server } from 'node:http';

export interface RecordedGitHubRequest {
  method: string;
  path: string;
  body: string;
}

export interface FakeGitHub {
  url: string;
  requests: RecordedGitHubRequest[];
  close(): Promise<void>;
}

export async function startFakeGitHub(host = '127.0.0.1'): Promise<FakeGitHub> {
  const requests: RecordedGitHubRequest[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '/';
      requests.push({ method: req.method ?? 'GET', path, body });
      res.setHeader('Content-Type', 'application/json');
      // DELETE /repos/{owner}/{repo}/issues/{n}/labels/{name} answers with the remaining labels.
      if (req.method === 'DELETE' && /^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/labels\/[^/]+$/.test(path)) {
        res.end('[]');
        return;
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ message: 'Not Found (local harness fake GitHub)' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://${host}:${port}`, requests, close: () => new Promise((r) => server.close(() => r())) };
}
