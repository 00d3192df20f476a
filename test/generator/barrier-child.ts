/**
 * Worker side of barrier.test.ts: `rounds` times, count this worker into `counts[round]`, meet the
 * others at the barrier, then check that every worker counted itself before anyone got through.
 * A worker with `abortAt` aborts the barrier at that round instead of arriving.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { barrier, abortBarrier } from '../../src/generator/parallel/barrier.js';

const { sync, counts, parts, rounds, abortAt } = workerData as {
  sync: SharedArrayBuffer;
  counts: SharedArrayBuffer;
  parts: number;
  rounds: number;
  abortAt: number | null;
};
const s = new Int32Array(sync);
const c = new Int32Array(counts);
let result: { ok: boolean; rounds: number; error?: string } = { ok: true, rounds: 0 };
try {
  for (let r = 0; r < rounds; r++) {
    if (r === abortAt) {
      abortBarrier(s);
      throw new Error(`aborted at round ${r}`);
    }
    Atomics.add(c, r, 1);
    barrier(s, parts, 20);
    const seen = Atomics.load(c, r);
    if (seen !== parts) throw new Error(`round ${r}: passed the barrier with ${seen} of ${parts} arrived`);
    result.rounds = r + 1;
  }
} catch (err) {
  result = { ok: false, rounds: result.rounds, error: err instanceof Error ? err.message : String(err) };
}
parentPort!.postMessage(result);
