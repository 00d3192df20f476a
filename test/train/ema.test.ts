import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultEmaKimg, emaBeta, updateEma } from '../../src/train/ema.js';

test('ema_kimg = batch·10/32', () => {
  assert.equal(defaultEmaKimg(32), 10);
  assert.equal(defaultEmaKimg(4), 1.25);
  assert.throws(() => defaultEmaKimg(0), /batch/);
});

test('β = 0.5^(batch/max(ema_nimg, 1e-8)) with the ramp-up', () => {
  // cur_nimg 0 with ramp-up: ema_nimg = 0 → β = 0.5^(batch/1e-8) = 0 (G_ema := G).
  assert.equal(emaBeta({ batch: 32, curNimg: 0 }), 0);
  // cur_nimg 100 000, batch 32: min(10 000, 5 000) = 5 000 → 0.5^(32/5000).
  assert.equal(emaBeta({ batch: 32, curNimg: 100_000 }), 0.5 ** (32 / 5000));
  // Late in training the ramp-up no longer limits: 0.5^(32/10 000).
  assert.equal(emaBeta({ batch: 32, curNimg: 10_000_000 }), 0.5 ** (32 / 10_000));
  // Resuming (ramp-up None): the full half-life from the start.
  assert.equal(emaBeta({ batch: 32, curNimg: 0, emaRampup: null }), 0.5 ** (32 / 10_000));
  // batch 4: ema_kimg 1.25 → half-life 1250 images.
  assert.equal(emaBeta({ batch: 4, curNimg: 1e6 }), 0.5 ** (4 / 1250));
  assert.equal(emaBeta({ batch: 4, curNimg: 1e6, emaKimg: 2 }), 0.5 ** (4 / 2000));
  assert.throws(() => emaBeta({ batch: 4, curNimg: -1 }), /curNimg/);
});

test('updateEma: parameters lerp(p, p_ema, β), buffers copied', () => {
  const g = {
    parameters: new Map([['w', Float32Array.from([1, 2])]]),
    buffers: new Map([['b', Float32Array.from([5])]]),
  };
  const e = {
    parameters: new Map([['w', Float32Array.from([3, -2])]]),
    buffers: new Map([['b', Float32Array.from([9])]]),
  };
  updateEma(g, e, 0.25);
  // p + β(p_ema − p): 1 + 0.25·2 = 1.5, 2 + 0.25·(−4) = 1
  assert.deepEqual([...e.parameters.get('w')!], [1.5, 1]);
  assert.deepEqual([...e.buffers.get('b')!], [5]);
  updateEma(g, e, 0);
  assert.deepEqual([...e.parameters.get('w')!], [1, 2]);
  assert.throws(() => updateEma(g, { parameters: new Map(), buffers: new Map() }, 0.5), /no parameter "w"/);
  assert.throws(() => updateEma(g, e, 1.5), /beta/);
});
