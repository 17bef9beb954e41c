// The manifest option githubApiUrl (GitHub Enterprise Server): GITHUB_API_URL on the functions that call GitHub.
import { describe, expect, it } from 'vitest';
import { buildManifests, objectsOf } from '../../manifests/index';
import { deployObjects, parseDeployArgs } from '../../dev/scripts/deploy';
import { loadConfig } from '../../shared/config';

interface Container {
  env: { name: string; value?: string }[];
}
const containerOf = (service: unknown) => (service as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers[0]!;

function functionEnv(options: Parameters<typeof buildManifests>[0]): Record<string, Record<string, string | undefined>> {
  const services = objectsOf(buildManifests(options), (f) => f.path.startsWith('knative/')).filter((o) => o.apiVersion === 'serving.knative.dev/v1');
  return Object.fromEntries(services.map((s) => [s.metadata.name, Object.fromEntries(containerOf(s).env.map((e) => [e.name, e.value]))]));
}

describe('manifest option githubApiUrl', () => {
  it('unset (the default): no function gets GITHUB_API_URL', () => {
    const env = functionEnv({});
    expect(Object.keys(env).sort()).toEqual(['approved', 'labeled-ready-for-qa', 'pr-opened', 'rex-push']);
    for (const [name, variables] of Object.entries(env)) expect(variables, name).not.toHaveProperty('GITHUB_API_URL');
  });

  it('set: the functions that call GitHub (rex-push, pr-opened) get it beside their App credentials; the others need none', () => {
    const env = functionEnv({ githubApiUrl: 'https://ghe.example.com/api/v3' });
    for (const name of ['rex-push', 'pr-opened']) {
      expect(env[name], name).toMatchObject({ GITHUB_API_URL: 'https://ghe.example.com/api/v3' });
      expect(env[name], name).toHaveProperty('GITHUB_APP_ID');
    }
    for (const name of ['approved', 'labeled-ready-for-qa']) {
      expect(env[name], name).not.toHaveProperty('GITHUB_API_URL');
      expect(env[name], name).not.toHaveProperty('GITHUB_APP_ID');
    }
  });

  it('the value is one the function accepts as GITHUB_API_URL', () => {
    const url = functionEnv({ githubApiUrl: 'http://10.0.0.7:41234' })['rex-push']!.GITHUB_API_URL;
    const config = loadConfig({ TRIGGER_TOKENS: 't', NAMESPACE: 'argo', GITHUB_TOKEN: 'x', GITHUB_API_URL: url });
    expect(config.github.baseUrl).toBe('http://10.0.0.7:41234');
  });

  it('refuses what is not an http(s) URL', () => {
    expect(() => buildManifests({ githubApiUrl: 'ghe.example.com/api/v3' })).toThrow(/githubApiUrl must be an http\(s\) URL/);
    expect(() => buildManifests({ githubApiUrl: 'file:///etc/passwd' })).toThrow(/githubApiUrl must be an http\(s\) URL/);
  });

  it('npm run deploy -- <function> --github-api-url URL sets it', () => {
    const objects = deployObjects(parseDeployArgs(['rex-push', '--github-api-url', 'https://ghe.example.com/api/v3', '--image', 'registry.local/handoff:1']));
    const service = objects.find((o) => o.kind === 'Service')!;
    expect(containerOf(service).env).toContainEqual({ name: 'GITHUB_API_URL', value: 'https://ghe.example.com/api/v3' });
    const without = deployObjects(parseDeployArgs(['rex-push'])).find((o) => o.kind === 'Service')!;
    expect(containerOf(without).env.map((e) => e.name)).not.toContain('GITHUB_API_URL');
  });
});
