// Replaying the official recorded draws (golden equivariance/metric_*) on the matching golden
// generators must reproduce the official [EQ-T, EQ-T_frac, EQ-R] within 0.05 dB.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { manifest, npy, goldenPath } from '../helpers/golden.js';
import { loadGenerator, setBackend } from '../../src/generator/index.js';
import { equivariance, psnrFromSums } from '../../src/metrics/equivariance.js';

before(async () => {
  await setBackend('wasm');
});

for (const c of manifest('equivariance').filter(
  (c) => c.fn === 'metrics.equivariance.compute_equivariance_metrics',
)) {
  test(`${c.name}: replayed official draws reproduce EQ-T / EQ-T_frac / EQ-R`, async () => {
    const gen = await loadGenerator(goldenPath('generators', c.params.generator));
    try {
      const z = npy('equivariance', c.inputs.z);
      const result = await equivariance(gen, {
        batch: c.params.batch_size,
        translateMax: c.params.translate_max,
        rotateMax: c.params.rotate_max,
        replay: {
          z: z.data as Float32Array,
          uInt: npy('equivariance', c.inputs.u_int).data as Float32Array,
          uFrac: npy('equivariance', c.inputs.u_frac).data as Float32Array,
          uAngle: npy('equivariance', c.inputs.u_angle).data as Float32Array,
        },
      });
      const ref = npy('equivariance', c.outputs.psnr).data as Float64Array;
      const got = [result.eqt!, result.eqt_frac!, result.eqr!];
      for (let i = 0; i < 3; i++) {
        assert.ok(
          Math.abs(got[i] - ref[i]) <= 0.05,
          `metric ${i}: ours ${got[i]} dB vs official ${ref[i]} dB`,
        );
      }
      // The masks are exact, so the pooled mask sums equal the official ones exactly.
      const sums = npy('equivariance', c.outputs.batch_sums).data as Float64Array;
      const batches = sums.length / 6;
      const total = (k: number) =>
        Array.from({ length: batches }, (_, b) => sums[b * 6 + k]).reduce((a, v) => a + v, 0);
      assert.equal(result.sums.eqt![1], total(1));
      assert.equal(result.sums.eqt_frac![1], total(3));
      assert.equal(result.sums.eqr![1], total(5));
      assert.ok(Math.abs(psnrFromSums([total(0), total(1)]) - ref[0]) < 1e-9);
    } finally {
      gen.dispose();
    }
  });
}

test('equivariance names a missing generator instead of failing inside', async () => {
  await assert.rejects(
    equivariance({} as never),
    /^TypeError: gen must be a generator \(config, mapping and synthesis, e\.g\. from createGenerator\), got an object with keys \[\]$/,
  );
  await assert.rejects(equivariance(null as never), /gen must be a generator .*got null$/);
});
