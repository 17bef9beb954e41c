/**
 * `npm run deploy -- <function>|all [--image IMAGE] [--namespace NS] [--dry-run] [--manifests]`
 *
 * Server-side applies (field manager `handoff-deploy`) one function's ServiceAccount,
 * Role, RoleBinding and Knative Service — or all four functions — from the same
 * generator as the committed YAML. Objects of other functions are not sent, so they
 * keep their resourceVersions. `--manifests` also applies the
 * EventSources, the Sensors and the WorkflowTemplates (never the agent platform's CodeRun
 * CRD, which must exist first: docs/operations.md). `--dry-run` asks the API
 * server to validate everything and persist nothing (dryRun=All).
 */
import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { buildManifests } from '../manifests/index';
import { DECLARATIONS } from '../shared/declarations';

interface DeployArgs {
  readonly target: string;
  readonly image?: string;
  readonly namespace?: string;
  readonly dryRun: boolean;
  readonly manifests: boolean;
}

export function parseDeployArgs(argv: readonly string[]): DeployArgs {
  const value = (flag: string) => {
    const index = argv.indexOf(flag);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const target = argv.find((arg, index) => !arg.startsWith('--') && !['--image', '--namespace'].includes(argv[index - 1] ?? '')) ?? '';
  const names = DECLARATIONS.map((declaration) => declaration.name as string);
  if (target !== 'all' && !names.includes(target)) {
    throw new Error(`usage: npm run deploy -- <${names.join('|')}|all> [--image IMAGE] [--namespace NS] [--dry-run] [--manifests]`);
  }
  return { target, image: value('--image'), namespace: value('--namespace'), dryRun: argv.includes('--dry-run'), manifests: argv.includes('--manifests') };
}

/** The objects a deploy sends, in apply order (CRDs and RBAC before what uses them). */
export function deployObjects(args: DeployArgs): KubernetesObject[] {
  const files = buildManifests({ ...(args.image ? { image: args.image } : {}), ...(args.namespace ? { namespace: args.namespace } : {}) });
  const functions = files.filter((file) => file.path.startsWith('knative/') && (args.target === 'all' || file.path === `knative/${args.target}.yaml`));
  const rest = args.manifests ? files.filter((file) => file.path.startsWith('argo/')) : [];
  const order = (object: KubernetesObject) => (object.kind === 'CustomResourceDefinition' ? 0 : ['ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap'].includes(object.kind ?? '') ? 1 : 2);
  return [...rest, ...functions].flatMap((file) => file.objects as KubernetesObject[]).sort((a, b) => order(a) - order(b));
}

export async function deploy(args: DeployArgs, kubeConfig: KubeConfig, log: (line: string) => void = console.log): Promise<KubernetesObject[]> {
  const client = KubernetesObjectApi.makeApiClient(kubeConfig);
  const applied: KubernetesObject[] = [];
  for (const object of deployObjects(args)) {
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
