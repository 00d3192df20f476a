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

/**
 * Run `children` worker threads on shared cells (`parts` arrivals per round; more than `children`
 * when the test thread takes part too); child k aborts at round abortAt[k] (or never).
 */
function start(
  children: number,
  parts: number,
  rounds: number,
  abortAt: (number | null)[] = [],
): { sync: Int32Array; counts: Int32Array; results: Promise<ChildResult[]> } {
  const sync = new SharedArrayBuffer(12);
  const counts = new SharedArrayBuffer(4 * rounds);
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./barrier-child.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  const workers = Array.from({ length: children }, (_, k) => {
    const w = new Worker(boot, {
      eval: true,
      workerData: { sync, counts, parts, rounds, abortAt: abortAt[k] ?? null },
    });
    return new Promise<ChildResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child ${k} hung`)), 120_000);
      w.once('message', (m: ChildResult) => {
        clearTimeout(timer);
        void w.terminate();
        resolve(m);
      });
      w.once('error', reject);
    });
  });
  return { sync: new Int32Array(sync), counts: new Int32Array(counts), results: Promise.all(workers) };
}

/** Run `parts` children on shared cells; child k aborts at round abortAt[k] (or never). */
function run(parts: number, rounds: number, abortAt: (number | null)[] = []): Promise<ChildResult[]> {
  return start(parts, parts, rounds, abortAt).results;
}

/** Resolve once cell `i` of `cells` holds `value` (woken every 5 ms to look again; no fixed sleep). */
async function until(cells: Int32Array, i: number, value: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Atomics.load(cells, i) !== value) {
    if (Date.now() > deadline) throw new Error(`cell ${i} never reached ${value}`);
    const w = Atomics.waitAsync(cells, i, Atomics.load(cells, i), 5);
    if (w.async) await w.value;
  }
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
  // B completes rounds 0–4 with A and aborts in round 5, so A passes exactly 5 rounds: however the
  // threads are scheduled, a round both reached is passed and round 5 can never complete.
  const [a, b] = await run(2, 10, [null, 5]);
  assert.equal(b.ok, false);
  assert.match(b.error!, /aborted at round 5/);
  assert.equal(a.ok, false);
  assert.equal(a.rounds, 5);
  assert.match(a.error!, /another worker of this image failed/);
});

test('barrier: a waiter released by a completed round passes it even if the abort comes before it wakes', async () => {
  // The child arrives first and waits; this thread arrives last (releasing it) and aborts at once,
  // so the child almost always wakes with the abort flag already set. It must still count round 0
  // as passed and learn of the abort at its next arrival (round 1).
  const { sync, counts, results } = start(1, 2, 3);
  await until(sync, 0, 1);
  Atomics.add(counts, 0, 1);
  barrier(sync, 2);
  abortBarrier(sync);
  const [child] = await results;
  assert.deepEqual(child, { ok: false, rounds: 1, error: 'another worker of this image failed' });
});

test('barrier: the last arrival does not wait; bad arguments are rejected', () => {
  const sync = new Int32Array(new SharedArrayBuffer(12));
  barrier(sync, 1); // alone: passes at once, next generation
  assert.deepEqual(Array.from(sync), [0, 1, 0]);
  sync[0] = 2; // two others are already waiting
  barrier(sync, 3);
  assert.deepEqual(Array.from(sync), [0, 2, 0]);
  abortBarrier(sync);
  // Arriving after an abort throws before counting itself in.
  assert.throws(() => barrier(sync, 1), /another worker of this image failed/);
  assert.deepEqual(Array.from(sync), [0, 2, 1]);
  assert.throws(() => barrier(new Int32Array(3), 2), /SharedArrayBuffer/);
  assert.throws(() => barrier(new Int32Array(new SharedArrayBuffer(12)), 0), /parts must be an integer >= 1/);
  assert.throws(() => barrier(new Int32Array(new SharedArrayBuffer(12)), 2, 0), /pollMs must be .* got 0/);
});
