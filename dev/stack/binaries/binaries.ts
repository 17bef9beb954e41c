// Finds the pinned upstream binaries (envtest-style first) or builds them with Go into
// .cache/bin/<component>-<version>/, reusing Go's module and build caches.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { ensureHostPackages } from '../image/host-packages';
import { cBinaryOf, componentOfBinary, packageOfBinary, readComponents, repoRoot, toolsDir, type CBinary, type Component, type ComponentName } from './versions';

export const binCacheDir = process.env.HANDOFF_BIN_CACHE ?? join(repoRoot, '.cache', 'bin');

/** Upstream commands, plus our test tools built against a pinned upstream module (`tools` in dev/tools/versions.json). */
export type ControlPlaneBinary = 'kube-apiserver' | 'etcd' | 'workflow-controller' | 'argo' | 'argo-events' | 'nats-server' | 'validate-knative-services';
/** What the node adds: Kubernetes' node components and kubectl, the cluster DNS, Argo's executor and the pod sandbox's pause. */
export type NodeBinary = 'kubelet' | 'kube-scheduler' | 'kube-controller-manager' | 'kube-proxy' | 'kubectl' | 'coredns' | 'argoexec' | 'pause';
/** Knative Serving's four system processes and its queue-proxy sidecar, run as pods on the node (dev/stack/knative). */
export type KnativeBinary = 'knative-controller' | 'knative-webhook' | 'knative-autoscaler' | 'knative-activator' | 'knative-queue';
/** The ingress that implements Knative's KIngress: Traefik with its Knative provider, run as a pod on the node (dev/stack/knative/traefik.ts). */
export type IngressBinary = 'traefik';
/** Knative's own test images that benchmarks run as Knative Services (dev/bench/knative-cold.ts: the floor). */
export type KnativeTestBinary = 'knative-helloworld';
export type BinaryName = ControlPlaneBinary | NodeBinary | KnativeBinary | IngressBinary | KnativeTestBinary;
export const nodeBinaries: NodeBinary[] = ['pause', 'kubelet', 'kube-proxy', 'kube-scheduler', 'kube-controller-manager', 'kubectl', 'coredns', 'argoexec'];
export const knativeBinaries: KnativeBinary[] = ['knative-controller', 'knative-webhook', 'knative-autoscaler', 'knative-activator', 'knative-queue'];
export const ingressBinaries: IngressBinary[] = ['traefik'];
export const knativeTestBinaries: KnativeTestBinary[] = ['knative-helloworld'];
export const allBinaries: BinaryName[] = ['etcd', 'kube-apiserver', 'nats-server', 'argo-events', 'workflow-controller', 'argo', 'validate-knative-services', ...nodeBinaries, ...knativeBinaries, ...ingressBinaries, ...knativeTestBinaries];

/** Arguments that print each binary's version, and how to read the version from the output. */
// workflow-controller and argo-events have no version command: they are only taken from our cache.
const versionProbe: Partial<Record<BinaryName, string[]>> = {
  'kube-apiserver': ['--version'],
  etcd: ['--version'],
  'nats-server': ['--version'],
  argo: ['version', '--short'],
  kubelet: ['--version'],
  'kube-scheduler': ['--version'],
  'kube-controller-manager': ['--version'],
  'kube-proxy': ['--version'],
  kubectl: ['version', '--client'],
  coredns: ['-version'],
  traefik: ['version'],
};

/**
 * Upstream binaries are keyed by the pinned version. Our own tools change with their source, so
 * their cached name also carries a hash of the package's files and the wrapper's go.mod/go.sum.
 */
export function cachedBinaryPath(binary: BinaryName): string {
  const [name, component] = componentOfBinary(binary);
  const ownTool = Object.hasOwn(component.binaries, binary) ? undefined : packageOfBinary(component, binary);
  const file = ownTool ? `${binary}-${ownToolSourceHash(component.dir, ownTool)}` : binary;
  return join(binCacheDir, `${name}-${component.version}`, file);
}

