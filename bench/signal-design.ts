/**
 * Benchmarks of the filter-design core: the generator designs one filter per layer and direction,
 * and spectra use long Kaiser windows. Each timed repeat runs a batch of calls (single calls take
 * microseconds); `ms` is the median time per call.
 */
import { timeMedian, type BenchRow } from './harness.js';
import { designLowpassFilter, firwin, kaiserWindow } from '../src/signal/index.js';

async function perCall(fn: () => unknown, inner: number, quick: boolean): Promise<number> {
  const batch = () => {
    for (let i = 0; i < inner; i++) fn();
  };
  const ms = await timeMedian(batch, { repeats: quick ? 3 : 9, warmup: 2 });
  return ms / inner;
}

export async function rows(opts: { quick: boolean }): Promise<BenchRow[]> {
  const { quick } = opts;
  const inner = quick ? 200 : 2000;
  const out: BenchRow[] = [];

  const firwinMs = await perCall(() => firwin(24, 4, { width: 8, fs: 64 }), inner, quick);
  out.push({
    group: 'signal',
    name: 'firwin n=24 Kaiser (width)',
    ms: firwinMs,
    extra: { 'us/call': firwinMs * 1000, 'calls/s': 1000 / firwinMs },
  });

  const radialMs = await perCall(
    () => designLowpassFilter({ numtaps: 12, cutoff: 2, width: 12, fs: 32, radial: true }),
    inner,
    quick,
  );
  out.push({
    group: 'signal',
    name: 'designLowpassFilter radial 12x12',
    ms: radialMs,
    extra: { 'us/call': radialMs * 1000, 'calls/s': 1000 / radialMs },
  });

  const kaiserMs = await perCall(() => kaiserWindow(1024, 8), quick ? 20 : 200, quick);
  out.push({
    group: 'signal',
    name: 'kaiserWindow M=1024',
    ms: kaiserMs,
    extra: { 'us/call': kaiserMs * 1000, 'calls/s': 1000 / kaiserMs },
  });
  return out;
}
