// The kubelet starts every container of every Service in knative/ with the image the Dockerfile
// builds: the kubelet's own runAsNonRoot check (test/support/kubelet-run-as-non-root.ts, ported
// from k8s.io/kubernetes v1.34.4) against the user of the Dockerfile's final stage.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readYamlObjects } from '../../dev/stack/control-plane/crds';
import { repoRoot } from '../../dev/stack/binaries/versions';
import { IMAGE_USER } from '../../manifests/knative';
import { finalStageUser } from '../support/dockerfile-user';
import { criImageUser, kubeletImageUser, verifyRunAsNonRoot, type ContainerLike, type PodLike, type SecurityContextFields } from '../support/kubelet-run-as-non-root';

interface ServiceLike {
  metadata: { name: string; namespace?: string };
  spec: { template: { spec: { securityContext?: SecurityContextFields; containers: ContainerLike[]; initContainers?: ContainerLike[] } } };
}

const knativeDir = join(repoRoot, 'knative');
const servicesIn = (files: string[]) =>
  files.flatMap(readYamlObjects).filter((o) => o.kind === 'Service' && o.apiVersion.startsWith('serving.knative.dev/')) as unknown as ServiceLike[];
const services = servicesIn(readdirSync(knativeDir).filter((f) => f.endsWith('.yaml')).map((f) => join(knativeDir, f)));
const oldService = servicesIn([join(repoRoot, 'test', 'fixtures', 'knative', 'rex-push.before-issue-10.yaml')])[0]!;
const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');

/** The Pod a Revision of the Service becomes (Knative copies the template's pod spec) and the kubelet's verdict per container. */
function kubeletVerdicts(service: ServiceLike, imageConfigUser: string): (string | undefined)[] {
  const pod: PodLike = { metadata: { name: service.metadata.name, namespace: service.metadata.namespace }, spec: service.spec.template.spec };
  const image = kubeletImageUser(criImageUser(imageConfigUser));
  const containers = [...(service.spec.template.spec.initContainers ?? []), ...service.spec.template.spec.containers];
  return containers.map((container) => verifyRunAsNonRoot(pod, container, image));
}

const withoutRunAsUser = (service: ServiceLike): ServiceLike => {
  const copy = structuredClone(service);
  for (const container of copy.spec.template.spec.containers) delete (container.securityContext as { runAsUser?: number } | undefined)?.runAsUser;
  return copy;
};

describe("the kubelet's runAsNonRoot check on the shipped Services and image", () => {
  it('the final stage of the Dockerfile declares the numeric user the Services declare', () => {
    expect(finalStageUser(dockerfile)).toBe(`${IMAGE_USER.uid}:${IMAGE_USER.gid}`);
  });

  it.each(services.map((s) => [s.metadata.name, s] as const))('starts every container of %s', (_name, service) => {
    expect(service.spec.template.spec.containers.length).toBeGreaterThan(0);
    for (const container of service.spec.template.spec.containers) {
      expect(container.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: IMAGE_USER.uid, runAsGroup: IMAGE_USER.gid });
    }
    expect(kubeletVerdicts(service, finalStageUser(dockerfile))).toEqual(service.spec.template.spec.containers.map(() => undefined));
    // The image alone also passes: without runAsUser the kubelet checks the image's user.
    expect(kubeletVerdicts(withoutRunAsUser(service), finalStageUser(dockerfile)).filter(Boolean)).toEqual([]);
  });

  it('refuses the Service and Dockerfile as they were before issue 10 (USER nonroot, no runAsUser)', () => {
    expect(kubeletVerdicts(oldService, 'nonroot')).toEqual([
      'container has runAsNonRoot and image has non-numeric user (nonroot), cannot verify user is non-root (pod: "rex-push_argo()", container: function)',
    ]);
  });

  it.each(['0', '0:0', '', '+0'])('refuses image user %j (root) when the Service does not set runAsUser', (user) => {
    expect(kubeletVerdicts(withoutRunAsUser(services[0]!), user)[0]).toMatch(/^container has runAsNonRoot and image will run as root/);
  });

  it('refuses runAsUser 0 whatever the image says', () => {
    const service = structuredClone(services[0]!);
    (service.spec.template.spec.containers[0]!.securityContext as { runAsUser: number }).runAsUser = 0;
    expect(kubeletVerdicts(service, '65532')[0]).toMatch(/^container's runAsUser breaks non-root policy/);
  });

  it('a pod-level runAsUser counts when the container sets none, and the container one wins', () => {
    const service = withoutRunAsUser(services[0]!);
    service.spec.template.spec.securityContext = { runAsUser: 1000 };
    expect(kubeletVerdicts(service, 'nonroot')[0]).toBeUndefined();
    service.spec.template.spec.securityContext = { runAsUser: 0 };
    expect(kubeletVerdicts(service, '65532')[0]).toMatch(/runAsUser breaks non-root policy/);
    const withContainerUser = structuredClone(services[0]!);
    withContainerUser.spec.template.spec.securityContext = { runAsUser: 0 };
    expect(kubeletVerdicts(withContainerUser, '0')[0]).toBeUndefined();
  });
});

