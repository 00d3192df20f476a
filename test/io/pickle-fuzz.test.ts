/**
 * Hostile and broken network pickles: thousands of random mutations (byte overwrites, truncations,
 * insertions, deletions) of the golden snapshots must each give a clean result or a `PickleError` /
 * `PickleLimitError` with a message — never a crash, a hang or an unbounded allocation — and
 * hand-made attacks (code-executing globals, wrong storage magic, oversized declarations, recursion
 * bombs, memo and stack bombs) must fail with errors that say what is wrong.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { manifest, goldenPath } from '../helpers/golden.js';
import { readNetworkPickle, summarizePickle, unpickleNetwork } from '../../src/io/pickle/network.js';
import { writeLegacyStorageRaw } from '../../src/io/pickle/torch-legacy.js';
import { PickleWriter, Reduce } from '../../src/io/pickle/pickler.js';
import { PickleError, PickleLimitError, PickleSecurityError } from '../../src/io/pickle/values.js';

const goldens = manifest('generators')
  .filter((c) => c.fn === 'legacy.load_network_pkl')
  .map((c) => ({
    name: c.name,
    bytes: new Uint8Array(readFileSync(goldenPath('generators', c.inputs.pkl))),
  }));

/** Offsets where a legacy storage stream starts (PROTO 2, LONG1 10 = the magic number). */
function storageAnchors(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 4 < b.length; i++)
    if (b[i] === 0x80 && b[i + 1] === 2 && b[i + 2] === 0x8a && b[i + 3] === 10) out.push(i);
  return out;
}

type Mutation =
  | { kind: 'set'; at: number; bytes: number[] }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'delete'; at: number; len: number };

/** A position biased towards structure: anywhere, the pickle's head/tail, or a storage header. */
const position = fc.oneof(
  fc.record({
    where: fc.constant('any' as const),
    x: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
  }),
  fc.record({ where: fc.constant('edge' as const), x: fc.integer({ min: -3000, max: 3000 }) }),
  fc.record({ where: fc.constant('storage' as const), x: fc.nat(), off: fc.integer({ min: 0, max: 400 }) }),
);
type Pos =
  { where: 'any'; x: number } | { where: 'edge'; x: number } | { where: 'storage'; x: number; off: number };

function resolve(p: Pos, b: Uint8Array, anchors: number[]): number {
  const n = b.length;
  if (p.where === 'any') return Math.floor(p.x * n);
  if (p.where === 'edge') return p.x >= 0 ? Math.min(p.x, n - 1) : Math.max(0, n + p.x);
  return Math.min(n - 1, anchors[p.x % anchors.length] + p.off);
}

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    pos: position,
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), pos: position }),
  fc.record({
    kind: fc.constant('insert' as const),
    pos: position,
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 16 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), pos: position, len: fc.integer({ min: 1, max: 64 }) }),
);

function apply(
  b: Uint8Array,
  anchors: number[],
  muts: { kind: Mutation['kind']; pos: Pos; bytes?: number[]; len?: number }[],
): Uint8Array {
  let out = b.slice(); // never touch the golden bytes
  for (const m of muts) {
    const at = resolve(m.pos, out, anchors);
    if (m.kind === 'set') {
      m.bytes!.forEach((v, i) => at + i < out.length && (out[at + i] = v));
    } else if (m.kind === 'truncate') out = out.subarray(0, at);
    else if (m.kind === 'insert') {
      const r = new Uint8Array(out.length + m.bytes!.length);
      r.set(out.subarray(0, at));
      r.set(m.bytes!, at);
      r.set(out.subarray(at), at + m.bytes!.length);
      out = r;
    } else {
      const len = Math.min(m.len!, out.length - at);
      const r = new Uint8Array(out.length - len);
      r.set(out.subarray(0, at));
      r.set(out.subarray(at + len), at);
      out = r;
    }
    if (out.length === 0) break;
  }
  return out;
}

