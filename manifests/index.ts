/**
 * Every manifest Handoff ships, generated from shared/declarations.ts and the
 * options. `npm run manifests` writes them; the local stack and tests call buildManifests.
 */
import { DECLARATIONS } from '../shared/declarations';
import { githubEventSource, webhookExternalSecret } from './eventsource';
import { functionSensor } from './function-sensor';
import { deadLetterWritePolicy } from './dead-letter-write-policy';
import { functionWritePolicy } from './function-write-policy';
import { parkedSweepEventSource } from './parked-sweep-eventsource';
import { playWorkflowsEventSource } from './play-workflows-eventsource';
import { functionRbac, knativeService } from './knative';
import { withDefaults, type ManifestOptions } from './options';
import { playRbac } from './play-rbac';
import { playWorkflowTemplate } from './play-template';
import { PLATFORM_SENSORS, platformSensor, submitterRbac } from './platform-sensors';
import { orchestratorRbac, platformTemplates } from './platform-templates';

export type { ManifestOptions } from './options';

export interface GeneratedFile {
  /** Repository-relative path of the committed YAML. */
  readonly path: string;
  readonly objects: object[];
}

/** The objects of the generated files that match, typed loosely enough to apply or inspect. */
export function objectsOf<T = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [key: string]: unknown }; [key: string]: unknown }>(
  files: readonly GeneratedFile[],
  predicate: (file: GeneratedFile) => boolean = () => true,
): T[] {
  return files.filter(predicate).flatMap((file) => file.objects as T[]);
}

export function buildManifests(partial: Partial<ManifestOptions> = {}): GeneratedFile[] {
  const options = withDefaults(partial);
  return [
    ...DECLARATIONS.map((declaration) => ({ path: `knative/${declaration.name}.yaml`, objects: [...functionRbac(declaration, options), knativeService(declaration, options)] })),
    // Cluster-scoped, for the functions' identities: they narrow the Workflow update and the Secret writes their Roles allow.
    { path: 'knative/function-write-policy.yaml', objects: [...functionWritePolicy(options), ...deadLetterWritePolicy(options)] },
    { path: 'argo/events/eventsource-github.yaml', objects: [webhookExternalSecret(options), githubEventSource(options)] },
    { path: 'argo/events/eventsource-play-workflows.yaml', objects: playWorkflowsEventSource(options) },
    { path: 'argo/events/eventsource-parked-sweep.yaml', objects: [parkedSweepEventSource(options)] },
    ...DECLARATIONS.map((declaration) => ({ path: `argo/events/sensors/${declaration.name}.yaml`, objects: [functionSensor(declaration, options)] })),
    { path: 'argo/workflows/play-orchestration.yaml', objects: [...playRbac(options), playWorkflowTemplate(options)] },
    { path: 'argo/events/platform/submitter-rbac.yaml', objects: submitterRbac(options) },
    ...PLATFORM_SENSORS.map((sensor) => ({ path: `argo/events/platform/${sensor.name}.yaml`, objects: [platformSensor(sensor, options)] })),
    ...platformTemplates(options).map((template) => ({
      path: `argo/workflows/${template.metadata.name}.yaml`,
      objects: template.metadata.name === 'orchestrator-resume-close' ? [...orchestratorRbac(options), template] : [template],
    })),
  ];
}
