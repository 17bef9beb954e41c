// The node's generated configuration and images: what the kubelet, containerd's CRI, CNI, CoreDNS
// and kube-proxy are given, checked against the rules they enforce.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerdConfig } from '../../../dev/stack/image/containerd';
import { cniConflist } from '../../../dev/stack/node/cni';
import { corefile } from '../../../dev/stack/node/coredns';
import { nodeIdentities, tokenFileLines } from '../../../dev/stack/node/identities';
import { kubeProxyConfiguration } from '../../../dev/stack/node/kube-proxy';
import { kubeletConfiguration } from '../../../dev/stack/node/kubelet';
import { nodeImageNames } from '../../../dev/stack/node/node-images';
import { writeOciArchive } from '../../../dev/stack/node/oci-archive';
import { nodePaths, podNetwork } from '../../../dev/stack/node/paths';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('OCI archive of a static binary', () => {
  it('is a layout whose index names the image and whose digests and diff_ids match their blobs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oci-test-'));
    const binary = join(dir, 'tool');
    writeFileSync(binary, '#!/bin/sh\necho hi\n');
    const archive = join(dir, 'image.tar');
    writeOciArchive(archive, { name: 'dev.local/tool:1.2.3', files: [{ source: binary, path: '/bin/tool', mode: 0o755 }], directories: { '/tmp': 0o1777 }, config: { Entrypoint: ['tool'], User: '65535:65535' } });
    const out = join(dir, 'out');
    execFileSync('mkdir', [out]);
    execFileSync('tar', ['-xf', archive, '-C', out]);
    const blob = (digest: string) => readFileSync(join(out, 'blobs', 'sha256', digest.replace('sha256:', '')));
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    expect(JSON.parse(readFileSync(join(out, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    const entry = index.manifests[0];
    expect(entry.annotations).toEqual({ 'io.containerd.image.name': 'dev.local/tool:1.2.3', 'org.opencontainers.image.ref.name': '1.2.3' });
    const manifestBytes = blob(entry.digest);
    expect(`sha256:${sha256(manifestBytes)}`).toBe(entry.digest);
    expect(manifestBytes.length).toBe(entry.size);
    const manifest = JSON.parse(manifestBytes.toString());
    const config = JSON.parse(blob(manifest.config.digest).toString());
    const layer = blob(manifest.layers[0].digest);
    expect(`sha256:${sha256(layer)}`).toBe(manifest.layers[0].digest);
    expect(config.rootfs.diff_ids).toEqual([manifest.layers[0].digest]);
    expect(config.config).toEqual({ Entrypoint: ['tool'], User: '65535:65535' });
    const listing = execFileSync('tar', ['-tvf', '-'], { input: layer, encoding: 'utf8' });
    expect(listing).toMatch(/-rwxr-xr-x 0\/0 +\d+ 1970-01-01 00:00 \.\/bin\/tool/);
    expect(listing).toMatch(/drwxrwxrwt 0\/0 +0 1970-01-01 00:00 \.\/tmp\//);
  });

  it('is reproducible: the same inputs give the same bytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oci-test-'));
    const binary = join(dir, 'tool');
    writeFileSync(binary, 'x');
    const image = { name: 'dev.local/tool:1', files: [{ source: binary, path: '/tool', mode: 0o755 }], config: {} };
    writeOciArchive(join(dir, 'a.tar'), image);
    writeOciArchive(join(dir, 'b.tar'), image);
    expect(sha256(readFileSync(join(dir, 'a.tar')))).toBe(sha256(readFileSync(join(dir, 'b.tar'))));
  });
});

describe('node configuration', () => {
  it('containerd CRI uses our pause image, the node CNI config and keeps netns and runc state under its state dir', () => {
    const config = containerdConfig('/x');
    expect(config).toContain(`sandbox_image = "${nodeImageNames().pause}"`);
    expect(config).toContain(`conf_dir = "${nodePaths.cniConfDir}"`);
    expect(config).toContain('netns_mounts_under_state_dir = true');
    expect(config).toContain('Root = "/x/state/runc"');
    expect(config).toContain('restrict_oom_score_adj = true');
  });

  it('CNI: a bridge with host-local addresses from the pod subnet, leases in our folder, no iptables plugins', () => {
    const list = cniConflist('/leases') as { plugins: Record<string, unknown>[] };
    expect(list.plugins.map((p) => p.type)).toEqual(['bridge']);
    expect(list.plugins[0]).toMatchObject({ bridge: podNetwork.bridge, isGateway: true, ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet: podNetwork.subnet }]], dataDir: '/leases' } });
  });

  it('kubelet: cgroupfs, cluster DNS on the node IP, image GC off, CRI on our containerd', () => {
    const config = kubeletConfiguration({ nodeIp: '192.0.2.9', containerdAddress: '/c.sock', resolvConf: '/r' });
    expect(config).toMatchObject({ cgroupDriver: 'cgroupfs', cgroupRoot: '/handoff', clusterDNS: ['192.0.2.9'], clusterDomain: 'cluster.local', imageGCHighThresholdPercent: 100, containerRuntimeEndpoint: 'unix:///c.sock', resolvConf: '/r', failSwapOn: false });
  });

  it('kube-proxy: nftables mode with the pods cluster CIDR', () => {
    expect(kubeProxyConfiguration({ nodeName: 'n', kubeconfig: '/k' })).toMatchObject({ mode: 'nftables', clusterCIDR: podNetwork.clusterCidr, hostnameOverride: 'n', clientConnection: { kubeconfig: '/k' } });
  });

  it('CoreDNS: serves cluster.local from the apiserver on the node IP only and forwards the rest upstream', () => {
    const file = corefile({ nodeIp: '192.0.2.9', kubeconfig: '/k', clusterDomain: 'cluster.local', readyPort: 1234, resolvConf: '/etc/resolv.conf' });
    expect(file).toContain('bind 192.0.2.9');
    expect(file).toMatch(/kubernetes cluster\.local in-addr\.arpa ip6\.arpa \{\n\s+kubeconfig \/k handoff-local/);
    expect(file).toContain('forward . /etc/resolv.conf');
    expect(file).toContain('ready 127.0.0.1:1234');
    expect(file).not.toMatch(/^\s*health/m);
  });

  it('each node component has its own token and the user bootstrap RBAC grants', () => {
    const ids = nodeIdentities('n1');
    expect(ids.kubelet).toMatchObject({ user: 'system:node:n1', groups: ['system:nodes'] });
    expect(new Set(Object.values(ids).map((id) => id.token)).size).toBe(5);
    expect(tokenFileLines(ids)).toContain(`${ids.kubelet.token},system:node:n1,system:node:n1,"system:nodes"`);
  });
});
