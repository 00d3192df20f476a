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
 */

/** Wait until all `parts` workers arrived; throws if one of them aborted. */
export function barrier(sync: Int32Array, parts: number, pollMs = 250): void {
  if (!(sync.buffer instanceof SharedArrayBuffer) || sync.length < 3)
    throw new TypeError('sync must be an Int32Array of 3 cells on a SharedArrayBuffer');
  if (!Number.isInteger(parts) || parts < 1)
    throw new RangeError(`parts must be an integer >= 1, got ${parts}`);
  const generation = Atomics.load(sync, 1);
  if (Atomics.add(sync, 0, 1) === parts - 1) {
    Atomics.store(sync, 0, 0);
    Atomics.add(sync, 1, 1);
    Atomics.notify(sync, 1);
  } else {
    while (Atomics.load(sync, 1) === generation && Atomics.load(sync, 2) === 0)
      Atomics.wait(sync, 1, generation, pollMs);
  }
  if (Atomics.load(sync, 2) !== 0) throw new Error('another worker of this image failed');
}

/** Mark the barrier aborted and wake every waiting worker. */
export function abortBarrier(sync: Int32Array): void {
  Atomics.store(sync, 2, 1);
  Atomics.notify(sync, 1);
}
