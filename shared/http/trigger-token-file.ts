/**
 * TRIGGER_TOKENS_FILE, re-read when it changes so a rotation needs no restart. A Secret volume is
 * updated in place by the kubelet: it writes the new files into a fresh timestamped folder and swaps the
 * `..data` symlink atomically (kubernetes pkg/volume/util/atomic_writer.go), so the path resolves to a
 * new file (new inode, new mtime). The file is stat'ed at most once per `checkEveryMs` and read again
 * only when what it resolves to changed. Fails closed: an unreadable or empty file accepts no token.
 */
import { readFileSync, statSync } from 'node:fs';

export interface TriggerTokenFile {
  readonly path: string;
  /** The tokens the file holds now (checked at most once per `checkEveryMs`); empty when unreadable. */
  tokens(): readonly string[];
}

export interface TriggerTokenFileOptions {
  /** Default 1000 ms: a removed token stops working within a second of the kubelet's swap. */
  readonly checkEveryMs?: number;
  readonly now?: () => number;
  /** Called after each re-read: how many tokens, or the error that made the list empty. */
  readonly onReload?: (result: { readonly count: number; readonly error?: Error }) => void;
}

/** One token per line (or comma-separated); a `Bearer ` prefix is dropped, blank entries ignored. */
export function parseTokenList(text: string): string[] {
  return text
    .split(/[\r\n,]+/)
    .map((item) => stripBearer(item.trim()))
    .filter((item) => item.length > 0);
}

/** A token file may hold the whole header value (`Bearer abc`), as a Sensor's secureHeaders sends it. */
export function stripBearer(token: string): string {
  return token.replace(/^Bearer\s+/i, '');
}

export function watchTriggerTokenFile(path: string, options: TriggerTokenFileOptions = {}): TriggerTokenFile {
  const checkEveryMs = options.checkEveryMs ?? 1000;
  const now = options.now ?? Date.now;
  let identity: string | undefined;
  let tokens: readonly string[] = [];
  let checkedAt = -Infinity;

  const check = () => {
    checkedAt = now();
    let current: string;
    try {
      // statSync follows the symlinks: after the kubelet's swap this is another file.
      const stat = statSync(path, { bigint: true });
      current = `${stat.dev}:${stat.ino}:${stat.mtimeNs}:${stat.size}`;
    } catch (error) {
      if (identity !== 'unreadable') options.onReload?.({ count: 0, error: error as Error });
      identity = 'unreadable';
      tokens = [];
      return;
    }
    if (current === identity) return;
    try {
      tokens = parseTokenList(readFileSync(path, 'utf8'));
      identity = current;
      options.onReload?.({ count: tokens.length });
    } catch (error) {
      identity = 'unreadable';
      tokens = [];
      options.onReload?.({ count: 0, error: error as Error });
    }
  };

  return {
    path,
    tokens() {
      if (now() - checkedAt >= checkEveryMs) check();
      return tokens;
    },
  };
}