/**
 * Either a result or one of our error classes with a message. "No hang" is not a stopwatch (a busy
 * machine would make that a race): the fuzzed reads run under `FUZZ_LIMITS`, whose opcode budget
 * bounds the work of any input, and a read that ignored it would stop the test at its timeout.
 */
function checkClean(run: () => unknown): 'ok' | 'error' {
  try {
    run();
    return 'ok';
  } catch (e) {
    if (!(e instanceof PickleError || e instanceof PickleLimitError))
      throw new Error(`unexpected ${(e as Error)?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack}`);
    assert.ok(e.message.length > 10, 'error has a message');
    return 'error';
  }
}

/** 2^20 opcodes: ten times what a 1024² snapshot needs (see DEFAULT_LIMITS), a fraction of the default. */
const FUZZ_LIMITS = { limits: { maxOps: 1 << 20 } };

for (const g of goldens) {
  test(`fuzz ${g.name}: random mutations give a result or a clean error`, () => {
    const anchors = storageAnchors(g.bytes);
    assert.ok(anchors.length > 100);
    const counts = { ok: 0, error: 0 };
    let i = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (muts) => {
        const bad = apply(g.bytes, anchors, muts);
        // Alternate the full reader (decodes G_ema) and the summary (walks everything, no decoding).
        const r = checkClean(() =>
          i++ % 2 ? summarizePickle(bad, FUZZ_LIMITS) : readNetworkPickle(bad, FUZZ_LIMITS),
        );
        counts[r]++;
      }),
      { numRuns: 1500, seed: 20260 + (g.bytes.length % 1000) },
    );
    // Both outcomes occur (mutated data bytes still load; structural damage is reported).
    assert.ok(counts.ok > 10 && counts.error > 300, JSON.stringify(counts));
  });
}

// ---- hand-made hostile inputs

const enc = (s: string) => Array.from(new TextEncoder().encode(s));
const short = (s: string) => [0x8c, enc(s).length, ...enc(s)];
const bytesOf = (...parts: (number | number[] | string)[]) =>
  Uint8Array.from(
    parts.flatMap((p) =>
      typeof p === 'string' ? Array.from(p, (c) => c.charCodeAt(0)) : Array.isArray(p) ? p : [p],
    ),
  );

test('code-executing globals are refused and named, nothing runs', () => {
  const cases: [Uint8Array, RegExp][] = [
    [bytesOf("cos\nsystem\n(S'echo pwned'\ntR."), /os\.system/],
    [bytesOf("cposix\nsystem\n(S'id'\ntR."), /posix\.system/],
    [
      bytesOf(0x80, 4, short('builtins'), short('eval'), 0x93, short('1+1'), 0x85, 0x52, 0x2e),
      /builtins\.eval/,
    ],
    [bytesOf(0x80, 2, 'c__builtin__\ngetattr\n', 0x2e), /__builtin__\.getattr/],
    [bytesOf("(ios\nsystem\nS'id'\n."), /os\.system/], // INST
    [bytesOf(0x80, 4, short('torch'), short('load'), 0x93, 0x2e), /torch\.load/],
  ];
  for (const [b, re] of cases) {
    assert.throws(
      () => unpickleNetwork(b),
      (e: Error) =>
        e instanceof PickleSecurityError && re.test(e.message) && /allow|not one of/.test(e.message),
    );
  }
});

/** A network-level pickle whose only content is `_load_from_bytes(stream)`. */
function loadFromBytes(stream: Uint8Array): Uint8Array {
  const w = new PickleWriter();
  w.begin();
  w.value(new Reduce('torch.storage', '_load_from_bytes', [stream]));
  return w.finish();
}

