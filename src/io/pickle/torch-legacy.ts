/**
 * PyTorch tensors inside a pickle: the legacy (non-zip) `torch.save` stream that
 * `torch.storage._load_from_bytes` carries, the tensor records of `torch._utils._rebuild_tensor_v2` /
 * `_rebuild_parameter`, and the writer for the same byte layout.
 *
 * Legacy storage stream (torch/serialization.py `_legacy_save`, as it is laid out for one storage):
 *   1. pickle: the magic number 0x1950a86a20f9469cfc6c
 *   2. pickle: the protocol version 1001
 *   3. pickle: sys info `{protocol_version, little_endian, type_sizes: {short, int, long}}`
 *   4. pickle: the storage itself, as the persistent id
 *      `('storage', torch.<Type>Storage, key, location, numel, view_metadata)`
 *   5. pickle: the list of storage keys, in the order their data follows
 *   6. per key: int64 element count, then `count · elementSize` raw bytes in the writer's byte order
 *      (little-endian unless sys info says otherwise).
 * Only the allow-listed `torch.<Type>Storage` globals resolve; nothing else may appear.
 */
import { unpickle, type UnpicklerLimits } from './unpickler.js';
import {
  PickleError,
  PickleLimitError,
  PickleSecurityError,
  PyDict,
  PyGlobal,
  PyTuple,
  describe,
} from './values.js';

/** Element types of torch storages: name, byte size, and the typed array they decode to. */
export type StorageDtype =
  'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** torch storage class name → element dtype and byte size (the allow-list of storage globals). */
export const STORAGE_TYPES: Record<string, { dtype: StorageDtype; size: number }> = {
  FloatStorage: { dtype: 'float32', size: 4 },
  DoubleStorage: { dtype: 'float64', size: 8 },
  HalfStorage: { dtype: 'float16', size: 2 },
  BFloat16Storage: { dtype: 'bfloat16', size: 2 },
  LongStorage: { dtype: 'int64', size: 8 },
  IntStorage: { dtype: 'int32', size: 4 },
  ShortStorage: { dtype: 'int16', size: 2 },
  CharStorage: { dtype: 'int8', size: 1 },
  ByteStorage: { dtype: 'uint8', size: 1 },
  BoolStorage: { dtype: 'bool', size: 1 },
};

const MAGIC = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;

/** A storage type global (`torch.FloatStorage` …) as it appears in the persistent id. */
export class StorageType extends PyGlobal {
  constructor(
    readonly typeName: string,
    readonly dtype: StorageDtype,
    readonly elementSize: number,
  ) {
    super(`torch.${typeName}`);
  }
}

/** One storage: raw bytes (a zero-copy view of the pickle) plus how to decode them. */
export class TorchStorage {
  constructor(
    readonly dtype: StorageDtype,
    readonly elementSize: number,
    readonly numel: number,
    readonly raw: Uint8Array,
    readonly littleEndian: boolean,
  ) {}
}

/** `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)`. */
export class TorchTensor {
  isParameter = false;
  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
    readonly requiresGrad: boolean,
  ) {}
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  get dtype(): StorageDtype {
    return this.storage.dtype;
  }
}

/** Decoded tensor data: the array types of the golden `.npy` files and of `GeneratorSnapshot`. */
export type TensorData = Float32Array | Float64Array | Int32Array;

/**
 * Read the legacy `torch.save` stream of one storage (the argument of
 * `torch.storage._load_from_bytes`) without copying its data. Validates the magic number, protocol,
 * storage type, declared size against the data that is present, and the per-storage size header.
 */
