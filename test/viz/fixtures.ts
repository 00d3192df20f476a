/**
 * Every figure type of aliasfree/viz built from real library output (the signal library) and from
 * real generator output (the official StyleGAN3 activations, images and EQ metrics recorded in
 * test/golden). Shared by the viz tests and by `scripts/gallery.ts`, so the gallery shows exactly
 * what is tested.
 */
import { readFileSync } from 'node:fs';
import ndarray, { type NdArray } from 'ndarray';
import {
  designLowpassFilter,
  fft1d,
  freqz,
  interpolateIdeal,
  interpolateWindowedSinc,
  kaiserAtten,
  kaiserWindow,
  powerSpectrum2d,
  sampleDiracComb,
  spectrumHeatmap,
  spectrumSlice,
  translateFractional,
  rotateFractional,
  zonePlate,
} from '../../src/signal/index.js';
import { toDense } from '../../src/signal/array.js';
import {
  compareBarFigure,
  eqTableFigure,
  filterResponseFigure,
  imageGridFigure,
  layerAliasingFigure,
  layerSpectrumDb,
  outOfBandEnergyDb,
  samplingFigure,
  spectrum1dFigure,
  spectrumHeatmapFigure,
  spectrumSliceFigure,
  transformAnimationFigure,
  type ConfigMetrics,
  type Figure,
  type LayerAliasing,
} from '../../src/viz/index.js';
import { goldenPath, manifest, npy } from '../helpers/golden.js';

/** A band-limited test signal: two cosines, 1.5 and 3.2 cycles per unit. */
export const testSignal = (x: number) =>
  Math.cos(2 * Math.PI * 1.5 * x) + 0.5 * Math.sin(2 * Math.PI * 3.2 * x + 0.3);

/** Sampling at rate 8 on [0, 2) (pixel centres), reconstructed by ideal and Kaiser-windowed sinc. */
export function samplingExample() {
  const rate = 8;
  const grid = { rate, start: 1 / (2 * rate) };
  const samples = sampleDiracComb(testSignal, { ...grid, count: 16 });
  const sx = Array.from({ length: 16 }, (_, k) => grid.start + k / rate);
  const xs = Float64Array.from({ length: 401 }, (_, i) => (2 * i) / 400);
  const cont = xs.map(testSignal);
  const ideal = interpolateIdeal(samples, grid, xs);
  const windowed = interpolateWindowedSinc(samples, { ...grid, taps: 8, beta: 6 }, xs);
  const fig = samplingFigure(
    {
      continuous: { x: xs, y: cont },
      samples: { x: sx, y: samples },
      reconstructions: [
        { name: 'ideal sinc', x: xs, y: ideal },
        { name: 'Kaiser sinc (8 taps)', x: xs, y: windowed },
      ],
    },
    { rate, title: 'Dirac-comb sampling at 8 samples/unit and reconstruction' },
  );
  return { fig, rate, samples, xs, ideal };
}

/**
 * One-sided power spectrum (dB) of a signal with components at 1.5 and 5 cycles per unit, densely
 * sampled (rate 64, 4 units, Kaiser window β = 8, zero-padded 4×) so it stands for the continuous
 * spectrum. Sampling at rate 8 replicates it every 8: the 5-cycle lobe's copy lands at −3 (aliasing).
 */
export function spectrum1dExample() {
  const dense = 64;
  const n = 256;
  const sig = (x: number) => Math.cos(2 * Math.PI * 1.5 * x) + 0.6 * Math.cos(2 * Math.PI * 5 * x);
  const x = sampleDiracComb(sig, { rate: dense, start: 0, count: n });
  const win = kaiserWindow(n, 8);
  const pad = new Float64Array(4 * n);
  let norm = 0;
  for (let i = 0; i < n; i++) {
    pad[i] = x[i] * win[i];
    norm += win[i];
  }
  const X = fft1d(pad);
  // Keep |f| ≤ 12 (the plotted window): bins k·dense/(4n).
  const half = Math.floor((12 * 4 * n) / dense) + 1;
  const f = Float64Array.from({ length: half }, (_, k) => (k * dense) / (4 * n));
  const db = Float64Array.from({ length: half }, (_, k) =>
    Math.max(20 * Math.log10(Math.hypot(X.re[k], X.im[k]) / norm), -120),
  );
  const fig = spectrum1dFigure(
    { name: 'continuous signal', f, values: db },
    {
      fs: 8,
      cutoff: 3,
      halfWidth: 1,
      aliases: 1,
      title: 'Spectrum, its copies at ±fs and the Nyquist band',
      yRange: [-100, 5],
    },
  );
  return { fig, f, db, fs: 8 };
}

