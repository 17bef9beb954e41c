// The Dockerfile's two bases, made locally from packages (no image registry is needed):
//   runtime: a Debian rootfs with only what bin/node links against (dev/tools/versions.json
//            image.debian.runtimePackages) + /nodejs/bin/node, as distroless nodejs has it;
//   build:   the same with a shell and coreutils for RUN and npm scripts, + npm.
// Each rootfs is `mmdebstrap --variant=extract` (packages unpacked, no maintainer scripts, no apt
// or dpkg in the image), added to `FROM scratch` by buildah.
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bud, imageLabels } from './buildah';
import { runLogged } from './command';
import { cacheDir, ensureNode, ensureNpmPackage } from './npm-package';
import { readImagePins, type ImagePins } from './pins';

export const imageCacheDir = join(cacheDir, 'image');
/** The label that records a base's inputs: the base is rebuilt when they change. */
export const INPUTS_LABEL = 'dev.handoff.inputs';

export type BaseKind = 'runtime' | 'build';

export function baseImageName(kind: BaseKind, pins: ImagePins = readImagePins()): string {
  return `localhost/handoff-${kind}-base:${pins.node.version}`;
}

/** Users as distroless has them (nonroot is 65532, the Dockerfile's USER); no login shells. */
const PASSWD = 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n';
const GROUP = 'root:x:0:\nnonroot:x:65532:\n';
const PATH_ENV = 'PATH=/nodejs/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The CA bundle this machine trusts, for the build base only: `npm ci` in the build stage reaches
 * the npm registry through whatever this machine goes through (here, a TLS-intercepting egress
 * proxy). The runtime base carries none: Node.js has its own root store.
 */
function hostCaBundle(): string {
  return process.env.SSL_CERT_FILE ?? '/etc/ssl/certs/ca-certificates.crt';
}

function sha(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 12);
}

/** mmdebstrap's tarball of the packages, cached by suite, mirrors and package list. */
async function ensureRootfs(packages: string[], pins: ImagePins, logFile: string): Promise<string> {
  const key = sha(pins.debian.suite, ...pins.debian.mirrors, ...packages);
  const tarball = join(imageCacheDir, `rootfs-${pins.debian.suite}-${key}.tar`);
  if (existsSync(tarball)) return tarball;
  mkdirSync(imageCacheDir, { recursive: true });
  await runLogged('mmdebstrap', ['--quiet', '--variant=extract', '--format=tar', `--include=${packages.join(',')}`, pins.debian.suite, `${tarball}.tmp`, ...pins.debian.mirrors], { logFile });
  renameSync(`${tarball}.tmp`, tarball);
  return tarball;
}

/** Builds one base unless the store already holds it with the same inputs. Returns its name. */
export async function ensureBase(kind: BaseKind, logFile: string, pins: ImagePins = readImagePins()): Promise<string> {
  const name = baseImageName(kind, pins);
  const packages = kind === 'runtime' ? pins.debian.runtimePackages : pins.debian.buildPackages;
  const rootfs = await ensureRootfs(packages, pins, logFile);
  const node = ensureNode(pins.node);
  const npm = kind === 'build' ? ensureNpmPackage('npm', pins.npm) : undefined;
  const ca = kind === 'build' ? readFileSync(hostCaBundle()) : Buffer.alloc(0);
  const containerfile = kind === 'runtime' ? runtimeContainerfile() : buildContainerfile();
  const inputs = sha(containerfile, rootfs, `${pins.node.package}@${pins.node.version}`, npm ? `${pins.npm.package}@${pins.npm.version}` : '', ca);
  if (imageLabels(name)?.[INPUTS_LABEL] === inputs) return name;

  const context = join(imageCacheDir, `context-${kind}`);
  rmSync(context, { recursive: true, force: true });
  mkdirSync(join(context, 'nodejs', 'bin'), { recursive: true });
  copyFileSync(rootfs, join(context, 'rootfs.tar'));
  copyFileSync(node, join(context, 'nodejs', 'bin', 'node'));
  writeFileSync(join(context, 'passwd'), PASSWD);
  writeFileSync(join(context, 'group'), GROUP);
  if (npm) {
    cpSync(npm, join(context, 'nodejs', 'lib', 'node_modules', 'npm'), { recursive: true });
    // As Node.js's own tarballs lay npm out.
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(context, 'nodejs', 'bin', 'npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(context, 'nodejs', 'bin', 'npx'));
    copyFileSync(hostCaBundle(), join(context, 'ca-certificates.crt'));
  }
  writeFileSync(join(context, 'Containerfile'), containerfile);
  await bud({ context, containerfile: join(context, 'Containerfile'), tag: name, labels: { [INPUTS_LABEL]: inputs }, logFile });
  rmSync(context, { recursive: true, force: true });
  return name;
}

/** Both bases start alike: the Debian root filesystem, Node.js at /nodejs, the users and groups. */
const BASE_PREAMBLE = ['FROM scratch', 'ADD rootfs.tar /', 'COPY nodejs /nodejs', 'COPY passwd /etc/passwd', 'COPY group /etc/group'];

function runtimeContainerfile(): string {
  return [...BASE_PREAMBLE, `ENV ${PATH_ENV}`, ''].join('\n');
}

function buildContainerfile(): string {
  return [
    ...BASE_PREAMBLE,
    'COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt',
    `ENV ${PATH_ENV} HOME=/root NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt`,
    // Proves the base can do what the Dockerfile's build stage asks: a shell, node and npm.
    'RUN mkdir -p /root && chmod 1777 /tmp && node --version && npm --version',
    '',
  ].join('\n');
}
