/**
 * dev/scripts/bundle/client-node-models.ts: client-node's ObjectSerializer bundled with the models the functions name.
 * The slim serializer, bundled by esbuild as the functions are, must give upstream's full serializer's output for
 * every call a function bundle makes, and refuse a model it does not carry instead of passing it through.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectSerializer as Upstream } from '@kubernetes/client-node/dist/serializer.js';
import { clientNodeModelsPlugin, modelClosure, ROOT_MODELS, slimSerializerSource, typeMapNames } from '../../dev/scripts/bundle/client-node-models';

const serializerFile = join(dirname(createRequire(import.meta.url).resolve('@kubernetes/client-node/dist/config.js')), 'gen', 'models', 'ObjectSerializer.js');
const upstreamSource = readFileSync(serializerFile, 'utf8');
const work = mkdtempSync(join(tmpdir(), 'handoff-client-node-models-'));
let Slim: typeof Upstream;
let inputs: string[];

beforeAll(async () => {
  const outfile = join(work, 'serializer.mjs');
  // The serializer KubernetesObjectApi uses (dist/serializer.js, over the generated one), and CustomObjectsApi, as a function bundle has them.
  const result = await build({
    stdin: {
      contents: ["export { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';", "export { ObjectCustomObjectsApi } from '@kubernetes/client-node/dist/gen/types/ObjectParamAPI.js';"].join('\n'),
      resolveDir: process.cwd(),
    },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    metafile: true,
    plugins: [clientNodeModelsPlugin()],
    logLevel: 'silent',
  });
  // Modules esbuild reached but dropped stay in metafile.inputs; the output's inputs with bytes are what the bundle carries.
  const output = Object.values(result.metafile.outputs)[0];
  inputs = Object.entries(output?.inputs ?? {}).filter(([, { bytesInOutput }]) => bytesInOutput > 0).map(([input]) => input);
  Slim = ((await import(pathToFileURL(outfile).href)) as { ObjectSerializer: typeof Upstream }).ObjectSerializer;
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'handoff.dev/dead-letter',
  metadata: {
    name: 'dl-pr-opened-0123',
    namespace: 'argo',
    uid: '2b0f7c1e-0000-4000-8000-000000000001',
    resourceVersion: '4711',
    creationTimestamp: '2026-12-04T03:00:00Z',
    labels: { 'handoff.dev/dead-letter': 'true' },
    annotations: { note: 'x' },
    ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u-1', controller: true }],
    managedFields: [{ manager: 'handoff', operation: 'Update', apiVersion: 'v1', time: '2026-12-04T03:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } }],
  },
  data: { reason: Buffer.from('no workflow').toString('base64') },
  stringData: { outcome: 'no-workflow' },
};
const resourceList = {
  kind: 'APIResourceList',
  groupVersion: 'v1',
  resources: [{ name: 'secrets', singularName: 'secret', namespaced: true, kind: 'Secret', verbs: ['create', 'update'], shortNames: [] }],
};
const status = { kind: 'Status', apiVersion: 'v1', metadata: { resourceVersion: '1' }, status: 'Failure', message: 'secrets "x" already exists', reason: 'AlreadyExists', details: { name: 'x', kind: 'secrets', causes: [{ reason: 'FieldValueDuplicate', field: 'metadata.name' }] }, code: 409 };
const deleteOptions = { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', preconditions: { uid: 'u-1', resourceVersion: '9' }, gracePeriodSeconds: 0 };
const workflow = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'play-7', creationTimestamp: '2026-12-04T03:00:00Z' }, status: { nodes: { a: { phase: 'Running' } } } };

describe('the slim ObjectSerializer', () => {
  it('keeps the roots and every model their attributes name, and nothing else', async () => {
    const known = typeMapNames(upstreamSource);
    expect(known.size).toBeGreaterThan(700);
    expect(await modelClosure(dirname(serializerFile), ROOT_MODELS, known)).toEqual(
      ['V1APIResource', 'V1APIResourceList', 'V1DeleteOptions', 'V1ListMeta', 'V1ManagedFieldsEntry', 'V1ObjectMeta', 'V1OwnerReference', 'V1Preconditions', 'V1Secret', 'V1Status', 'V1StatusCause', 'V1StatusDetails'].sort(),
    );
    const models = inputs.filter((input) => input.includes('@kubernetes/client-node/dist/gen/models/')).map((input) => input.replace(/.*\//, ''));
    expect(models.sort()).toEqual(['ObjectSerializer.js', 'V1APIResource.js', 'V1APIResourceList.js', 'V1DeleteOptions.js', 'V1ListMeta.js', 'V1ManagedFieldsEntry.js', 'V1ObjectMeta.js', 'V1OwnerReference.js', 'V1Preconditions.js', 'V1Secret.js', 'V1Status.js', 'V1StatusCause.js', 'V1StatusDetails.js']);
    // Of the generated API modules only the one a function calls.
    expect(inputs.filter((input) => /client-node\/dist\/gen\/apis\/[A-Za-z0-9]+Api\.js$/.test(input)).map((input) => input.replace(/.*\//, ''))).toEqual(['CustomObjectsApi.js']);
  });

  for (const [name, data, type] of [
    ['a dead-letter Secret', secret, 'V1Secret'],
    ['discovery', resourceList, 'V1APIResourceList'],
    ['a Status', status, 'V1Status'],
    ['DeleteOptions', deleteOptions, 'V1DeleteOptions'],
    ['a workflow as CustomObjectsApi sends it', workflow, 'any'],
    ['a workflow as a request body', workflow, 'object'],
    ['a label selector', 'workflow-type=play-orchestration,task-id=7', 'string'],
  ] as const) {
    it(`serializes and deserializes ${name} (${type}) exactly as upstream's full serializer`, () => {
      const wire = JSON.parse(JSON.stringify(data)) as unknown;
      expect(Slim.serialize(wire, type)).toEqual(Upstream.serialize(wire, type));
      const slim = Slim.deserialize(wire, type) as unknown;
      const full = Upstream.deserialize(wire, type) as unknown;
      expect(slim).toEqual(full);
      // Same classes and Dates where upstream makes them: the shapes above compare by value, these by construction.
      expect(JSON.stringify(slim)).toBe(JSON.stringify(full));
      expect(Slim.stringify(Slim.serialize(wire, type), 'application/json')).toBe(Upstream.stringify(Upstream.serialize(wire, type), 'application/json'));
    });
  }

  it('deserializes a Secret\'s timestamps into Dates, as upstream does', () => {
    const slim = Slim.deserialize(JSON.parse(JSON.stringify(secret)), 'V1Secret') as { metadata: { creationTimestamp: unknown; managedFields: { time: unknown }[] } };
    expect(slim.metadata.creationTimestamp).toBeInstanceOf(Date);
    expect(slim.metadata.managedFields[0]?.time).toBeInstanceOf(Date);
  });

  it('refuses a model it does not carry, naming where to add it, instead of passing the object through', () => {
    expect(() => Slim.serialize({ metadata: { name: 'p' }, spec: {} }, 'V1Pod')).toThrow('ObjectSerializer: model V1Pod is not bundled; add it to ROOT_MODELS in dev/scripts/bundle/client-node-models.ts');
    expect(() => Slim.deserialize([{ metadata: { name: 'p' } }], 'Array<V1Pod>')).toThrow('model V1Pod is not bundled');
  });

  it('fails the build with a reason when upstream\'s file no longer has the shape the plugin edits', () => {
    expect(() => slimSerializerSource(upstreamSource.replace('let typeMap = {', 'const typeMap = {'), ['V1Secret'])).toThrow("upstream's ObjectSerializer.js has no `let typeMap = { ... };` block");
    const withoutImports = upstreamSource.replace(/^import \{ [A-Za-z0-9]+ \} from '\.\.\/models\/[A-Za-z0-9]+\.js';$/gm, '').replace(/^export \* from '\.\.\/models\/[A-Za-z0-9]+\.js';$/gm, '');
    expect(() => slimSerializerSource(withoutImports, ['V1Secret'])).toThrow("expected upstream's model imports and re-exports");
  });
});
