/**
 * @kubernetes/client-node's ObjectSerializer, bundled with only the models the functions' calls name.
 *
 * Upstream's `dist/gen/models/ObjectSerializer.js` (1.4.0) imports and re-exports all 717 generated model classes and
 * lists each in its `typeMap`, so any generated API or KubernetesObjectApi brings every model into a bundle: about
 * with the API groups nothing calls, about 320 KiB of a 1.1 MB bundle, all of it evaluated at every cold start.
 * The functions' calls name few of them: CustomObjectsApi passes `any`, `object` and primitives (which the serializer
 * passes through), and KubernetesObjectApi, for the dead-letter Secrets, names the types below.
 *
 * The plugin does two things. It marks client-node's generated modules (dist/gen/) free of side effects, which they are:
 * their top level only defines classes, enums and constants. The package declares no `sideEffects`, so esbuild kept
 * every module `dist/gen/index.js` re-exports (all models, all 69 API groups) although a function uses one API.
 * And it loads upstream's ObjectSerializer file and bundles its own code unchanged (primitives, mime types, findCorrectType,
 * serialize, deserialize, stringify, parse), with a typeMap that holds the ROOT_MODELS and every model their
 * attributes name, transitively, imported from the same model files. So for those types the output is upstream's,
 * byte for byte (test/scripts/client-node-models.test.ts compares them with the full serializer).
 *
 * Upstream passes an object of a type missing from its typeMap through unchanged, and dist/serializer.js then treats
 * it as a generic KubernetesObject: a model dropped here would change the wire format silently. So the slim typeMap
 * throws instead when asked for a model name (upstream's are all capitalised: V1Secret, CoreV1Event, VersionInfo)
 * it does not hold, naming the root to add here.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';

/** The model types client-node's code in a function bundle names: KubernetesObjectApi's (dist/object.js) for Secrets. */
export const ROOT_MODELS = ['V1Secret', 'V1APIResourceList', 'V1Status', 'V1DeleteOptions'] as const;

const SKIP = Symbol('client-node-models: resolving');
const CLIENT_NODE = /[\\/]@kubernetes[\\/]client-node[\\/]dist(?:[\\/]|$)/;
const GENERATED = /[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]gen(?:[\\/]|$)/;
const SERIALIZER = /[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]gen[\\/]models[\\/]ObjectSerializer\.js$/;

interface ModelClass {
  readonly attributeTypeMap: readonly { readonly type: string }[];
}

/** The roots and every model their attribute types name (`V1ObjectMeta`, `Array<V1OwnerReference>`, `{ [key: string]: X; }`), sorted. */
export async function modelClosure(modelsDir: string, roots: readonly string[], known: ReadonlySet<string>): Promise<string[]> {
  const kept = new Set<string>();
  const pending = [...roots];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (kept.has(name)) continue;
    if (!known.has(name)) throw new Error(`client-node-models: ${name} is not a model of @kubernetes/client-node`);
    kept.add(name);
    const model = (await import(pathToFileURL(join(modelsDir, `${name}.js`)).href)) as Record<string, ModelClass>;
    const attributes = model[name]?.attributeTypeMap;
    if (!attributes) throw new Error(`client-node-models: ${name}.js has no attributeTypeMap`);
    for (const { type } of attributes) for (const word of type.match(/[A-Za-z0-9]+/g) ?? []) if (known.has(word) && !kept.has(word)) pending.push(word);
  }
  return [...kept].sort();
}

/** The names upstream's typeMap lists. */
export function typeMapNames(source: string): Set<string> {
  return new Set([...typeMapBlock(source).text.matchAll(/^\s*"([A-Za-z0-9]+)": \1,$/gm)].map((match) => match[1] as string));
}

/** Upstream's source with its model imports and re-exports removed and its typeMap holding `kept` only, guarded as described above. */
export function slimSerializerSource(source: string, kept: readonly string[]): string {
  const block = typeMapBlock(source);
  const code = source.slice(0, block.start) + slimTypeMap(kept) + source.slice(block.end);
  const lines = code.split('\n');
  const modelLine = /^(?:import \{ [A-Za-z0-9]+ \} from|export \* from) '\.\.\/models\/[A-Za-z0-9]+\.js';$/;
  const removed = lines.filter((line) => modelLine.test(line)).length;
  const models = typeMapNames(source).size;
  if (removed !== 2 * models) throw new Error(`client-node-models: expected upstream's model imports and re-exports in ObjectSerializer.js, one of each per model of its typeMap (${2 * models} lines), found ${removed}`);
  const imports = kept.map((name) => `import { ${name} } from './${name}.js';`);
  return [...imports, ...lines.filter((line) => !modelLine.test(line))].join('\n');
}

function slimTypeMap(kept: readonly string[]): string {
  return [
    `let typeMap = new Proxy({ ${kept.map((name) => `${name}: ${name}`).join(', ')} }, {`,
    '    get(models, name) {',
    "        if (typeof name !== 'string' || Object.hasOwn(models, name) || !/^[A-Z][A-Za-z0-9]*$/.test(name)) return models[name];",
    "        throw new Error(`ObjectSerializer: model ${name} is not bundled; add it to ROOT_MODELS in dev/scripts/bundle/client-node-models.ts`);",
    '    },',
    '});',
  ].join('\n');
}

/** Where upstream's `let typeMap = { ... };` is. */
function typeMapBlock(source: string): { start: number; end: number; text: string } {
  const start = source.indexOf('\nlet typeMap = {\n');
  const end = start < 0 ? -1 : source.indexOf('\n};\n', start);
  if (start < 0 || end < 0) throw new Error("client-node-models: upstream's ObjectSerializer.js has no `let typeMap = { ... };` block; check the plugin against this @kubernetes/client-node version");
  return { start: start + 1, end: end + 3, text: source.slice(start, end) };
}

/** Bundles client-node's generated code as free of side effects and its ObjectSerializer with the ROOT_MODELS only (see above). */
export function clientNodeModelsPlugin(roots: readonly string[] = ROOT_MODELS): Plugin {
  return {
    name: 'client-node-models',
    setup(build) {
      // The generated modules only define classes: marked free of side effects, the models and APIs nothing uses drop out.
      build.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.pluginData === SKIP || !CLIENT_NODE.test(args.resolveDir)) return undefined;
        const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: SKIP });
        return resolved.errors.length > 0 || !GENERATED.test(resolved.path) ? undefined : { ...resolved, sideEffects: false };
      });
      build.onLoad({ filter: SERIALIZER }, async ({ path }) => {
        const source = readFileSync(path, 'utf8');
        const kept = await modelClosure(dirname(path), roots, typeMapNames(source));
        return { contents: slimSerializerSource(source, kept), loader: 'js', resolveDir: dirname(path) };
      });
    },
  };
}
