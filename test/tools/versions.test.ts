// dev/tools/versions.json is the one place that pins the upstream Go components: every wrapper
// go.mod must require exactly that version, and the Kubernetes staging replaces must match it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inheritedDirectives, stagingReplaces } from '../../dev/stack/binaries/sync-go-mods';
import { readComponents, toolsDir } from '../../dev/stack/binaries/versions';

const components = Object.entries(readComponents());
const goMod = (dir: string) => readFileSync(join(toolsDir, dir, 'go.mod'), 'utf8');

/** `require` lines of a go.mod, both single-line and block form. */
function requires(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of text.matchAll(/^require\s+(\S+)\s+(\S+)/gm)) found.set(m[1]!, m[2]!);
  for (const block of text.matchAll(/^require \(\n([\s\S]*?)^\)/gm)) {
    for (const m of block[1]!.matchAll(/^\s+(\S+)\s+(\S+)/gm)) found.set(m[1]!, m[2]!);
  }
  return found;
}

describe('dev/tools/versions.json', () => {
  it.each(components)('dev/tools/<dir>/go.mod requires %s at the pinned version', (_name, component) => {
    expect(requires(goMod(component.dir)).get(component.module)).toBe(component.version);
  });

  it.each(components)('%s builds only packages of its own module', (_name, component) => {
    for (const pkg of Object.values(component.binaries)) expect(pkg.startsWith(component.module)).toBe(true);
    for (const pkg of Object.values(component.binaries)) expect(goMod(component.dir)).toContain(`tool ${pkg}`);
  });

  const ownTools = components.flatMap(([, component]) => Object.entries(component.tools ?? {}).map(([binary, pkg]) => [binary, component.dir, pkg] as const));

  it.each(ownTools)('our tool %s is a main package of the dev/tools/%s wrapper module, not an upstream one', (_binary, dir, pkg) => {
    expect(pkg).toMatch(/^\.\/cmd\/[\w-]+$/);
    const pkgDir = join(toolsDir, dir, pkg);
    expect(existsSync(pkgDir)).toBe(true);
    const sources = readdirSync(pkgDir).filter((file) => file.endsWith('.go'));
    expect(sources.length).toBeGreaterThan(0);
    for (const file of sources) expect(readFileSync(join(pkgDir, file), 'utf8')).toMatch(/^package main$/m);
  });

  it('pins every Kubernetes staging module to the v0 tag of the pinned k8s.io/kubernetes', () => {
    const kube = readComponents().kubernetes;
    const staging = kube.version.replace(/^v1\./, 'v0.');
    const replaces = [...goMod(kube.dir).matchAll(/^\s+(k8s\.io\/\S+) => (k8s\.io\/\S+) (\S+)$/gm)];
    expect(replaces.length).toBeGreaterThan(20);
    for (const [, from, to, version] of replaces) {
      expect(to).toBe(from);
      expect(version).toBe(staging);
    }
  });

  it('generates one replace per staging module required at v0.0.0', () => {
    const upstream = 'require (\n\tk8s.io/api v0.0.0\n\tk8s.io/client-go v0.0.0\n\tgithub.com/x/y v1.2.3\n)\n';
    expect(stagingReplaces(upstream, 'v0.34.4')).toEqual(['\tk8s.io/api => k8s.io/api v0.34.4', '\tk8s.io/client-go => k8s.io/client-go v0.34.4']);
  });

  it('repeats upstream replaces and excludes, single-line and in blocks, but not replaces to local paths', () => {
    const upstream = [
      'module example.com/up',
      'require github.com/a/b v1.0.0',
      'replace github.com/x/tablewriter => github.com/x/tablewriter v0.0.5',
      '// Forks',
      'replace (',
      '\tgithub.com/abbot/go-http-auth => github.com/containous/go-http-auth v0.4.1-0.20200324110947-a37a7636d23e // no tag',
      '',
      '\tk8s.io/api => ./staging/src/k8s.io/api',
      '\tgithub.com/gorilla/mux v1.8.0 => github.com/containous/mux v0.0.0-20250523120546-41b6ec3aed59',
      ')',
      'replace example.com/local => ../local',
      '// exclude github.com/commented/out v1.0.0',
      'exclude github.com/tencentcloud/tencentcloud-sdk-go v3.0.83+incompatible',
      'exclude (',
      '\tgithub.com/c/d v0.1.0',
      ')',
      '',
    ].join('\n');
    expect(inheritedDirectives(upstream)).toEqual([
      'replace github.com/x/tablewriter => github.com/x/tablewriter v0.0.5',
      'replace github.com/abbot/go-http-auth => github.com/containous/go-http-auth v0.4.1-0.20200324110947-a37a7636d23e',
      'replace github.com/gorilla/mux v1.8.0 => github.com/containous/mux v0.0.0-20250523120546-41b6ec3aed59',
      'exclude github.com/tencentcloud/tencentcloud-sdk-go v3.0.83+incompatible',
      'exclude github.com/c/d v0.1.0',
    ]);
  });

  it('dev/tools/traefik/go.mod repeats the replace block and the exclude of Traefik\'s go.mod', () => {
    const traefik = goMod(readComponents().traefik.dir);
    expect(traefik).toMatch(/^replace github\.com\/abbot\/go-http-auth => github\.com\/containous\/go-http-auth v\S+$/m);
    expect(traefik).toMatch(/^replace github\.com\/gorilla\/mux => github\.com\/containous\/mux v\S+$/m);
    expect(traefik).toMatch(/^replace github\.com\/mailgun\/minheap => github\.com\/containous\/minheap v\S+$/m);
    expect(traefik).toMatch(/^exclude github\.com\/tencentcloud\/tencentcloud-sdk-go v3\.0\.83\+incompatible$/m);
  });
});
