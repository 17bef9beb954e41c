// Regenerates each tools/<dir>/go.mod from tools/versions.json. For k8s.io/kubernetes the replace
// list is generated from upstream's own go.mod (found with `go mod download -json`): one replace
// per staging module required at v0.0.0, pinned to the matching v0.<minor>.<patch> tag.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { readComponents, toolsDir, type Component } from './versions';

function download(module: string, version: string): { GoMod: string; Dir: string } {
  const out = spawnSync('go', ['mod', 'download', '-json', `${module}@${version}`], { encoding: 'utf8', cwd: toolsDir });
  if (out.status !== 0) throw new Error(`go mod download ${module}@${version}: ${out.stderr}${out.stdout}`);
  return JSON.parse(out.stdout) as { GoMod: string; Dir: string };
}

/** `replace` lines every consumer must repeat because Go ignores a dependency's replaces. */
export function stagingReplaces(upstreamGoMod: string, stagingVersion: string): string[] {
  const modules = [...upstreamGoMod.matchAll(/^\s*(k8s\.io\/[\w.-]+) v0\.0\.0$/gm)].map((m) => m[1]);
  return [...new Set(modules)].map((module) => `\t${module} => ${module} ${stagingVersion}`);
}

function goDirective(upstreamGoMod: string): string {
  return /^go (\S+)$/m.exec(upstreamGoMod)?.[1] ?? '1.24.0';
}

function render(dir: string, component: Component, upstreamGoMod: string, extra: string[]): string {
  const lines = [`module handoff.local/tools/${dir}`, '', `go ${goDirective(upstreamGoMod)}`, ''];
  for (const pkg of Object.values(component.binaries)) lines.push(`tool ${pkg}`);
  lines.push('', `require ${component.module} ${component.version}`, ...extra);
  return lines.join('\n') + '\n';
}

export function syncGoMods(log: (line: string) => void): void {
  for (const [name, component] of Object.entries(readComponents())) {
    const upstream = readFileSync(download(component.module, component.version).GoMod, 'utf8');
    const extra: string[] = [];
    if (name === 'kubernetes') {
      const staging = component.version.replace(/^v1\./, 'v0.');
      extra.push('', `// Generated from ${component.module} ${component.version} go.mod: every staging module required at v0.0.0.`, 'replace (', ...stagingReplaces(upstream, staging), ')');
    }
    // Non-relative replaces of the upstream module (e.g. argo-workflows' tablewriter) are repeated verbatim.
    for (const m of upstream.matchAll(/^replace (\S+) => (\S+) (v\S+)$/gm)) {
      extra.push('', `// Repeated from upstream ${component.module} ${component.version} go.mod (a dependency's replaces are not inherited).`, `replace ${m[1]} => ${m[2]} ${m[3]}`);
    }
    const file = join(toolsDir, component.dir, 'go.mod');
    writeFileSync(file, render(component.dir, component, upstream, extra));
    // Our own tools (component.tools) import upstream packages, so their requires come from tidy too.
    if (Object.keys(component.binaries).length > 0 || Object.keys(component.tools ?? {}).length > 0) {
      const tidy = spawnSync('go', ['mod', 'tidy'], { cwd: join(toolsDir, component.dir), encoding: 'utf8' });
      if (tidy.status !== 0) throw new Error(`go mod tidy in tools/${component.dir}: ${tidy.stderr}`);
    } else if (!existsSync(join(toolsDir, component.dir, 'go.sum'))) {
      writeFileSync(join(toolsDir, component.dir, 'go.sum'), '');
    }
    log(`tools/${component.dir}/go.mod → ${component.module} ${component.version}`);
  }
}
