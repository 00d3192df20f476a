/**
 * StyleGAN2 state dicts: fresh seeded initialisation with the official shapes and distributions,
 * and validation of a loaded one against the layout.
 *
 * Initial values (official constructors of networks_stylegan2.py): const N(0, 1); conv and ToRGB
 * weights N(0, 1); biases 0; noise_strength 0; noise_const N(0, 1) [res, res]; affine weight
 * N(0, 1), bias 1; resample_filter = setup_filter(f): the outer product f fᵀ normalised to sum 1
 * (4×4 for [1,3,3,1]); resnet skip weight N(0, 1); mapping fc weights N(0, 1)/lr_mul, biases 0,
 * w_avg 0. Fourier input (B/C, as the official SynthesisInput): freqs v/‖v‖·exp(−‖v‖²/4)·bandwidth
 * with v ~ N(0, I₂) (uniform in the disc of radius `bandwidth`), phases U[−½, ½), mixing weight
 * N(0, 1), transform I₃.
 */
import { Rng } from '../rng.js';
import type { StateDict, StateTensor } from '../state.js';
import { styleGAN2StateLayout, type StyleGAN2Layout } from './layout.js';

/** The 2-D resampling filter buffer: f fᵀ / (Σf)² (official setup_filter of a short 1-D filter). */
export function resampleFilter2d(f: readonly number[]): Float32Array {
  const n = f.length;
  const sum = f.reduce((a, b) => a + b, 0);
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = (f[i] * f[j]) / (sum * sum);
  return out;
}

/** A fresh state dict with the official shapes and initial distributions, seeded. */
export function styleGAN2InitialState(layout: StyleGAN2Layout, seed: number | string = 0): StateDict {
  const rng = new Rng(seed);
  const c = layout.config;
  const state: StateDict = new Map();
  for (const { key, shape, role } of styleGAN2StateLayout(layout)) {
    const n = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    switch (role) {
      case 'const':
      case 'conv-weight':
      case 'noise-const':
      case 'affine-weight':
      case 'skip-weight':
      case 'input-weight':
        data = rng.normals(n);
        break;
      case 'fc-weight': {
        const lr = key.startsWith('mapping.embed') ? 1 : c.mappingLrMultiplier;
        data = rng.normals(n).map((v) => v / lr);
        break;
      }
      case 'bias':
      case 'noise-strength':
      case 'fc-bias':
      case 'w-avg':
        data = new Float32Array(n);
        break;
      case 'affine-bias':
        data = new Float32Array(n).fill(1);
        break;
      case 'resample-filter':
        data = resampleFilter2d(c.resampleFilter);
        break;
      case 'input-transform':
        data = Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
        break;
      case 'input-freqs': {
        data = new Float32Array(n);
        const bw = c.fourierBandwidth;
        for (let k = 0; k < n / 2; k++) {
          const a = rng.normal();
          const b = rng.normal();
          const r = Math.hypot(a, b);
          // Radius r ↦ exp(−r²/4): the χ²₂ radius becomes uniform in the unit disc.
          const scale = (Math.exp(-(r * r) / 4) / r) * bw;
          data[2 * k] = a * scale;
          data[2 * k + 1] = b * scale;
        }
        break;
      }
      case 'input-phases':
        data = new Float32Array(n);
        for (let i = 0; i < n; i++) data[i] = rng.uniform() - 0.5;
        break;
    }
    state.set(key, { shape: [...shape], data });
  }
  return state;
}

/**
 * Check a state dict against the layout: every key present with its shape, finite values, no
 * extras (a pickle whose blocks do not match its kwargs fails here, naming the first mismatch).
 * Returns float32 copies in layout order.
 */
export function validateStyleGAN2State(
  layout: StyleGAN2Layout,
  state: ReadonlyMap<string, StateTensor>,
  where = 'state',
): StateDict {
  const entries = styleGAN2StateLayout(layout);
  const expected = new Set(entries.map((e) => e.key));
  const extra = [...state.keys()].filter((k) => !expected.has(k));
  if (extra.length) {
    throw new RangeError(
      `${where} has entries this StyleGAN2 config does not use (its blocks do not match the kwargs?): ` +
        `${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`,
    );
  }
  const out: StateDict = new Map();
  for (const { key, shape } of entries) {
    const e = state.get(key);
    if (!e) throw new RangeError(`${where} is missing ${key} (expected shape [${shape.join(', ')}])`);
    const n = shape.reduce((a, b) => a * b, 1);
    const sameShape =
      shape.length === 0 ? e.data.length === 1 && e.shape.length <= 1 : e.shape.join(',') === shape.join(',');
    if (!sameShape || e.data.length !== n) {
      throw new RangeError(
        `${where}: ${key} has shape [${e.shape.join(', ')}], expected [${shape.join(', ')}]`,
      );
    }
    const data = Float32Array.from(e.data);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]))
        throw new TypeError(`${where}: ${key} contains a non-finite value ${data[i]} at index ${i}`);
    }
    out.set(key, { shape: [...shape], data });
  }
  return out;
}
