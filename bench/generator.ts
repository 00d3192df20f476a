import type { BenchRow } from './harness.js';

export async function rows(_opts: { quick: boolean }): Promise<BenchRow[]> {
  return [];
}