/** The generator's 2× upsampling filters (spec §1.6 worked example and the T layer 0 design). */
export function filterExample() {
  const fs = 4;
  const designs = [
    { name: 'critical: 12 taps, f_c 1, f_h 0.4', numtaps: 12, cutoff: 1, width: 0.8 },
    { name: 'non-critical: 12 taps, f_c 0.6, f_h 0.4', numtaps: 12, cutoff: 0.6, width: 0.8 },
    { name: 'wider: 24 taps, f_c 0.6, f_h 0.4', numtaps: 24, cutoff: 0.6, width: 0.8 },
  ];
  const responses = designs.map((d) => {
    const taps = designLowpassFilter({
      numtaps: d.numtaps,
      cutoff: d.cutoff,
      width: d.width,
      fs,
    }) as Float64Array;
    return { name: d.name, response: freqz(taps, { worN: 512, fs }), taps };
  });
  const fig = filterResponseFigure(
    responses.map(({ name, response }) => ({ name, response })),
    { fs, cutoff: 0.6, halfWidth: 0.4, outputNyquist: 1, title: 'Upsampling filters at s′ = 4: gain in dB' },
  );
  return { fig, responses, fs, designs };
}

/** Golden generator images (official avg_spectra inputs), NCHW float64 uint8 values. */
export function generatorImages(tag: 't32' | 'r32' = 't32') {
  return npy('spectra', `stats_generator_${tag}__in_images_uint8_as_float.npy`);
}

/** avg_spectra pipeline on the official generator images: powerSpectrum2d → spectrumHeatmap → figure. */
export function heatmapExample() {
  const c = manifest('spectra').find((m) => m.name === 'calc_generator_t32')!;
  const images = npy('spectra', c.inputs.images_uint8_as_float);
  const size = c.params.image_size as number;
  const spec = powerSpectrum2d(images, {
    beta: c.params.beta,
    mean: c.params.mean,
    std: c.params.std,
    spectrumSize: size * c.params.interp,
  });
  const hm = spectrumHeatmap(spec, size, { smooth: 1.25 });
  const fig = spectrumHeatmapFigure(hm, {
    title: 'StyleGAN3-T (32 px) average power spectrum',
    fs: size,
    cutoff: size / 2,
  });
  return { fig, hm, spec, size };
}

/** 0° and 45° slices of the t32 and r32 spectra (the official `slices` plot). */
export function slicesExample() {
  const curves = (['t32', 'r32'] as const).flatMap((tag) => {
    const c = manifest('spectra').find((m) => m.name === `calc_generator_${tag}`)!;
    const spec = powerSpectrum2d(npy('spectra', c.inputs.images_uint8_as_float), {
      beta: c.params.beta,
      mean: c.params.mean,
      std: c.params.std,
      spectrumSize: c.params.image_size * c.params.interp,
    });
    return [0, 45].map((angle) => ({
      name: `${tag} ${angle}°`,
      ...spectrumSlice(spec, angle, { imageSize: c.params.image_size }),
    }));
  });
  const fig = spectrumSliceFigure(curves, { title: 'Spectrum slices (avg_spectra style)', cutoff: 16 });
  return { fig, curves };
}

/** Generator output images (official t32 `img`, batch of 2 RGB in [−1, 1]). */
export function imageGridExample() {
  const img = npy('generators', 't32/io/img.npy');
  const fig = imageGridFigure(img, {
    title: 'StyleGAN3-T (32 px) samples',
    labels: ['seed z[0]', 'seed z[1]'],
  });
  return { fig, img };
}

interface LayerGeom {
  name: string;
  out_sampling_rate: number;
  out_cutoff: number;
  out_half_width: number;
  out_size: number;
}

/** Per-layer dashboard from the official t32 activations and layer geometry. */
export function dashboardExample(tag: 't32' | 'r32' = 't32') {
  const geom = JSON.parse(readFileSync(goldenPath('generators', tag, 'layers.json'), 'utf8')) as {
    layers: LayerGeom[];
  };
  const layers: LayerAliasing[] = geom.layers.map((L) => {
    const act = npy('generators', `${tag}/io/act_${L.name}.npy`);
    const spectrum = layerSpectrumDb(act);
    return {
      name: L.name,
      samplingRate: L.out_sampling_rate,
      cutoff: L.out_cutoff,
      halfWidth: L.out_half_width,
      image: act,
      spectrum,
      size: L.out_size,
      aliasEnergyDb: outOfBandEnergyDb(
        spectrum,
        (L.out_sampling_rate * spectrum.shape[1]) / L.out_size,
        L.out_cutoff,
      ),
    };
  });
  const fig = layerAliasingFigure(layers, {
    title: `Per-layer aliasing, StyleGAN3-${tag[0].toUpperCase()} (32 px)`,
  });
  return { fig, layers, geom };
}

