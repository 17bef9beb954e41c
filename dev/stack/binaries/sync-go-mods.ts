// Regenerates each dev/tools/<dir>/go.mod from dev/tools/versions.json. For k8s.io/kubernetes the replace
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

/**
 * The `replace` and `exclude` directives of an upstream go.mod that a wrapper module must repeat:
 * Go applies them only in the main module (https://go.dev/ref/mod#go-mod-file-replace), so without
 * them a build resolves the unreplaced modules. Both the single-line form and the parenthesised
 * block form are read (Traefik's go.mod has `replace ( ... )`); replaces to a local path (`=> ../x`)
 * are skipped, since the upstream tree is not there, and only versioned targets are kept. Each
 * directive comes back as one single-line directive.
 */
export function inheritedDirectives(upstreamGoMod: string): string[] {
  const text = upstreamGoMod.replace(/\/\/.*$/gm, '');
  const found: string[] = [];
  for (const verb of ['replace', 'exclude'] as const) {
    const specs: string[] = [];
    for (const m of text.matchAll(new RegExp(`^${verb}[ \\t]+([^(\\s].*)$`, 'gm'))) specs.push(m[1]!.trim());
    for (const block of text.matchAll(new RegExp(`^${verb}[ \\t]*\\(\\n([\\s\\S]*?)^\\)`, 'gm'))) {
      for (const line of block[1]!.split('\n')) if (line.trim()) specs.push(line.trim());
    }
    for (const spec of specs) {
      const words = spec.split(/\s+/);
      if (verb === 'replace') {
        const arrow = words.indexOf('=>');
        const target = words.slice(arrow + 1);
        if (arrow < 1 || target.length !== 2 || !/^v\d/.test(target[1]!)) continue;
      }
      found.push(`${verb} ${words.join(' ')}`);
    }
  }
  return found;
}

function goDirective(upstreamGoMod: string): string {
  return /^go (\S+)$/m.exec(upstreamGoMod)?.[1] ?? '1.24.0';
}

function render(dir: string, component: Component, upstreamGoMod: string, extra: string[]): string {
  // The module path names the module, not its folder: it kept the name handoff.local/tools/<dir> when the folder moved under dev/.
  const lines = [`module handoff.local/tools/${dir}`, '', `go ${goDirective(upstreamGoMod)}`, ''];
  for (const pkg of Object.values(component.binaries)) lines.push(`tool ${pkg}`);
  lines.push('', `require ${component.module} ${component.version}`, ...extra);
  return lines.join('\n') + '\n';
}

/** Regenerates the go.mod of every component, or of the named ones only. */
export function syncGoMods(log: (line: string) => void, only: string[] = []): void {
  const components = Object.entries(readComponents());
  for (const name of only) if (!components.some(([known]) => known === name)) throw new Error(`unknown component ${name}; known: ${components.map(([known]) => known).join(', ')}`);
  for (const [name, component] of components) {
    if (only.length > 0 && !only.includes(name)) continue;
    const upstream = readFileSync(download(component.module, component.version).GoMod, 'utf8');
    const extra: string[] = [];
    if (name === 'kubernetes') {
      const staging = component.version.replace(/^v1\./, 'v0.');
      extra.push('', `// Generated from ${component.module} ${component.version} go.mod: every staging module required at v0.0.0.`, 'replace (', ...stagingReplaces(upstream, staging), ')');
    }
    // Non-relative replaces and the excludes of the upstream module (e.g. argo-workflows' tablewriter,
    // Traefik's forks and its tencentcloud exclude) are repeated verbatim.
    for (const directive of inheritedDirectives(upstream)) {
      const kind = directive.startsWith('exclude') ? 'excludes' : 'replaces';
      extra.push('', `// Repeated from upstream ${component.module} ${component.version} go.mod (a dependency's ${kind} are not inherited).`, directive);
    }
    const file = join(toolsDir, component.dir, 'go.mod');
    writeFileSync(file, render(component.dir, component, upstream, extra));
    // Our own tools (component.tools) import upstream packages, so their requires come from tidy too.
    if (Object.keys(component.binaries).length > 0 || Object.keys(component.tools ?? {}).length > 0) {
      const tidy = spawnSync('go', ['mod', 'tidy'], { cwd: join(toolsDir, component.dir), encoding: 'utf8' });
      if (tidy.status !== 0) throw new Error(`go mod tidy in dev/tools/${component.dir}: ${tidy.stderr}`);
    } else if (!existsSync(join(toolsDir, component.dir, 'go.sum'))) {
      writeFileSync(join(toolsDir, component.dir, 'go.sum'), '');
    }
    log(`dev/tools/${component.dir}/go.mod → ${component.module} ${component.version}`);
  }
}
