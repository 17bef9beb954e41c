/** The url module node-fetch 2 gets in the bundles (dev/scripts/bundle/node-fetch-url.cjs): url.parse's results, from the WHATWG parser. */
import { createRequire } from 'node:module';
import url from 'node:url';
import { describe, expect, it } from 'vitest';

const shim = createRequire(import.meta.url)('../../dev/scripts/bundle/node-fetch-url.cjs') as typeof url;

const URLS = [
  'https://10.96.0.1/apis/argoproj.io/v1alpha1/namespaces/argo/workflows?labelSelector=workflow-type%3Dplay-orchestration%2Ctask-id%3D42',
  'https://kubernetes.default.svc:443/apis/argoproj.io/v1alpha1/namespaces/argo/workflows/play-42',
  'https://[::1]:6443/api/v1/namespaces/argo/secrets?limit=5#fragment',
  'http://user:p%40ss@127.0.0.1:8001/apis/x',
  'https://Kube.Example.COM/a/../b/./c?d=e%20f',
];

describe('node-fetch-url.cjs', () => {
  // node-fetch 2.7.0's parseURL: `urlStr = new URL(urlStr).toString()` for an absolute URL, then `parse_url(urlStr)`.
  it.each(URLS)('parse(%s), as node-fetch calls it, gives what url.parse gave, and formats back the same', (input) => {
    const normalised = new URL(input).toString();
    expect(shim.parse(normalised)).toEqual({ ...url.parse(normalised) });
    expect(url.format(shim.parse(normalised))).toBe(url.format(url.parse(normalised)));
  });

  it('is Node\'s url module in everything else', () => {
    expect(shim.URL).toBe(url.URL);
    expect(shim.format).toBe(url.format);
    expect(shim.fileURLToPath).toBe(url.fileURLToPath);
  });
});