describe('containerd CRI image user and kubelet getImageUser', () => {
  it.each([
    ['65532:65532', { uid: 65532n, username: '' }],
    ['65532', { uid: 65532n, username: '' }],
    ['nonroot', { username: 'nonroot' }],
    ['nonroot:nonroot', { username: 'nonroot' }],
    ['1000:staff', { uid: 1000n, username: '' }],
    ['-1', { uid: -1n, username: '' }],
    ['9223372036854775808', { username: '9223372036854775808' }],
    ['', { username: '' }],
  ])('User %j', (user, expected) => {
    expect(criImageUser(user)).toEqual(expected);
  });

  it('an image with no user runs as root', () => {
    expect(kubeletImageUser(criImageUser(''))).toEqual({ uid: 0n, username: '' });
  });

  it('an out-of-range uid is refused with the kubelet message', () => {
    const pod: PodLike = { metadata: { name: 'p', namespace: 'n' }, spec: {} };
    const container: ContainerLike = { name: 'c', securityContext: { runAsNonRoot: true } };
    expect(verifyRunAsNonRoot(pod, container, kubeletImageUser(criImageUser('-1')))).toBe(
      'container has runAsNonRoot and image has an invalid user id (-1). (Must be 1-(2147483647)): must be between 0 and 2147483647, inclusive (pod: "p_n()", container: c)',
    );
    expect(verifyRunAsNonRoot(pod, container, kubeletImageUser(criImageUser('2147483648')))).toMatch(/invalid user id \(2147483648\)/);
    expect(verifyRunAsNonRoot(pod, container, kubeletImageUser(criImageUser('2147483647')))).toBeUndefined();
  });

  it('does nothing unless runAsNonRoot is true', () => {
    const pod: PodLike = { spec: {} };
    expect(verifyRunAsNonRoot(pod, { name: 'c' }, { uid: 0n, username: '' })).toBeUndefined();
    expect(verifyRunAsNonRoot(pod, { name: 'c', securityContext: { runAsNonRoot: false } }, { uid: 0n, username: '' })).toBeUndefined();
  });
});

describe("the Dockerfile's final-stage USER", () => {
  it('is the last USER after the last FROM, case-insensitive, with continuations and comments', () => {
    const text = ['FROM a AS build', 'USER builder', 'FROM b', '# USER commented', 'user 1:1', 'RUN x \\', '  y', 'USER \\', '  65532:65532', 'CMD ["x"]'].join('\n');
    expect(finalStageUser(text)).toBe('65532:65532');
  });

  it('refuses a final stage without USER (it inherits the base image user) and a USER built from a variable', () => {
    expect(() => finalStageUser('FROM a\nUSER 1\nFROM b\nCMD ["x"]\n')).toThrow(/no USER/);
    expect(() => finalStageUser('FROM a\nARG U=1\nUSER ${U}\n')).toThrow(/build variable/);
  });
});