function ownToolSourceHash(dir: string, pkg: string): string {
  const wrapper = join(toolsDir, dir);
  const pkgDir = join(wrapper, pkg);
  const files = [join(wrapper, 'go.mod'), join(wrapper, 'go.sum'), ...readdirSync(pkgDir).filter((file) => file.endsWith('.go')).sort().map((file) => join(pkgDir, file))];
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${file.slice(wrapper.length)}\0`).update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 12);
}

/** True when `<path> <version args>` mentions the pinned version (with or without the leading v). */
export function hasVersion(path: string, binary: BinaryName, version: string): boolean {
  const probe = versionProbe[binary];
  if (!probe) return false;
  const out = spawnSync(path, probe, { encoding: 'utf8', timeout: 20_000 });
  const text = `${out.stdout ?? ''}${out.stderr ?? ''}`;
  return text.includes(version) || text.includes(version.replace(/^v/, ''));
}

/**
 * Where to run a binary from, in envtest's order: $KUBEBUILDER_ASSETS/<name>, then $PATH,
 * both only when they report the pinned version; then our build cache. undefined when none.
 */
export function findBinary(binary: BinaryName): string | undefined {
  const [, component] = componentOfBinary(binary);
  const candidates: string[] = [];
  if (process.env.KUBEBUILDER_ASSETS) candidates.push(join(process.env.KUBEBUILDER_ASSETS, binary));
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, binary));
  for (const candidate of candidates) {
    if (existsSync(candidate) && hasVersion(candidate, binary, component.version)) return candidate;
  }
  const cached = cachedBinaryPath(binary);
  return existsSync(cached) ? cached : undefined;
}

function ldflags(component: Component): string {
  const [major = '', minor = ''] = component.version.replace(/^v/, '').split('.');
  const vars = (component as Component & { ldflags?: string[] }).ldflags ?? [];
  const expanded = vars.map((flag) => flag.replaceAll('{version}', component.version).replaceAll('{major}', major).replaceAll('{minor}', minor));
  return ['-s', '-w', ...expanded].join(' ');
}

function goEnv(): NodeJS.ProcessEnv {
  // GOTOOLCHAIN=auto lets Go fetch a newer toolchain through the module proxy if a module needs it.
  return { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'auto' };
}

/** Directory of a module in the module cache (downloads it if needed). */
export function moduleDir(module: string, version: string): string {
  const out = spawnSync('go', ['mod', 'download', '-json', `${module}@${version}`], { encoding: 'utf8', cwd: toolsDir, env: goEnv() });
  if (out.status !== 0) throw new Error(`go mod download ${module}@${version} failed: ${out.stderr}${out.stdout}`);
  return (JSON.parse(out.stdout) as { Dir: string }).Dir;
}

/**
 * Files a module zip lacks that the build needs. The argo CLI embeds the UI (`//go:embed dist/app`
 * in ui/embed.go) and the module zip has no ui/dist: like upstream's Makefile with
 * STATIC_FILES=false (`mkdir -p ui/dist/app; touch ui/dist/app/index.html`) we create the
 * placeholder. Module zips also drop symbolic links (golang.org/x/mod/zip skips them): argoexec's
 * workflow/executor/osspecific/signal_linux.go is a link to signal_darwin.go upstream, so we make
 * the link again (`links`: path → target, as in the upstream tree). Files under GOMODCACHE cannot be
 * changed, so we copy the module source to a git-ignored folder, add the files there, and build with
 * a generated -modfile that replaces the module with that copy. Returns the extra go build arguments.
 */
function sourceFixArgs(name: ComponentName, component: Component, binary: BinaryName, outDir: string): string[] {
  const extra = component as Component & { placeholders?: Record<string, string[]>; links?: Record<string, Record<string, string>> };
  const placeholders = extra.placeholders?.[binary] ?? [];
  const links = Object.entries(extra.links?.[binary] ?? {});
  if (placeholders.length === 0 && links.length === 0) return [];
  const source = join(repoRoot, '.cache', 'src', `${name}-${component.version}`);
  if (!existsSync(join(source, 'go.mod'))) {
    rmSync(source, { recursive: true, force: true });
    mkdirSync(dirname(source), { recursive: true });
    cpSync(moduleDir(component.module, component.version), source, { recursive: true });
    spawnSync('chmod', ['-R', 'u+w', source]);
  }
  for (const file of placeholders) {
    mkdirSync(dirname(join(source, file)), { recursive: true });
    if (!existsSync(join(source, file))) writeFileSync(join(source, file), '');
  }
  for (const [path, target] of links) {
    if (!existsSync(join(source, path))) symlinkSync(target, join(source, path));
  }
  const wrapper = join(toolsDir, component.dir);
  const modfile = join(outDir, `${binary}.go.mod`);
  writeFileSync(modfile, readFileSync(join(wrapper, 'go.mod'), 'utf8') + `
replace ${component.module} => ${source}
`);
  copyFileSync(join(wrapper, 'go.sum'), join(outDir, `${binary}.go.sum`));
  return [`-modfile=${modfile}`];
}

export interface BuildRecord {
  binary: BinaryName;
  version: string;
  seconds: number;
  builtAt: string;
}

export interface BuildOptions {
  /** Called with a line of progress for humans. */
  onProgress?: (line: string) => void;
  /** Build log file (go's output is appended). */
  logFile?: string;
  /** Rebuild even when the cached binary exists. */
  force?: boolean;
}

