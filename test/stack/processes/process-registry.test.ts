// Killing and starting a stack process again: same command and log, a new pid, the readiness probe awaited.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProcessRegistry, type ProcessRegistry } from '../../../dev/stack/processes/process-registry';
import { spawnManaged } from '../../../dev/stack/processes/processes';

describe('harness process registry', () => {
  let registry: ProcessRegistry | undefined;
  afterEach(async () => {
    for (const p of registry?.all() ?? []) await p.stop(1_000);
  });

  it('kill ends the group; start runs the same command again and waits for its probe', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'handoff-registry-'));
    registry = createProcessRegistry(join(dir, 'pids.json'), 10_000);
    const sleeper = () => spawnManaged({ name: 'sleeper', command: process.execPath, args: ['-e', 'console.log(`up ${process.pid}`); setInterval(() => {}, 1000)'], logDir: dir });
    const first = sleeper();
    let probes = 0;
    const offsets = new Set<number>();
    registry.add(first, async ({ logOffset }) => {
      probes += 1;
      offsets.add(logOffset);
      // Only what the restarted process wrote counts: the log is appended across runs.
      return /^up \d+$/m.test(readFileSync(first.logFile).subarray(logOffset).toString('utf8'));
    });
    expect(registry.list()).toEqual([{ name: 'sleeper', pid: first.pid, running: true }]);
    await expect.poll(() => readFileSync(first.logFile, 'utf8')).toContain(`up ${first.pid}`);

    await registry.kill('sleeper');
    expect(await first.exited).toBe('SIGKILL');
    expect(registry.list()[0]?.running).toBe(false);

    await registry.start('sleeper');
    const [again] = registry.list();
    expect(again?.running).toBe(true);
    expect(again?.pid).not.toBe(first.pid);
    expect(probes).toBeGreaterThan(0); // the second "up" line was awaited in the same log file
    expect([...offsets]).toEqual([`up ${first.pid}\n`.length]); // the probe saw the log from where the new process began
    expect(readFileSync(first.logFile, 'utf8')).toContain(`up ${again?.pid}`);
    await expect(registry.start('sleeper')).rejects.toThrow(/is running/);
    expect(JSON.parse(readFileSync(join(dir, 'pids.json'), 'utf8')).processes.map((p: { pid: number }) => p.pid)).toEqual([first.pid, again?.pid]);
  });

  it('a process that exits on its own is started again after the back-off (restartOnCrash); one killed here is not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'handoff-registry-'));
    registry = createProcessRegistry(join(dir, 'pids.json'), 10_000, { crashBackoffMs: 200 });
    // Crashes on its first run only (a marker file tells the runs apart), as a panic would end it.
    const marker = join(dir, 'crashed-once');
    const crashy = spawnManaged({ name: 'crashy', command: process.execPath, args: ['-e', `const fs = require('fs'); console.log('up ' + process.pid); if (!fs.existsSync(${JSON.stringify(marker)})) { fs.writeFileSync(${JSON.stringify(marker)}, ''); process.exit(2); } setInterval(() => {}, 1000);`], logDir: dir });
    const steady = spawnManaged({ name: 'steady', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], logDir: dir });
    registry.add(crashy, undefined, { restartOnCrash: true });
    registry.add(steady, undefined, { restartOnCrash: true });
    expect(await crashy.exited).toBe('2');
    await expect.poll(() => registry!.list().find((p) => p.name === 'crashy'), { timeout: 5_000 }).toMatchObject({ running: true });
    expect(registry.list().find((p) => p.name === 'crashy')?.pid).not.toBe(crashy.pid);
    expect(registry.crashes()).toEqual({ crashy: 1, steady: 0 });

    await registry.kill('steady');
    await new Promise((r) => setTimeout(r, 600)); // three back-offs: a deliberate kill is left to the caller's start
    expect(registry.list().find((p) => p.name === 'steady')).toMatchObject({ running: false });
    expect(registry.crashes()).toEqual({ crashy: 1, steady: 0 });
    registry.close();
  });
});
