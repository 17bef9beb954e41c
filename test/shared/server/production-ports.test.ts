/** The production wiring: configuration → ports (the real clients) → app, with metrics observed on real calls. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config';
import { APPROVED, LABELED_READY_FOR_QA, PR_OPENED, REX_PUSH } from '../../../shared/declarations';
import { createGitHubClient } from '../../../shared/github/client';
import { buildFunctionApp } from '../../../shared/server/build-function-app';
import { productionPorts } from '../../../shared/server/production-ports';
import { FakeKubeApi } from '../../fakes/fake-kube-api';
import { pullRequestEvent, sensorEnvelope } from '../../fixtures/github-events';
import { playWorkflow } from '../../fixtures/workflows';

describe('productionPorts', () => {
  let api: FakeKubeApi;
  const previous = process.env.KUBECONFIG;
  beforeEach(async () => {
    api = await FakeKubeApi.start();
    const file = join(mkdtempSync(join(tmpdir(), 'handoff-wiring-')), 'kubeconfig');
    writeFileSync(file, api.kubeConfig().exportConfig());
    process.env.KUBECONFIG = file;
  });
  afterEach(async () => {
    process.env.KUBECONFIG = previous;
    await api.close();
  });

  it('resumes through the real clients and exports event, Kubernetes and conflict metrics', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7' }));
    let raced = false;
    api.beforeUpdate = (stored) => {
      if (raced) return;
      raced = true;
      api.put(stored);
    };
    const config = loadConfig({ TRIGGER_TOKENS: 't', LOG_LEVEL: 'silent' });
    const { app, drain } = buildFunctionApp(PR_OPENED, config, productionPorts(PR_OPENED, config));
    const response = await app.request('/', {
      method: 'POST',
      body: JSON.stringify(sensorEnvelope('pull_request', pullRequestEvent('opened', { task: 7 }), 'wired-1')),
      headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
    });
    expect(await response.json()).toMatchObject({ outcome: 'resumed', workflow: 'play-7' });

    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toContain('handoff_events_total{function="pr-opened",outcome="resumed"} 1');
    expect(metrics).toMatch(/handoff_kubernetes_request_duration_seconds_count\{verb="list",resource="workflows",result="ok"\} 1/);
    expect(metrics).toMatch(/handoff_kubernetes_request_duration_seconds_count\{verb="update",resource="workflows",result="error"\} 1/);
    expect(metrics).toContain('handoff_resume_conflicts_total{function="pr-opened"} 1');
    expect(metrics).toContain('process_resident_memory_bytes');

    drain();
    expect((await app.request('/readyz')).status).toBe(503);
  });

  it('rex-push, and pr-opened when GitHub credentials are set, need the GitHub client passed in; the others never build one; only rex-push gets the CodeRun client', () => {
    const config = loadConfig({ TRIGGER_TOKENS: 't', LOG_LEVEL: 'silent', GITHUB_TOKEN: 'g' });
    expect(() => productionPorts(REX_PUSH, config)).toThrow(/rex-push calls GitHub: pass createGitHubClient/);
    expect(() => productionPorts(PR_OPENED, config)).toThrow(/pr-opened calls GitHub: pass createGitHubClient/);
    const built: string[] = [];
    const factory: typeof createGitHubClient = (options) => {
      built.push(options.token ?? '');
      return createGitHubClient(options);
    };
    expect(productionPorts(REX_PUSH, config, { createGitHubClient: factory })).toMatchObject({ pullRequests: expect.anything(), codeRuns: expect.anything() });
    expect(productionPorts(PR_OPENED, config, { createGitHubClient: factory })).toMatchObject({ pullRequests: expect.anything(), codeRuns: undefined });
    expect(productionPorts(APPROVED, config, { createGitHubClient: factory })).toMatchObject({ pullRequests: undefined, codeRuns: undefined });
    expect(productionPorts(LABELED_READY_FOR_QA, config, { createGitHubClient: factory })).toMatchObject({ pullRequests: undefined, codeRuns: undefined });
    expect(built).toEqual(['g', 'g']);
    // Without credentials pr-opened serves without a client (the labeled event alone resumes).
    productionPorts(PR_OPENED, loadConfig({ TRIGGER_TOKENS: 't', LOG_LEVEL: 'silent' }), { createGitHubClient: factory });
    expect(built).toEqual(['g', 'g']);
  });
});
