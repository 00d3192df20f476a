/**
 * The averaging experiment's numbers (src/viz/motion/averaging.ts) against what the DFT says:
 * band energies of pure tones (Parseval), retention 1 for frames that do not change, 0 for a
 * pattern whose phase goes once round the circle, ≈ 1/K for uncorrelated noise, and the low band
 * kept while the high band moves. Bad arguments are named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/generator/rng.js';
import {
  averagingRetention,
  bandEnergy,
  HIGH_BAND,
  LOW_BAND,
  meanFrame,
} from '../../src/viz/motion/averaging.js';

const H = 16;
const W = 16;

/** One plane: a·cos(2π(fx·x + fy·y) + φ), fx, fy in cycles per pixel. */
function tone(fx: number, fy: number, a = 1, phase = 0): Float32Array {
  const out = new Float32Array(H * W);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) out[y * W + x] = a * Math.cos(2 * Math.PI * (fx * x + fy * y) + phase);
  return out;
}

function add(...planes: Float32Array[]): Float32Array {
  return planes.reduce((s, p) => s.map((v, i) => v + p[i]));
}

test('bandEnergy: a tone of amplitude a off the axes-Nyquist puts (a·H·W)²/2 into its band (Parseval), none elsewhere', () => {
  // cos = (e^{iθ} + e^{−iθ})/2: two bins of |X| = a·H·W/2 each.
  const high = tone(5 / 16, 2 / 16, 0.5);
  const expected = 2 * (0.5 * H * W * 0.5) ** 2;
  assert.ok(Math.abs(bandEnergy(high, [1, H, W], HIGH_BAND) - expected) < 1e-6 * expected);
  assert.ok(bandEnergy(high, [1, H, W], LOW_BAND) < 1e-6 * expected);
  const low = tone(1 / 16, 0, 2);
  const eLow = 2 * (2 * H * W * 0.5) ** 2;
  assert.ok(Math.abs(bandEnergy(low, [1, H, W], LOW_BAND) - eLow) < 1e-6 * eLow);
  assert.ok(bandEnergy(low, [1, H, W], HIGH_BAND) < 1e-6 * eLow);
  // DC never counts: a constant plane has no energy in any band, even one starting at 0.
  assert.equal(bandEnergy(new Float32Array(H * W).fill(3), [1, H, W], { lo: 0, hi: Infinity }), 0);
  // Planes add: two channels, twice the energy.
  const two = new Float32Array(2 * H * W);
  two.set(high, 0);
  two.set(high, H * W);
  assert.ok(Math.abs(bandEnergy(two, [2, H, W], HIGH_BAND) - 2 * expected) < 1e-6 * expected);
  // The checkerboard of the doc example: all its energy at Nyquist.
  const board = Float32Array.from({ length: 64 }, (_, i) => (((i >> 3) + i) % 2 ? 1 : -1));
  assert.ok(Math.abs(bandEnergy(board, [1, 8, 8], HIGH_BAND) - 4096) < 1e-9);
});

test('meanFrame: the pixel-wise mean', () => {
  assert.deepEqual(Array.from(meanFrame([Float32Array.of(0, 2), Float32Array.of(2, 4)])), [1, 3]);
});

test('averagingRetention: frames that never change keep everything; a tone going round its phase circle keeps nothing', () => {
  const still = add(tone(5 / 16, 3 / 16), tone(1 / 16, 1 / 16));
  const r = averagingRetention([still, still, still], [1, H, W]);
  assert.ok(Math.abs(r.high - 1) < 1e-9 && Math.abs(r.low - 1) < 1e-9, JSON.stringify(r));
  assert.ok(
    Math.abs(r.highShare - 0.5) < 1e-9,
    `equal amplitudes: half the energy is high, got ${r.highShare}`,
  );
  // The tone moved by whole periods' fractions: phases 2πk/K sum to zero.
  const K = 8;
  const moving = Array.from({ length: K }, (_, k) => tone(6 / 16, 0, 1, (2 * Math.PI * k) / K));
  assert.ok(averagingRetention(moving, [1, H, W]).high < 1e-10);
});

test('averagingRetention: uncorrelated noise keeps about 1/K; sticking detail on moving content keeps the high band while the low band changes', () => {
  const K = 16;
  const rng = new Rng(4);
  const noise = Array.from({ length: K }, () => Float32Array.from(rng.normals(H * W)));
  const r = averagingRetention(noise, [1, H, W]);
  // E[retention] = 1/K for i.i.d. frames; with 16 frames of 256 values the spread is small.
  assert.ok(r.high > 0.5 / K && r.high < 2 / K, `high ${r.high}, 1/K ${1 / K}`);
  assert.ok(r.low > 0.3 / K && r.low < 3 / K, `low ${r.low}, 1/K ${1 / K}`);
  // A fine pattern fixed to the pixels over coarse content that moves once round its period
  // (float32 frames: equal to about 1e-7).
  const glued = tone(7 / 16, 5 / 16, 0.3);
  const frames = Array.from({ length: K }, (_, k) => add(glued, tone(1 / 16, 0, 1, (2 * Math.PI * k) / K)));
  const s = averagingRetention(frames, [1, H, W]);
  assert.ok(Math.abs(s.high - 1) < 1e-6, `glued high band ${s.high}`);
  assert.ok(s.low < 1e-6, `moving low band ${s.low}`);
});

test('averagingRetention and bandEnergy name bad arguments', () => {
  const f = new Float32Array(H * W);
  assert.throws(() => averagingRetention([], [1, H, W]), /frames must hold at least one frame/);
  assert.throws(() => averagingRetention([f, f.subarray(1)], [1, H, W]), /frames\[1\] has 255 values/);
  assert.throws(() => averagingRetention([f], [H, W]), /shape must be \[C, H, W\]/);
  assert.throws(
    () => bandEnergy(f, [2, H, W], HIGH_BAND),
    /image has 256 values, shape \[2, 16, 16\] needs 512/,
  );
  assert.throws(() => bandEnergy(f, [1, H, W], { lo: 0.3, hi: 0.2 }), /band must have 0 <= lo < hi/);
  assert.throws(
    () => averagingRetention([f], [1, H, W], { high: { lo: NaN, hi: 1 } }),
    /high\.lo must be a finite number/,
  );
});
