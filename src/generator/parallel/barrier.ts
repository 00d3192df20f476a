/**
 * The barrier of `GeneratorPool`'s channel mode: the workers of one image meet after every layer
 * (each has written its channel slice; the next layer needs all of them). State is three Int32
 * cells of a SharedArrayBuffer, `sync = [arrived, generation, abort]`:
 *
 * - a worker arriving increments `arrived`; the last of `parts` resets it to 0 and increments
 *   `generation`, which releases the others (they wait for `generation` to change, so the same
 *   cells serve every layer);
 * - a worker that fails sets `abort`, and every worker waiting or arriving later throws instead of
 *   waiting for it forever.
 *
 * Semantics of an abort, chosen so that the outcome does not depend on thread scheduling: a round
 * is complete once all `parts` workers arrived, and every worker of a complete round passes it, even
 * when the abort flag was set between the release and the moment the waiter woke up (the abort
 * belongs to a later round, which the failed worker never reaches). The abort is reported to a
 * worker at its next arrival, or while it waits for a round that can no longer complete. So a
 * worker that completed r rounds with the failed one always stops in round r + 1.
 */

/**
 * Wait until all `parts` workers arrived (`pollMs`: how often a waiter rechecks the abort flag, ms).
 * Throws if the abort flag is set when this worker arrives, or while it waits in a round that has
 * not completed.
 */
export function barrier(sync: Int32Array, parts: number, pollMs = 250): void {
  if (!(sync.buffer instanceof SharedArrayBuffer) || sync.length < 3)
    throw new TypeError('sync must be an Int32Array of 3 cells on a SharedArrayBuffer');
  if (!Number.isInteger(parts) || parts < 1)
    throw new RangeError(`parts must be an integer >= 1, got ${parts}`);
  if (!Number.isFinite(pollMs) || pollMs <= 0)
    throw new RangeError(`pollMs must be a finite number > 0 (milliseconds), got ${pollMs}`);
  if (Atomics.load(sync, 2) !== 0) throw new Error(FAILED);
  // Read before arriving: the round can only complete (and the generation change) after this
  // worker's increment, so this is the generation of this worker's round.
  const generation = Atomics.load(sync, 1);
  if (Atomics.add(sync, 0, 1) === parts - 1) {
    Atomics.store(sync, 0, 0);
    Atomics.add(sync, 1, 1);
    Atomics.notify(sync, 1);
    return;
  }
  while (Atomics.load(sync, 1) === generation) {
    if (Atomics.load(sync, 2) !== 0) throw new Error(FAILED);
    Atomics.wait(sync, 1, generation, pollMs);
  }
  // Released: the round completed, whatever happened to the abort flag since.
}

const FAILED = 'another worker of this image failed';

/** Mark the barrier aborted and wake every waiting worker. */
export function abortBarrier(sync: Int32Array): void {
  Atomics.store(sync, 2, 1);
  Atomics.notify(sync, 1);
}
