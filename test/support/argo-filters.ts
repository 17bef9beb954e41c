/**
 * A small evaluator of Argo Events dependency filters, enough to check the ones we
 * generate (argo-events pkg/sensors/dependencies/filter.go): data filters over
 * gjson dotted paths with unanchored Go regular expressions (a leading `(?i)`
 * becomes the `i` flag), `!=` comparators and booleans; exprs written in the
 * subset of govaluate that is also JavaScript (==, !=, +, &&, ||, string literals).
 */

export interface DataFilter {
  readonly path: string;
  readonly type: string;
  readonly value: readonly string[];
  readonly comparator?: string;
}

export interface ExprFilter {
  readonly expr: string;
  readonly fields: readonly { name: string; path: string }[];
}

/** gjson dotted path; `\.` is a dot inside a key (e.g. an annotation name). */
export function lookup(data: unknown, path: string): unknown {
  const keys = path.split(/(?<!\\)\./).map((key) => key.replaceAll('\\.', '.'));
  return keys.reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), data);
}

function goRegex(source: string): RegExp {
  return source.startsWith('(?i)') ? new RegExp(source.slice(4), 'i') : new RegExp(source);
}

function dataPasses(filter: DataFilter, data: unknown): boolean {
  const value = lookup(data, filter.path);
  if (value === undefined || value === null) return false; // a missing path is an error: the event is dropped
  if (filter.type === 'bool') return filter.value.some((v) => String(value) === v);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const matched = filter.value.some((pattern) => goRegex(pattern).test(text));
  return filter.comparator === '!=' ? !matched : matched;
}

function exprPasses(filter: ExprFilter, data: unknown): boolean {
  let source = filter.expr;
  for (const field of filter.fields) {
    const value = lookup(data, field.path);
    if (value === undefined) return false;
    source = source.replace(new RegExp(`\\b${field.name}\\b`, 'g'), JSON.stringify(value));
  }
  if (/[^\w\s"'.+=!&|()/:-]/.test(source)) throw new Error(`expression outside the supported subset: ${filter.expr}`);
  return Boolean(new Function(`return (${source});`)());
}

/** AND of every data and expr filter, as Argo's default filtersLogicalOperator. */
export function filtersPass(filters: { data?: readonly DataFilter[]; exprs?: readonly ExprFilter[] }, data: unknown): boolean {
  return (filters.data ?? []).every((filter) => dataPasses(filter, data)) && (filters.exprs ?? []).every((filter) => exprPasses(filter, data));
}