test('broken torch storages: magic, version, globals, sizes', () => {
  const raw = new Uint8Array(40);
  const ok = writeLegacyStorageRaw('FloatStorage', 10, raw);
  assert.doesNotThrow(() => unpickleNetwork(loadFromBytes(ok)));
  assert.throws(
    () =>
      unpickleNetwork(
        loadFromBytes(writeLegacyStorageRaw('FloatStorage', 10, raw, { magic: 0x1950a86a20f9469cfc6dn })),
      ),
    /wrong magic number/,
  );
  assert.throws(
    () => unpickleNetwork(loadFromBytes(writeLegacyStorageRaw('FloatStorage', 10, raw, { version: 1000 }))),
    /protocol version 1000/,
  );
  // A global smuggled into the storage header.
  const smuggled = Buffer.from(ok).toString('latin1').replace('torch\nFloatStorage\n', 'os\nsystem\n');
  assert.throws(
    () => unpickleNetwork(loadFromBytes(Buffer.from(smuggled, 'latin1'))),
    (e: Error) => e instanceof PickleSecurityError && /os\.system/.test(e.message),
  );
  assert.throws(
    () => unpickleNetwork(loadFromBytes(writeLegacyStorageRaw('ComplexFloatStorage', 5, raw))),
    /torch\.ComplexFloatStorage is not an allowed storage type/,
  );
  // Declared larger than the data that follows.
  assert.throws(
    () => unpickleNetwork(loadFromBytes(writeLegacyStorageRaw('FloatStorage', 20, raw))),
    /declares 80 bytes of data but only 40 remain/,
  );
  // Size header disagrees with the declaration.
  assert.throws(
    () => unpickleNetwork(loadFromBytes(writeLegacyStorageRaw('FloatStorage', 10, raw, { sizeHeader: 5 }))),
    /has 5 elements in its data but 10 were declared/,
  );
  // Absurd declared sizes fail before anything is allocated.
  for (const numel of [2 ** 40, 2 ** 52])
    assert.throws(
      () => unpickleNetwork(loadFromBytes(writeLegacyStorageRaw('DoubleStorage', numel, raw))),
      (e: Error) => e instanceof PickleLimitError && /exceeds the \d+ bytes of the stream/.test(e.message),
    );
  assert.throws(() => unpickleNetwork(loadFromBytes(ok.subarray(0, ok.length - 3))), /truncated/);
});

test('recursion bombs and self-references end with a limit error', () => {
  const N = 100000;
  // 1. nested MARKs
  assert.throws(
    () => unpickleNetwork(bytesOf(0x80, 4, new Array(N).fill(0x28), 0x2e)),
    (e: Error) => e instanceof PickleLimitError && /nesting deeper than/.test(e.message),
  );
  // 2. a list nested 100000 deep (built iteratively), inside a dict: the walkers stop at their depth limit
  const deep = bytesOf(
    0x80,
    4,
    0x7d,
    short('x'),
    new Array(N).fill(0x5d),
    new Array(N - 1).fill(0x61),
    0x73,
    0x2e,
  );
  assert.throws(
    () => summarizePickle(deep),
    (e: Error) => e instanceof PickleLimitError && /nested deeper than/.test(e.message),
  );
  assert.throws(() => readNetworkPickle(deep), /no "G_ema" entry/);
  // 3. a persistent module that contains itself through its _modules dict
  const cyc = bytesOf(
    0x80,
    4,
    0x7d,
    short('G_ema'),
    short('torch_utils.persistence'),
    short('_reconstruct_persistent_obj'),
    0x93,
    0x7d,
    0x28,
    short('type'),
    short('class'),
    short('class_name'),
    short('Generator'),
    short('module_src'),
    short(''),
    short('state'),
    0x7d,
    0x28,
    short('_parameters'),
    0x7d,
    short('_modules'),
    0x7d,
    0x71,
    1,
    0x75,
    0x75,
    0x85,
    0x52,
    0x71,
    2,
    0x68,
    1,
    short('self'),
    0x68,
    2,
    0x73,
    0x30,
    0x73,
    0x2e,
  );
  assert.throws(
    () => readNetworkPickle(cyc),
    (e: Error) => e instanceof PickleLimitError && /deeper than 200/.test(e.message),
  );
  assert.throws(
    () => summarizePickle(cyc),
    (e: Error) => e instanceof PickleLimitError,
  );
});

