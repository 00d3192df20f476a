/**
 * A minimal protocol-4 pickler for the subset the network reader understands: None, bools, ints,
 * floats, str, bytes, lists, tuples, dicts (plain, `collections.OrderedDict`, `dnnlib.util.EasyDict`),
 * sets, `module.name` globals and `callable(*args)` reductions. Opcode choice follows CPython's
 * pickler for protocol 4 (see `pickletools`), without framing (FRAME is optional) and with a memo
 * only for globals and explicitly shared objects.
 *
 * Output is collected as a list of chunks so large byte strings (tensor storages) are not copied
 * until the final concatenation.
 */
import { PyDict, PySet, PyTuple } from './values.js';

/** `callable(*args)`: written as the global, the argument tuple and REDUCE. */
export class Reduce {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly args: unknown[],
  ) {}
}

/** A value written once and referenced from the memo on later appearances (object identity). */
export class Shared {
  constructor(readonly value: unknown) {}
}

/** Protocol-4 opcode emitter: `begin()`, then `value(…)` (or the typed writers), then `finish()`. */
export class PickleWriter {
  private chunks: Uint8Array[] = [];
  private buf: number[] = [];
  private memoCount = 0;
  private globals = new Map<string, number>();
  private shared = new Map<Shared, number>();
  private enc = new TextEncoder();

  private flush(): void {
    if (this.buf.length) {
      this.chunks.push(Uint8Array.from(this.buf));
      this.buf = [];
    }
  }
  private op(...b: number[]): void {
    for (const x of b) this.buf.push(x);
    if (this.buf.length > 1 << 16) this.flush();
  }
  private u32(v: number): void {
    this.op(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  private u64(v: number): void {
    this.u32(v % 2 ** 32);
    this.u32(Math.floor(v / 2 ** 32));
  }
  private memoize(): number {
    this.op(0x94);
    return this.memoCount++;
  }
  private get(idx: number): void {
    if (idx < 256) this.op(0x68, idx);
    else {
      this.op(0x6a);
      this.u32(idx);
    }
  }
  private raw(b: Uint8Array): void {
    this.flush();
    this.chunks.push(b);
  }

  /** PROTO 4; call once first. */
  begin(): void {
    this.op(0x80, 4);
  }
  /** STOP and return the whole pickle. */
  finish(): Uint8Array {
    this.op(0x2e);
    this.flush();
    let total = 0;
    for (const c of this.chunks) total += c.length;
    const out = new Uint8Array(total);
    let p = 0;
    for (const c of this.chunks) {
      out.set(c, p);
      p += c.length;
    }
    this.chunks = [];
    return out;
  }

  global(module: string, name: string): void {
    const key = `${module}\n${name}`;
    const idx = this.globals.get(key);
    if (idx !== undefined) return this.get(idx);
    this.str(module);
    this.str(name);
    this.op(0x93); // STACK_GLOBAL
    this.globals.set(key, this.memoize());
  }

  str(s: string): void {
    const b = this.enc.encode(s);
    if (b.length < 256) this.op(0x8c, b.length);
    else {
      this.op(0x58);
      this.u32(b.length);
    }
    if (b.length > 4096) this.raw(b);
    else this.op(...b);
  }

  bytes(b: Uint8Array): void {
    if (b.length < 256) this.op(0x43, b.length);
    else if (b.length < 2 ** 32) {
      this.op(0x42);
      this.u32(b.length);
    } else {
      this.op(0x8e);
      this.u64(b.length);
    }
    if (b.length > 4096) this.raw(b);
    else this.op(...b);
  }

  int(v: number): void {
    if (v >= 0 && v < 256) this.op(0x4b, v);
    else if (v >= 0 && v < 65536) this.op(0x4d, v & 0xff, v >> 8);
    else if (v >= -(2 ** 31) && v < 2 ** 31) {
      this.op(0x4a);
      this.u32(v >>> 0);
    } else {
      // LONG1: minimal two's complement little-endian
      let x = BigInt(v);
      const out: number[] = [];
      for (;;) {
        out.push(Number(x & 0xffn));
        x >>= 8n;
        const signBit = out[out.length - 1] & 0x80;
        if ((x === 0n && !signBit) || (x === -1n && signBit)) break;
      }
      this.op(0x8a, out.length, ...out);
    }
  }

  float(v: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, false);
    this.op(0x47, ...b);
  }

  /** Write any supported value. Integers in JS numbers are written as Python ints. */
  value(v: unknown): void {
    if (v === null || v === undefined) return this.op(0x4e);
    if (v === true) return this.op(0x88);
    if (v === false) return this.op(0x89);
    if (typeof v === 'number') return Number.isInteger(v) ? this.int(v) : this.float(v);
    if (typeof v === 'string') return this.str(v);
    if (v instanceof Uint8Array) return this.bytes(v);
    if (v instanceof Shared) {
      const idx = this.shared.get(v);
      if (idx !== undefined) return this.get(idx);
      this.value(v.value);
      this.shared.set(v, this.memoize());
      return;
    }
    if (v instanceof Reduce) {
      this.global(v.module, v.name);
      this.tuple(v.args);
      return this.op(0x52);
    }
    if (v instanceof PyTuple) return this.tuple(v.items);
    if (Array.isArray(v)) {
      this.op(0x5d);
      if (v.length) {
        this.op(0x28);
        for (const x of v) this.value(x);
        this.op(0x65);
      }
      return;
    }
    if (v instanceof PySet) {
      this.op(0x8f);
      if (v.items.size) {
        this.op(0x28);
        for (const x of v.items) this.value(x);
        this.op(0x90);
      }
      return;
    }
    if (v instanceof PyDict) {
      if (v.kind === 'OrderedDict') {
        this.global('collections', 'OrderedDict');
        this.op(0x29, 0x52); // OrderedDict()
      } else if (v.kind === 'EasyDict') {
        this.global('dnnlib.util', 'EasyDict');
        this.op(0x29, 0x81); // EasyDict.__new__(EasyDict)
      } else this.op(0x7d);
      if (v.map.size) {
        this.op(0x28);
        for (const [k, x] of v.map) {
          this.value(k);
          this.value(x);
        }
        this.op(0x75);
      }
      return;
    }
    throw new TypeError(`cannot pickle value of type ${(v as object)?.constructor?.name ?? typeof v}`);
  }

  tuple(items: unknown[]): void {
    if (items.length === 0) return this.op(0x29);
    if (items.length <= 3) {
      for (const x of items) this.value(x);
      return this.op(0x84 + items.length); // TUPLE1..3 = 0x85..0x87
    }
    this.op(0x28);
    for (const x of items) this.value(x);
    this.op(0x74);
  }
}

/** Plain object → PyDict (string keys, insertion order), recursively for nested plain objects. */
export function toPyDict(
  obj: Record<string, unknown>,
  kind: PyDict['kind'] = 'dict',
  nestedKind: PyDict['kind'] = kind,
): PyDict {
  const d = new PyDict(kind);
  for (const [k, v] of Object.entries(obj)) d.map.set(k, toPyValue(v, nestedKind));
  return d;
}

function toPyValue(v: unknown, nestedKind: PyDict['kind']): unknown {
  if (Array.isArray(v)) return v.map((x) => toPyValue(x, nestedKind));
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
    return toPyDict(v as Record<string, unknown>, nestedKind, nestedKind);
  return v;
}