export function readLegacyStorage(bytes: Uint8Array, limits?: Partial<UnpicklerLimits>): TorchStorage {
  const what = 'torch storage';
  const noGlobals = (m: string, n: string): never => {
    throw new PickleSecurityError(`${what}: the global ${m}.${n} is not allowed in a storage header`);
  };
  const magic = unpickle(bytes, { findGlobal: noGlobals, limits, what });
  if (magic.value !== MAGIC)
    throw new PickleError(
      `${what}: wrong magic number ${describe(magic.value)} (expected 0x${MAGIC.toString(16)}); not a legacy torch.save stream`,
    );
  const proto = unpickle(bytes, { findGlobal: noGlobals, start: magic.end, limits, what });
  if (proto.value !== PROTOCOL_VERSION)
    throw new PickleError(
      `${what}: unsupported protocol version ${describe(proto.value)} (expected ${PROTOCOL_VERSION})`,
    );
  const sys = unpickle(bytes, { findGlobal: noGlobals, start: proto.end, limits, what });
  if (!(sys.value instanceof PyDict))
    throw new PickleError(`${what}: sys info must be a dict, got ${describe(sys.value)}`);
  const le = sys.value.get('little_endian');
  if (typeof le !== 'boolean') throw new PickleError(`${what}: sys info has no boolean little_endian`);

  const findStorageType = (m: string, n: string): PyGlobal => {
    const t = STORAGE_TYPES[n];
    if (m === 'torch' && t) return new StorageType(n, t.dtype, t.size);
    throw new PickleSecurityError(
      `${what}: the global ${m}.${n} is not an allowed storage type (allowed: torch.{${Object.keys(STORAGE_TYPES).join(',')}})`,
    );
  };
  interface Decl {
    type: StorageType;
    key: string;
    numel: number;
    view: PyTuple | null;
  }
  const decls = new Map<string, Decl>();
  const persistentLoad = (pid: unknown): unknown => {
    const t = pid instanceof PyTuple ? pid.items : null;
    if (!t || (t.length !== 5 && t.length !== 6) || t[0] !== 'storage')
      throw new PickleError(`${what}: unsupported persistent id ${describe(pid)}`);
    const [, type, key, , numel, view = null] = t;
    if (!(type instanceof StorageType)) throw new PickleError(`${what}: persistent id has no storage type`);
    if (typeof key !== 'string') throw new PickleError(`${what}: storage key must be a string`);
    if (typeof numel !== 'number' || !Number.isInteger(numel) || numel < 0)
      throw new PickleError(`${what}: storage size ${describe(numel)} is not a non-negative integer`);
    if (numel * type.elementSize > bytes.length)
      throw new PickleLimitError(
        `${what}: declared storage size ${numel} × ${type.elementSize} bytes exceeds the ${bytes.length} bytes of the stream`,
      );
    if (view !== null && !(view instanceof PyTuple))
      throw new PickleError(`${what}: bad view metadata ${describe(view)}`);
    const d: Decl = { type, key, numel, view: view as PyTuple | null };
    const prev = decls.get(key);
    if (prev && (prev.numel !== numel || prev.type.dtype !== type.dtype))
      throw new PickleError(`${what}: storage ${key} declared twice with different sizes`);
    decls.set(key, d);
    return d;
  };
  const obj = unpickle(bytes, { findGlobal: findStorageType, persistentLoad, start: sys.end, limits, what });
  const decl = obj.value as Decl;
  if (typeof decl !== 'object' || decl === null || decls.get(decl.key) !== decl)
    throw new PickleError(`${what}: the saved object is ${describe(obj.value)}, not a storage`);
  const keysRes = unpickle(bytes, { findGlobal: noGlobals, start: obj.end, limits, what });
  const keys = keysRes.value;
  if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string'))
    throw new PickleError(`${what}: storage key list must be a list of strings`);

  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = keysRes.end;
  const raws = new Map<string, Uint8Array>();
  for (const key of keys as string[]) {
    const d = decls.get(key);
    if (!d) throw new PickleError(`${what}: storage key ${JSON.stringify(key)} was never declared`);
    if (pos + 8 > bytes.length) throw new PickleError(`${what}: truncated before the size of storage ${key}`);
    const lo = dv.getUint32(pos, le);
    const hi = dv.getUint32(pos + 4, le);
    const count = le ? hi * 2 ** 32 + lo : lo * 2 ** 32 + hi;
    pos += 8;
    if (count !== d.numel)
      throw new PickleError(
        `${what}: storage ${key} has ${count} elements in its data but ${d.numel} were declared`,
      );
    const len = d.numel * d.type.elementSize;
    if (len > bytes.length - pos)
      throw new PickleError(
        `${what}: storage ${key} declares ${len} bytes of data but only ${bytes.length - pos} remain (truncated)`,
      );
    raws.set(key, bytes.subarray(pos, pos + len));
    pos += len;
  }
  const raw = raws.get(decl.key);
  if (!raw) throw new PickleError(`${what}: no data for storage ${decl.key}`);
  let storage = new TorchStorage(decl.type.dtype, decl.type.elementSize, decl.numel, raw, le);
  if (decl.view) {
    // Legacy storage views: (view_key, offset, view_size) into the root storage.
    const [, off, size] = decl.view.items;
    if (typeof off !== 'number' || typeof size !== 'number' || off < 0 || size < 0 || off + size > decl.numel)
      throw new PickleError(
        `${what}: storage view [${describe(off)}, +${describe(size)}) is outside its storage`,
      );
    const es = decl.type.elementSize;
    storage = new TorchStorage(decl.type.dtype, es, size, raw.subarray(off * es, (off + size) * es), le);
  }
  return storage;
}

