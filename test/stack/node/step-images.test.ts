// The step images that stand in for alpine and bitnami/kubectl on the local node: busybox with every
// applet linked as Alpine links them, kubectl on PATH, names that change with the versions.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeOciArchive } from '../../../dev/stack/node/oci-archive';
import { appletLinks, stepImageDefinitions, stepImageNames, tagFromDebianVersion } from '../../../dev/stack/node/step-images';

describe('step images', () => {
  it('tags from the Debian version, in the characters a tag allows', () => {
    expect(tagFromDebianVersion('1:1.35.0-4+deb12u1+b1')).toBe('1.35.0-4-deb12u1-b1');
    expect(stepImageNames('1:1.35.0-4+deb12u1+b1')).toEqual({ shell: 'dev.local/shell:busybox-1.35.0-4-deb12u1-b1', kubectl: expect.stringMatching(/^dev\.local\/kubectl:v\d+\.\d+\.\d+-busybox-1\.35\.0-4-deb12u1-b1$/) });
  });

  it('links every applet of `busybox --list-full` to /bin/busybox, and not busybox itself', () => {
    expect(appletLinks('bin/sh\nusr/bin/sed\nbin/busybox\n\n')).toEqual({ '/bin/sh': '/bin/busybox', '/usr/bin/sed': '/bin/busybox' });
  });

  it('shell: busybox and its links; kubectl: the same plus /usr/local/bin/kubectl, as uid 1001', () => {
    const [shell, kubectl] = stepImageDefinitions({ busybox: '/b', busyboxVersion: '1.0-1', applets: 'bin/sh\n', kubectl: '/k' });
    expect(shell).toMatchObject({ files: [{ source: '/b', path: '/bin/busybox', mode: 0o755 }], symlinks: { '/bin/sh': '/bin/busybox' }, config: { Cmd: ['/bin/sh'] } });
    expect(kubectl!.files).toEqual([...shell!.files, { source: '/k', path: '/usr/local/bin/kubectl', mode: 0o755 }]);
    expect(kubectl).toMatchObject({ symlinks: shell!.symlinks, config: { Entrypoint: ['kubectl'], User: '1001' } });
  });

  it('the archive layer holds the symbolic links as links', () => {
    const dir = mkdtempSync(join(tmpdir(), 'step-image-test-'));
    writeFileSync(join(dir, 'busybox'), 'x');
    const archive = join(dir, 'image.tar');
    writeOciArchive(archive, { name: 'dev.local/shell:1', files: [{ source: join(dir, 'busybox'), path: '/bin/busybox', mode: 0o755 }], symlinks: { '/bin/sh': '/bin/busybox', '/usr/bin/sed': '/bin/busybox' }, config: {} });
    const out = join(dir, 'out');
    execFileSync('mkdir', [out]);
    execFileSync('tar', ['-xf', archive, '-C', out]);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    const blob = (digest: string) => readFileSync(join(out, 'blobs', 'sha256', digest.replace('sha256:', '')));
    const manifest = JSON.parse(blob(index.manifests[0].digest).toString());
    const listing = execFileSync('tar', ['-tvf', '-'], { input: blob(manifest.layers[0].digest), encoding: 'utf8' });
    expect(listing).toMatch(/lrwxrwxrwx 0\/0 +0 1970-01-01 00:00 \.\/bin\/sh -> \/bin\/busybox/);
    expect(listing).toMatch(/lrwxrwxrwx 0\/0 +0 1970-01-01 00:00 \.\/usr\/bin\/sed -> \/bin\/busybox/);
  });
});
