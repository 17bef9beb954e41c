// A Secret volume written the way the kubelet writes it, so consumers see what they see in a pod: a port of
// kubernetes pkg/volume/util/atomic_writer.go AtomicWriter.Write (v1.34) for flat keys. The files go into a
// new `..<timestamp>` folder, a `..data_tmp` symlink to it is renamed over `..data` (one atomic step), each key
// is a user-visible symlink `<key>` → `..data/<key>`, then keys no longer present and the old folder are removed.
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DATA_DIR = '..data';
const NEW_DATA_DIR = '..data_tmp';

let sequence = 0;

/** Projects `data` (key → value) into `dir`, replacing what a previous projection put there. */
export function writeSecretVolume(dir: string, data: Readonly<Record<string, string>>): void {
  for (const key of Object.keys(data)) {
    if (!/^[-._a-zA-Z0-9]+$/.test(key) || key.startsWith('..')) throw new Error(`invalid Secret key ${JSON.stringify(key)}`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const dataPath = join(dir, DATA_DIR);
  const oldTsDir = existsSync(dataPath) ? readlinkSync(dataPath) : undefined;
  const oldKeys = oldTsDir ? keysOf(dir) : [];

  // newTimestampDir: `..2006_01_02_15_04_05.<random>`; the sequence keeps two writes in one ms apart.
  const tsDir = `..${new Date().toISOString().replace(/[-:T]/g, '_').replace(/\..*$/, '')}.${process.pid}${(sequence += 1)}`;
  mkdirSync(join(dir, tsDir), { mode: 0o755 });
  for (const [key, value] of Object.entries(data)) writeFileSync(join(dir, tsDir, key), value, { mode: 0o644 });
  rmSync(join(dir, NEW_DATA_DIR), { force: true });
  symlinkSync(tsDir, join(dir, NEW_DATA_DIR));
  renameSync(join(dir, NEW_DATA_DIR), dataPath);

  // createUserVisibleFiles: only missing links are made; an existing one already points through ..data.
  for (const key of Object.keys(data)) {
    if (!isLink(join(dir, key))) symlinkSync(join(DATA_DIR, key), join(dir, key));
  }
  for (const key of oldKeys) if (!(key in data)) rmSync(join(dir, key), { force: true });
  if (oldTsDir) rmSync(join(dir, oldTsDir), { recursive: true, force: true });
}

/** The user-visible keys of a projected folder (its symlinks that point into ..data). */
function keysOf(dir: string): string[] {
  return readdirSync(dir).filter((name) => !name.startsWith('..'));
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Who reads a mount (the EventSource shares the Sensors' folder): in the stack's model each kind has its own kubelet sync lag. */
export type SecretConsumer = 'sensor' | 'function';

/** One place a Secret is projected: the whole Secret (argo-events' volumes) or only some keys (`items`). */
export interface SecretMount {
  readonly secret: string;
  readonly consumer: SecretConsumer;
  readonly dir: string;
  /** Secret key → file name; absent: every key under its own name. */
  readonly items?: Readonly<Record<string, string>>;
}

/** The stack's kubelet, for Secrets: every mount of a Secret is rewritten when the Secret changes. */
export interface SecretVolumes {
  mount(mount: SecretMount, data: Readonly<Record<string, string>>): void;
  /**
   * Projects the new `data` of Secret `secret` into each of its mounts: at once, or `lagMs[consumer]` later
   * (in a cluster each kubelet refreshes a volume on its own sync, up to a minute or two apart). With a fixed
   * lag per consumer, successive updates reach a mount in the order they were made.
   */
  update(secret: string, data: Readonly<Record<string, string>>, lagMs?: Partial<Record<SecretConsumer, number>>): void;
}

export function createSecretVolumes(): SecretVolumes {
  const mounts: SecretMount[] = [];
  const project = (mount: SecretMount, data: Readonly<Record<string, string>>) => {
    const items = mount.items;
    const files = items
      ? Object.fromEntries(Object.entries(items).filter(([key]) => key in data).map(([key, file]) => [file, data[key]!]))
      : data;
    writeSecretVolume(mount.dir, files);
  };
  return {
    mount(mount, data) {
      mounts.push(mount);
      project(mount, data);
    },
    update(secret, data, lagMs = {}) {
      for (const mount of mounts.filter((m) => m.secret === secret)) {
        const lag = lagMs[mount.consumer] ?? 0;
        if (lag > 0) setTimeout(() => project(mount, data), lag).unref();
        else project(mount, data);
      }
    },
  };
}
