/**
 * Small helpers for the `ndarray` views the library works on.
 *
 * Conventions (see docs/api.md): N-D data are row-major `ndarray`s over Float32Array or Float64Array,
 * NCHW for images; 1-D signals are Float64Array (number[] accepted as input).
 */
import ndarray, { type NdArray } from 'ndarray';
import { assertAllFinite, show } from './validate.js';

export type { NdArray };
/** The typed arrays the library computes on (float32 as the official network, float64 as SciPy). */
export type FloatArray = Float32Array | Float64Array;
/** Element type of an array the library allocates. */
export type DType = 'float32' | 'float64';

/** Allocate a zero-filled C-order ndarray of the given shape. */
export function zeros(shape: readonly number[], dtype: DType = 'float64'): NdArray<FloatArray> {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
  return ndarray(data, shape.slice());
}

/** Wrap a flat typed array as a C-order ndarray of `shape` (checks the length). */
export function fromData<T extends FloatArray>(data: T, shape: readonly number[]): NdArray<T> {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) {
    throw new RangeError(`shape [${shape.join(', ')}] needs ${size} elements, data has ${data.length}`);
  }
  return ndarray(data, shape.slice());
}

/** Accept a 1-D signal as number[] or typed array and return a Float64Array copy-free when possible. */
export function toFloat64(name: string, x: ArrayLike<number>): Float64Array {
  if (x === null || x === undefined || typeof (x as ArrayLike<number>).length !== 'number') {
    throw new TypeError(`${name} must be an array of numbers, got ${show(x)}`);
  }
  const out = x instanceof Float64Array ? x : Float64Array.from(x);
  assertAllFinite(name, out);
  return out;
}

/** True when the ndarray is a dense C-order view with zero offset (so `.data` can be read directly). */
export function isContiguous(a: NdArray): boolean {
  if (a.offset !== 0) return false;
  let expected = 1;
  for (let d = a.shape.length - 1; d >= 0; d--) {
    if (a.shape[d] !== 1 && a.stride[d] !== expected) return false;
    expected *= a.shape[d];
  }
  return a.data.length === expected;
}

/**
 * Return a dense C-order copy of `a` (or `a` itself if already dense) with the requested dtype.
 * Works for any rank.
 */
export function toDense(a: NdArray, dtype?: DType): NdArray<FloatArray> {
  const wantF32 = dtype ? dtype === 'float32' : a.data instanceof Float32Array;
  if (isContiguous(a) && (wantF32 ? a.data instanceof Float32Array : a.data instanceof Float64Array)) {
    return a as NdArray<FloatArray>;
  }
  const out = zeros(a.shape, wantF32 ? 'float32' : 'float64');
  const n = a.shape.length;
  const idx = new Array<number>(n).fill(0);
  const size = out.data.length;
  for (let flat = 0; flat < size; flat++) {
    let src = a.offset;
    for (let d = 0; d < n; d++) src += idx[d] * a.stride[d];
    out.data[flat] = (a.data as ArrayLike<number>)[src];
    for (let d = n - 1; d >= 0; d--) {
      if (++idx[d] < a.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Throw a RangeError unless every element the view `x` addresses (offset + Σ i_d·stride_d over its
 * shape) lies inside `x.data`: `ndarray(data, shape)` does not check that its data is long enough,
 * and reading past the end would give `undefined` → NaN further on.
 */
export function assertViewInBounds(name: string, x: NdArray): void {
  if (!x.data || typeof (x.data as ArrayLike<number>).length !== 'number')
    throw new TypeError(`${name} must be an ndarray over an array of numbers, got data ${show(x.data)}`);
  if (x.shape.some((d) => d === 0)) return;
  let lo = x.offset;
  let hi = x.offset;
  x.shape.forEach((d, k) => {
    const step = (d - 1) * x.stride[k];
    if (step > 0) hi += step;
    else lo += step;
  });
  const length = (x.data as ArrayLike<number>).length;
  if (lo < 0 || hi >= length) {
    const size = x.shape.reduce((a, b) => a * b, 1);
    throw new RangeError(
      `${name}: data too short for shape [${x.shape.join(', ')}] (${size} elements, reaching index ${hi}), data has ${length}`,
    );
  }
}

/**
 * View a 2-D `[H,W]`, 3-D `[C,H,W]` or 4-D `[N,C,H,W]` array as dense 4-D NCHW and remember the
 * original rank so results can be returned with the same rank (API convention).
 */
export function asNCHW(name: string, x: NdArray): { x: NdArray<FloatArray>; rank: number } {
  if (!x || !Array.isArray(x.shape)) throw new TypeError(`${name} must be an ndarray, got ${show(x)}`);
  const rank = x.shape.length;
  if (rank < 2 || rank > 4) {
    throw new RangeError(`${name} must have rank 2 [H,W], 3 [C,H,W] or 4 [N,C,H,W], got shape [${x.shape}]`);
  }
  assertViewInBounds(name, x);
  const dense = toDense(x);
  const shape4 = [1, 1, 1, 1].slice(0, 4 - rank).concat(x.shape);
  return { x: fromData(dense.data, shape4), rank };
}

/** Undo `asNCHW`: reshape a 4-D result back to the caller's rank. */
export function fromNCHW<T extends FloatArray>(y: NdArray<T>, rank: number): NdArray<T> {
  return fromData(y.data, y.shape.slice(4 - rank));
}
