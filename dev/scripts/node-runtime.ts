// Installs the pinned Node.js (dev/tools/versions.json `image.node`) into .cache/node-<version>/ and
// prints its bin directory, for `PATH="$(npx tsx dev/scripts/node-runtime.ts):$PATH" npm test`.
import { dirname } from 'node:path';
import { ensureNode } from '../stack/image/npm-package';
import { readImagePins } from '../stack/image/pins';

process.stdout.write(`${dirname(ensureNode(readImagePins().node))}\n`);
