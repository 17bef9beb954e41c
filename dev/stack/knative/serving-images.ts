// Knative Serving's images, made from the binaries the project builds from the pinned serving module
// (no registry is reachable). Upstream builds them with ko: the Go binary at /ko-app/<command> on a
// distroless static base that runs as the numeric non-root user 65532, with KO_DATA_PATH pointing at
// /var/run/ko (ko's default base and layout; config/core/deployments/*.yaml name `ko://…/cmd/<command>`).
// Numeric and non-root matters: every Serving Deployment and the queue-proxy sidecar the revision
// reconciler adds run with runAsNonRoot (pkg/reconciler/revision/resources/queue.go), and the
// kubelet refuses a non-numeric or root user then.
import type { KnativeBinary } from '../binaries/binaries';
import type { OciImage } from '../node/oci-archive';
import { readComponents } from '../binaries/versions';

/** Serving's commands, as named in `ko://knative.dev/serving/cmd/<command>`. */
export const servingCommands = ['controller', 'webhook', 'autoscaler', 'activator', 'queue'] as const;
export type ServingCommand = (typeof servingCommands)[number];

const binaryOf = (command: ServingCommand): KnativeBinary => `knative-${command}`;

/** ko's non-root user (the distroless static base's `nonroot`). */
export const KO_USER = '65532';

/** dev.local images are never resolved to a digest (config-deployment registries-skipping-tag-resolving default). */
export function servingImageNames(): Record<ServingCommand, string> {
  const version = readComponents()['knative-serving'].version;
  return Object.fromEntries(servingCommands.map((command) => [command, `dev.local/knative-serving/${command}:${version}`])) as Record<ServingCommand, string>;
}

/** The `ko://` reference upstream's manifests use for a command. */
export const koReference = (command: ServingCommand) => `ko://knative.dev/serving/cmd/${command}`;

export function servingImageDefinitions(binaries: Record<KnativeBinary, string>): OciImage[] {
  const names = servingImageNames();
  return servingCommands.map((command) => ({
    name: names[command],
    files: [{ source: binaries[binaryOf(command)], path: `/ko-app/${command}`, mode: 0o755 }],
    directories: { '/var/run/ko': 0o755, '/tmp': 0o1777 },
    config: { Entrypoint: [`/ko-app/${command}`], User: `${KO_USER}:${KO_USER}`, Env: ['PATH=/usr/local/bin:/usr/bin:/bin:/ko-app', 'KO_DATA_PATH=/var/run/ko'] },
  }));
}

/**
 * Knative's minimal Go app, knative.dev/serving/test/test_images/helloworld from the pinned serving
 * module, in the same ko layout (upstream's test images are built with ko too: its service.yaml
 * names `ko://knative.dev/serving/test/test_images/helloworld`). It answers every request 200.
 */
export function helloworldImageDefinition(binary: string): OciImage {
  const version = readComponents()['knative-serving'].version;
  return {
    name: `dev.local/knative-serving/test/helloworld:${version}`,
    files: [{ source: binary, path: '/ko-app/helloworld', mode: 0o755 }],
    directories: { '/var/run/ko': 0o755, '/tmp': 0o1777 },
    config: { Entrypoint: ['/ko-app/helloworld'], User: `${KO_USER}:${KO_USER}`, Env: ['PATH=/usr/local/bin:/usr/bin:/bin:/ko-app', 'KO_DATA_PATH=/var/run/ko'] },
  };
}
