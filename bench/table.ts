/** Shared shape and printer of benchmark figures. */
export interface Row {
  name: string;
  value: number;
  unit: string;
  /** The same work measured in the same run without the project's layers. */
  baseline?: number;
  /** value / baseline, oriented so that higher is better (≥ target is a pass). */
  ratio?: number;
  target?: string;
  note?: string;
}

const fmt = (n: number | undefined) =>
  n === undefined ? '' : n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);

/** The median of `values` (NaN for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Prints rows as a Markdown table (also what BENCHMARKS.md keeps). */
export function formatTable(title: string, rows: Row[]): string {
  const lines = [
    `### ${title}`,
    '',
    '| figure | value | unit | baseline | ratio | target | note |',
    '|---|---:|---|---:|---:|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${fmt(r.value)} | ${r.unit} | ${fmt(r.baseline)} | ${r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`} | ${r.target ?? ''} | ${r.note ?? ''} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

/** Milliseconds taken by `fn`. */
export async function timeMs(fn: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}
