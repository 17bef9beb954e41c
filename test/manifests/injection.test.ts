/**
 * Over every generated WorkflowTemplate: no Argo placeholder in anything a
 * container runs (command, args, script source), resource manifests take values only through
 * `{{=toJson(…)}}` in a plain YAML position, and env values carry only base64 parameters,
 * digits-only expressions or constants. See docs/security.md ("Untrusted text").
 */
import { describe, expect, it } from 'vitest';
import { digitsOnly, parameter } from '../../manifests/expressions';
import { buildManifests } from '../../manifests/index';
import { PARAMETER_ENCODING, PLATFORM_PARAMETERS } from '../../manifests/platform-sensors';

const templates = buildManifests()
  .flatMap((file) => file.objects as any[])
  .filter((o) => o.kind === 'WorkflowTemplate')
  .map((t) => [t.metadata.name as string, t] as const);

const TO_JSON_LINE = /^ *[A-Za-z0-9_./-]+: \{\{=toJson\((.*)\)\}\}$/;

/** Problems in one manifest: placeholders outside a whole-value toJson tag, block scalars, quoted tags. */
export function manifestProblems(manifest: string): string[] {
  const problems: string[] = [];
  for (const line of manifest.split('\n')) {
    if (/[|>][-+]?$/.test(line.trim()) && line.includes(':')) problems.push(`block scalar: ${line}`);
    if (!line.includes('{{')) continue;
    const tag = TO_JSON_LINE.exec(line);
    if (!tag) problems.push(`placeholder outside a plain toJson value: ${line}`);
    else if (tag[1]!.includes('{{') || tag[1]!.includes('}}')) problems.push(`nested placeholder: ${line}`);
  }
  return problems;
}

const base64Parameters = PLATFORM_PARAMETERS.filter((name) => PARAMETER_ENCODING[name] === 'base64');
const numberParameters = PLATFORM_PARAMETERS.filter((name) => PARAMETER_ENCODING[name] === 'number');
/** The only env values that may hold a placeholder. */
const allowedEnvValues = new Set([...base64Parameters.map((name) => `{{workflow.parameters.${name}}}`), ...numberParameters.map((name) => `{{=${digitsOnly(parameter(name))}}}`)]);

describe.each(templates)('WorkflowTemplate %s', (_name, template) => {
  const leaves = template.spec.templates as any[];

  it('runs no placeholder: command, args and script source are constants', () => {
    for (const leaf of leaves) {
      const runnable = leaf.container ?? leaf.script;
      if (!runnable) continue;
      const texts = [...(runnable.command ?? []), ...(runnable.args ?? []), ...(leaf.script ? [leaf.script.source] : [])];
      for (const text of texts) expect(text, `${leaf.name}`).not.toContain('{{');
    }
  });

  it('env values are base64 parameters, digits-only numbers or constants', () => {
    for (const leaf of leaves)
      for (const env of (leaf.container ?? leaf.script)?.env ?? []) {
        if (env.value?.includes('{{')) expect(allowedEnvValues.has(env.value), `${leaf.name} ${env.name}=${env.value}`).toBe(true);
      }
  });

  it('resource manifests take values only through {{=toJson(…)}} as a whole plain value', () => {
    for (const leaf of leaves) {
      if (!leaf.resource) continue;
      expect(manifestProblems(leaf.resource.manifest), leaf.name).toEqual([]);
      for (const flag of leaf.resource.flags ?? []) expect(['workflow', '{{workflow.name}}'], leaf.name).toContain(flag);
    }
  });
});

describe('the manifest check itself', () => {
  it.each([
    ['a: "{{workflow.parameters.x}}"'],
    ['a: {{workflow.parameters.x}}'],
    ['a: "{{=toJson(workflow.parameters.x)}}"'],
    ['a: |\n  {{=toJson(workflow.parameters.x)}}'],
    ['a: x-{{=toJson(workflow.parameters.x)}}'],
    ['a: {{=toJson(workflow.parameters.x)}} {{workflow.name}}'],
  ])('rejects %j', (manifest) => {
    expect(manifestProblems(manifest)).not.toEqual([]);
  });

  it('accepts a plain toJson value', () => {
    expect(manifestProblems("metadata:\n  labels:\n    a: {{=toJson(workflow.parameters['x'])}}")).toEqual([]);
  });
});
