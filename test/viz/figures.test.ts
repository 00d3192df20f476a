/**
 * Every figure type built from real library output (signal library + official generator data in
 * test/golden) and checked for structure: traces, axes, ranges, guides and the numbers they carry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import {
  compareBarFigure,
  decodePng,
  eqTableFigure,
  filterResponseFigure,
  FONT_FAMILY,
  imageGridFigure,
  imageToPng,
  layerAliasingFigure,
  outOfBandEnergyDb,
  samplingFigure,
  spectrum1dFigure,
  spectrumFigure,
  spectrumHeatmapFigure,
  spectrumSliceFigure,
  transformAnimationFigure,
  type Figure,
  type Trace,
} from '../../src/viz/index.js';
import { toDense } from '../../src/signal/array.js';
import { psnr } from '../../src/signal/index.js';
import { manifest } from '../helpers/golden.js';
import {
  allFigures,
  animationExample,
  compareExample,
  dashboardExample,
  filterExample,
  heatmapExample,
  imageGridExample,
  samplingExample,
  rotationExample,
  slicesExample,
  spectrum1dExample,
  testSignal,
} from './fixtures.js';

type Shape = Record<string, any>;
const lay = (f: Figure) => f.layout as Shape;
const shapesOf = (f: Figure) => (f.layout.shapes ?? []) as Shape[];
const lineXs = (f: Figure) =>
  shapesOf(f)
    .filter((s) => s.type === 'line')
    .map((s) => s.x0 as number);
const pngOfSource = (t: Trace) => decodePng(Buffer.from(String(t.source).split(',')[1], 'base64'));

test('sampling figure: continuous curve, Dirac-comb stems at the samples, reconstructions', () => {
  const { fig, rate, samples, xs, ideal } = samplingExample();
  assert.deepEqual(
    fig.data.map((t) => t.type),
    ['scatter', 'scatter', 'scatter', 'scatter', 'scatter'],
  );
  const [cont, stems, marks, rec] = fig.data;
  assert.equal((cont.x as number[]).length, xs.length);
  // Stems: (x_k, 0) → (x_k, Z[k]), null-separated; sample positions are pixel centres (k + ½)/rate.
  const sx = stems.x as (number | null)[];
  const sy = stems.y as (number | null)[];
  assert.equal(sx.length, 3 * samples.length);
  for (let k = 0; k < samples.length; k++) {
    assert.ok(Math.abs((sx[3 * k] as number) - (k + 0.5) / rate) < 1e-12);
    assert.equal(sy[3 * k], 0);
    assert.equal(sy[3 * k + 1], samples[k]);
    assert.equal(sx[3 * k + 2], null);
    assert.ok(Math.abs(samples[k] - testSignal((k + 0.5) / rate)) < 1e-12);
  }
  assert.deepEqual(marks.y, Array.from(samples));
  assert.deepEqual(rec.y, Array.from(ideal));
  // In the middle of the window, ideal reconstruction of a signal below Nyquist is close to it.
  const mid = xs.findIndex((x) => x >= 1);
  assert.ok(Math.abs(ideal[mid] - testSignal(xs[mid])) < 0.15, `ideal(1) = ${ideal[mid]}`);
  assert.deepEqual(lay(fig).xaxis.range, [0, 2]);
  assert.match(lay(fig).xaxis.title.text, /\(units\)$/);
  assert.throws(
    () => samplingFigure({ continuous: { x: [0, 1], y: [0] }, samples: { x: [], y: [] } }),
    /continuous\.x and continuous\.y must have the same length/,
  );
  assert.throws(
    () => samplingFigure({ continuous: { x: [0], y: [0] }, samples: { x: [0], y: [0] } }, { rate: -1 }),
    RangeError,
  );
});

test('1-D spectrum: mirrored curve, aliased copies at ±fs, Nyquist/cutoff/stopband guides', () => {
  const { fig, f, db, fs } = spectrum1dExample();
  assert.equal(fig.data.length, 3);
  const [main, aMinus, aPlus] = fig.data;
  const x = main.x as number[];
  const y = main.y as number[];
  assert.equal(x.length, 2 * f.length - 1);
  assert.equal(x[f.length - 1], 0);
  for (let k = 1; k < f.length; k++) {
    assert.equal(x[f.length - 1 - k], -f[k]);
    assert.equal(y[f.length - 1 - k], db[k]);
  }
  assert.deepEqual(
    aMinus.x,
    x.map((v) => v - fs),
  );
  assert.deepEqual(
    aPlus.x,
    x.map((v) => v + fs),
  );
  // The 5-cycle lobe (above Nyquist 4) folds to 5 − fs = −3: the −fs copy peaks at −3 within [−4, −2].
  let best = -Infinity;
  let at = NaN;
  (aMinus.x as number[]).forEach((v, i) => {
    if (v > -4 && v < -2 && (aMinus.y as number[])[i] > best) [best, at] = [(aMinus.y as number[])[i], v];
  });
  assert.ok(Math.abs(at + 3) < 0.05, `alias peak at ${at}`);
  assert.ok(best > -20, `alias peak level ${best} dB`);
  assert.deepEqual(lay(fig).xaxis.range, [-1.5 * fs, 1.5 * fs]);
  const xs = lineXs(fig).sort((a, b) => a - b);
  assert.deepEqual(xs, [-4, -4, -3, 3, 4, 4]); // ±Nyquist, ±cutoff, ±stopband (3 + 1 = 4)
  assert.equal(shapesOf(fig).filter((s) => s.type === 'rect').length, 2); // beyond-Nyquist shading
  assert.match(lay(fig).yaxis.title.text, /\(dB\)$/);
  assert.throws(() => spectrum1dFigure({ f, values: db }, { aliases: 1 }), /aliases > 0 needs fs/);
  assert.throws(
    () => spectrum1dFigure({ f, values: db }, { aliases: 1.5, fs: 8 }),
    /aliases must be an integer/,
  );
  assert.throws(() => spectrum1dFigure([]), RangeError);
  assert.equal(spectrumFigure, spectrum1dFigure);
});

test('filter response: dB of freqz, shaded pass/transition/stop bands at f_c ± f_h', () => {
  const { fig, responses, fs } = filterExample();
  assert.equal(fig.data.length, responses.length);
  fig.data.forEach((t, i) => {
    const r = responses[i].response;
    assert.deepEqual(t.x, Array.from(r.w));
    const dbExact = t.customdata as number[];
    for (let k = 0; k < r.w.length; k += 37) {
      assert.ok(Math.abs(dbExact[k] - 20 * Math.log10(Math.hypot(r.re[k], r.im[k]))) < 1e-9);
    }
    assert.ok(Math.abs(dbExact[0]) < 1e-9, 'unit DC gain'); // designLowpassFilter normalises to sum 1
  });
  assert.deepEqual(lay(fig).xaxis.range, [0, fs / 2]);
  assert.deepEqual(lay(fig).yaxis.range, [-120, 10]);
  const bands = shapesOf(fig)
    .filter((s) => s.type === 'rect')
    .map((s) => [s.x0, s.x1]);
  assert.equal(bands.length, 3);
  const close = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) < 1e-12);
  assert.ok(
    close(bands[0], [0, 0.2]) && close(bands[1], [0.2, 1.0]) && close(bands[2], [1.0, 2]),
    JSON.stringify(bands),
  );
  assert.deepEqual(lineXs(fig), [0.6, 1]);
  // Non-critical 24-tap filter attenuates the output's upper band (f ≥ 1) by more than 65 dB.
  const wide = fig.data[2];
  const stop = (wide.x as number[]).map((v, k) => (v >= 1 ? (wide.customdata as number[])[k] : -Infinity));
  assert.ok(Math.max(...stop) < -65, `worst stop-band gain ${Math.max(...stop)}`);
  // rad/sample input is converted with fs.
  const r0 = responses[0].response;
  const rad = filterResponseFigure(
    { w: Array.from(r0.w, (v) => (v * 2 * Math.PI) / fs), re: r0.re, im: r0.im },
    { fs, wUnits: 'rad/sample' },
  );
  (rad.data[0].x as number[]).forEach((v, k) => assert.ok(Math.abs(v - r0.w[k]) < 1e-12));
  assert.throws(() => filterResponseFigure(r0, { wUnits: 'rad/sample' }), /needs fs/);
  assert.throws(() => filterResponseFigure({ w: [0, 1] } as never), /must have db, abs or re and im/);
});

test('spectrum heatmap: avg_spectra heatmap with centred axes in cycles per image', () => {
  const { fig, hm, size } = heatmapExample();
  assert.equal(fig.data.length, 1);
  const t = fig.data[0];
  assert.equal(t.type, 'heatmap');
  const z = t.z as number[][];
  const [h, w] = hm.heatmap.shape;
  assert.equal(z.length, h);
  assert.equal(z[0].length, w);
  assert.equal(h, size * 4 + 1);
  assert.deepEqual(t.x, Array.from(hm.freqs));
  const c = (h - 1) / 2;
  assert.equal(z[c][c], hm.heatmap.get(c, c));
  assert.equal(z[c][c], Math.max(...z.flat()), 'DC is the maximum of a generator spectrum');
  assert.deepEqual([t.zmin, t.zmax], [-40, 20]);
  assert.deepEqual(lay(fig).xaxis.range, [-size / 2, size / 2]);
  assert.deepEqual(lay(fig).yaxis.range, [-size / 2, size / 2]);
  assert.equal(lay(fig).yaxis.scaleanchor, 'x');
  assert.match(lay(fig).xaxis.title.text, /cycles per image/);
  const contour = spectrumHeatmapFigure(hm, { style: 'contour', radial: true, cutoff: 8 });
  assert.equal(contour.data[0].type, 'contour');
  assert.deepEqual(contour.data[0].contours, {
    start: -40,
    end: 20,
    size: 5,
    coloring: 'fill',
    showlines: true,
  });
  assert.equal(shapesOf(contour)[0].type, 'circle');
  // A bare ndarray without freqs gets linspace(−S/2, S/2) for odd sizes.
  const bare = spectrumHeatmapFigure(hm.heatmap, { imageSize: size });
  assert.deepEqual(bare.data[0].x, Array.from(hm.freqs));
  assert.throws(() => spectrumHeatmapFigure({ heatmap: toDense(hm.heatmap).hi(4, 5) }), /must be square/);
});

test('spectrum slices: 0°/45° curves of both generators on the official −50…30 dB axis', () => {
  const { fig, curves } = slicesExample();
  assert.equal(fig.data.length, 4);
  fig.data.forEach((t, i) => {
    assert.deepEqual(t.x, Array.from(curves[i].freqs));
    assert.deepEqual(t.y, Array.from(curves[i].values));
  });
  // 0° ends at Nyquist (16 cycles per image), 45° at √2·16.
  assert.ok(Math.abs(curves[0].freqs[curves[0].freqs.length - 1] - 16) < 1e-9);
  assert.ok(Math.abs(curves[1].freqs[curves[1].freqs.length - 1] - 16 * Math.SQRT2) < 1e-9);
  assert.deepEqual(lay(fig).yaxis.range, [-50, 30]);
  assert.deepEqual(lay(fig).xaxis.range, [0, 16 * Math.SQRT2]);
  assert.throws(() => spectrumSliceFigure([]), RangeError);
});

test('image grid: one image trace per batch item with the official uint8 mapping', () => {
  const { fig, img } = imageGridExample();
  assert.equal(fig.data.length, 2);
  const d = toDense(img).data;
  fig.data.forEach((t, n) => {
    assert.equal(t.type, 'image');
    const png = pngOfSource(t);
    assert.equal(png.width, 32);
    assert.equal(png.height, 32);
    for (const [y, x] of [
      [0, 0],
      [5, 17],
      [31, 31],
    ]) {
      for (let c = 0; c < 3; c++) {
        const v = d[((n * 3 + c) * 32 + y) * 32 + x];
        const want = Math.min(255, Math.max(0, Math.floor(v * 127.5 + 128)));
        assert.equal(png.rgba[(y * 32 + x) * 4 + c], want);
      }
    }
  });
  const ax1 = lay(fig).xaxis as Shape;
  const ax2 = lay(fig).xaxis2 as Shape;
  assert.ok(ax1.domain[1] <= ax2.domain[0], 'tiles do not overlap');
  assert.deepEqual(ax1.range, [-0.5, 31.5]);
  assert.deepEqual((lay(fig).yaxis as Shape).range, [31.5, -0.5]); // row 0 at the top
  assert.equal(fig.data[1].xaxis, 'x2');
  // Feature maps (C not 1 or 3) become one grey tile per channel.
  const maps = imageGridFigure(toDense(img).hi(1, 2, 8, 8), { range: 'symmetric' });
  assert.equal(maps.data.length, 2);
  assert.throws(() => imageGridFigure(img, { range: [1, 0] }), /range must have hi > lo/);
  assert.throws(() => imageGridFigure(img, { cols: 0 }), /cols must be an integer >= 1/);
});

test('layer dashboard: official t32 activations, spectra with band guides, out-of-band energy per layer', () => {
  const { fig, layers, geom } = dashboardExample();
  const n = geom.layers.length;
  assert.equal(layers.length, n);
  assert.equal(fig.data.length, 2 * n + 1);
  assert.equal(fig.data.filter((t) => t.type === 'image').length, n);
  assert.equal(fig.data.filter((t) => t.type === 'heatmap').length, n);
  const bar = fig.data[2 * n];
  assert.equal(bar.type, 'bar');
  assert.deepEqual(
    bar.x,
    geom.layers.map((L) => L.name),
  );
  assert.deepEqual(
    bar.y,
    layers.map((L) => L.aliasEnergyDb),
  );
  layers.forEach((L, i) => {
    const g = geom.layers[i];
    // Critically sampled (f_c = s/2): nothing above the cutoff on the grid → null; otherwise a finite fraction.
    if (g.out_cutoff >= g.out_sampling_rate / 2) assert.equal(L.aliasEnergyDb, null, g.name);
    else
      assert.ok(
        (L.aliasEnergyDb as number) < 0 && (L.aliasEnergyDb as number) > -200,
        `${g.name}: ${L.aliasEnergyDb}`,
      );
    const hm = fig.data[2 * i + 1];
    const f = hm.x as number[];
    assert.equal(f.length, g.out_size);
    assert.ok(Math.abs(f[1] - f[0] - g.out_sampling_rate / g.out_size) < 1e-12, 'bin spacing s/size');
    assert.equal(f[g.out_size / 2], 0);
  });
  // Guides: per layer the Nyquist square (±s/2) and the cutoff square (±f_c).
  const sq = shapesOf(fig).filter((s) => s.xref === 'x2');
  assert.ok(sq.some((s) => s.x1 === geom.layers[0].out_sampling_rate / 2));
  assert.ok(sq.some((s) => s.x1 === geom.layers[0].out_cutoff));
  // Energy above f_c shrinks from the first layer to the last non-critical one (the filters do their work).
  const finite = layers.map((L) => L.aliasEnergyDb).filter((v): v is number => v !== null);
  assert.ok(finite[0] > finite[finite.length - 1], finite.join(', '));
  assert.equal(outOfBandEnergyDb(layers[0].spectrum, 16, 8), null);
  assert.throws(() => layerAliasingFigure([]), RangeError);
  assert.throws(
    () => layerAliasingFigure([{ ...layers[0], samplingRate: 0 }]),
    /layers\[0\]\.samplingRate must be > 0/,
  );
});

test('config comparison: EQ table and bars carry the official metric values', () => {
  const { table, bars, filterBars, rows, filterRows } = compareExample();
  const cases = manifest('equivariance').filter((c) => c.name.startsWith('metric_'));
  assert.equal(rows.length, cases.length);
  const t = table.data[0] as Shape;
  assert.equal(t.type, 'table');
  assert.deepEqual(t.header.values, [
    '<b>config</b>',
    '<b>EQ-T (dB)</b>',
    '<b>EQ-T_frac (dB)</b>',
    '<b>EQ-R (dB)</b>',
  ]);
  cases.forEach((c, i) => {
    assert.equal(Number(t.cells.values[1][i]), Number(c.params.eqt.toPrecision(4)));
    assert.equal(Number(t.cells.values[3][i]), Number(c.params.eqr.toPrecision(4)));
  });
  assert.equal(bars.data.length, 3);
  assert.deepEqual(
    bars.data[2].y,
    cases.map((c) => c.params.eqr),
  );
  assert.equal(lay(bars).barmode, 'group');
  assert.match((lay(bars).yaxis as Shape).title.text, /\(dB\)$/);
  // Measured stop-band attenuation tracks the Kaiser estimate within a few dB.
  for (const r of filterRows)
    assert.ok(Math.abs((r.attenuation as number) - (r.estimate as number)) < 8, JSON.stringify(r));
  assert.deepEqual(
    filterBars.data.map((d) => d.name),
    ['attenuation', 'estimate'],
  );
  assert.throws(() => eqTableFigure([]), RangeError);
  assert.throws(() => compareBarFigure([{ config: 'A' }]), /no numeric metric/);
  assert.throws(() => eqTableFigure([{ config: 3 } as never]), /rows\[0\]\.config must be a string/);
});

test('animations: one frame per translation / rotation step, slider steps animate to each frame', () => {
  const tr = animationExample();
  const rot = rotationExample();
  for (const { fig, steps } of [tr, rot]) {
    assert.equal(fig.frames?.length, steps.length);
    assert.deepEqual(
      fig.data.map((t) => t.type),
      ['image', 'heatmap'],
    );
    const slider = (lay(fig).sliders as Shape[])[0];
    assert.equal(slider.steps.length, steps.length);
    fig.frames!.forEach((fr, i) => {
      assert.equal(fr.name, String(steps[i].value));
      assert.deepEqual(slider.steps[i].args[0], [fr.name]);
      assert.deepEqual(fr.traces, [0, 1]);
      assert.equal((fr.data[1].z as number[][]).length, 32);
    });
    assert.notEqual(fig.frames![0].data[0].source, fig.frames![1].data[0].source);
    assert.equal((lay(fig).updatemenus as Shape[])[0].buttons[0].method, 'animate');
  }
  assert.match(lay(rot.fig).sliders[0].currentvalue.prefix, /rotation \(deg\)/);
  // Shift 0 reproduces the image; a 1-px shift moves content one column right (inside the mask).
  const one = tr.steps.find((s) => s.value === 1)!;
  for (const [c, y, x] of [
    [0, 3, 5],
    [2, 28, 20],
  ]) {
    assert.equal(one.mask.get(c, y, x), 1);
    assert.ok(Math.abs(one.image.get(c, y, x) - tr.first.get(c, y, x - 1)) < 1e-6);
    assert.ok(Math.abs(tr.steps[0].image.get(c, y, x) - tr.first.get(c, y, x)) < 1e-6);
  }
  // A zone plate is radially symmetric: rotated by 90° it matches itself inside the mask.
  const r90 = rot.steps[rot.steps.length - 1];
  assert.ok(psnr(r90.image, rot.zp, { mask: r90.mask }) > 15);
  assert.throws(() => transformAnimationFigure([]), RangeError);
});

test('every figure: shared style, JSON-safe, finite numbers, titled axes', () => {
  const figs = allFigures();
  assert.ok(figs.length >= 11);
  for (const { name, fig } of figs) {
    assert.equal((lay(fig).font as Shape).family, FONT_FAMILY, name);
    assert.ok(((lay(fig).title as Shape).text as string).length > 0, name);
    const json = JSON.stringify(fig);
    assert.deepEqual(JSON.parse(json), fig, `${name} survives JSON`);
    const walk = (v: unknown): void => {
      if (typeof v === 'number') assert.ok(Number.isFinite(v), `${name}: non-finite number`);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(fig);
    for (const [k, ax] of Object.entries(fig.layout)) {
      if (!/^[xy]axis\d*$/.test(k) || (ax as Shape).showticklabels === false) continue;
      const title = (ax as Shape).title?.text as string;
      if (title) assert.match(title, /^[^()]+( \(.+\))?$/, `${name}.${k}: "${title}"`);
    }
  }
});

test('imageToPng: NCHW batch → grid PNG with the official uint8 mapping', () => {
  const { img } = imageGridExample();
  const path = `/tmp/aliasfree-viz-test-${process.pid}.png`;
  const bytes = imageToPng(img, path, { range: [-1, 1] });
  assert.deepEqual(readFileSync(path), bytes);
  rmSync(path);
  const png = decodePng(bytes);
  assert.equal(png.width, 32 * 2 + 2);
  assert.equal(png.height, 32);
  const d = toDense(img).data;
  const at = (x: number, y: number, c: number) => png.rgba[(y * png.width + x) * 4 + c];
  assert.equal(
    at(34 + 10, 4, 1),
    Math.min(255, Math.max(0, Math.floor(d[((1 * 3 + 1) * 32 + 4) * 32 + 10] * 127.5 + 128))),
  );
  assert.equal(at(32, 0, 0), 255, 'white gap between tiles');
  // CHW input gives a single picture; 'auto' range spans min…max to 0…255.
  const single = decodePng(imageToPng(toDense(img).pick(0, null, null, null), undefined, { range: 'auto' }));
  assert.equal(single.width, 32);
  let lo = 255;
  let hi = 0;
  for (let i = 0; i < single.rgba.length; i += 4)
    for (let c = 0; c < 3; c++)
      ((lo = Math.min(lo, single.rgba[i + c])), (hi = Math.max(hi, single.rgba[i + c])));
  assert.equal(lo, 0);
  assert.equal(hi, 255);
  assert.throws(
    () => imageToPng(img, undefined, { range: [0, Number.NaN] }),
    /range\[1\] must be a finite number/,
  );
  assert.throws(
    () => imageToPng(toDense(img).hi(1, 2, 4, 4), undefined, { channels: 'rgb' }),
    /channels 'rgb' needs 1 or ≥ 3 channels/,
  );
});
