/**
 * NumPy values inside pickles: `numpy.dtype`, `numpy.core.multiarray.scalar` (numpy scalars, e.g. the
 * float64 `weight_gain` attributes of official layers) and `numpy.core.multiarray._reconstruct` +
 * BUILD (ndarrays, e.g. `SynthesisInput.size`). Mirrors numpy's `__reduce__` / `__setstate__` layouts:
 * dtype state `(version, byteorder, subarray, names, fields, elsize, alignment, flags)`, ndarray state
 * `(version, shape, dtype, is_fortran, rawdata)`. Only plain numeric and bool dtypes are accepted.
 */
import { PickleError, PickleLimitError, PyGlobal, PyTuple, describe, type Buildable } from './values.js';

const KINDS: Record<string, { size: number; kind: 'f' | 'i' | 'u' | 'b' }> = {
  f2: { size: 2, kind: 'f' },
  f4: { size: 4, kind: 'f' },
  f8: { size: 8, kind: 'f' },
  i1: { size: 1, kind: 'i' },
  i2: { size: 2, kind: 'i' },
  i4: { size: 4, kind: 'i' },
  i8: { size: 8, kind: 'i' },
  u1: { size: 1, kind: 'u' },
  u2: { size: 2, kind: 'u' },
  u4: { size: 4, kind: 'u' },
  u8: { size: 8, kind: 'u' },
  b1: { size: 1, kind: 'b' },
};

/** `numpy.dtype(name, align, copy)` followed by BUILD with its state (which sets the byte order). */
export class NumpyDtype implements Buildable {
  byteorder = '<';
  readonly size: number;
  readonly kind: 'f' | 'i' | 'u' | 'b';
  constructor(readonly name: string) {
    const k = KINDS[name];
    if (!k)
      throw new PickleError(`numpy dtype ${JSON.stringify(name)} is not supported (numeric and bool only)`);
    this.size = k.size;
    this.kind = k.kind;
  }
  setState(state: unknown): void {
    if (!(state instanceof PyTuple) || typeof state.items[1] !== 'string')
      throw new PickleError(`numpy dtype state must be a tuple with a byte order, got ${describe(state)}`);
    this.byteorder = state.items[1];
    if (!['<', '>', '|', '='].includes(this.byteorder))
      throw new PickleError(`numpy byte order ${JSON.stringify(this.byteorder)} is invalid`);
  }
  get littleEndian(): boolean {
    return this.byteorder !== '>';
  }
  /** Read element `i` of raw bytes as a JS number (bool → boolean; int64 beyond 2^53 → bigint). */
  read(dv: DataView, i: number): number | bigint | boolean {
    const p = i * this.size;
    const le = this.littleEndian;
    switch (this.name) {
      case 'f2': {
        const h = dv.getUint16(p, le);
        const e = (h >> 10) & 0x1f;
        const m = h & 0x3ff;
        const s = h & 0x8000 ? -1 : 1;
        return e === 0
          ? s * m * 2 ** -24
          : e === 31
            ? m
              ? NaN
              : s * Infinity
            : s * (1 + m / 1024) * 2 ** (e - 15);
      }
      case 'f4':
        return dv.getFloat32(p, le);
      case 'f8':
        return dv.getFloat64(p, le);
      case 'i1':
        return dv.getInt8(p);
      case 'i2':
        return dv.getInt16(p, le);
      case 'i4':
        return dv.getInt32(p, le);
      case 'u1':
        return dv.getUint8(p);
      case 'u2':
        return dv.getUint16(p, le);
      case 'u4':
        return dv.getUint32(p, le);
      case 'b1':
        return dv.getUint8(p) !== 0;
      case 'i8': {
        const v = dv.getBigInt64(p, le);
        return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v;
      }
      default: {
        const v = dv.getBigUint64(p, le);
        return v <= 2n ** 53n ? Number(v) : v;
      }
    }
  }
}

/** `numpy.core.multiarray.scalar(dtype, bytes)` → the scalar as a JS value. */
export function numpyScalar(args: unknown[]): unknown {
  const [dtype, data] = args;
  if (!(dtype instanceof NumpyDtype))
    throw new PickleError(`numpy scalar needs a dtype, got ${describe(dtype)}`);
  if (!(data instanceof Uint8Array) || data.length !== dtype.size)
    throw new PickleError(`numpy ${dtype.name} scalar needs ${dtype.size} bytes, got ${describe(data)}`);
  return dtype.read(new DataView(data.buffer, data.byteOffset, data.byteLength), 0);
}

/** `_reconstruct(ndarray, (0,), b'b')` then BUILD `(version, shape, dtype, is_fortran, rawdata)`. */
export class NumpyArray implements Buildable {
  shape: number[] = [0];
  dtype: NumpyDtype | null = null;
  raw: Uint8Array = new Uint8Array(0);
  fortran = false;
  setState(state: unknown): void {
    const t = state instanceof PyTuple ? state.items : null;
    if (!t || t.length !== 5)
      throw new PickleError(`numpy array state must be a 5-tuple, got ${describe(state)}`);
    const [, shape, dtype, fortran, raw] = t;
    if (
      !(shape instanceof PyTuple) ||
      shape.items.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < 0)
    )
      throw new PickleError('numpy array shape must be a tuple of non-negative integers');
    if (shape.items.length > 64) throw new PickleLimitError('numpy array has more than 64 dimensions');
    if (!(dtype instanceof NumpyDtype))
      throw new PickleError(`numpy array needs a dtype, got ${describe(dtype)}`);
    if (!(raw instanceof Uint8Array))
      throw new PickleError(
        `numpy array data must be bytes (object arrays are not supported), got ${describe(raw)}`,
      );
    const numel = (shape.items as number[]).reduce((a, b) => a * b, 1);
    if (numel * dtype.size !== raw.length)
      throw new PickleError(
        `numpy array of shape ${JSON.stringify(shape.items)} needs ${numel * dtype.size} bytes, got ${raw.length}`,
      );
    this.shape = shape.items as number[];
    this.dtype = dtype;
    this.fortran = fortran === true;
    this.raw = raw;
  }
  /** Elements as a flat JS array in storage order (C order unless `fortran`). */
  values(): (number | bigint | boolean)[] {
    const d = this.dtype;
    if (!d) return [];
    const dv = new DataView(this.raw.buffer, this.raw.byteOffset, this.raw.byteLength);
    const n = this.raw.length / d.size;
    const out: (number | bigint | boolean)[] = [];
    for (let i = 0; i < n; i++) out.push(d.read(dv, i));
    return out;
  }
}

/** `numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')`: an empty array awaiting BUILD. */
export function numpyReconstruct(args: unknown[]): NumpyArray {
  const cls = args[0];
  if (args.length !== 3 || !(cls instanceof PyGlobal) || cls.qualname !== 'numpy.ndarray')
    throw new PickleError('numpy _reconstruct only builds numpy.ndarray');
  return new NumpyArray();
}
