/**
 * Access to the golden reference vectors copied into `test/golden` (from ../shared/golden, produced by
 * the official StyleGAN3 code and SciPy; see test/golden/README.md) and tolerance checks.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import type { NdArray } from 'ndarray';
import { readNpy, type NpyData } from '../../src/io/npy.js';

export const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden');

export interface GoldenCase {
  name: string;
  fn: string;
  params: Record<string, any>;
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  notes?: string;
}

/** Every case of a group's manifest (e.g. 'filters', 'upfirdn'). */
export function manifest(group: string): GoldenCase[] {
  return JSON.parse(readFileSync(join(GOLDEN, group, 'manifest.json'), 'utf8')) as GoldenCase[];
}

/** Load a `.npy` file referenced by a manifest (path relative to the group folder). */
export function npy(group: string, file: string): NdArray<NpyData> {
  return readNpy(join(GOLDEN, group, file));
}

export function goldenPath(...parts: string[]): string {
  return join(GOLDEN, ...parts);
}

export function exists(...parts: string[]): boolean {
  return existsSync(join(GOLDEN, ...parts));
}

/** Largest absolute value of an array (the scale of the float32 tolerances). */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * Element-wise |actual − expected| ≤ tol·max|expected| (the golden float32 criterion), with shape and
 * length checks. Reports the worst element on failure.
 */
export function assertCloseToMax(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  what = 'value',
): number {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} != ${expected.length}`);
  const scale = maxAbs(expected) || 1;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  assert.ok(
    worst <= tol * scale,
    `${what}: max |Δ| = ${worst} at ${at} (actual ${actual[at]}, expected ${expected[at]}) > ${tol}·${scale}`,
  );
  return worst / scale;
}

/** Element-wise relative check |a − e| ≤ tol·|e| (plus a tiny absolute floor for exact zeros). */
export function assertRelClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  what = 'value',
  absFloor = 1e-300,
): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    assert.ok(
      d <= tol * Math.abs(expected[i]) + absFloor,
      `${what}[${i}]: actual ${actual[i]} vs expected ${expected[i]} (rel ${d / Math.abs(expected[i])})`,
    );
  }
}

/** Exact equality (integer outputs, masks). */
export function assertExact(actual: ArrayLike<number>, expected: ArrayLike<number>, what = 'value'): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) assert.fail(`${what}[${i}]: ${actual[i]} !== ${expected[i]}`);
  }
}
