/**
 * Latent inputs of the generators (StyleGAN3 and StyleGAN2 alike): z or c given as a tf.Tensor
 * [N, dim], as rows (`number[][]`), or flat (`Float32Array`, `Float64Array` or `number[]` of N·dim
 * values, row-major — the form `GeneratorPool.generate` takes), checked once and turned into a
 * float32 tensor [N, dim]. Errors name the argument and describe a bad value without printing it whole.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendReadsSync } from './webgpu.js';

/** z or c: tensor [N, dim], rows, or N·dim flat values (row-major). */
export type LatentInput = tf.Tensor | number[][] | number[] | Float32Array | Float64Array;

/** A short description of a bad argument for an error message (never the whole array). */
export function describeValue(value: unknown): string {
  if (value instanceof tf.Tensor) return `tensor of shape [${value.shape.join(', ')}]`;
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) {
    return `${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  }
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

/** The flat values of a non-tensor latent, or null when `value` is not flat numbers. */
function flatValues(value: unknown): ArrayLike<number> | null {
  if (value instanceof Float32Array || value instanceof Float64Array) return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return value as number[];
  return null;
}

/**
 * Check a latent input (finite values, width `dim`, N ≥ 1) and return it as a float32 tensor
 * [N, dim]. A given tensor is not consumed: the result is a new tensor either way.
 */
export function toLatent(name: string, value: LatentInput, dim: number): tf.Tensor2D {
  let t: tf.Tensor;
  const flat = value instanceof tf.Tensor ? null : flatValues(value);
  if (value instanceof tf.Tensor) {
    t = value;
  } else if (flat) {
    if (flat.length === 0 || flat.length % dim !== 0) {
      throw new RangeError(
        `${name} given flat must hold N·${dim} numbers (N >= 1 rows of ${dim}), got ${flat.length}`,
      );
    }
    t = tf.tensor2d(Float32Array.from(flat), [flat.length / dim, dim], 'float32');
  } else if (
    Array.isArray(value) &&
    value.length > 0 &&
    (value as unknown[]).every((r) => Array.isArray(r))
  ) {
    const rows = value as number[][];
    for (let i = 0; i < rows.length; i++) {
      if (rows[i].length !== dim)
        throw new RangeError(`${name} rows must have ${dim} entries, got ${rows[i].length} in row ${i}`);
    }
    t = tf.tensor2d(rows.flat(), [rows.length, dim], 'float32');
  } else {
    throw new TypeError(
      `${name} must be a tf.Tensor [N, ${dim}], number[][] rows or N·${dim} flat numbers, got ${describeValue(value)}`,
    );
  }
  if (t.rank !== 2 || t.shape[1] !== dim || t.shape[0] < 1) {
    if (t !== value) t.dispose();
    throw new RangeError(`${name} must have shape [N, ${dim}] with N >= 1, got [${t.shape.join(', ')}]`);
  }
  // WebGPU in Node cannot read a device tensor synchronously: the check then covers CPU inputs only.
  const data = backendReadsSync() || !(value instanceof tf.Tensor) ? t.dataSync() : [];
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      if (t !== value) t.dispose();
      throw new TypeError(`${name} must contain only finite numbers, got ${data[i]} at flat index ${i}`);
    }
  }
  return (t === value ? tf.cast(t, 'float32') : t) as tf.Tensor2D;
}

/** Check the truncation arguments of `mapping`: ψ a finite number, cutoff null or an integer ≥ 0. */
export function checkTruncation(psi: unknown, cutoff: unknown): void {
  if (typeof psi !== 'number' || !Number.isFinite(psi))
    throw new TypeError(`psi must be a finite number, got ${describeValue(psi)}`);
  if (cutoff !== null && cutoff !== undefined && (!Number.isInteger(cutoff) || (cutoff as number) < 0)) {
    throw new RangeError(`cutoff must be null or an integer >= 0, got ${describeValue(cutoff)}`);
  }
}

/**
 * Run `fn` on z (and, for a conditional generator with `cDim > 0`, the labels c of the same batch
 * size) checked and converted by `toLatent`; the converted tensors are freed afterwards.
 */
export function withLatents<T>(
  z: LatentInput,
  c: LatentInput | null | undefined,
  dims: { zDim: number; cDim: number },
  fn: (z: tf.Tensor2D, c: tf.Tensor2D | null) => T,
): T {
  const zt = toLatent('z', z, dims.zDim);
  let ct: tf.Tensor2D | null = null;
  try {
    if (dims.cDim > 0) {
      if (c === null || c === undefined)
        throw new TypeError(`c (labels [N, ${dims.cDim}]) is required by this conditional generator`);
      ct = toLatent('c', c, dims.cDim);
      if (ct.shape[0] !== zt.shape[0])
        throw new RangeError(`c must have the same batch size as z (${zt.shape[0]}), got ${ct.shape[0]}`);
    }
    return fn(zt, ct);
  } finally {
    zt.dispose();
    ct?.dispose();
  }
}
