// The controller's ConfigMap as Argo reads it: with no `config` key, each key is a top-level field and a
// multi-line value is indented under it (argo-workflows config/controller.go parseConfigMap, ported here).
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { controllerConfigMap, LOCAL_RESOURCE_CHECK_INTERVAL } from '../../../dev/stack/argo/workflow-controller';

/** upstream parseConfigMap's assembly of the per-key form into one YAML document. */
function argoConfigOf(data: Record<string, string>): unknown {
  let raw = '';
  for (const [name, value] of Object.entries(data)) {
    if (value.includes('\n')) raw += `${name}:\n  ${value.replace(/^\n+|\n+$/g, '').split('\n').join('\n  ')}\n`;
    else raw += `${name}: ${value}\n`;
  }
  return parse(raw);
}

describe('workflow-controller ConfigMap', () => {
  it('gives the executor a 1 s resource check interval, keeps metrics on its own port and telemetry off', () => {
    const { data } = controllerConfigMap('argo', 40123);
    expect(data).not.toHaveProperty('config'); // the per-key form: a `config` key must then be the only one
    expect(argoConfigOf(data)).toEqual({
      metricsConfig: { enabled: true, port: 40123 },
      telemetryConfig: { enabled: false },
      executor: { env: [{ name: 'RESOURCE_STATE_CHECK_INTERVAL', value: LOCAL_RESOURCE_CHECK_INTERVAL }] },
    });
  });
});
