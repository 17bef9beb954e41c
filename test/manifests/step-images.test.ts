/** The platform templates' step images are an option: the defaults are the public images, and the option changes nothing else. */
import { describe, expect, it } from 'vitest';
import { buildManifests } from '../../manifests/index';

const templates = (options: Parameters<typeof buildManifests>[0] = {}) =>
  Object.fromEntries(
    buildManifests(options)
      .flatMap((file) => file.objects as any[])
      .filter((o) => o.kind === 'WorkflowTemplate')
      .map((o) => [o.metadata.name, o]),
  );
const images = (template: any) => (template.spec.templates as any[]).flatMap((t) => (t.container ? [t.container.image] : []));

describe('stepImages', () => {
  it('defaults to alpine:3.20 for pr-validation and bitnami/kubectl:1.34 for orchestrator-resume-close', () => {
    const shipped = templates();
    expect(images(shipped['pr-validation'])).toEqual(['alpine:3.20']);
    expect(images(shipped['orchestrator-resume-close'])).toEqual(['bitnami/kubectl:1.34']);
  });

  it('replaces exactly those two images', () => {
    const stepImages = { shell: 'registry.example/shell:1', kubectl: 'registry.example/kubectl:1' };
    const shipped = templates();
    const mirrored = templates({ stepImages });
    expect(images(mirrored['pr-validation'])).toEqual([stepImages.shell]);
    expect(images(mirrored['orchestrator-resume-close'])).toEqual([stepImages.kubectl]);
    const withoutImages = (all: Record<string, any>) => JSON.parse(JSON.stringify(all).replaceAll(/"image":"[^"]*"/g, '"image":""'));
    expect(withoutImages(mirrored)).toEqual(withoutImages(shipped));
  });
});