test('huge declared lengths, memo and stack bombs fail without allocating', () => {
  const before = process.memoryUsage().arrayBuffers;
  const cases: [Uint8Array, RegExp][] = [
    [
      bytesOf(0x80, 4, 0x58, 0xff, 0xff, 0xff, 0xff, 'abc'),
      /BINUNICODE needs 4294967295 bytes but only 3 remain/,
    ],
    [
      bytesOf(0x80, 4, 0x8d, 0, 0, 0, 0, 0, 0, 0, 0x10, 'abc'),
      /BINUNICODE8 needs \d+ bytes but only 3 remain/,
    ],
    [
      bytesOf(0x80, 4, 0x8e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 'abc'),
      /BINBYTES8 needs \d+ bytes/,
    ],
    [bytesOf(0x80, 4, 0x42, 0, 0, 0, 0x40, 'x'), /BINBYTES needs 1073741824 bytes/],
    [bytesOf(0x80, 4, 0x95, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x4e, 0x2e), /FRAME of 4294967295 bytes/],
    [bytesOf(0x80, 4, 0x8b, 0xff, 0xff, 0xff, 0x7f, 'x'), /integer of 2147483647 bytes exceeds/],
    [bytesOf(0x80, 4, 0x6a, 0xff, 0xff, 0xff, 0xff, 0x2e), /memo key 4294967295 was never stored/],
    [bytesOf(0x80, 4, 0x4e, 0xff, 0x2e), /unknown opcode 0xff/],
    [bytesOf(0x80, 9, 0x4e, 0x2e), /unsupported pickle protocol 9/],
    [bytesOf(0x80, 4, 0x4e), /no STOP/],
    [bytesOf(0x80, 4, 0x2e), /stack underflow/],
    [bytesOf(0x80, 4, 0x61, 0x2e), /stack underflow/],
    [bytesOf(0x80, 4, 0x4b, 1, 0x4b, 2, 0x73, 0x2e), /stack underflow|SETITEM/],
    [bytesOf(0x80, 4, 0x29, 0x4e, 0x52, 0x2e), /REDUCE needs a callable/],
    [bytesOf(0x80, 4, 0x4e, 0x4e, 0x62, 0x2e), /BUILD is not supported/],
    [bytesOf(0x80, 4, 0x82, 1, 0x2e), /extension registry/],
    [bytesOf(0x80, 4, 0x4e, 0x51, 0x2e), /persistent ids are not allowed/],
    [bytesOf(0x80, 4, 0x8c, 2, 0xc3, 0x28, 0x2e), /not valid UTF-8/],
  ];
  for (const [b, re] of cases)
    assert.throws(
      () => unpickleNetwork(b),
      (e: Error) => (e instanceof PickleError || e instanceof PickleLimitError) && re.test(e.message),
      re.source,
    );
  // More values on the stack than the limit (each NONE is one byte of input).
  const many = new Uint8Array(2 + (1 << 20) + 2).fill(0x4e);
  many[0] = 0x80;
  many[1] = 4;
  assert.throws(
    () => unpickleNetwork(many),
    (e: Error) => e instanceof PickleLimitError && /stack exceeds/.test(e.message),
  );
  assert.throws(
    () => unpickleNetwork(bytesOf(0x80, 4, 0x4e, 0x94, 0x94, 0x94, 0x2e), { limits: { maxMemo: 2 } }),
    /memo exceeds 2 entries/,
  );
  assert.throws(
    () => unpickleNetwork(bytesOf(0x80, 4, 0x4e, 0x30, 0x4e, 0x2e), { limits: { maxOps: 3 } }),
    /more than 3 opcodes/,
  );
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 << 20, 'no large buffers were allocated');
});