function asIntTuple(v: unknown, label: string): number[] {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  if (!items) throw new PickleError(`tensor ${label} must be a tuple, got ${describe(v)}`);
  if (items.length > 64)
    throw new PickleLimitError(`tensor ${label} has ${items.length} dimensions (max 64)`);
  for (const x of items)
    if (typeof x !== 'number' || !Number.isInteger(x))
      throw new PickleError(`tensor ${label} entry ${describe(x)} is not an integer`);
  return items as number[];
}

/**
 * `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
 * backward_hooks[, metadata])`: a view of `numel(size)` elements of the storage. Every element the
 * strides can reach must lie inside the storage, so decoding never reads out of bounds and never
 * allocates more elements than the storage holds.
 */
export function rebuildTensor(args: unknown[]): TorchTensor {
  if (args.length < 4 || args.length > 7)
    throw new PickleError(`_rebuild_tensor_v2 expects 6 arguments, got ${args.length}`);
  const [storage, offset, size, stride, requiresGrad = false] = args;
  if (!(storage instanceof TorchStorage))
    throw new PickleError(`_rebuild_tensor_v2: first argument must be a storage, got ${describe(storage)}`);
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0)
    throw new PickleError(
      `_rebuild_tensor_v2: storage offset ${describe(offset)} is not a non-negative integer`,
    );
  const shape = asIntTuple(size, 'size');
  const strides = asIntTuple(stride, 'stride');
  if (shape.length !== strides.length)
    throw new PickleError(`tensor size has ${shape.length} dims but stride has ${strides.length}`);
  let numel = 1;
  let maxIndex = offset;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] < 0) throw new PickleError(`tensor size ${JSON.stringify(shape)} has a negative dimension`);
    if (strides[i] < 0) throw new PickleError(`tensor stride ${JSON.stringify(strides)} is negative`);
    numel *= shape[i];
  }
  if (numel > 0) {
    for (let i = 0; i < shape.length; i++) maxIndex += (shape[i] - 1) * strides[i];
    if (maxIndex >= storage.numel)
      throw new PickleError(
        `tensor of size ${JSON.stringify(shape)} (offset ${offset}, stride ${JSON.stringify(strides)}) reaches element ${maxIndex} of a storage with ${storage.numel}`,
      );
    if (numel > storage.numel)
      throw new PickleLimitError(
        `tensor of size ${JSON.stringify(shape)} has more elements (${numel}) than its storage (${storage.numel})`,
      );
  }
  return new TorchTensor(storage, offset, shape, strides, requiresGrad === true);
}

/** `torch._utils._rebuild_parameter(data, requires_grad, backward_hooks[, state])`: marks a parameter. */
export function rebuildParameter(args: unknown[]): TorchTensor {
  const t = args[0];
  if (!(t instanceof TorchTensor))
    throw new PickleError(`_rebuild_parameter: data must be a tensor, got ${describe(t)}`);
  t.isParameter = true;
  return t;
}

