/**
 * The official EQ metrics on StyleGAN2 generators: B and C (Fourier-feature input) are measured
 * with each layer's stored noise (noise_mode 'const', as the official metric renders), so two runs
 * with the same seed agree exactly; A (learned constant) has no input to transform and is refused.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { setBackend } from '../../src/generator/backend.js';
import { createGenerator } from '../../src/generator/weights.js';
import { configs } from '../../src/generator/config.js';
import { equivariance } from '../../src/metrics/equivariance.js';

before(async () => {
  await setBackend('wasm');
});

const small = { imgResolution: 16, channelBase: 128, channelMax: 16, zDim: 8, wDim: 8 };

test('EQ-T / EQ-T_frac / EQ-R of B (with noise) and C: finite and reproducible', async () => {
  for (const name of ['B', 'C'] as const) {
    const g = await createGenerator({ ...configs[name], ...small }, { seed: 2 });
    const opts = { samples: 4, batch: 2, seed: 5 };
    const a = await equivariance(g, opts);
    const b = await equivariance(g, opts);
    for (const k of ['eqt', 'eqt_frac', 'eqr'] as const) {
      assert.ok(Number.isFinite(a[k]!), `${name} ${k} = ${a[k]}`);
      assert.equal(a[k], b[k], `${name} ${k} reproducible`);
    }
    g.dispose();
  }
});

test('EQ of A: refused, its learned constant cannot be translated or rotated', async () => {
  const g = await createGenerator({ ...configs.A, ...small }, { seed: 2 });
  await assert.rejects(equivariance(g, { samples: 2, batch: 2 }), /transform needs a Fourier-feature input/);
  g.dispose();
});
