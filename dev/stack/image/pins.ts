// Reads the `image` section of dev/tools/versions.json: what the image build and CI's second Node.js use.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toolsDir } from '../binaries/versions';

export interface NpmPin {
  /** npm package name. */
  package: string;
  version: string;
}

export interface ImagePins {
  /** Image name without tag, in a registry Knative does not resolve (dev.local). */
  name: string;
  /** The npm package that ships the Node.js binary as bin/node. */
  node: NpmPin;
  /** npm itself, for the build base. */
  npm: NpmPin;
  debian: {
    suite: string;
    /** apt source lines given to mmdebstrap. */
    mirrors: string[];
    /** Packages of the runtime base: what bin/node links against. */
    runtimePackages: string[];
    /** Packages of the build base: the runtime's plus a shell and coreutils for RUN and npm scripts. */
    buildPackages: string[];
  };
  /** Host command → Debian package that provides it. */
  hostPackages: Record<string, string>;
}

export function readImagePins(): ImagePins {
  return (JSON.parse(readFileSync(join(toolsDir, 'versions.json'), 'utf8')) as { image: ImagePins }).image;
}