/** IEEE 754 half → float: sign, 5-bit exponent (bias 15), 10-bit mantissa, with subnormals. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * Decode a tensor's elements into a dense C-order typed array: float32/float16/bfloat16 → Float32Array
 * (f16 and bf16 widen exactly), float64 → Float64Array, integers and bools → Int32Array (int64 must
 * fit in int32, otherwise Float64Array when every value is an exact double, else an error).
 */
export function tensorData(t: TorchTensor): TensorData {
  const { storage: st, shape, stride, offset } = t;
  const numel = t.numel;
  const es = st.elementSize;
  const dv = new DataView(st.raw.buffer, st.raw.byteOffset, st.raw.byteLength);
  const le = st.littleEndian;
  // Element indices of the view in C order (contiguous fast path keeps it one range).
  let contiguous = true;
  for (let i = shape.length - 1, expect = 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expect) contiguous = false;
    expect *= shape[i];
  }
  const index = (k: number): number => {
    if (contiguous) return offset + k;
    let rem = k;
    let idx = offset;
    for (let i = shape.length - 1; i >= 0; i--) {
      const c = rem % shape[i];
      rem = (rem - c) / shape[i];
      idx += c * stride[i];
    }
    return idx;
  };
  switch (st.dtype) {
    case 'float32': {
      if (contiguous && le && (st.raw.byteOffset + offset * 4) % 4 === 0)
        return new Float32Array(st.raw.buffer, st.raw.byteOffset + offset * 4, numel).slice();
      const out = new Float32Array(numel);
      if (contiguous && le) new Uint8Array(out.buffer).set(st.raw.subarray(offset * 4, (offset + numel) * 4));
      else for (let k = 0; k < numel; k++) out[k] = dv.getFloat32(index(k) * es, le);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(numel);
      if (contiguous && le) new Uint8Array(out.buffer).set(st.raw.subarray(offset * 8, (offset + numel) * 8));
      else for (let k = 0; k < numel; k++) out[k] = dv.getFloat64(index(k) * es, le);
      return out;
    }
    case 'float16': {
      const out = new Float32Array(numel);
      for (let k = 0; k < numel; k++) out[k] = halfToFloat(dv.getUint16(index(k) * es, le));
      return out;
    }
    case 'bfloat16': {
      const out = new Float32Array(numel);
      const u = new Uint32Array(out.buffer);
      for (let k = 0; k < numel; k++) u[k] = dv.getUint16(index(k) * es, le) << 16;
      return out;
    }
    case 'int64': {
      const out = new Int32Array(numel);
      const wide = new Float64Array(numel);
      let fits = true;
      for (let k = 0; k < numel; k++) {
        const v = dv.getBigInt64(index(k) * es, le);
        if (v < -(2n ** 53n) || v > 2n ** 53n)
          throw new PickleError(`int64 tensor value ${v} is not exactly representable`);
        const x = Number(v);
        wide[k] = x;
        if (x < -2147483648 || x > 2147483647) fits = false;
        else out[k] = x;
      }
      return fits ? out : wide;
    }
    default: {
      const out = new Int32Array(numel);
      for (let k = 0; k < numel; k++) {
        const p = index(k) * es;
        out[k] =
          st.dtype === 'int32'
            ? dv.getInt32(p, le)
            : st.dtype === 'int16'
              ? dv.getInt16(p, le)
              : st.dtype === 'int8'
                ? dv.getInt8(p)
                : st.dtype === 'bool'
                  ? dv.getUint8(p)
                    ? 1
                    : 0
                  : dv.getUint8(p);
      }
      return out;
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Writing: protocol-2 snippets for the legacy stream (the layout torch.save produces).

function p2Str(s: string): number[] {
  const b = new TextEncoder().encode(s);
  return [0x58, ...u32le(b.length), ...b]; // BINUNICODE
}
function u32le(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
function p2Int(v: number): number[] {
  if (v >= 0 && v < 256) return [0x4b, v];
  if (v >= 0 && v < 65536) return [0x4d, v & 0xff, v >> 8];
  if (v >= -(2 ** 31) && v < 2 ** 31) return [0x4a, ...u32le(v >>> 0)];
  // LONG1 with 8 little-endian bytes (sizes beyond 2^31 elements)
  const out = [0x8a, 8];
  let x = BigInt(v);
  for (let i = 0; i < 8; i++) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
  }
  return out;
}

const TYPE_OF_DTYPE: Record<string, string> = Object.fromEntries(
  Object.entries(STORAGE_TYPES).map(([k, v]) => [v.dtype, k]),
);

/**
 * Serialise one storage as a legacy `torch.save` stream (little-endian), the byte string that
 * `torch.storage._load_from_bytes` receives. `data` holds the elements in the storage's dtype
 * (float32 / float64 / int32 supported, matching the snapshot arrays).
 */
export function writeLegacyStorage(data: TensorData, key: string): Uint8Array {
  const dtype = data instanceof Float32Array ? 'float32' : data instanceof Float64Array ? 'float64' : 'int32';
  return writeLegacyStorageRaw(
    TYPE_OF_DTYPE[dtype],
    data.length,
    new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    { key },
  );
}

/**
 * The general legacy stream writer: any `torch.<typeName>` storage of `numel` elements whose raw
 * element bytes are `raw`, in the byte order `littleEndian` declares (also used to build test inputs
 * such as HalfStorage or big-endian data). `magic` / `version` override the header for tests.
 */
export function writeLegacyStorageRaw(
  typeName: string,
  numel: number,
  raw: Uint8Array,
  {
    key = '0',
    littleEndian = true,
    magic = MAGIC,
    version = PROTOCOL_VERSION,
    sizeHeader = numel,
  }: { key?: string; littleEndian?: boolean; magic?: bigint; version?: number; sizeHeader?: number } = {},
): Uint8Array {
  const head: number[] = [];
  // 1. magic number, LONG1 of 10 bytes
  let m = magic;
  head.push(0x80, 2, 0x8a, 10);
  for (let i = 0; i < 10; i++) {
    head.push(Number(m & 0xffn));
    m >>= 8n;
  }
  head.push(0x2e);
  // 2. protocol version
  head.push(0x80, 2, ...p2Int(version), 0x2e);
  // 3. sys info
  head.push(
    0x80,
    2,
    0x7d,
    0x28,
    ...p2Str('protocol_version'),
    ...p2Int(PROTOCOL_VERSION),
    ...p2Str('little_endian'),
    littleEndian ? 0x88 : 0x89,
  );
  head.push(
    ...p2Str('type_sizes'),
    0x7d,
    0x28,
    ...p2Str('short'),
    0x4b,
    2,
    ...p2Str('int'),
    0x4b,
    4,
    ...p2Str('long'),
    0x4b,
    4,
    0x75,
    0x75,
    0x2e,
  );
  // 4. the storage as a persistent id tuple
  const glob = new TextEncoder().encode(`torch\n${typeName}\n`);
  head.push(
    0x80,
    2,
    0x28,
    ...p2Str('storage'),
    0x63,
    ...glob,
    ...p2Str(key),
    ...p2Str('cpu'),
    ...p2Int(numel),
    0x4e,
    0x74,
    0x51,
    0x2e,
  );
  // 5. key list
  head.push(0x80, 2, 0x5d, ...p2Str(key), 0x61, 0x2e);
  // 6. element count + raw data
  const out = new Uint8Array(head.length + 8 + raw.byteLength);
  out.set(head, 0);
  const dv = new DataView(out.buffer);
  const lo = sizeHeader % 2 ** 32;
  const hi = Math.floor(sizeHeader / 2 ** 32);
  dv.setUint32(head.length + (littleEndian ? 0 : 4), lo, littleEndian);
  dv.setUint32(head.length + (littleEndian ? 4 : 0), hi, littleEndian);
  out.set(raw, head.length + 8);
  return out;
}
