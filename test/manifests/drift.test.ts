import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildManifests } from '../../manifests/index';
import { renderAll } from '../../manifests/render';

describe('committed manifests', () => {
  it.each(renderAll(buildManifests()).map((file) => [file.path, file.text] as const))('%s is what `npm run manifests` generates', (path, text) => {
    expect(readFileSync(path, 'utf8'), `${path} is stale: run npm run manifests and commit the result`).toBe(text);
  });
});
