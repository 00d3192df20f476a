/**
 * The state dict without files: a fresh seeded one with the official shapes and initial
 * distributions (see `weights.ts` for the distributions), and the check of a given one against a
 * geometry's layout. Kept free of Node modules so that the browser (aliasfree studio) can build and
 * load generators with it; `weights.ts` re-exports everything here.
 */
import type { NdArray } from 'ndarray';
import type { FilterSpec, SynthesisGeometry } from './types.js';
import { designLowpassFilter } from '../signal/design.js';
import { Rng } from './rng.js';
import { numel, sameShape, stateLayout, type StateDict, type StateTensor } from './state.js';

/** Float32 taps of a layer filter as the official buffer holds them (1-D, or [n, n] for radial). */
export function designLayerFilter(spec: FilterSpec): StateTensor {
  if (spec.kind === 'binomial') {
    const sum = spec.taps.reduce((a, b) => a + b, 0);
    return { shape: [spec.taps.length], data: Float32Array.from(spec.taps, (v) => v / sum) };
  }
  const f = designLowpassFilter({
    numtaps: spec.numtaps,
    cutoff: spec.cutoff,
    width: spec.width,
    fs: spec.fs,
    radial: spec.radial,
  });
  if (f === null) throw new RangeError(`filter with numtaps ${spec.numtaps} has no taps`);
  if (f instanceof Float64Array) return { shape: [f.length], data: Float32Array.from(f) };
  const nd = f as NdArray<Float64Array>;
  const [h, w] = nd.shape;
  const data = new Float32Array(h * w);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) data[i * w + j] = nd.get(i, j);
  return { shape: [h, w], data };
}

/** Fresh state dict with the official shapes and initial distributions, seeded. */
export function initialState(geometry: SynthesisGeometry, seed: number | string = 0): StateDict {
  const rng = new Rng(seed);
  const cfg = geometry.config;
  const state: StateDict = new Map();
  const layerByName = new Map(geometry.layers.map((L) => [L.name, L]));
  for (const { key, shape, role } of stateLayout(geometry)) {
    const n = numel(shape);
    let data: Float32Array;
    switch (role) {
      case 'fc-weight': {
        const lr = key.startsWith('mapping.embed') ? 1 : cfg.mappingLrMultiplier;
        data = rng.normals(n).map((v) => v / lr);
        break;
      }
      case 'fc-bias':
      case 'w-avg':
      case 'conv-bias':
      case 'input-affine-weight':
        data = new Float32Array(n);
        break;
      case 'input-weight':
      case 'conv-weight':
      case 'style-weight':
        data = rng.normals(n);
        break;
      case 'input-transform':
        data = Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
        break;
      case 'input-freqs': {
        const bw = geometry.input.bandwidth;
        data = new Float32Array(n);
        for (let c = 0; c < n / 2; c++) {
          const a = rng.normal();
          const b = rng.normal();
          const r = Math.hypot(a, b);
          // Radius r ↦ exp(−r²/4): the χ²₂ radius becomes uniform in the unit disc.
          const scale = (Math.exp(-(r * r) / 4) / r) * bw;
          data[2 * c] = a * scale;
          data[2 * c + 1] = b * scale;
        }
        break;
      }
      case 'input-phases':
        data = new Float32Array(n);
        for (let i = 0; i < n; i++) data[i] = rng.uniform() - 0.5;
        break;
      case 'input-affine-bias':
        data = Float32Array.of(1, 0, 0, 0);
        break;
      case 'magnitude-ema':
        data = Float32Array.of(1);
        break;
      case 'style-bias':
        data = new Float32Array(n).fill(1);
        break;
      case 'up-filter':
      case 'down-filter': {
        const L = layerByName.get(key.split('.')[1])!;
        const spec = (role === 'up-filter' ? L.upFilter : L.downFilter)!;
        const f = designLayerFilter(spec);
        if (!sameShape(f.shape, shape)) {
          throw new RangeError(`designed ${key} has shape [${f.shape}] but the geometry expects [${shape}]`);
        }
        state.set(key, f);
        continue;
      }
    }
    state.set(key, { shape: [...shape], data });
  }
  return state;
}

/** Check a state dict against the layout of `geometry`: every key present with its shape, no extras. */
export function validateState(
  geometry: SynthesisGeometry,
  state: Map<string, StateTensor>,
  where = 'state',
): StateDict {
  const layout = stateLayout(geometry);
  const out: StateDict = new Map();
  const expected = new Set(layout.map((l) => l.key));
  const extra = [...state.keys()].filter((k) => !expected.has(k));
  if (extra.length) {
    throw new RangeError(
      `${where} has entries this generator config does not use: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`,
    );
  }
  for (const { key, shape } of layout) {
    const e = state.get(key);
    if (!e) throw new RangeError(`${where} is missing ${key} (expected shape [${shape.join(', ')}])`);
    if (!sameShape(e.shape, shape)) {
      throw new RangeError(
        `${where}: ${key} has shape [${e.shape.join(', ')}], expected [${shape.join(', ')}]`,
      );
    }
    if (e.data.length !== numel(shape)) {
      throw new RangeError(`${where}: ${key} holds ${e.data.length} values, expected ${numel(shape)}`);
    }
    const data = e.data instanceof Float32Array ? e.data : Float32Array.from(e.data);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]))
        throw new TypeError(`${where}: ${key} contains a non-finite value ${data[i]} at index ${i}`);
    }
    out.set(key, { shape: [...shape], data });
  }
  return out;
}
