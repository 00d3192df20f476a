/**
 * NumPy `.npy` files ↔ ndarray. Parsing and serialisation are done by the `npyjs` package; this
 * module only adapts its result to the project's conventions (C-order ndarrays, float32/float64/int32).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import ndarray, { type NdArray } from 'ndarray';
import { parse, dump } from 'npyjs';

export type NpyData = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Parse the bytes of a `.npy` file into a C-order ndarray. */
export function parseNpy(bytes: Uint8Array, what = 'npy data'): NdArray<NpyData> {
  // npyjs wants an ArrayBuffer that starts at the file's first byte.
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let arr;
  try {
    arr = parse(buf);
  } catch (err) {
    throw new TypeError(`${what} is not a valid .npy file: ${(err as Error).message}`);
  }
  if (arr.fortranOrder) throw new TypeError(`${what}: Fortran-order .npy files are not supported`);
  let data = arr.data as unknown as NpyData | Float64Array;
  // float16 arrives from npyjs already converted to float32; booleans/uint8 stay bytes; i8 → not used.
  if (!(
    data instanceof Float32Array ||
    data instanceof Float64Array ||
    data instanceof Int32Array ||
    data instanceof Uint8Array
  )) {
    throw new TypeError(`${what}: unsupported dtype ${arr.dtype}`);
  }
  const shape = arr.shape.length === 0 ? [1] : arr.shape;
  return ndarray(data as NpyData, shape.slice());
}

/** Read a `.npy` file into a C-order ndarray. */
export function readNpy(path: string): NdArray<NpyData> {
  return parseNpy(readFileSync(path), path);
}

/** Serialise a dense C-order typed array with `shape` to `.npy` bytes. */
export function encodeNpy(data: NpyData, shape: readonly number[]): Uint8Array {
  return new Uint8Array(dump(data, shape.slice()));
}

/** Write a dense C-order typed array with `shape` as a `.npy` file. */
export function writeNpy(path: string, data: NpyData, shape: readonly number[]): void {
  writeFileSync(path, encodeNpy(data, shape));
}
