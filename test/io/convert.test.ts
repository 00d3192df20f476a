/**
 * `convertPickleToDir` (the `aliasfree convert in.pkl outDir` command): every golden network pickle
 * converted to a temporary folder gives `init_kwargs.json` and one `state/<key>.npy` per official
 * state_dict key, equal to the golden folder (same kwargs, same file names, same dtype, shape and
 * bits); and hostile state names cannot steer the written paths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { manifest, goldenPath } from '../helpers/golden.js';
import { writeNetworkPickle } from '../../src/io/pickle/network.js';
import { convertPickleToDir } from '../../src/io/pickle/network-files.js';
import { PickleSecurityError } from '../../src/io/pickle/values.js';

/** dtype, exact shape (also `()`) and raw data bytes of a .npy file. */
function rawNpy(path: string): { descr: string; shape: number[]; data: Buffer } {
  const b = readFileSync(path);
  assert.equal(b.subarray(0, 6).toString('latin1'), '\x93NUMPY', `${path} magic`);
  const v1 = b[6] === 1;
  const hlen = v1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = v1 ? 10 : 12;
  const header = b.subarray(start, start + hlen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)![1];
  const shape = /'shape':\s*\(([^)]*)\)/
    .exec(header)![1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  assert.match(header, /'fortran_order':\s*False/);
  return { descr, shape, data: b.subarray(start + hlen) };
}

const cases = manifest('generators').filter((c) => c.fn === 'legacy.load_network_pkl');

for (const c of cases) {
  test(`${c.name}: convert to a folder equal to the golden one`, () => {
    const golden = goldenPath('generators', dirname(c.inputs.pkl));
    const out = mkdtempSync(join(tmpdir(), 'aliasfree-convert-'));
    try {
      const snap = convertPickleToDir(goldenPath('generators', c.inputs.pkl), out);
      assert.deepEqual(
        JSON.parse(readFileSync(join(out, 'init_kwargs.json'), 'utf8')),
        JSON.parse(readFileSync(join(golden, 'init_kwargs.json'), 'utf8')),
      );
      const files = readdirSync(join(out, 'state')).sort();
      assert.deepEqual(files, readdirSync(join(golden, 'state')).sort());
      assert.equal(files.length, snap.state.size);
      for (const f of files) {
        const a = rawNpy(join(out, 'state', f));
        const e = rawNpy(join(golden, 'state', f));
        assert.equal(a.descr, e.descr, `${f} dtype`);
        assert.deepEqual(a.shape, e.shape, `${f} shape`);
        assert.ok(a.data.equals(e.data), `${f}: data bits differ`);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
}

test('convert: bad arguments and hostile state names are refused', () => {
  assert.throws(
    () => convertPickleToDir('', '/tmp/x'),
    (e: Error) => e instanceof TypeError && /pklPath/.test(e.message),
  );
  assert.throws(
    () => convertPickleToDir('a.pkl', ''),
    (e: Error) => e instanceof TypeError && /outDir/.test(e.message),
  );
  const tmp = mkdtempSync(join(tmpdir(), 'aliasfree-convert-'));
  try {
    // A pickle whose submodule is named "f/X": readable, but not a safe file name.
    const w = writeNetworkPickle({
      initKwargs: { class_name: 'training.networks_stylegan3.Generator', z_dim: 1 },
      state: new Map([['mapping.fcX.weight', { shape: [2], data: new Float32Array([1, 2]) }]]),
    });
    const s = Buffer.from(w).toString('latin1');
    assert.ok(s.includes('\x8c\x03fcX'));
    const pkl = join(tmp, 'evil.pkl');
    writeFileSync(pkl, Buffer.from(s.replace('\x8c\x03fcX', '\x8c\x03f/X'), 'latin1'));
    const out = join(tmp, 'out');
    assert.throws(
      () => convertPickleToDir(pkl, out),
      (e: Error) => e instanceof PickleSecurityError && /mapping\.f\/X\.weight/.test(e.message),
    );
    assert.ok(!existsSync(out), 'nothing written');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
