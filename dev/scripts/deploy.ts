/**
 * `npm run deploy -- <function>|all [--image IMAGE] [--namespace NS] [--github-api-url URL] [--dry-run] [--manifests]`
 *
 * Server-side applies (field manager `handoff-deploy`) one function's ServiceAccount,
 * Role, RoleBinding and Knative Service — or all four functions — from the same
 * generator as the committed YAML. Objects of other functions are not sent, so they
 * keep their resourceVersions. `--manifests` also applies the
 * EventSources, the Sensors and the WorkflowTemplates (never the agent platform's CodeRun
 * CRD, which must exist first: docs/operations.md). `--dry-run` asks the API
 * server to validate everything and persist nothing (dryRun=All). `--github-api-url` sets the functions'
 * GITHUB_API_URL (GitHub Enterprise Server: `https://<host>/api/v3`); unset, they call https://api.github.com.
 */
import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';
import { buildManifests } from '../../manifests/index';
import { DECLARATIONS } from '../../shared/declarations';

interface DeployArgs {
  readonly target: string;
  readonly image?: string;
  readonly namespace?: string;
  readonly githubApiUrl?: string;
  readonly dryRun: boolean;
  readonly manifests: boolean;
}

/** The flags followed by a value. */
const VALUE_FLAGS = ['--image', '--namespace', '--github-api-url'];

export function parseDeployArgs(argv: readonly string[]): DeployArgs {
  const value = (flag: string) => {
    const index = argv.indexOf(flag);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const target = argv.find((arg, index) => !arg.startsWith('--') && !VALUE_FLAGS.includes(argv[index - 1] ?? '')) ?? '';
  const names = DECLARATIONS.map((declaration) => declaration.name as string);
  if (target !== 'all' && !names.includes(target)) {
    throw new Error(`usage: npm run deploy -- <${names.join('|')}|all> [--image IMAGE] [--namespace NS] [--github-api-url URL] [--dry-run] [--manifests]`);
  }
  return { target, image: value('--image'), namespace: value('--namespace'), githubApiUrl: value('--github-api-url'), dryRun: argv.includes('--dry-run'), manifests: argv.includes('--manifests') };
}

/** The objects a deploy sends, in apply order (CRDs and RBAC before what uses them). */
export function deployObjects(args: DeployArgs): KubernetesObject[] {
  const files = buildManifests({
    ...(args.image ? { image: args.image } : {}),
    ...(args.namespace ? { namespace: args.namespace } : {}),
    ...(args.githubApiUrl ? { githubApiUrl: args.githubApiUrl } : {}),
  });
  const functions = files.filter((file) => file.path.startsWith('knative/') && (args.target === 'all' || file.path === `knative/${args.target}.yaml`));
  const rest = args.manifests ? files.filter((file) => file.path.startsWith('argo/')) : [];
  const order = (object: KubernetesObject) => (object.kind === 'CustomResourceDefinition' ? 0 : ['ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap'].includes(object.kind ?? '') ? 1 : 2);
  return [...rest, ...functions].flatMap((file) => file.objects as KubernetesObject[]).sort((a, b) => order(a) - order(b));
}

/** The object as it is, in and out: no model of the client's to drop fields it does not know. */
const passThrough = { serialize: (data: unknown) => data, deserialize: (data: unknown) => data };

/**
 * client-node picks the model that serializes a request body by version and kind alone
 * (getSerializationType: `V1` + `Service`), so a Knative `serving.knative.dev/v1` Service would be
 * sent as a core V1Service, whose model has no `spec.template`: the apply would own an empty spec
 * and change nothing. Objects of API groups the client has no models for are registered to pass
 * through unchanged, as ObjectSerializer.registerModel is documented for custom resources.
 */
const registered = new Set<string>();
export function registerCustomResourceModels(objects: readonly KubernetesObject[]): void {
  for (const object of objects) {
    const [group = '', version] = (object.apiVersion ?? '').split('/');
    // Built-in groups: core (no group), `apps`-style names without a dot, and *.k8s.io.
    if (!version || !object.kind || !group.includes('.') || group.endsWith('.k8s.io')) continue;
    const key = `${object.apiVersion}/${object.kind}`;
    if (registered.has(key)) continue;
    ObjectSerializer.registerModel({ group, version, kind: object.kind }, passThrough);
    registered.add(key);
  }
}

export async function deploy(args: DeployArgs, kubeConfig: KubeConfig, log: (line: string) => void = console.log): Promise<KubernetesObject[]> {
  const client = KubernetesObjectApi.makeApiClient(kubeConfig);
  const applied: KubernetesObject[] = [];
  const objects = deployObjects(args);
  registerCustomResourceModels(objects);
  for (const object of objects) {
    const result = await client.patch(object, undefined, args.dryRun ? 'All' : undefined, 'handoff-deploy', true, PatchStrategy.ServerSideApply);
    applied.push(result);
    const where = object.metadata?.namespace ? `${object.metadata.namespace}/` : '';
    log(`${args.dryRun ? 'validated (dry run)' : 'applied'} ${object.kind} ${where}${object.metadata?.name} (resourceVersion ${result.metadata?.resourceVersion ?? '-'})`);
  }
  return applied;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const args = parseDeployArgs(process.argv.slice(2));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
    await deploy(args, kubeConfig);
  } catch (error) {
    const body = (error as { body?: unknown }).body;
    console.error(`deploy failed: ${(error as Error).message}${body ? `\n${typeof body === 'string' ? body : JSON.stringify(body)}` : ''}`);
    process.exit(1);
  }
}
