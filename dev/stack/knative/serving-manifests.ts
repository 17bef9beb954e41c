// Knative Serving's own install, read from the pinned Go modules in the module cache (nothing copied
// into the repo) as upstream's release assembles serving-core.yaml from config/core/. Six of those
// files are symbolic links in upstream's tree that module zips drop (golang.org/x/mod/zip skips
// links): the networking CRDs (Ingress, ServerlessService, Certificate, DomainClaim) and
// config-network come from knative.dev/networking's config/, the image cache CRD from
// knative.dev/caching's config/image.yaml, both at the versions serving's go.mod requires.
//
// What the local stack changes, and only that:
// - images: `ko://knative.dev/serving/cmd/<command>` → the images built here (serving-images.ts),
//   never pulled (no registry is reachable); also config-deployment's queue-sidecar-image;
// - config-network: the ingress class of the Traefik provider (traefik.ingress.networking.knative.dev);
// - config-autoscaler: shorter windows, so idle functions reach zero within seconds in tests
//   (`localAutoscaler`; upstream's defaults are a 60 s stable window and a 30 s grace period).
// Everything else, feature flags included, keeps upstream's defaults.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { moduleDir } from '../binaries/binaries';
import { readYamlObjects } from '../control-plane/crds';
import type { KubeObject } from '../kube-rest';
import { readComponents, toolsDir } from '../binaries/versions';
import { koReference, servingCommands, servingImageNames, type ServingCommand } from './serving-images';
import { traefikIngressClass } from './traefik';

export const SERVING_NAMESPACE = 'knative-serving';

/**
 * config-autoscaler in the local stack: the smallest stable window Knative accepts (6 s,
 * pkg/autoscaler/config/config.go validate) and a short grace period, so an idle function is at zero
 * about 20 s after its last request.
 */
export const localAutoscaler: Record<string, string> = {
  'stable-window': '6s',
  'scale-to-zero-grace-period': '10s',
};

/** The directory of a module serving's wrapper module depends on (networking, caching), as go.mod pins it. */
export function dependencyDir(module: string): string {
  const wrapper = join(toolsDir, readComponents()['knative-serving'].dir);
  const line = readFileSync(join(wrapper, 'go.mod'), 'utf8').match(new RegExp(`^\\s*${module.replaceAll('.', '\\.')} (v\\S+)`, 'm'));
  if (!line) throw new Error(`dev/tools/knative/go.mod does not require ${module}`);
  const gomodcache = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).stdout.trim();
  // Module paths are case-encoded in the cache (golang.org/x/mod/module EscapePath): Upper → !lower.
  const dir = join(gomodcache, `${module.replaceAll(/[A-Z]/g, (c) => `!${c.toLowerCase()}`)}@${line[1]}`);
  if (!existsSync(dir)) {
    // The proxy may serve a pseudo-version's zip but not its .info, so `go mod download <module>@<v>` can fail:
    // downloading the wrapper's whole build list takes the same path the build took.
    const out = spawnSync('go', ['mod', 'download'], { cwd: wrapper, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod' } });
    if (out.status !== 0 || !existsSync(dir)) throw new Error(`go mod download in dev/tools/knative did not provide ${dir}: ${out.stderr}`);
  }
  return dir;
}

const yamlFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));

/** Upstream's objects in apply order: namespace, RBAC, CRDs, config, the system's Deployments, then the webhook configurations. */
export function upstreamServingObjects(): { crds: KubeObject[]; objects: KubeObject[]; webhooks: KubeObject[] } {
  const serving = readComponents()['knative-serving'];
  const core = join(moduleDir(serving.module, serving.version), 'config', 'core');
  const networking = join(dependencyDir('knative.dev/networking'), 'config');
  const caching = join(dependencyDir('knative.dev/caching'), 'config');
  const read = (...files: string[]) => files.flatMap(readYamlObjects);
  const crds = read(...yamlFiles(join(core, '300-resources')), ...['ingress', 'serverlessservice', 'certificate', 'domain-claim'].map((n) => join(networking, `${n}.yaml`)), join(caching, 'image.yaml')).filter((o) => o.kind === 'CustomResourceDefinition');
  const objects = read(
    join(core, '100-namespace.yaml'),
    ...yamlFiles(join(core, '200-roles')),
    join(core, '200-serviceaccount.yaml'),
    ...yamlFiles(join(core, 'configmaps')),
    join(networking, 'config-network.yaml'),
    join(core, '300-knativecertificate.yaml'),
    ...yamlFiles(join(core, 'deployments')),
    join(core, 'webhooks', 'secret.yaml'),
    join(core, '999-cache.yaml'),
  );
  const webhooks = read(...['defaulting', 'resource-validation', 'configmap-validation'].map((n) => join(core, 'webhooks', `${n}.yaml`)));
  return { crds, objects, webhooks };
}

interface PodTemplate {
  spec: { containers: { image?: string; imagePullPolicy?: string }[] };
}

/** The local stack's changes to one upstream object (see the header). */
export function localised(object: KubeObject, images: Record<ServingCommand, string> = servingImageNames()): KubeObject {
  const ours = (reference: string | undefined) => {
    const command = servingCommands.find((c) => koReference(c) === reference);
    if (reference?.startsWith('ko://') && !command) throw new Error(`no image is built here for ${reference}`);
    return command ? images[command] : reference;
  };
  const copy = structuredClone(object) as KubeObject & { data?: Record<string, string>; spec?: { image?: string; template?: PodTemplate } };
  if (copy.kind === 'Deployment' && copy.spec?.template) {
    for (const container of copy.spec.template.spec.containers) {
      container.image = ours(container.image);
      container.imagePullPolicy = 'Never';
    }
  }
  if (copy.kind === 'Image' && copy.spec?.image) copy.spec.image = ours(copy.spec.image);
  if (copy.kind === 'ConfigMap') {
    const data = (copy.data ??= {});
    if (copy.metadata.name === 'config-deployment') data['queue-sidecar-image'] = ours(data['queue-sidecar-image'])!;
    if (copy.metadata.name === 'config-network') data['ingress-class'] = traefikIngressClass;
    if (copy.metadata.name === 'config-autoscaler') Object.assign(data, localAutoscaler);
  }
  return copy;
}

/** Every object of the install with the local changes; the CRDs apart (they must be Established first). */
export function servingInstall(): { crds: KubeObject[]; objects: KubeObject[]; webhooks: KubeObject[] } {
  const { crds, objects, webhooks } = upstreamServingObjects();
  return { crds, objects: objects.map((o) => localised(o)), webhooks };
}
