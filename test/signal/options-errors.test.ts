/**
 * Options objects of the signal library: a misspelled or unknown key is rejected with a TypeError
 * naming the key, the allowed keys and the closest one (instead of being ignored, which silently
 * changes the result); and the error messages that name bad data (too short, too large, empty,
 * quoted strings, long arrays summarised).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ndarray from 'ndarray';
import * as S from '../../src/signal/index.js';

const img = () =>
  ndarray(
    new Float64Array(64).map((_, i) => Math.sin(i)),
    [8, 8],
  );
const bad = { bogus: 1 } as never;
const spec = () => S.powerSpectrum2d(img(), { spectrumSize: 16 });

/** Every public function of `aliasfree/signal` that takes an options object, called with `{bogus: 1}`. */
const calls: [string, () => unknown, string][] = [
  ['firwin', () => S.firwin(12, 0.6, bad), 'width, window, passZero, scale, fs'],
  ['freqz', () => S.freqz([1, 2, 1], bad), 'worN, whole, includeNyquist, fs'],
  [
    'designLowpassFilter',
    () => S.designLowpassFilter({ numtaps: 6, cutoff: 1, width: 1, fs: 8, bogus: 1 } as never),
    'numtaps, cutoff, width, fs, radial',
  ],
  ['upfirdn2d', () => S.upfirdn2d(img(), [1, 2, 1], bad), 'up, down, padding, flipFilter, gain'],
  ['setupFilter', () => S.setupFilter([1, 2, 1], bad), 'normalize, flipFilter, gain, separable, dtype'],
  ['filter2d', () => S.filter2d(img(), [1, 2, 1], bad), 'padding, flipFilter, gain'],
  ['upsample2d', () => S.upsample2d(img(), [1, 2, 1], bad), 'padding, flipFilter, gain, up'],
  ['downsample2d', () => S.downsample2d(img(), [1, 2, 1], bad), 'padding, flipFilter, gain, down'],
  [
    'filteredLrelu',
    () => S.filteredLrelu(img(), bad),
    'fu, fd, b, up, down, padding, gain, slope, clamp, flipFilter',
  ],
  ['biasAct', () => S.biasAct(img(), bad), 'b, act, alpha, gain, clamp, dim'],
  ['powerSpectrum2d', () => S.powerSpectrum2d(img(), bad), 'beta, spectrumSize, mean, std'],
  ['gaussianFilter2d', () => S.gaussianFilter2d(img(), 1, bad), 'mode, truncate'],
  ['spectrumHeatmap', () => S.spectrumHeatmap(spec(), 4, bad), 'smooth, mode'],
  ['spectrumSlice', () => S.spectrumSlice(spec(), 0, bad), 'imageSize, smooth'],
  ['radialProfile', () => S.radialProfile(spec(), bad), 'imageSize'],
  ['psnr', () => S.psnr(img(), img(), bad), 'mask, peak'],
  ['translateFractional', () => S.translateFractional(img(), 0.1, 0, bad), 'a'],
  [
    'affineBandlimitFilter',
    () => S.affineBandlimitFilter(S.rotationMatrix(0.1), bad),
    'a, amax, aflt, up, cutoffIn, cutoffOut',
  ],
  [
    'applyAffineTransformation',
    () => S.applyAffineTransformation(img(), S.rotationMatrix(0.1), bad),
    'a, amax, aflt, up, cutoffIn, cutoffOut',
  ],
  ['rotateFractional', () => S.rotateFractional(img(), 0.1, bad), 'a, amax, aflt, up, cutoffIn, cutoffOut'],
  ['rotatePseudo', () => S.rotatePseudo(img(), 0.1, bad), 'a, amax, aflt, cutoffIn, cutoffOut'],
  ['zonePlate', () => S.zonePlate(8, bad), 'k, phase'],
  ['siemensStar', () => S.siemensStar(8, bad), 'spokes, binary'],
  ['checkerboard', () => S.checkerboard(8, bad), 'period'],
  ['bandlimitedNoise', () => S.bandlimitedNoise(8, bad), 'cutoff, seed'],
  [
    'sampleDiracComb',
    () => S.sampleDiracComb(Math.sin, { rate: 1, start: 0, count: 4, bogus: 1 } as never),
    'rate, start, count',
  ],
  [
    'interpolateIdeal',
    () => S.interpolateIdeal([1, 2], { rate: 1, start: 0, bogus: 1 } as never, [0.5]),
    'rate, start, count',
  ],
  [
    'interpolateWindowedSinc',
    () =>
      S.interpolateWindowedSinc([1, 2], { rate: 1, start: 0, taps: 4, beta: 2, bogus: 1 } as never, [0.5]),
    'rate, start, count, taps, beta',
  ],
];

for (const [name, call, allowed] of calls) {
  test(`${name}: an unknown option key is a TypeError listing the allowed keys`, () => {
    assert.throws(call, (e: Error) => {
      assert.ok(e instanceof TypeError, `${e.name}: ${e.message}`);
      assert.match(e.message, /unknown key "bogus"/);
      assert.ok(e.message.endsWith(`allowed keys: ${allowed}`), e.message);
      return true;
    });
  });
}

test('a misspelled key names the closest allowed one; the value it would have set matters', () => {
  assert.throws(
    () => S.firwin(12, 0.6, { widht: 0.8, fs: 4 } as never),
    /^TypeError: options has an unknown key "widht" \(did you mean "width"\?\); allowed keys: width, window, passZero, scale, fs$/,
  );
  assert.throws(
    () => S.filteredLrelu(img(), { upp: 2 } as never),
    /unknown key "upp" \(did you mean "up"\?\)/,
  );
  // Not an options object at all.
  assert.throws(
    () => S.upfirdn2d(img(), [1, 2, 1], 3 as never),
    /^TypeError: opts must be an options object, got 3$/,
  );
  assert.throws(() => S.psnr(img(), img(), [1] as never), /opts must be an options object, got \[1\]/);
  // Correct keys still work, including explicit undefined values.
  assert.equal(S.firwin(12, 0.6, { width: 0.8, fs: 4, window: undefined }).length, 12);
});

test('error messages: data too short, sizes too large, empty responses, quoted strings, long arrays summarised', () => {
  assert.throws(
    () => S.upfirdn2d(ndarray(new Float64Array(10), [4, 4]), [1, 2, 1]),
    /^RangeError: x: data too short for shape \[4, 4\] \(16 elements, reaching index 15\), data has 10$/,
  );
  assert.throws(
    () => S.powerSpectrum2d(img(), { spectrumSize: 1e6 }),
    /^RangeError: spectrumSize \[1000000, 1000000\] needs 1000000000000 FFT bins; at most 67108864/,
  );
  assert.throws(() => S.freqz([1, 2, 1], { worN: 0 }), /^RangeError: worN must be an integer >= 1, got 0$/);
  assert.throws(() => S.firwin('12' as never, 0.6), /^TypeError: numtaps must be an integer, got "12"$/);
  assert.throws(() => S.upfirdn2d('abc' as never, [1]), /^TypeError: x must be an ndarray, got "abc"$/);
  assert.throws(
    () => S.toMat3('mat', new Float32Array(100) as never),
    (e: Error) => !/0,0,0/.test(e.message),
  );
  assert.throws(
    () => S.biasAct(img(), { b: new Array(50).fill(0) }),
    (e: Error) => e instanceof RangeError && !/0,0,0,0/.test(e.message) && /b/.test(e.message),
  );
});
