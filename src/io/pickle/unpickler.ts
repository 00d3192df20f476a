/**
 * A restricted unpickler: the Python pickle virtual machine (protocols 0–5) over a byte array, which
 * only ever materialises inert values (see `values.ts`) and the globals its caller allow-lists.
 *
 * Mirrors the opcode semantics of CPython's `pickle._Unpickler` (documented in `pickletools`): a value
 * stack, a mark stack, a memo, and opcodes that push, pop and combine values. Unlike Python it never
 * imports or calls anything by name: GLOBAL / STACK_GLOBAL / INST go through `findGlobal`, which must
 * return a `PyGlobal` whose `call` / `newObj` are our own functions, or throw `PickleSecurityError`.
 *
 * Safety: every length is checked against the bytes that remain before anything is allocated or
 * decoded (so no allocation exceeds the input), byte strings are zero-copy views of the input, the
 * machine is iterative (no recursion on nesting), and the mark depth, stack size, memo size, number of
 * executed opcodes and integer width are capped by `UnpicklerLimits`.
 */
import {
  PickleError,
  PickleLimitError,
  PickleSecurityError,
  PyDict,
  PyGlobal,
  PySet,
  PyTuple,
  describe,
  isBuildable,
} from './values.js';

/** Resource limits of one unpickle run (all errors are `PickleLimitError`). */
export interface UnpicklerLimits {
  /** Maximum nesting of MARKs (open tuples/lists/dicts being built). */
  maxMarkDepth: number;
  /** Maximum number of values on the stack, all mark levels together. */
  maxStack: number;
  /** Maximum memo entries. */
  maxMemo: number;
  /** Maximum opcodes executed (bounds container sizes built from memo references). */
  maxOps: number;
  /** Maximum byte length of one str/bytes object (always also bounded by the input length). */
  maxBytesPerObject: number;
  /** Maximum byte width of a LONG1/LONG4 or text LONG integer. */
  maxLongBytes: number;
}

/** Limits generous for real snapshots (a 1024² snapshot uses < 100 k opcodes, mark depth < 50). */
export const DEFAULT_LIMITS: UnpicklerLimits = {
  maxMarkDepth: 1000,
  maxStack: 1 << 20,
  maxMemo: 1 << 21,
  maxOps: 1 << 24,
  maxBytesPerObject: Number.MAX_SAFE_INTEGER,
  maxLongBytes: 1024,
};

/** How to resolve globals and persistent ids, where to start, and the limits. */
export interface UnpickleOptions {
  /** Resolve `module.name` to an allow-listed global or throw `PickleSecurityError`. */
  findGlobal: (module: string, name: string) => PyGlobal;
  /** PERSID / BINPERSID handler; absent = persistent ids are refused. */
  persistentLoad?: (pid: unknown) => unknown;
  /** Byte offset to start at (several pickles may follow each other, as in legacy torch.save). */
  start?: number;
  limits?: Partial<UnpicklerLimits>;
  /** Name of the data in error messages (e.g. a file path). */
  what?: string;
}

/** The unpickled value and where its STOP ended. */
export interface UnpickleResult {
  value: unknown;
  /** Offset of the byte after STOP. */
  end: number;
}

