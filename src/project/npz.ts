/**
 * NumPy `.npz` archives (what `np.savez` writes and `np.load` reads): an uncompressed ZIP whose
 * members are `.npy` files named `<key>.npy`.
 */
import { encodeNpy } from '../io/npy.js';
import { writeZip } from '../train/dataset/zip.js';

/** One array of an archive. */
export interface NpzArray {
  /** The values, row-major (the `.npy` dtypes the writer knows). */
  data: Float32Array | Float64Array | Int32Array | Uint8Array;
  /** The array's shape. */
  shape: readonly number[];
}

/**
 * The bytes of an `.npz` archive holding `arrays` under their keys (`np.load(path)[key]`).
 *
 * @example
 * ```ts
 * writeFileSync('projected_w.npz', encodeNpz({ w: { data: ws.dataSync() as Float32Array, shape: ws.shape } }));
 * ```
 */
export function encodeNpz(arrays: Record<string, NpzArray>): Uint8Array {
  const entries = Object.entries(arrays).map(([key, a]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw new RangeError(`npz key must be a Python identifier, got ${JSON.stringify(key)}`);
    return { name: `${key}.npy`, data: encodeNpy(a.data, a.shape) };
  });
  if (entries.length === 0) throw new RangeError('an npz archive needs at least one array');
  return writeZip(entries);
}
