/**
 * The studio's pure parts against analytic values: the equivariance widget's matrix and its
 * inverse, moving a map by whole pixels, the EQ-PSNR readout (exact match → ∞, a known error →
 * its PSNR), the channel view's display mapping, the FFT view's peak for a pure cosine and its
 * energy fractions, the band guides' radii, and the URL state round trip.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  imageTransform,
  invertAffine,
  isIdentity,
  mapEqPsnrDb,
  moveMap,
  roundToPixels,
} from '../../src/studio/transform.js';
import {
  channelView,
  colormap,
  energyBeyondDb,
  fftPower,
  fftView,
  mapStats,
  shownChannels,
} from '../../src/studio/views.js';
import { bandGuides } from '../../src/studio/guides.js';
import { DEFAULT_VIEW, decodeUrlState, encodeUrlState } from '../../src/studio/url-state.js';

test('imageTransform is the official make_transform and invertAffine its inverse', () => {
  const m = imageTransform(0.25, -0.125, 0.125); // 45°
  const c = Math.SQRT1_2;
  const want = [c, c, 0.25, -c, c, -0.125, 0, 0, 1];
  m.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-15, `m[${i}]`));
  const inv = invertAffine(m);
  // M · M⁻¹ = I
  for (let r = 0; r < 3; r++)
    for (let col = 0; col < 3; col++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += m[r * 3 + k] * inv[k * 3 + col];
      assert.ok(Math.abs(s - (r === col ? 1 : 0)) < 1e-14);
    }
  const t = invertAffine(imageTransform(0.1, 0.2, 0));
  [1, 0, -0.1, 0, 1, -0.2, 0, 0, 1].forEach((v, i) => assert.ok(Math.abs(t[i] - v) < 1e-15, `t[${i}]`));
  assert.throws(() => invertAffine([0, 0, 0, 0, 0, 0, 0, 0, 1]), RangeError);
  assert.throws(() => imageTransform(NaN, 0, 0), /tx must be a finite number, got NaN/);
  assert.equal(roundToPixels(0.1, 64), 6 / 64);
  assert.ok(isIdentity(0, 0, 1) && !isIdentity(0, 1e-9, 0));
});

/** A [1, C, n, n] map with value f(c, y, x). */
function map(C: number, n: number, f: (c: number, y: number, x: number) => number): Float32Array {
  const d = new Float32Array(C * n * n);
  for (let c = 0; c < C; c++)
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) d[(c * n + y) * n + x] = f(c, y, x);
  return d;
}

test('moveMap by whole pixels of the map shifts content by t·s pixels (margins count)', () => {
  // size 20 at s = 16: t = 1/8 image width is 2 pixels of this map.
  const n = 20;
  const d = map(1, n, (_, y, x) => x + 100 * y);
  const { image, mask } = moveMap(d, [1, 1, n, n], imageTransform(1 / 8, 0, 0), 16);
  // Lanczos-3: the mask keeps pixels whose 6 taps read inside (rows 3 … n − 3).
  for (let y = 3; y < n - 2; y++)
    for (let x = 5; x < n; x++) {
      assert.equal(mask[y * n + x], 1);
      assert.ok(Math.abs(image[y * n + x] - d[y * n + x - 2]) < 1e-4);
    }
});

test('mapEqPsnrDb: ∞ for an exact match, 10·log10((4σ)²/MSE) for a known error, null without pixels', () => {
  const n = 16;
  const ref = map(2, n, (c, y, x) => Math.cos(0.3 * x + c) * Math.sin(0.2 * y));
  const I = imageTransform(0, 0, 0);
  assert.equal(mapEqPsnrDb(ref, ref, [1, 2, n, n], I, n), Infinity);
  const off = ref.map((v) => v + 0.01);
  // Compared inside the Lanczos mask of a zero shift: rows and columns 3 … n − 3.
  let e2 = 0;
  let count = 0;
  for (let c = 0; c < 2; c++)
    for (let y = 3; y < n - 2; y++)
      for (let x = 3; x < n - 2; x++) {
        e2 += ref[(c * n + y) * n + x] ** 2;
        count++;
      }
  const want = 10 * Math.log10((16 * e2) / (count * Math.fround(0.01) ** 2));
  assert.ok(Math.abs(mapEqPsnrDb(ref, off, [1, 2, n, n], I, n)! - want) < 1e-3);
  // A shift of a whole map width leaves no supported pixel.
  assert.equal(mapEqPsnrDb(ref, ref, [1, 2, n, n], imageTransform(1, 0, 0), n), null);
});

