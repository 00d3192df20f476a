/**
 * Bad input fails loudly with errors that name the argument: latent widths, NaN, ws count,
 * transforms, truncation arguments, broken weight directories, backend names.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { goldenPath } from '../helpers/golden.js';
import { setBackend } from '../../src/generator/backend.js';
import { loadGenerator, generatorFromSnapshot } from '../../src/generator/weights.js';
import type { Generator } from '../../src/generator/stylegan3/generator.js';
import { writeNpy } from '../../src/io/npy.js';

let g: Generator;
const GOLD = goldenPath('generators', 't32');
before(async () => {
  await setBackend('wasm');
  g = await loadGenerator(GOLD);
});
after(() => g.dispose());

test('z of the wrong width, rank or with NaN is rejected', () => {
  const zDim = g.config.zDim;
  const bad = tf.zeros([2, zDim + 1]);
  assert.throws(
    () => g.mapping(bad),
    (e: Error) => e instanceof RangeError && /z must have shape \[N, 32\]/.test(e.message),
  );
  assert.throws(() => g.mapping(tf.zeros([zDim])), RangeError);
  const nan = tf.tensor2d([[...Array(zDim - 1).fill(0), NaN]]);
  assert.throws(
    () => g.mapping(nan),
    (e: Error) => e instanceof TypeError && /z must contain only finite numbers, got NaN/.test(e.message),
  );
  assert.throws(
    () => g.mapping([[1, 2, 3]]),
    (e: Error) => /z rows must have 32 entries, got 3/.test(e.message),
  );
  assert.throws(() => g.mapping('z' as unknown as number[][]), TypeError);
  tf.dispose([bad, nan]);
});

test('z given flat (Float32Array or number[] of N·zDim values, as GeneratorPool takes) maps like rows', () => {
  const zDim = g.config.zDim;
  const rows = [0, 1].map((i) => Array.from({ length: zDim }, (_, k) => Math.sin(1 + k * 0.7 + i * 3)));
  const fromRows = g.mapping(rows);
  const fromFlat = g.mapping(Float32Array.from(rows.flat()));
  const fromNumbers = g.mapping(rows.flat());
  assert.deepEqual(fromFlat.shape, [2, g.numWs, g.config.wDim]);
  assert.deepEqual(fromFlat.dataSync(), fromRows.dataSync());
  assert.deepEqual(fromNumbers.dataSync(), fromRows.dataSync());
  tf.dispose([fromRows, fromFlat, fromNumbers]);
  const long = new Float32Array(zDim * 3 + 1);
  assert.throws(
    () => g.mapping(long),
    (e: Error) => e instanceof RangeError && /z given flat must hold N·32 numbers .*got 97$/.test(e.message),
  );
  // A bad value is described, never printed whole.
  const big = new Float64Array(5000).fill(0.5);
  assert.throws(
    () => g.mapping({ data: big } as unknown as number[][]),
    (e: Error) => e instanceof TypeError && e.message.length < 300 && /got an object/.test(e.message),
  );
  assert.throws(
    () => g.mapping(Float32Array.from({ length: zDim }, (_, k) => (k === 5 ? NaN : 0))),
    /z must contain only finite numbers, got NaN at flat index 5/,
  );
});

test('truncation arguments are checked', () => {
  const z = tf.zeros([1, g.config.zDim]);
  assert.throws(() => g.mapping(z, { psi: NaN }), /psi must be a finite number/);
  assert.throws(
    () => g.mapping(z, { psi: '0.7' as unknown as number }),
    /psi must be a finite number, got "0\.7"$/,
  );
  assert.throws(() => g.mapping(z, { cutoff: 1.5 }), /cutoff must be null or an integer >= 0, got 1.5/);
  assert.throws(() => g.mapping(z, { cutoff: -1 }), RangeError);
  z.dispose();
});

test('ws with the wrong count, width or values is rejected', () => {
  const { numWs } = g;
  const w = g.config.wDim;
  for (const shape of [
    [1, numWs - 1, w],
    [1, numWs, w + 1],
    [numWs, w],
  ]) {
    const ws = tf.zeros(shape);
    assert.throws(
      () => g.synthesis(ws),
      (e: Error) =>
        e instanceof RangeError && /ws must have shape \[N, 16, 32\] \(num_ws = 16\)/.test(e.message),
    );
    ws.dispose();
  }
  const ws = tf.fill([1, numWs, w], Infinity);
  assert.throws(() => g.synthesis(ws), /ws must contain only finite numbers, got Infinity/);
  ws.dispose();
  assert.throws(() => g.synthesis([[0]] as unknown as tf.Tensor), TypeError);
});

test('bad transforms are rejected', () => {
  const ws = tf.zeros([1, g.numWs, g.config.wDim]);
  assert.throws(() => g.synthesis(ws, { transform: [1, 0, 0, 0, 1, 0] }), /transform must have 9 numbers/);
  assert.throws(
    () =>
      g.synthesis(ws, {
        transform: [
          [1, 0],
          [0, 1],
          [0, 0],
        ],
      }),
    /transform rows must have 3 entries/,
  );
  assert.throws(
    () => g.synthesis(ws, { transform: [1, 0, 0, 0, 1, 0, 0, 0, NaN] }),
    /transform\[8\] must be a finite number, got NaN/,
  );
  assert.throws(
    () => g.synthesis(ws, { transform: 'identity' as unknown as number[] }),
    (e: Error) =>
      e instanceof TypeError && /transform must be 9 numbers or a 3×3 array, got "identity"/.test(e.message),
  );
  ws.dispose();
});

test('missing or misshapen weight files and bad directories give clear errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aliasfree-bad-'));
  try {
    await assert.rejects(loadGenerator(join(dir, 'nowhere')), /nowhere" does not exist/);
    // A pickle is recognised by its contents whatever its name; a file that is not one says so.
    for (const name of ['net.pickle', 'net.PKL']) {
      cpSync(join(GOLD, 'network.pkl'), join(dir, name));
      const g = await loadGenerator(join(dir, name));
      assert.equal(g.config.imgResolution, 32, name);
      g.dispose();
    }
    writeFileSync(join(dir, 'notes.pkl'), 'not a pickle');
    await assert.rejects(
      loadGenerator(join(dir, 'notes.pkl')),
      /notes\.pkl" is a file but not a network pickle .*got 0x6e 0x6f/,
    );
    mkdirSync(join(dir, 'empty'));
    await assert.rejects(
      loadGenerator(join(dir, 'empty')),
      /is not a generator directory: .*init_kwargs.json is missing/,
    );
    cpSync(GOLD, join(dir, 'g'), { recursive: true });
    const key = 'synthesis.L3_36_32.weight';
    unlinkSync(join(dir, 'g', 'state', `${key}.npy`));
    await assert.rejects(
      loadGenerator(join(dir, 'g')),
      (e: Error) => e instanceof RangeError && e.message.includes(`${key}.npy is missing`),
    );
    writeNpy(join(dir, 'g', 'state', `${key}.npy`), new Float32Array(32 * 32 * 3), [32, 32, 3]);
    await assert.rejects(
      loadGenerator(join(dir, 'g')),
      (e: Error) =>
        e instanceof RangeError &&
        e.message.includes(`${key} has shape [32, 32, 3], expected [32, 32, 3, 3]`),
    );
    writeNpy(join(dir, 'g', 'state', `${key}.npy`), new Float32Array(32 * 32 * 9).fill(NaN), [32, 32, 3, 3]);
    await assert.rejects(loadGenerator(join(dir, 'g')), /contains a non-finite value NaN/);
    writeNpy(join(dir, 'g', 'state', `${key}.npy`), new Float32Array(32 * 32 * 9), [32, 32, 3, 3]);
    writeNpy(join(dir, 'g', 'state', 'synthesis.L99.weight.npy'), new Float32Array(1), [1]);
    await assert.rejects(loadGenerator(join(dir, 'g')), /does not use: synthesis.L99.weight/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await assert.rejects(generatorFromSnapshot({ initKwargs: {}, state: {} as never }), TypeError);
  await assert.rejects(loadGenerator(''), TypeError);
});

test('unknown backend names are rejected', async () => {
  await assert.rejects(
    setBackend('metal' as never),
    (e: Error) =>
      e instanceof RangeError &&
      /backend name must be one of auto, tensorflow, webgpu, wasm, cpu, got "metal"/.test(e.message),
  );
});