/** EQ metrics of the official tiny generators (the `metric_*` golden cases) as table and bars. */
export function compareExample() {
  const rows: ConfigMetrics[] = manifest('equivariance')
    .filter((c) => c.name.startsWith('metric_'))
    .map((c) => ({
      config: `StyleGAN3-${String(c.params.generator)[0].toUpperCase()} ${String(c.params.generator).slice(1)} px`,
      eqt: c.params.eqt as number,
      eqt_frac: c.params.eqt_frac as number,
      eqr: c.params.eqr as number,
    }));
  // Filter designs compared: measured worst stop-band gain vs the Kaiser estimate (Eq. 7).
  const fx = filterExample();
  const filterRows: ConfigMetrics[] = fx.responses.map((r, i) => {
    const d = fx.designs[i];
    const stop = d.cutoff + d.width / 2;
    let worst = -Infinity;
    r.response.w.forEach((w, k) => {
      if (w >= stop) worst = Math.max(worst, 20 * Math.log10(r.response.abs[k]));
    });
    return {
      config: `${d.numtaps} taps, f_c ${d.cutoff}`,
      attenuation: -worst,
      estimate: kaiserAtten(d.numtaps, d.width / (fx.fs / 2)),
    };
  });
  return {
    table: eqTableFigure(rows, { title: 'Equivariance of the official tiny generators' }),
    bars: compareBarFigure(rows, { title: 'EQ metrics by configuration', yLabel: 'PSNR', yUnit: 'dB' }),
    filterBars: compareBarFigure(filterRows, {
      title: 'Stop-band attenuation: measured vs Kaiser estimate',
      yLabel: 'attenuation',
      yUnit: 'dB',
    }),
    rows,
    filterRows,
  };
}

/** The first generated image of the official t32 batch, `[3, 32, 32]` in [−1, 1]. */
function firstImage(): NdArray<Float64Array> {
  const img = npy('generators', 't32/io/img.npy');
  return ndarray(Float64Array.from(toDense(img).data.subarray(0, 3 * 32 * 32)), [3, 32, 32]);
}

/**
 * Slider animation: a generated image translated by 0 … 2 px in 9 steps with `translateFractional`
 * (the official Lanczos-3 sub-pixel shift; tx in fractions of the width), with its spectrum.
 */
export function animationExample() {
  const first = firstImage();
  const shifts = Array.from({ length: 9 }, (_, i) => i * 0.25);
  const steps = shifts.map((t) => {
    const { image, mask } = translateFractional(first, t / 32, 0);
    return { value: t, image, mask, spectrum: layerSpectrumDb(image) };
  });
  const fig = transformAnimationFigure(steps, {
    title: 'Sub-pixel translation of a generated image (Lanczos-3)',
    parameter: 'shift x (px)',
  });
  return { fig, steps, first };
}

/**
 * Slider animation: a 32-px zone plate rotated by 0 … 90° with `rotateFractional` (the official
 * band-limited rotation; `mask` marks the pixels whose filter footprint lies inside the image).
 */
export function rotationExample() {
  const zp = zonePlate(32);
  const angles = [0, 22.5, 45, 67.5, 90];
  const steps = angles.map((deg) => {
    const { image, mask } = rotateFractional(zp, (deg * Math.PI) / 180);
    return { value: deg, image, mask, spectrum: layerSpectrumDb(image) };
  });
  const fig = transformAnimationFigure(steps, {
    title: 'Rotating a zone plate (band-limited rotation)',
    parameter: 'rotation (deg)',
  });
  return { fig, steps, zp };
}

/** Every figure type, named (the gallery order). */
export function allFigures(): { name: string; fig: Figure }[] {
  const cmp = compareExample();
  return [
    { name: 'sampling', fig: samplingExample().fig },
    { name: 'spectrum-1d', fig: spectrum1dExample().fig },
    { name: 'filter-response', fig: filterExample().fig },
    { name: 'spectrum-heatmap', fig: heatmapExample().fig },
    { name: 'spectrum-slices', fig: slicesExample().fig },
    { name: 'image-grid', fig: imageGridExample().fig },
    { name: 'layer-aliasing', fig: dashboardExample().fig },
    { name: 'eq-table', fig: cmp.table },
    { name: 'eq-bars', fig: cmp.bars },
    { name: 'filter-bars', fig: cmp.filterBars },
    { name: 'translation-animation', fig: animationExample().fig },
    { name: 'rotation-animation', fig: rotationExample().fig },
  ];
}
