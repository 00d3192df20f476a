/**
 * The job queue over worker threads (src/generator/parallel/workers.ts) that the report and the ladder use:
 * results in job order whatever the start order, progress per job, both workers used, a failing
 * job or a failing start surfacing as an error (no hang).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runJobsInWorkers, startSiblingWorker } from '../../src/generator/parallel/workers.js';

type Result = { square: number; thread: number };

test('runJobsInWorkers: results in job order, progress per job, every worker busy', async () => {
  const jobs = [1, 2, 3, 4, 5, 6];
  const progress = new Map<number, number[]>();
  const started: number[] = [];
  const results = await runJobsInWorkers<number, Result, number>(import.meta.url, 'workers-child', {}, jobs, {
    workers: 2,
    order: [5, 4, 3, 2, 1, 0],
    onStart: (i) => started.push(i),
    onProgress: (i, p) => progress.set(i, [...(progress.get(i) ?? []), p]),
  });
  assert.deepEqual(
    results.map((r) => r.square),
    [1, 4, 9, 16, 25, 36],
  );
  assert.deepEqual(started.slice(0, 2), [5, 4]);
  assert.equal(new Set(results.map((r) => r.thread)).size, 2);
  for (let i = 0; i < jobs.length; i++) assert.deepEqual(progress.get(i), [0.5, 1]);
});

test('runJobsInWorkers: a failing job stops the queue with its error', async () => {
  const started: number[] = [];
  await assert.rejects(
    runJobsInWorkers<number, Result, number>(import.meta.url, 'workers-child', {}, [1, -2, 3, 4, 5, 6, 7], {
      workers: 1,
      onStart: (i) => started.push(i),
    }),
    /job -2 is negative/,
  );
  assert.deepEqual(started, [0, 1]);
  await assert.rejects(
    runJobsInWorkers(import.meta.url, 'workers-child', {}, [1], { workers: 0 }),
    /workers must be a positive integer, got 0/,
  );
});

test('startSiblingWorker: a failed start-up is an error naming the module', async () => {
  await assert.rejects(
    startSiblingWorker(import.meta.url, 'workers-child', { failInit: true }),
    /workers-child failed to start: no backend here/,
  );
  await assert.rejects(
    runJobsInWorkers(import.meta.url, 'workers-child', { failInit: true }, [1, 2], { workers: 2 }),
    /failed to start/,
  );
  await assert.rejects(startSiblingWorker(import.meta.url, '../x', {}), /plain file name/);
});
