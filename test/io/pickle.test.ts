/**
 * Network pickles (src/io/pickle): every golden `generators/<tag>/network.pkl` (an official-format
 * snapshot) must give G_ema's constructor kwargs = `init_kwargs.json` and a state dict whose keys are
 * exactly the official `state_dict()` keys (manifest order, = `state/` file names) with every tensor
 * bit-identical to its `.npy`; plus the summary, the writer (round trip), the legacy storage element
 * types and byte orders, and the unpickler's protocol 0–5 opcodes on CPython-written fixtures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { manifest, goldenPath, type GoldenCase } from '../helpers/golden.js';
import {
  readNetworkPickle,
  summarizePickle,
  formatPickleSummary,
  writeNetworkPickle,
  unpickleNetwork,
  looksLikePickle,
  type GeneratorSnapshot,
} from '../../src/io/pickle/network.js';
import {
  readLegacyStorage,
  rebuildTensor,
  tensorData,
  writeLegacyStorageRaw,
  halfToFloat,
  TorchTensor,
} from '../../src/io/pickle/torch-legacy.js';
import { PickleError, PyDict, PySet, PyTuple } from '../../src/io/pickle/values.js';

/** The golden pickle cases and, for each, the state_dict case of the same generator folder. */
function pickleCases(): { name: string; dir: string; pkl: GoldenCase; state: GoldenCase }[] {
  const cases = manifest('generators');
  const out = [];
  for (const c of cases.filter((c) => c.fn === 'legacy.load_network_pkl')) {
    const dir = dirname(c.inputs.pkl);
    const state = cases.find((s) => s.fn.endsWith('.state_dict') && dirname(s.inputs.init_kwargs) === dir);
    assert.ok(state, `state_dict case for ${dir}`);
    out.push({ name: c.name, dir, pkl: c, state });
  }
  assert.ok(out.length >= 2, 'golden pickle cases found');
  return out;
}

/** Minimal .npy reader that keeps the exact shape (also `()`) and the raw data bytes. */
function rawNpy(path: string): { descr: string; shape: number[]; data: Uint8Array } {
  const b = readFileSync(path);
  assert.equal(b.subarray(0, 6).toString('latin1'), '\x93NUMPY');
  const major = b[6];
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = b.subarray(start, start + hlen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)![1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)![1];
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  return { descr, shape, data: new Uint8Array(b.subarray(start + hlen)) };
}

function descrOf(data: Float32Array | Float64Array | Int32Array): string {
  return data instanceof Float32Array ? '<f4' : data instanceof Float64Array ? '<f8' : '<i4';
}

