/** Signal-library benchmarks: filter design, resampling / filtered nonlinearity, FFTs and spectra. */
import type { BenchRow } from './harness.js';

export async function rows(opts: { quick: boolean }): Promise<BenchRow[]> {
  const out: BenchRow[] = [];
  for (const load of [
    () => import('./signal-design.js'),
    () => import('./signal-resample.js'),
    () => import('./signal-fft.js'),
  ]) {
    const mod = await load();
    out.push(...(await mod.rows(opts)));
  }
  return out;
}