/** The default global resolver: refuse everything. */
export function refuseGlobal(module: string, name: string): never {
  throw new PickleSecurityError(
    `pickle references the global ${module}.${name}, which is not on the allow-list (nothing is imported or executed)`,
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/**
 * Run the pickle machine from `opts.start` until STOP and return the value and the end offset.
 * Throws `PickleError` (malformed data), `PickleSecurityError` (global not allowed) or
 * `PickleLimitError` (a limit exceeded); never executes anything named by the data.
 */
export function unpickle(bytes: Uint8Array, opts: UnpickleOptions): UnpickleResult {
  return new Machine(bytes, opts).run();
}

/** The machine state; methods instead of closures keep per-call setup cheap (many small pickles). */
class Machine {
  readonly lim: UnpicklerLimits;
  readonly what: string;
  readonly n: number;
  readonly dv: DataView;
  pos: number;
  stack: unknown[] = [];
  readonly metastack: unknown[][] = [];
  /** Values held on the outer (marked) stacks. */
  metaTotal = 0;
  readonly memo = new Map<number, unknown>();
  ops = 0;
  opPos: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly opts: UnpickleOptions,
  ) {
    this.lim = opts.limits ? { ...DEFAULT_LIMITS, ...opts.limits } : DEFAULT_LIMITS;
    this.what = opts.what ?? 'pickle';
    this.n = bytes.length;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = this.opPos = opts.start ?? 0;
    if (!Number.isInteger(this.pos) || this.pos < 0 || this.pos > this.n)
      throw new RangeError(`start must be an integer in [0, ${this.n}], got ${this.pos}`);
  }

  private fail(msg: string): never {
    throw new PickleError(`${this.what}: at byte ${this.opPos}: ${msg}`);
  }
  private need(k: number, label: string): void {
    if (k > this.n - this.pos)
      this.fail(`truncated data: ${label} needs ${k} bytes but only ${this.n - this.pos} remain`);
  }
  private push(v: unknown): void {
    if (this.stack.length + this.metaTotal >= this.lim.maxStack)
      throw new PickleLimitError(
        `${this.what}: at byte ${this.opPos}: stack exceeds ${this.lim.maxStack} values`,
      );
    this.stack.push(v);
  }
  private pop(): unknown {
    if (this.stack.length === 0) this.fail('stack underflow (missing value or misplaced MARK)');
    return this.stack.pop();
  }
  private top(): unknown {
    if (this.stack.length === 0) this.fail('stack underflow (missing value or misplaced MARK)');
    return this.stack[this.stack.length - 1];
  }
  private popMark(): unknown[] {
    if (this.metastack.length === 0) this.fail('MARK expected but none is open');
    const items = this.stack;
    this.stack = this.metastack.pop()!;
    this.metaTotal -= this.stack.length;
    return items;
  }
  private u8(): number {
    this.need(1, 'argument');
    return this.bytes[this.pos++];
  }
  private u16(): number {
    this.need(2, 'argument');
    const v = this.dv.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  private u32(): number {
    this.need(4, 'argument');
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private u64(): number {
    this.need(8, 'argument');
    const lo = this.dv.getUint32(this.pos, true);
    const hi = this.dv.getUint32(this.pos + 4, true);
    this.pos += 8;
    // Anything ≥ 2^53 is certainly larger than the input, so the length check below rejects it.
    return hi >= 0x200000 ? Number.MAX_SAFE_INTEGER : hi * 0x100000000 + lo;
  }
  private take(len: number, label: string): Uint8Array {
    if (len > this.lim.maxBytesPerObject)
      throw new PickleLimitError(
        `${this.what}: at byte ${this.opPos}: ${label} of ${len} bytes exceeds the limit of ${this.lim.maxBytesPerObject}`,
      );
    this.need(len, label);
    const out = this.bytes.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  private readLine(label: string): string {
    const end = this.bytes.indexOf(10, this.pos);
    if (end < 0) this.fail(`truncated data: ${label} has no terminating newline`);
    const s = latin1.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }
  private decodeUtf8(b: Uint8Array): string {
    try {
      return utf8.decode(b);
    } catch {
      return this.fail('string is not valid UTF-8');
    }
  }
  private memoPut(idx: number, v: unknown): void {
    if (!this.memo.has(idx) && this.memo.size >= this.lim.maxMemo)
      throw new PickleLimitError(
        `${this.what}: at byte ${this.opPos}: this.memo exceeds ${this.lim.maxMemo} entries`,
      );
    this.memo.set(idx, v);
  }
  private memoGet(idx: number): unknown {
    if (!this.memo.has(idx)) this.fail(`this.memo key ${idx} was never stored`);
    return this.memo.get(idx);
  }
  private asGlobal(v: unknown, op: string): PyGlobal {
    if (!(v instanceof PyGlobal)) this.fail(`${op} needs a callable, got ${describe(v)}`);
    return v as PyGlobal;
  }
  private callGlobal(g: PyGlobal, args: unknown[]): unknown {
    if (!g.call) this.fail(`${g.qualname} cannot be called here`);
    return g.call!(args);
  }
  private newObj(g: PyGlobal, args: unknown[]): unknown {
    if (!g.newObj) this.fail(`${g.qualname} cannot be instantiated with NEWOBJ`);
    return g.newObj!(args);
  }
  private longFromBytes(b: Uint8Array): number | bigint {
    // Two's complement little-endian (LONG1/LONG4).
    if (b.length === 0) return 0;
    if (b.length > this.lim.maxLongBytes)
      throw new PickleLimitError(
        `${this.what}: at byte ${this.opPos}: integer of ${b.length} bytes exceeds ${this.lim.maxLongBytes}`,
      );
    if (b.length <= 6) {
      let v = 0;
      for (let i = b.length - 1; i >= 0; i--) v = v * 256 + b[i];
      if (b[b.length - 1] & 0x80) v -= 2 ** (8 * b.length);
      return v;
    }
    let hex = '';
    for (let i = b.length - 1; i >= 0; i--) hex += b[i].toString(16).padStart(2, '0');
    let v = BigInt('0x' + hex);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return normInt(v);
  }
  private parseIntText(s: string, label: string): number | bigint {
    const t = s.trim().replace(/L$/, '');
    if (!/^[+-]?\d+$/.test(t)) this.fail(`${label} ${JSON.stringify(s.slice(0, 40))} is not an integer`);
    if (t.length > this.lim.maxLongBytes * 3)
      throw new PickleLimitError(
        `${this.what}: at byte ${this.opPos}: integer text of ${t.length} digits is too long`,
      );
    return normInt(BigInt(t));
  }
  private setItems(d: unknown, items: unknown[]): void {
    if (!(d instanceof PyDict)) this.fail(`SETITEM(S) target must be a dict, got ${describe(d)}`);
    if (items.length % 2) this.fail('SETITEMS needs key/value pairs');
    for (let i = 0; i < items.length; i += 2) (d as PyDict).map.set(items[i], items[i + 1]);
  }
  private appendItems(l: unknown, items: unknown[]): void {
    if (!Array.isArray(l)) this.fail(`APPEND(S) target must be a list, got ${describe(l)}`);
    for (const it of items) (l as unknown[]).push(it);
  }

  run(): UnpickleResult {
    for (;;) {
      if (this.pos >= this.n) this.fail('truncated data: no STOP opcode');
      this.opPos = this.pos;
      if (++this.ops > this.lim.maxOps)
        throw new PickleLimitError(`${this.what}: more than ${this.lim.maxOps} opcodes`);
      const op = this.bytes[this.pos++];
      switch (op) {
        // ---- framing and protocol
        case 0x80: {
          const proto = this.u8();
          if (proto > 5) this.fail(`unsupported pickle protocol ${proto}`);
          break;
        }
        case 0x95: {
          const size = this.u64();
          if (size > this.n - this.pos)
            this.fail(`truncated data: FRAME of ${size} bytes but only ${this.n - this.pos} remain`);
          break;
        }
        case 0x2e: {
          // STOP
          const value = this.pop();
          return { value, end: this.pos };
        }
        // ---- this.stack manipulation
        case 0x28: // MARK
          if (this.metastack.length >= this.lim.maxMarkDepth)
            throw new PickleLimitError(
              `${this.what}: at byte ${this.opPos}: nesting deeper than ${this.lim.maxMarkDepth} MARKs`,
            );
          this.metaTotal += this.stack.length;
          this.metastack.push(this.stack);
          this.stack = [];
          break;
        case 0x30: // POP
          if (this.stack.length) this.stack.pop();
          else this.popMark(); // CPython: POP with empty stack pops the mark
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.push(this.top());
          break;
        // ---- constants and numbers
        case 0x4e: // NONE
          this.push(null);
          break;
        case 0x88: // NEWTRUE
          this.push(true);
          break;
        case 0x89: // NEWFALSE
          this.push(false);
          break;
        case 0x4b: // BININT1
          this.push(this.u8());
          break;
        case 0x4d: // BININT2
          this.push(this.u16());
          break;
        case 0x4a: {
          // BININT (signed 32-bit)
          this.need(4, 'BININT');
          this.push(this.dv.getInt32(this.pos, true));
          this.pos += 4;
          break;
        }
        case 0x8a: {
          // LONG1
          const len = this.u8();
          this.push(this.longFromBytes(this.take(len, 'LONG1')));
          break;
        }
        case 0x8b: {
          // LONG4
          this.need(4, 'LONG4 length');
          const len = this.dv.getInt32(this.pos, true);
          this.pos += 4;
          if (len < 0) this.fail(`LONG4 with negative length ${len}`);
          if (len > this.lim.maxLongBytes)
            throw new PickleLimitError(
              `${this.what}: at byte ${this.opPos}: integer of ${len} bytes exceeds ${this.lim.maxLongBytes}`,
            );
          this.push(this.longFromBytes(this.take(len, 'LONG4')));
          break;
        }
        case 0x47: {
          // BINFLOAT (big-endian float64)
          this.need(8, 'BINFLOAT');
          this.push(this.dv.getFloat64(this.pos, false));
          this.pos += 8;
          break;
        }
        case 0x49: {
          // INT (text); "00"/"01" are the protocol-0 booleans
          const s = this.readLine('INT');
          if (s === '00') this.push(false);
          else if (s === '01') this.push(true);
          else this.push(this.parseIntText(s, 'INT'));
          break;
        }
        case 0x4c: // LONG (text)
          this.push(this.parseIntText(this.readLine('LONG'), 'LONG'));
          break;
        case 0x46: {
          // FLOAT (text)
          const s = this.readLine('FLOAT').trim();
          if (!/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|nan)$/i.test(s))
            this.fail(`FLOAT ${JSON.stringify(s.slice(0, 40))} is not a number`);
          this.push(
            /inf/i.test(s) ? (s.startsWith('-') ? -Infinity : Infinity) : /nan/i.test(s) ? NaN : Number(s),
          );
          break;
        }
        // ---- strings and bytes
        case 0x8c: // SHORT_BINUNICODE
          this.push(this.decodeUtf8(this.take(this.u8(), 'SHORT_BINUNICODE')));
          break;
        case 0x58: // BINUNICODE
          this.push(this.decodeUtf8(this.take(this.u32(), 'BINUNICODE')));
          break;
        case 0x8d: // BINUNICODE8
          this.push(this.decodeUtf8(this.take(this.u64(), 'BINUNICODE8')));
          break;
        case 0x56: // UNICODE (raw-unicode-escape text line)
          this.push(rawUnicodeEscape(this.readLine('UNICODE'), this.fail));
          break;
        case 0x43: // SHORT_BINBYTES
          this.push(this.take(this.u8(), 'SHORT_BINBYTES'));
          break;
        case 0x42: // BINBYTES
          this.push(this.take(this.u32(), 'BINBYTES'));
          break;
        case 0x8e: // BINBYTES8
          this.push(this.take(this.u64(), 'BINBYTES8'));
          break;
        case 0x96: // BYTEARRAY8
          this.push(this.take(this.u64(), 'BYTEARRAY8').slice());
          break;
        case 0x55: // SHORT_BINSTRING (Python 2 str, read as latin-1 like torch's encoding='latin1')
          this.push(latin1.decode(this.take(this.u8(), 'SHORT_BINSTRING')));
          break;
        case 0x54: {
          // BINSTRING
          this.need(4, 'BINSTRING length');
          const len = this.dv.getInt32(this.pos, true);
          this.pos += 4;
          if (len < 0) this.fail(`BINSTRING with negative length ${len}`);
          this.push(latin1.decode(this.take(len, 'BINSTRING')));
          break;
        }
        case 0x53: // STRING (quoted repr text line)
          this.push(pyStringRepr(this.readLine('STRING'), this.fail));
          break;
        case 0x97: // NEXT_BUFFER
          this.fail('out-of-band buffers (NEXT_BUFFER) are not supported');
          break;
        case 0x98: // READONLY_BUFFER
          this.top();
          break;
        // ---- containers
        case 0x29: // EMPTY_TUPLE
          this.push(new PyTuple([]));
          break;
        case 0x85: // TUPLE1
          this.push(new PyTuple([this.pop()]));
          break;
        case 0x86: {
          // TUPLE2
          const b = this.pop();
          const a = this.pop();
          this.push(new PyTuple([a, b]));
          break;
        }
        case 0x87: {
          // TUPLE3
          const c = this.pop();
          const b = this.pop();
          const a = this.pop();
          this.push(new PyTuple([a, b, c]));
          break;
        }
        case 0x74: // TUPLE
          this.push(new PyTuple(this.popMark()));
          break;
        case 0x5d: // EMPTY_LIST
          this.push([]);
          break;
        case 0x6c: // LIST
          this.push(this.popMark());
          break;
        case 0x61: {
          // APPEND
          const v = this.pop();
          this.appendItems(this.top(), [v]);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark();
          this.appendItems(this.top(), items);
          break;
        }
        case 0x7d: // EMPTY_DICT
          this.push(new PyDict());
          break;
        case 0x64: {
          // DICT
          const d = new PyDict();
          this.setItems(d, this.popMark());
          this.push(d);
          break;
        }
        case 0x73: {
          // SETITEM
          const v = this.pop();
          const k = this.pop();
          this.setItems(this.top(), [k, v]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark();
          this.setItems(this.top(), items);
          break;
        }
        case 0x8f: // EMPTY_SET
          this.push(new PySet());
          break;
        case 0x90: {
          // ADDITEMS
          const items = this.popMark();
          const s = this.top();
          if (!(s instanceof PySet)) this.fail(`ADDITEMS target must be a set, got ${describe(s)}`);
          for (const it of items) (s as PySet).items.add(it);
          break;
        }
        case 0x91: {
          // FROZENSET
          const s = new PySet('frozenset');
          for (const it of this.popMark()) s.items.add(it);
          this.push(s);
          break;
        }
        // ---- this.memo
        case 0x94: // MEMOIZE
          this.memoPut(this.memo.size, this.top());
          break;
        case 0x71: // BINPUT
          this.memoPut(this.u8(), this.top());
          break;
        case 0x72: // LONG_BINPUT
          this.memoPut(this.u32(), this.top());
          break;
        case 0x70: {
          // PUT (text)
          const k = this.parseIntText(this.readLine('PUT'), 'PUT index');
          this.memoPut(Number(k), this.top());
          break;
        }
        case 0x68: // BINGET
          this.push(this.memoGet(this.u8()));
          break;
        case 0x6a: // LONG_BINGET
          this.push(this.memoGet(this.u32()));
          break;
        case 0x67: {
          // GET (text)
          const k = this.parseIntText(this.readLine('GET'), 'GET index');
          this.push(this.memoGet(Number(k)));
          break;
        }
        // ---- globals and object construction
        case 0x63: {
          // GLOBAL "module\nname\this.n"
          const mod = this.readLine('GLOBAL module');
          const name = this.readLine('GLOBAL name');
          this.push(this.opts.findGlobal(mod, name));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop();
          const mod = this.pop();
          if (typeof mod !== 'string' || typeof name !== 'string')
            this.fail(`STACK_GLOBAL needs two strings, got ${describe(mod)} and ${describe(name)}`);
          this.push(this.opts.findGlobal(mod as string, name as string));
          break;
        }
        case 0x52: {
          // REDUCE: callable(*args)
          const args = this.pop();
          const f = this.asGlobal(this.pop(), 'REDUCE');
          if (!(args instanceof PyTuple))
            this.fail(`REDUCE arguments must be a tuple, got ${describe(args)}`);
          this.push(this.callGlobal(f, (args as PyTuple).items));
          break;
        }
        case 0x81: {
          // NEWOBJ: cls.__new__(cls, *args)
          const args = this.pop();
          const cls = this.asGlobal(this.pop(), 'NEWOBJ');
          if (!(args instanceof PyTuple))
            this.fail(`NEWOBJ arguments must be a tuple, got ${describe(args)}`);
          this.push(this.newObj(cls, (args as PyTuple).items));
          break;
        }
        case 0x92: {
          // NEWOBJ_EX: cls.__new__(cls, *args, **kwargs)
          const kwargs = this.pop();
          const args = this.pop();
          const cls = this.asGlobal(this.pop(), 'NEWOBJ_EX');
          if (!(args instanceof PyTuple))
            this.fail(`NEWOBJ_EX arguments must be a tuple, got ${describe(args)}`);
          if (!(kwargs instanceof PyDict) || kwargs.map.size)
            this.fail('NEWOBJ_EX keyword arguments are not supported');
          this.push(this.newObj(cls, (args as PyTuple).items));
          break;
        }
        case 0x69: {
          // INST "module\nname\this.n": cls(*marked items)
          const mod = this.readLine('INST module');
          const name = this.readLine('INST name');
          const g = this.opts.findGlobal(mod, name);
          this.push(this.callGlobal(g, this.popMark()));
          break;
        }
        case 0x6f: {
          // OBJ: marked (cls, *args)
          const items = this.popMark();
          if (items.length === 0) this.fail('OBJ needs a class');
          this.push(this.callGlobal(this.asGlobal(items[0], 'OBJ'), items.slice(1)));
          break;
        }
        case 0x62: {
          // BUILD: obj.__setstate__(state)
          const state = this.pop();
          const obj = this.top();
          if (isBuildable(obj)) obj.setState(state);
          else if (obj instanceof PyDict) {
            // dict subclasses (EasyDict) pickle their (empty) instance __dict__ here.
            if (!(state === null || (state instanceof PyDict && state.map.size === 0)))
              this.fail(`BUILD on ${obj.kind} with non-empty state ${describe(state)} is not supported`);
          } else this.fail(`BUILD is not supported on ${describe(obj)}`);
          break;
        }
        case 0x82:
        case 0x83:
        case 0x84:
          this.fail('extension registry opcodes (EXT1/EXT2/EXT4) are not supported');
          break;
        case 0x50: {
          // PERSID (text)
          if (!this.opts.persistentLoad) this.fail('persistent ids are not allowed here');
          this.push(this.opts.persistentLoad!(this.readLine('PERSID')));
          break;
        }
        case 0x51: {
          // BINPERSID
          if (!this.opts.persistentLoad) this.fail('persistent ids are not allowed here');
          this.push(this.opts.persistentLoad!(this.pop()));
          break;
        }
        default:
          this.fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }
}

/** Python ints: a JS number when exactly representable, a bigint beyond ±2^53. */
function normInt(v: bigint): number | bigint {
  return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v;
}

/** Decode Python's raw-unicode-escape (UNICODE opcode): `\uXXXX` / `\UXXXXXXXX`, other chars latin-1. */
function rawUnicodeEscape(s: string, fail: (m: string) => never): string {
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, a: string, b: string) => {
    const cp = parseInt(a ?? b, 16);
    if (cp > 0x10ffff) fail(`UNICODE escape U+${cp.toString(16)} is out of range`);
    return String.fromCodePoint(cp);
  });
}

/** Decode the quoted repr that the STRING opcode carries ('...' or "..." with backslash escapes). */
function pyStringRepr(line: string, fail: (m: string) => never): string {
  const q = line[0];
  if (line.length < 2 || (q !== "'" && q !== '"') || line[line.length - 1] !== q)
    fail('STRING argument must be a quoted string');
  const body = line.slice(1, -1);
  const simple: Record<string, string> = {
    n: '\n',
    r: '\r',
    t: '\t',
    '\\': '\\',
    "'": "'",
    '"': '"',
    a: '\x07',
    b: '\b',
    f: '\f',
    v: '\v',
    '0': '\0',
  };
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === 'x') {
      const h = body.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) fail('bad \\x escape in STRING');
      out += String.fromCharCode(parseInt(h, 16));
      i += 2;
    } else if (e !== undefined && e in simple) out += simple[e];
    else out += '\\' + (e ?? '');
  }
  return out;
}