test('channelView: x·127.5 + 128 with gain and normalisation; the shown channels stay in range', () => {
  const d = Float32Array.of(-1, 0, 0.5, 1, /* c1 */ 0.1, 0.2, 0.3, 0.4);
  const grey = channelView(d, [1, 2, 2, 2], { channel: 0, rgb: false, normalize: false, gainDb: 0 });
  assert.deepEqual(Array.from(grey.data.filter((_, i) => i % 4 === 0)), [0, 128, 191, 255]);
  const loud = channelView(d, [1, 2, 2, 2], {
    channel: 1,
    rgb: false,
    normalize: true,
    gainDb: 20 * Math.log10(0.5),
  });
  // normalised by max |x| = 0.4, then ×0.5: 0.4 → 0.5 → 191.75 → 191
  assert.equal(loud.data[12], 191);
  assert.deepEqual(shownChannels(5, 4, true), [2, 3, 4]);
  assert.deepEqual(shownChannels(2, 7, true), [1]);
  const st = mapStats(d, [1, 2, 2, 2], [0]);
  assert.equal(st.mean, 0.125);
  assert.ok(Math.abs(st.std - Math.sqrt(0.546875)) < 1e-15);
  assert.equal(st.maxAbs, 1);
  assert.ok(Math.abs(mapStats(d, [1, 2, 2, 2], [0, 1]).mean - 1.5 / 8) < 1e-7);
  assert.deepEqual(colormap(0), [68, 1, 84]);
  assert.deepEqual(colormap(1), [253, 231, 37]);
});

test('fftPower of a cosine peaks at its bin; fftView centres DC; energy beyond a band', () => {
  const n = 32;
  const k = 5;
  const d = map(1, n, (_, __, x) => Math.cos((2 * Math.PI * k * x) / n));
  const p = fftPower(d, [1, 1, n, n], [0], 0);
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  assert.ok(best === k || best === n - k, `peak at ${best}`);
  const view = fftView(p, n, n, 10); // the peak is 10·log10(n²/2) ≈ 27 dB over the mean: saturated
  // The peak (bin +k on row 0) lands at column n/2 + k of row n/2 after centring: brightest colour.
  const o = 4 * ((n / 2) * n + n / 2 + k);
  assert.deepEqual(Array.from(view.data.slice(o, o + 3)), colormap(1).map(Math.round));
  // s = n: the cosine sits at 5 cycles/unit; all its energy is beyond 4 and none beyond 6.
  assert.ok(energyBeyondDb(p, n, n, 4, false)! > -0.01);
  assert.ok(energyBeyondDb(p, n, n, 6, false)! < -100);
  assert.throws(() => fftPower(d, [1, 1, n, n], [1], 8), /channel 1 is not in \[0, 0\]/);
});

test('bandGuides: f·size/s bins; squares for separable layers, circles for radial ones', () => {
  const g = bandGuides({ size: 36, samplingRate: 16, cutoff: 2, halfWidth: 6, radial: false });
  assert.deepEqual(
    g.map((x) => [x.label, x.radius, x.shape]),
    [
      ['f_c', 4.5, 'square'],
      ['f_c+f_h', 18, 'square'],
      ['s/2', 18, 'square'],
    ],
  );
  assert.equal(
    bandGuides({ size: 52, samplingRate: 32, cutoff: 4, halfWidth: 2, radial: true })[0].shape,
    'circle',
  );
  assert.deepEqual(
    bandGuides({ size: 16, samplingRate: 16, cutoff: null, halfWidth: null, radial: false }).map(
      (x) => x.label,
    ),
    ['s/2'],
  );
});

test('the URL state round-trips and ignores malformed entries', () => {
  const view = {
    ...DEFAULT_VIEW,
    seed: 3.25,
    tx: 0.125,
    layer: 'L3_36_512',
    fftAll: false,
    cutoff: 4,
    noiseMode: 'random' as const,
    noiseSeed: 12,
  };
  const s = {
    view,
    nets: [
      { kind: 'config' as const, config: 'R', resolution: 128, channelMax: 32, weightSeed: 7 },
      { kind: 'file' as const, name: 'network.pkl' },
    ] as [never, never],
    sideBySide: true,
  };
  const back = decodeUrlState(`#${encodeUrlState(s)}`);
  assert.deepEqual(back, s);
  const bad = decodeUrlState('#seed=abc&tx=&layer=../x&net=zz&cutoff=-1&noise=loud&rgb=2&noiseSeed=1.5');
  assert.deepEqual(bad.view, DEFAULT_VIEW);
  assert.equal(bad.nets[0].kind, 'config');
  assert.equal(bad.sideBySide, false);
});