function bytesOf(data: Float32Array | Float64Array | Int32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Assert that a snapshot equals the golden folder bit for bit. */
function assertSnapshotMatchesGolden(snap: GeneratorSnapshot, c: { dir: string; state: GoldenCase }): void {
  const group = goldenPath('generators');
  const kwargs = JSON.parse(readFileSync(join(group, c.state.inputs.init_kwargs), 'utf8'));
  assert.deepEqual(snap.initKwargs, kwargs, 'initKwargs = init_kwargs.json');
  assert.deepEqual(snap.initKwargs, c.state.params.init_kwargs, 'initKwargs = manifest init_kwargs');
  // Keys: exactly the official state_dict order, and the state/ file names.
  assert.deepEqual([...snap.state.keys()], c.state.params.state_dict_keys);
  const files = readdirSync(join(group, c.dir, 'state')).map((f) => f.replace(/\.npy$/, ''));
  assert.deepEqual([...snap.state.keys()].sort(), files.sort());
  for (const [key, file] of Object.entries(c.state.outputs)) {
    const ref = rawNpy(join(group, file));
    const t = snap.state.get(key);
    assert.ok(t, `state has ${key}`);
    assert.deepEqual(t.shape, ref.shape, `${key} shape`);
    assert.equal(descrOf(t.data), ref.descr, `${key} dtype`);
    assert.ok(Buffer.from(bytesOf(t.data)).equals(Buffer.from(ref.data)), `${key}: data bits differ`);
  }
}

for (const c of pickleCases()) {
  const bytes = readFileSync(goldenPath('generators', c.pkl.inputs.pkl));

  test(`${c.name}: G_ema kwargs and state equal the golden folder bit for bit`, () => {
    assert.ok(looksLikePickle(bytes));
    assertSnapshotMatchesGolden(readNetworkPickle(bytes), c);
  });

  test(`${c.name}: summary lists keys, classes, kwargs and shapes without decoding`, () => {
    const s = summarizePickle(bytes);
    assert.equal(s.fileBytes, bytes.length);
    assert.deepEqual(s.keys, c.pkl.params.keys);
    const text = formatPickleSummary(s);
    for (const k of c.pkl.params.keys as string[]) assert.match(text, new RegExp(`^${k}:`, 'm'));
    for (const cls of [
      'Generator',
      'SynthesisNetwork',
      'SynthesisInput',
      'SynthesisLayer',
      'MappingNetwork',
      'FullyConnectedLayer',
      'Discriminator',
      'AugmentPipe',
    ])
      assert.ok(text.includes(cls), `summary mentions ${cls}`);
    const g = s.entries.find((e) => e.key === 'G_ema');
    assert.ok(g && g.type === 'network');
    assert.equal(g.qualifiedName, c.state.params.init_kwargs.class_name);
    assert.deepEqual(g.kwargs, c.state.params.init_kwargs);
    assert.deepEqual(
      g.tensors.map((t) => t.key),
      c.state.params.state_dict_keys,
    );
    // Parameter count and bytes from the golden arrays (buffers: the official register_buffer names).
    let params = 0;
    let total = 0;
    for (const t of g.tensors) {
      const ref = rawNpy(goldenPath('generators', c.state.outputs[t.key]));
      assert.deepEqual(t.shape, ref.shape, t.key);
      const n = ref.shape.reduce((a, b) => a * b, 1);
      total += n * 4;
      if (t.kind === 'parameter') params += n;
      assert.equal(
        t.kind === 'buffer',
        /(w_avg|transform|freqs|phases|magnitude_ema|up_filter|down_filter)$/.test(t.key),
        t.key,
      );
    }
    assert.equal(g.numParameters, params);
    assert.equal(g.tensorBytes, total);
    assert.ok(text.includes(params.toLocaleString('en-US')));
    const d = s.entries.find((e) => e.key === 'D');
    assert.ok(d && d.type === 'network' && d.className === 'Discriminator' && d.numParameters > 0);
    const tsk = s.entries.find((e) => e.key === 'training_set_kwargs');
    assert.ok(tsk && tsk.type === 'value');
    assert.equal(
      (tsk.value as Record<string, unknown>).resolution,
      c.state.params.init_kwargs.img_resolution,
    );
    assert.match(text, /training_set_kwargs: \{.*"class_name"/);
  });

  test(`${c.name}: write → read round trip is exact and deterministic`, () => {
    const snap = readNetworkPickle(bytes);
    const w = writeNetworkPickle(snap);
    assert.deepEqual([w[0], w[1]], [0x80, 4]);
    assert.ok(Buffer.from(w).equals(Buffer.from(writeNetworkPickle(snap))), 'deterministic');
    const back = readNetworkPickle(w);
    assertSnapshotMatchesGolden(back, c);
    const s = summarizePickle(w);
    assert.deepEqual(s.keys, ['G', 'D', 'G_ema', 'augment_pipe', 'training_set_kwargs']);
    const g = s.entries.find((e) => e.key === 'G');
    assert.ok(g && g.type === 'network' && g.qualifiedName === snap.initKwargs.class_name);
    // Reading G (the same memoised object) gives the same tensors.
    const viaG = readNetworkPickle(w, { key: 'G' });
    assert.deepEqual([...viaG.state.keys()], [...snap.state.keys()]);
  });
}

test('readNetworkPickle: clear errors for a missing key and non-network data', () => {
  const c = pickleCases()[0];
  const bytes = readFileSync(goldenPath('generators', c.pkl.inputs.pkl));
  assert.throws(
    () => readNetworkPickle(bytes, { key: 'G_nope' }),
    (e: Error) => e instanceof PickleError && /G_nope.*keys: G, D, G_ema/.test(e.message),
  );
  assert.throws(
    () => readNetworkPickle(bytes, { key: 'training_set_kwargs' }),
    /not a persistent network object/,
  );
  assert.throws(() => readNetworkPickle(new Uint8Array([0x80, 4, 0x4b, 7, 0x2e])), /top level is 7/);
  assert.throws(
    () => readNetworkPickle('x' as unknown as Uint8Array),
    (e: Error) => e instanceof TypeError && /bytes must be a Uint8Array/.test(e.message),
  );
});

test('writeNetworkPickle: validates its snapshot; kwargs keep their form; no prototype pollution', () => {
  const st = new Map([['mapping.fc0.weight', { shape: [2, 1], data: new Float32Array([1, 2]) }]]);
  const kw = JSON.parse('{"class_name":"x.y.Generator","__proto__":{"polluted":1},"n":[1,2.5,{"a":null}]}');
  const back = readNetworkPickle(writeNetworkPickle({ initKwargs: kw, state: st }));
  assert.equal(Object.getPrototypeOf(back.initKwargs), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(JSON.stringify(back.initKwargs), JSON.stringify(kw));
  assert.deepEqual(back.state.get('mapping.fc0.weight')!.shape, [2, 1]);
  assert.throws(
    () => writeNetworkPickle({ initKwargs: { class_name: 'a\nimport os' }, state: st }),
    (e: Error) => e instanceof RangeError && /class_name must be a dotted Python name/.test(e.message),
  );
  assert.throws(
    () =>
      writeNetworkPickle({
        initKwargs: {},
        state: new Map([['a/b', { shape: [1], data: new Float32Array(1) }]]),
      }),
    /state key "a\/b" is not a dotted name/,
  );
  assert.throws(
    () =>
      writeNetworkPickle({
        initKwargs: {},
        state: new Map([['a', { shape: [3], data: new Float32Array(2) }]]),
      }),
    /has 3 elements but data has 2/,
  );
});

// ---- legacy storages: element types and byte orders

function storageOf(
  typeName: string,
  raw: number[] | Uint8Array,
  elementSize: number,
  opts: { littleEndian?: boolean } = {},
): TorchTensor {
  const bytes = raw instanceof Uint8Array ? raw : Uint8Array.from(raw);
  const st = readLegacyStorage(writeLegacyStorageRaw(typeName, bytes.length / elementSize, bytes, opts));
  return rebuildTensor([st, 0, new PyTuple([st.numel]), new PyTuple([1]), false, new PyDict('OrderedDict')]);
}

test('legacy storage element types decode to the snapshot array types', () => {
  const f64 = new Float64Array([1.5, -2.25e-300, Math.PI]);
  const d = tensorData(storageOf('DoubleStorage', new Uint8Array(f64.buffer), 8));
  assert.ok(d instanceof Float64Array);
  assert.deepEqual([...d], [...f64]);
  // float16: 1, -2, 0.5, 65504 (max), 2^-24 (smallest subnormal), +inf, -0
  const halves = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x7c00, 0x8000];
  const hb = new Uint8Array(new Uint16Array(halves).buffer);
  const h = tensorData(storageOf('HalfStorage', hb, 2));
  assert.ok(h instanceof Float32Array);
  assert.deepEqual([...h], [1, -2, 0.5, 65504, 2 ** -24, Infinity, -0]);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  // bfloat16 = upper half of a float32
  const bf = tensorData(
    storageOf('BFloat16Storage', new Uint8Array(new Uint16Array([0x3fc0, 0xc100]).buffer), 2),
  );
  assert.deepEqual([...bf], [1.5, -8]);
  const i64 = new BigInt64Array([5n, -7n, 2147483647n]);
  const l = tensorData(storageOf('LongStorage', new Uint8Array(i64.buffer), 8));
  assert.ok(l instanceof Int32Array);
  assert.deepEqual([...l], [5, -7, 2147483647]);
  const wide = tensorData(storageOf('LongStorage', new Uint8Array(new BigInt64Array([2n ** 40n]).buffer), 8));
  assert.ok(wide instanceof Float64Array);
  assert.equal(wide[0], 2 ** 40);
  assert.deepEqual(
    [...tensorData(storageOf('IntStorage', new Uint8Array(new Int32Array([-3, 9]).buffer), 4))],
    [-3, 9],
  );
  assert.deepEqual(
    [...tensorData(storageOf('ShortStorage', new Uint8Array(new Int16Array([-3, 9]).buffer), 2))],
    [-3, 9],
  );
  assert.deepEqual([...tensorData(storageOf('CharStorage', [0xff, 3], 1))], [-1, 3]);
  assert.deepEqual([...tensorData(storageOf('ByteStorage', [0xff, 3], 1))], [255, 3]);
  assert.deepEqual([...tensorData(storageOf('BoolStorage', [0, 1, 2], 1))], [0, 1, 1]);
});

test('legacy storage honours little_endian = False (big-endian data and size header)', () => {
  const vals = [1.25, -3.5, 1e-20];
  const be = new Uint8Array(12);
  const dv = new DataView(be.buffer);
  vals.forEach((v, i) => dv.setFloat32(i * 4, v, false));
  const t = tensorData(storageOf('FloatStorage', be, 4, { littleEndian: false }));
  assert.deepEqual([...t], [...new Float32Array(vals)]);
  const hbe = Uint8Array.from([0x3c, 0x00, 0xc0, 0x00]);
  assert.deepEqual([...tensorData(storageOf('HalfStorage', hbe, 2, { littleEndian: false }))], [1, -2]);
});

test('tensors: offsets, non-contiguous strides and 0-d views read the right elements', () => {
  const base = new Float32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  const st = readLegacyStorage(writeLegacyStorageRaw('FloatStorage', 12, new Uint8Array(base.buffer)));
  const od = new PyDict('OrderedDict');
  // transpose of a 3×4 matrix: shape [4, 3], stride [1, 4]
  const tt = rebuildTensor([st, 0, new PyTuple([4, 3]), new PyTuple([1, 4]), false, od]);
  assert.deepEqual([...tensorData(tt)], [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  const off = rebuildTensor([st, 5, new PyTuple([2, 2]), new PyTuple([4, 1]), false, od]);
  assert.deepEqual([...tensorData(off)], [5, 6, 9, 10]);
  const scalar = rebuildTensor([st, 7, new PyTuple([]), new PyTuple([]), false, od]);
  assert.deepEqual(scalar.shape, []);
  assert.deepEqual([...tensorData(scalar)], [7]);
  assert.throws(
    () => rebuildTensor([st, 10, new PyTuple([3]), new PyTuple([1]), false, od]),
    /reaches element 12 of a storage with 12/,
  );
  assert.throws(
    () => rebuildTensor([st, 0, new PyTuple([1000]), new PyTuple([0]), false, od]),
    /more elements \(1000\) than its storage/,
  );
  assert.throws(
    () => rebuildTensor([st, 0, new PyTuple([-1]), new PyTuple([1]), false, od]),
    /negative dimension/,
  );
});

// ---- the opcode machine on CPython-written pickles

/** Normalise unpickled values for comparison: tuples → {tuple}, sets → sorted arrays, bigints → strings. */
function norm(v: unknown): unknown {
  if (v instanceof PyTuple) return { tuple: v.items.map(norm) };
  if (v instanceof PySet) return { [v.kind]: [...v.items].map(norm).sort() };
  if (v instanceof PyDict) return Object.fromEntries([...v.map].map(([k, x]) => [String(k), norm(x)]));
  if (Array.isArray(v)) return v.map(norm);
  if (v instanceof Uint8Array) return { bytes: [...v] };
  if (typeof v === 'bigint') return `${v}n`;
  return v;
}

test('unpickler: protocols 0–5 written by CPython give the same values', () => {
  const expected = (p: number) => ({
    none: null,
    t: true,
    f: false,
    i: [0, 1, 255, 256, 65535, 65536, -1, -(2 ** 31), 2 ** 31, 2 ** 40, -(2 ** 53), '18446744073709551621n'],
    fl: [0.5, -1e300, 3.141592653589793],
    s: ['', 'ab\n\'"\\', 'ünïcødé ✓ 😀'],
    b: p < 3 ? null : { bytes: [0, 255, 16] },
    tup: { tuple: [1, { tuple: [2, 3] }, { tuple: [4, 5, 6] }, { tuple: [7, 8, 9, 10] }] },
    nested: { a: [[], {}], b: { tuple: [] } },
    ...(p >= 4 ? { set: { set: [1, 2] }, fs: { frozenset: [3] } } : {}),
  });
  for (let p = 0; p <= 5; p++) {
    const bytes = Buffer.from(PROTOCOL_FIXTURES[String(p)], 'hex');
    assert.deepEqual(norm(unpickleNetwork(bytes)), expected(p), `protocol ${p}`);
  }
  const shared = unpickleNetwork(Buffer.from(PROTOCOL_FIXTURES.shared, 'hex')) as PyDict;
  assert.equal(shared.get('x'), shared.get('y'), 'memo keeps object identity');
  assert.deepEqual(norm(unpickleNetwork(Buffer.from(PROTOCOL_FIXTURES.bytes2, 'hex'))), {
    bytes: [0, 255, 97, 98],
  });
});
/** Pickles of one value written by CPython 3.11 `pickle.dumps(value, protocol=p)` (hex), p = 0…5. */
export const PROTOCOL_FIXTURES: Record<string, string> = {
  '0':
    '286470300a566e6f6e650a70310a4e7356740a70320a4930310a7356660a70330a4930300a7356690a70340a286c7035' +
    '0a49300a6149310a61493235350a61493235360a614936353533350a614936353533360a61492d310a61492d32313437' +
    '3438333634380a614c323134373438333634384c0a614c313039393531313632373737364c0a614c2d39303037313939' +
    '3235343734303939324c0a614c31383434363734343037333730393535313632314c0a617356666c0a70360a286c7037' +
    '0a46302e350a61462d31652b3330300a6146332e3134313539323635333538393739330a617356730a70380a286c7039' +
    '0a560a7031300a615661625c753030306127225c75303035630a7031310a6156fc6eef63f864e9205c7532373133205c' +
    '5530303031663630300a7031320a617356620a7031330a4e73567475700a7031340a2849310a2849320a49330a747031' +
    '350a2849340a49350a49360a747031360a2849370a49380a49390a4931300a747031370a747031380a73566e65737465' +
    '640a7031390a28647032300a56610a7032310a286c7032320a286c7032330a6128647032340a61736731330a28747373' +
    '2e',
  '1':
    '7d71002858040000006e6f6e6571014e58010000007471024930310a58010000006671034930300a5801000000697104' +
    '5d7105284b004b014bff4d00014dffff4a000001004affffffff4a000000804c323134373438333634384c0a4c313039' +
    '393531313632373737364c0a4c2d393030373139393235343734303939324c0a4c313834343637343430373337303935' +
    '35313632314c0a655802000000666c71065d710728473fe000000000000047fe37e43c8800759c47400921fb54442d18' +
    '6558010000007371085d7109285800000000710a580600000061620a27225c710b5814000000c3bc6ec3af63c3b864c3' +
    'a920e29c9320f09f9880710c65580100000062710d4e5803000000747570710e284b01284b024b0374710f284b044b05' +
    '4b06747110284b074b084b094b0a74711174711258060000006e657374656471137d71142858010000006171155d7116' +
    '285d71177d711865680d2975752e',
  '2':
    '80027d71002858040000006e6f6e6571014e58010000007471028858010000006671038958010000006971045d710528' +
    '4b004b014bff4d00014dffff4a000001004affffffff4a000000808a0500000080008a060000000000018a0700000000' +
    '0000e08a09050000000000000001655802000000666c71065d710728473fe000000000000047fe37e43c8800759c4740' +
    '0921fb54442d186558010000007371085d7109285800000000710a580600000061620a27225c710b5814000000c3bc6e' +
    'c3af63c3b864c3a920e29c9320f09f9880710c65580100000062710d4e5803000000747570710e284b014b024b038671' +
    '0f4b044b054b06877110284b074b084b094b0a74711174711258060000006e657374656471137d711428580100000061' +
    '71155d7116285d71177d711865680d2975752e',
  '3':
    '80037d71002858040000006e6f6e6571014e58010000007471028858010000006671038958010000006971045d710528' +
    '4b004b014bff4d00014dffff4a000001004affffffff4a000000808a0500000080008a060000000000018a0700000000' +
    '0000e08a09050000000000000001655802000000666c71065d710728473fe000000000000047fe37e43c8800759c4740' +
    '0921fb54442d186558010000007371085d7109285800000000710a580600000061620a27225c710b5814000000c3bc6e' +
    'c3af63c3b864c3a920e29c9320f09f9880710c65580100000062710d430300ff10710e5803000000747570710f284b01' +
    '4b024b038671104b044b054b06877111284b074b084b094b0a74711274711358060000006e657374656471147d711528' +
    '58010000006171165d7117285d71187d711965680d2975752e',
  '4':
    '8004950e010000000000007d94288c046e6f6e65944e8c017494888c016694898c0169945d94284b004b014bff4d0001' +
    '4dffff4a000001004affffffff4a000000808a0500000080008a060000000000018a07000000000000e08a0905000000' +
    '0000000001658c02666c945d9428473fe000000000000047fe37e43c8800759c47400921fb54442d18658c0173945d94' +
    '288c00948c0661620a27225c948c14c3bc6ec3af63c3b864c3a920e29c9320f09f988094658c016294430300ff10948c' +
    '0374757094284b014b024b0386944b044b054b068794284b074b084b094b0a749474948c066e6573746564947d94288c' +
    '0161945d94285d947d9465680d29758c03736574948f94284b014b02908c02667394284b039194752e',
  '5':
    '8005950e010000000000007d94288c046e6f6e65944e8c017494888c016694898c0169945d94284b004b014bff4d0001' +
    '4dffff4a000001004affffffff4a000000808a0500000080008a060000000000018a07000000000000e08a0905000000' +
    '0000000001658c02666c945d9428473fe000000000000047fe37e43c8800759c47400921fb54442d18658c0173945d94' +
    '288c00948c0661620a27225c948c14c3bc6ec3af63c3b864c3a920e29c9320f09f988094658c016294430300ff10948c' +
    '0374757094284b014b024b0386944b044b054b068794284b074b084b094b0a749474948c066e6573746564947d94288c' +
    '0161945d94285d947d9465680d29758c03736574948f94284b014b02908c02667394284b039194752e',
  shared: '80027d71002858010000007871015d71024b016158010000007971036802752e',
  bytes2:
    '8002635f636f646563730a656e636f64650a7100580500000000c3bf6162710158060000006c6174696e317102867103' +
    '5271042e',
};
