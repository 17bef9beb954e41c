// The images of the platform WorkflowTemplates' shell steps (manifests option `stepImages`), made
// offline because their public images cannot be pulled here: `shell` stands in for alpine:3.20
// (whose /bin/sh and tools are busybox applets) with Debian's statically linked busybox and every
// applet linked as Alpine links them (/bin/sh → /bin/busybox, …); `kubectl` stands in for
// bitnami/kubectl:1.34 with the same busybox plus the kubectl the project builds, on PATH, run as
// bitnami's non-root user 1001. Names carry the busybox package and Kubernetes versions, so a new
// version makes a new image.
import { execFileSync } from 'node:child_process';
import { readComponents } from '../binaries/versions';
import { ensureHostPackages } from '../image/host-packages';
import type { OciImage } from './oci-archive';

/** Present exactly when Debian's busybox-static is installed (dev/tools/versions.json image.hostPackages). */
export const BUSYBOX_STATIC_INSTALLED = '/var/lib/dpkg/info/busybox-static.list';
/** Where busybox-static installs its binary (and where Alpine has it). */
const BUSYBOX = '/bin/busybox';
const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface StepImages {
  shell: string;
  kubectl: string;
}

/** An image tag from a Debian version: `1:1.35.0-4+deb12u1+b1` → `1.35.0-4-deb12u1-b1` (tags allow [A-Za-z0-9_.-]). */
export function tagFromDebianVersion(version: string): string {
  return version.replace(/^\d+:/, '').replaceAll(/[^A-Za-z0-9_.-]/g, '-');
}

export function stepImageNames(busyboxVersion: string): StepImages {
  const busybox = `busybox-${tagFromDebianVersion(busyboxVersion)}`;
  return { shell: `dev.local/shell:${busybox}`, kubectl: `dev.local/kubectl:${readComponents().kubernetes.version}-${busybox}` };
}

/** `busybox --list-full` (`bin/sh`, `usr/bin/sed`, …) as absolute links to /bin/busybox, as Alpine's image has them. */
export function appletLinks(listFull: string): Record<string, string> {
  const links: Record<string, string> = {};
  for (const line of listFull.split('\n').map((l) => l.trim())) {
    if (line === '' || `/${line}` === BUSYBOX) continue;
    links[`/${line}`] = BUSYBOX;
  }
  return links;
}

export interface StepImageInputs {
  busybox: string;
  busyboxVersion: string;
  /** `busybox --list-full` of that binary. */
  applets: string;
  kubectl: string;
}

export function stepImageDefinitions(inputs: StepImageInputs): OciImage[] {
  const names = stepImageNames(inputs.busyboxVersion);
  const busybox = { files: [{ source: inputs.busybox, path: BUSYBOX, mode: 0o755 }], symlinks: appletLinks(inputs.applets), directories: { '/tmp': 0o1777, '/root': 0o700 } };
  return [
    { name: names.shell, ...busybox, config: { Env: [PATH], Cmd: ['/bin/sh'] } },
    {
      name: names.kubectl,
      ...busybox,
      files: [...busybox.files, { source: inputs.kubectl, path: '/usr/local/bin/kubectl', mode: 0o755 }],
      config: { Env: [PATH], Entrypoint: ['kubectl'], Cmd: ['--help'], User: '1001' },
    },
  ];
}

/** Installs busybox-static if missing and reads what the images are made of. */
export function stepImageInputs(kubectl: string, log: (line: string) => void): StepImageInputs {
  ensureHostPackages([BUSYBOX_STATIC_INSTALLED], log);
  const busyboxVersion = execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'busybox-static'], { encoding: 'utf8' }).trim();
  const applets = execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' });
  return { busybox: BUSYBOX, busyboxVersion, applets, kubectl };
}