/** Builds one binary into the cache; resolves with the path and the build record. */
export async function buildBinary(binary: BinaryName, options: BuildOptions = {}): Promise<{ path: string; record?: BuildRecord }> {
  const [name, component] = componentOfBinary(binary);
  const target = cachedBinaryPath(binary);
  if (existsSync(target) && !options.force) return { path: target };
  const outDir = join(binCacheDir, `${name}-${component.version}`);
  mkdirSync(outDir, { recursive: true });
  const program = cBinaryOf(component, binary);
  if (program) return compileC(binary, component, program, target, options);
  const args = ['build', '-trimpath', '-ldflags', ldflags(component), '-o', `${target}.tmp`];
  args.push(...sourceFixArgs(name, component, binary, outDir));
  args.push(packageOfBinary(component, binary) ?? binary);
  options.onProgress?.(`building ${binary} ${component.version} (go ${args.join(' ')})`);
  const started = Date.now();
  const log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  log?.write(`\n== ${new Date().toISOString()} go ${args.join(' ')}\n`);
  // Cold builds take minutes: say it is still going every 30 s.
  const heartbeat = setInterval(() => options.onProgress?.(`still building ${binary} (${Math.round((Date.now() - started) / 1000)} s)…`), 30_000);
  const code = await new Promise<number>((resolveCode, reject) => {
    const child = spawn('go', args, { cwd: join(toolsDir, component.dir), env: goEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const collect = (chunk: Buffer) => {
      log?.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (c) => (c === 0 ? resolveCode(0) : reject(new Error(`go build ${binary} exited ${c}:\n${tail}`))));
  }).finally(() => clearInterval(heartbeat));
  log?.end();
  if (code !== 0) throw new Error(`go build ${binary} failed`);
  renameSync(`${target}.tmp`, target);
  const record: BuildRecord = { binary, version: component.version, seconds: Math.round((Date.now() - started) / 1000), builtAt: new Date().toISOString() };
  writeFileSync(`${target}.build.json`, JSON.stringify(record, null, 2) + '\n');
  options.onProgress?.(`built ${binary} in ${record.seconds}s → ${target}`);
  return { path: target, record };
}

/**
 * A C program of the upstream module (Kubernetes' pause), compiled like upstream's Makefile does
 * (static, so the image needs no libc). Needs gcc and the static libc (Debian gcc, libc6-dev).
 */
async function compileC(binary: BinaryName, component: Component, program: CBinary, target: string, options: BuildOptions): Promise<{ path: string; record: BuildRecord }> {
  ensureHostPackages(['gcc', '/usr/lib/x86_64-linux-gnu/libc.a'], options.onProgress);
  const source = join(moduleDir(component.module, component.version), program.source);
  const started = Date.now();
  options.onProgress?.(`compiling ${binary} ${component.version} (gcc ${program.cflags.join(' ')} ${program.source})`);
  const out = spawnSync('gcc', [...program.cflags, '-o', `${target}.tmp`, source], { encoding: 'utf8' });
  if (out.error || out.status !== 0) throw new Error(`gcc ${binary} failed (needs gcc and libc6-dev): ${out.error?.message ?? ''}${out.stderr ?? ''}`);
  renameSync(`${target}.tmp`, target);
  const record: BuildRecord = { binary, version: component.version, seconds: Math.round((Date.now() - started) / 1000), builtAt: new Date().toISOString() };
  writeFileSync(`${target}.build.json`, JSON.stringify(record, null, 2) + '\n');
  return { path: target, record };
}

/** Resolves every binary: found (envtest-style or cache) or built now, one at a time (2-core friendly). */
export async function ensureBinaries(binaries: BinaryName[] = allBinaries, options: BuildOptions = {}): Promise<Record<BinaryName, string>> {
  const paths = {} as Record<BinaryName, string>;
  const missing = binaries.filter((binary) => !findBinary(binary));
  if (missing.length > 0) options.onProgress?.(`first start: building ${missing.join(', ')} with Go (cold builds take minutes; see docs/local-control-plane.md)`);
  for (const [index, binary] of binaries.entries()) {
    const found = options.force ? undefined : findBinary(binary);
    if (found) {
      paths[binary] = found;
      continue;
    }
    options.onProgress?.(`[${index + 1}/${binaries.length}] ${binary}`);
    paths[binary] = (await buildBinary(binary, options)).path;
  }
  return paths;
}

/** Build records written next to cached binaries (for docs and CI timing). */
export function readBuildRecord(binary: BinaryName): BuildRecord | undefined {
  const file = `${cachedBinaryPath(binary)}.build.json`;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BuildRecord) : undefined;
}

export { readComponents };
