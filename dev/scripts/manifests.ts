/** `npm run manifests`: regenerate the committed YAML under knative/ and argo/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildManifests } from '../../manifests/index';
import { renderAll } from '../../manifests/render';

for (const { path, text } of renderAll(buildManifests())) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
