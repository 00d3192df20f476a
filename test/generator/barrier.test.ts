/**
 * The channel-mode barrier (src/generator/parallel/barrier.ts) with real worker threads: nobody passes a
 * round before everyone arrived, over many rounds on the same cells; one worker aborting releases
 * the others with an error instead of a hang; and the argument checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { barrier, abortBarrier } from '../../src/generator/parallel/barrier.js';

interface ChildResult {
  ok: boolean;
  rounds: number;
  error?: string;
}

/** Run `parts` children on shared cells; child k aborts at round abortAt[k] (or never). */
async function run(parts: number, rounds: number, abortAt: (number | null)[] = []): Promise<ChildResult[]> {
  const sync = new SharedArrayBuffer(12);
  const counts = new SharedArrayBuffer(4 * rounds);
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./barrier-child.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  const children = Array.from({ length: parts }, (_, k) => {
    const w = new Worker(boot, {
      eval: true,
      workerData: { sync, counts, parts, rounds, abortAt: abortAt[k] ?? null },
    });
    return new Promise<ChildResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child ${k} hung`)), 20_000);
      w.once('message', (m: ChildResult) => {
        clearTimeout(timer);
        void w.terminate();
        resolve(m);
      });
      w.once('error', reject);
    });
  });
  return Promise.all(children);
}

test('barrier: three workers, 40 rounds on the same cells, nobody passes early', async () => {
  const results = await run(3, 40);
  assert.deepEqual(results, [
    { ok: true, rounds: 40 },
    { ok: true, rounds: 40 },
    { ok: true, rounds: 40 },
  ]);
});

test('barrier: a worker that aborts releases the others with an error', async () => {
  const [a, b] = await run(2, 10, [null, 5]);
  assert.equal(b.ok, false);
  assert.match(b.error!, /aborted at round 5/);
  assert.equal(a.ok, false);
  assert.equal(a.rounds, 5);
  assert.match(a.error!, /another worker of this image failed/);
});

test('barrier: the last arrival does not wait; bad arguments are rejected', () => {
  const sync = new Int32Array(new SharedArrayBuffer(12));
  barrier(sync, 1); // alone: passes at once, next generation
  assert.deepEqual(Array.from(sync), [0, 1, 0]);
  sync[0] = 2; // two others are already waiting
  barrier(sync, 3);
  assert.deepEqual(Array.from(sync), [0, 2, 0]);
  abortBarrier(sync);
  assert.throws(() => barrier(sync, 1), /another worker of this image failed/);
  assert.throws(() => barrier(new Int32Array(3), 2), /SharedArrayBuffer/);
  assert.throws(() => barrier(new Int32Array(new SharedArrayBuffer(12)), 0), /parts must be an integer >= 1/);
});
