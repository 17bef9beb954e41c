/**
 * The parameter contract of the platform Sensors: every parameter of every trigger comes from the
 * real GitHub payload of the event its dependency accepts (@octokit/webhooks-examples), or is a
 * declared constant; `event` is the payload itself; text is base64-encoded in the Sensor.
 * The dataTemplates are read here in their one generated form; the real Argo Events output is
 * checked end to end in test/e2e/injection.e2e.ts.
 */
import { describe, expect, it } from 'vitest';
import { buildManifests } from '../../manifests/index';
import { PARAMETER_ENCODING, PAYLOAD_TEMPLATE, PLATFORM_PARAMETERS, PLATFORM_SENSORS } from '../../manifests/platform-sensors';
import { example, sensorEnvelope } from '../fixtures/github-events';
import { filtersPass, lookup } from '../support/argo-filters';

const sensors = buildManifests()
  .flatMap((file) => file.objects as any[])
  .filter((o) => o.kind === 'Sensor' && o.metadata.name.startsWith('platform-'));

/** `{{ .Input.<path> | b64enc }}`: the gjson path it reads, or undefined for any other template. */
const textTemplatePath = (template: string) => /^\{\{ \.Input\.([A-Za-z0-9_.]+) \| b64enc \}\}$/.exec(template)?.[1];

/** A real payload of `event` that the dependency's filters accept, else the first example of that event. */
function payloadFor(event: string, filters: unknown) {
  const accepted = (payload: Record<string, any>) => filtersPass(filters as any, sensorEnvelope(event, payload));
  try {
    return example(event, accepted);
  } catch {
    return example(event);
  }
}

const cases = PLATFORM_SENSORS.flatMap((definition) =>
  definition.dependencies.map((dependency) => {
    const sensor = sensors.find((s) => s.metadata.name === definition.name);
    const trigger = sensor.spec.triggers.find((t: any) => t.template.conditions === dependency.name);
    const generatedDependency = sensor.spec.dependencies.find((d: any) => d.name === dependency.name);
    return [`${definition.name}/${dependency.name}`, dependency.event, generatedDependency, trigger.template.k8s.parameters] as const;
  }),
);

describe('platform Sensor parameters come from the payload', () => {
  it('covers all six Sensors and their eleven dependencies', () => {
    expect(sensors).toHaveLength(6);
    expect(cases).toHaveLength(sensors.reduce((n, s) => n + s.spec.dependencies.length, 0));
  });

  it.each(cases)('%s (%s)', (_name, event, dependency, parameters) => {
    const envelope = sensorEnvelope(event, payloadFor(event, dependency.filters));
    expect(parameters.map((p: any) => p.dest)).toEqual(PLATFORM_PARAMETERS.map((_, i) => `spec.arguments.parameters.${i}.value`));
    PLATFORM_PARAMETERS.forEach((name, index) => {
      const { src } = parameters[index];
      const where = `${name} of ${dependency.name}`;
      expect(src.dependencyName, where).toBe(dependency.name);
      expect(src.value, `${where}: a default, so a missing field never drops the event`).toBe(PARAMETER_ENCODING[name] === 'constant' ? src.value : '');
      if (name === 'event') {
        expect(src.dataTemplate, `${where} is the whole payload, base64`).toBe(PAYLOAD_TEMPLATE);
        return;
      }
      if (src.dataTemplate !== undefined) {
        expect(PARAMETER_ENCODING[name], where).toBe('base64');
        const path = textTemplatePath(src.dataTemplate);
        expect(path, `${where}: ${src.dataTemplate}`).toBeDefined();
        expect(typeof lookup(envelope, path!), `${where}: ${path} is a string in the real ${event} payload`).toBe('string');
        expect(src.dataKey, `${where}: no raw fallback`).toBeUndefined();
      } else if (src.dataKey !== undefined) {
        expect(PARAMETER_ENCODING[name], where).toBe('number');
        expect(typeof lookup(envelope, src.dataKey), `${where}: ${src.dataKey} is a number in the real ${event} payload`).toBe('number');
      } else {
        // Not from the event: a declared constant, or '' for a parameter this event does not have.
        if (PARAMETER_ENCODING[name] !== 'constant') expect(src.value, where).toBe('');
      }
    });
  });

  it('the payload template drops only the two keys the GitHub EventSource adds to the body', () => {
    // argo-events v1.9.11 pkg/eventsources/sources/github/start.go parseValidateRequest adds them.
    expect(PAYLOAD_TEMPLATE).toBe('{{ omit .Input.body "X-GitHub-Event" "X-GitHub-Delivery" | toJson | b64enc }}');
  });

  it('no trigger parameter passes event text unencoded', () => {
    for (const sensor of sensors)
      for (const trigger of sensor.spec.triggers)
        for (const [index, p] of trigger.template.k8s.parameters.entries()) {
          if (p.src.dataKey !== undefined) expect(PARAMETER_ENCODING[PLATFORM_PARAMETERS[index]!]).toBe('number');
          if (p.src.dataTemplate !== undefined) expect(p.src.dataTemplate).toMatch(/\| b64enc \}\}$/);
          expect(p.src.useRawData).toBeUndefined();
        }
  });
});
