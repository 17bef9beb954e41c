/** What fills each bundle, from the esbuild metafile: `npx tsx dev/scripts/build.ts --breakdown`. */
import type { Metafile } from 'esbuild';

export interface InputShare {
  /** An npm package (`zod`, `@kubernetes/client-node`) or a first-party folder (`shared/http`). */
  readonly source: string;
  readonly bytes: number;
}

/** Which package or folder an input path belongs to; paths may run through a symlinked node_modules. */
export function sourceOf(input: string): string {
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (inPackage) return inPackage[1] as string;
  const parts = input.split('/');
  return parts.length > 2 ? parts.slice(0, 2).join('/') : input;
}

/** The bytes each package or folder contributes to `output`, largest first. */
export function largestSources(metafile: Metafile, output: string): InputShare[] {
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(metafile.outputs[output]?.inputs ?? {})) {
    const source = sourceOf(input);
    totals.set(source, (totals.get(source) ?? 0) + bytesInOutput);
  }
  return [...totals].map(([source, bytes]) => ({ source, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** The input files that contribute most to `output`, largest first. */
export function largestInputs(metafile: Metafile, output: string): InputShare[] {
  return Object.entries(metafile.outputs[output]?.inputs ?? {})
    .map(([input, { bytesInOutput }]) => ({ source: input.replace(/^.*node_modules\//, ''), bytes: bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
}

/** A text report: per bundle, the `top` largest packages or folders and the `top` largest files. */
export function breakdownReport(metafile: Metafile, top = 12): string {
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1).padStart(8)} KiB`;
  const lines: string[] = [];
  for (const [output, { bytes }] of Object.entries(metafile.outputs)) {
    if (!output.endsWith('.js')) continue;
    lines.push(`${output}  ${bytes} bytes`, '  by package or folder:');
    for (const share of largestSources(metafile, output).slice(0, top)) lines.push(`  ${kib(share.bytes)}  ${share.source}`);
    lines.push('  by file:');
    for (const share of largestInputs(metafile, output).slice(0, top)) lines.push(`  ${kib(share.bytes)}  ${share.source}`);
  }
  return lines.join('\n');
}
