/**
 * Tiny benchmark harness: time a function over repeats and report the median (speed targets live
 * here, never in tests). Each bench module exports `rows()` returning table rows.
 */
import { performance } from 'node:perf_hooks';

export interface BenchRow {
  group: string;
  name: string;
  /** Median milliseconds per call. */
  ms: number;
  /** Optional extra columns (e.g. GFLOP/s, images/s). */
  extra?: Record<string, string | number>;
}

/** Median of `repeats` timed calls after `warmup` untimed calls. Async functions are awaited. */
export async function timeMedian(fn: () => unknown, { repeats = 5, warmup = 1 } = {}): Promise<number> {
  return (await timeStats(fn, { repeats, warmup })).median;
}

/** Median, fastest and slowest of `repeats` timed calls (ms) after `warmup` untimed calls. */
export async function timeStats(
  fn: () => unknown,
  { repeats = 5, warmup = 1 } = {},
): Promise<{ median: number; min: number; max: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], min: times[0], max: times[times.length - 1] };
}

/** Render rows as an aligned plain-text table. */
export function formatTable(rows: BenchRow[]): string {
  const extraKeys = [...new Set(rows.flatMap((r) => Object.keys(r.extra ?? {})))];
  const header = ['group', 'benchmark', 'median ms', ...extraKeys];
  const body = rows.map((r) => [
    r.group,
    r.name,
    r.ms.toFixed(r.ms < 10 ? 3 : 1),
    ...extraKeys.map((k) => {
      const v = r.extra?.[k];
      return v === undefined
        ? ''
        : typeof v === 'number'
          ? Math.abs(v) >= 100
            ? v.toFixed(0)
            : v.toPrecision(3)
          : v;
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}
