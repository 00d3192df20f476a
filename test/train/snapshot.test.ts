import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PersistentObject, PyDict, unpickleNetwork, toPlain } from '../../src/io/pickle/index.js';
import {
  encodeTrainingSnapshot,
  readTrainingSnapshot,
  snapshotFileName,
  writeTrainingSnapshot,
} from '../../src/train/snapshot.js';
import { compareTrees } from './snapshot-tree-compare.js';

const GOLDEN = [
  'test/golden/generators/t32/network.pkl',
  'test/golden/generators/r32/network.pkl',
  'test/golden/stylegan2/s2_32/network.pkl',
];

test('snapshot file names: network-snapshot-<kimg:06d>.pkl', () => {
  assert.equal(snapshotFileName(0), 'network-snapshot-000000.pkl');
  assert.equal(snapshotFileName(16), 'network-snapshot-000000.pkl');
  assert.equal(snapshotFileName(1_234_567), 'network-snapshot-001234.pkl');
  assert.throws(() => snapshotFileName(-1), /curNimg/);
});

for (const path of GOLDEN) {
  test(`${path}: rewritten snapshot has the official classes, attributes, kwargs and state of G, D and G_ema`, () => {
    const bytes = readFileSync(path);
    const gold = unpickleNetwork(bytes) as PyDict;
    const snap = readTrainingSnapshot(bytes);
    const ours = unpickleNetwork(encodeTrainingSnapshot(snap)) as PyDict;
    assert.deepEqual([...ours.map.keys()], ['G', 'D', 'G_ema', 'augment_pipe', 'training_set_kwargs']);
    assert.equal(ours.get('augment_pipe'), null);
    assert.deepEqual(toPlain(ours.get('training_set_kwargs')), toPlain(gold.get('training_set_kwargs')));
    for (const k of ['G', 'D', 'G_ema']) {
      // Floats of the layer geometry may differ by an ulp (our exp2 vs numpy's); everything else exactly.
      const diff = compareTrees(ours.get(k) as PersistentObject, gold.get(k) as PersistentObject, k, [], 4);
      assert.deepEqual(diff, [], `${k} differs:\n${diff.slice(0, 10).join('\n')}`);
    }
  });
}

test('snapshot round trip is bit-exact (state data and file bytes) and the file is written atomically', () => {
  const snap = readTrainingSnapshot(readFileSync(GOLDEN[0]));
  const dir = mkdtempSync(join(tmpdir(), 'aliasfree-snap-'));
  try {
    const file = join(dir, snapshotFileName(4000));
    const n = writeTrainingSnapshot(file, snap);
    assert.deepEqual(readdirSync(dir), ['network-snapshot-000004.pkl'], 'no temporary file left');
    const back = readTrainingSnapshot(file);
    for (const k of ['G', 'D', 'G_ema'] as const) {
      assert.deepEqual(back[k].initKwargs, snap[k].initKwargs);
      assert.deepEqual([...back[k].state.keys()], [...snap[k].state.keys()]);
      for (const [key, t] of snap[k].state) {
        const u = back[k].state.get(key)!;
        assert.deepEqual(u.shape, t.shape, key);
        assert.ok(
          Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength).equals(
            Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
          ),
          `${k}.${key} bits`,
        );
      }
    }
    assert.equal(readFileSync(file).length, n);
    assert.deepEqual(encodeTrainingSnapshot(back), new Uint8Array(readFileSync(file)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('snapshot writer refuses state that does not fit the official module', () => {
  const snap = readTrainingSnapshot(readFileSync(GOLDEN[0]));
  const extra = new Map(snap.D.state);
  extra.set('b99.weight', { shape: [1], data: new Float32Array(1) });
  assert.throws(
    () => encodeTrainingSnapshot({ ...snap, D: { ...snap.D, state: extra } }),
    /D: state keys the official module has no place for: b99.weight/,
  );
  const missing = new Map(snap.G.state);
  missing.delete('mapping.w_avg');
  assert.throws(
    () => encodeTrainingSnapshot({ ...snap, G: { ...snap.G, state: missing } }),
    /G: state has no "mapping.w_avg"/,
  );
  assert.throws(
    () =>
      encodeTrainingSnapshot({
        ...snap,
        G: { ...snap.G, initKwargs: { ...snap.G.initKwargs, class_name: 'x.Y' } },
      }),
    /G: class_name "x.Y" cannot be written/,
  );
  assert.throws(() =>
    readTrainingSnapshot(readFileSync('test/golden/generators/t32/network.pkl').subarray(0, 100)),
  );
});
