/**
 * The inert value model the restricted unpickler builds, and its error classes.
 *
 * Python objects map to plain JavaScript values where one exists (None → null, bool → boolean,
 * int → number or bigint beyond 2^53, float → number, str → string, bytes → Uint8Array, list → array)
 * and to the small classes below otherwise. Nothing here can run code: a "global" is only a name that
 * the allow-list in `network.ts` / `torch-legacy.ts` resolved to one of our own functions.
 */

/** Malformed or unsupported pickle data (truncated, bad opcode, wrong types, wrong magic…). */
export class PickleError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'PickleError';
  }
}

/** The pickle asks for a global (class or function) that is not on the allow-list. */
export class PickleSecurityError extends PickleError {
  constructor(message: string) {
    super(message);
    this.name = 'PickleSecurityError';
  }
}

/** A resource limit (nesting depth, memo size, stack size, declared length) was exceeded. */
export class PickleLimitError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'PickleLimitError';
  }
}

/** Python tuple (kept distinct from lists so that constructor arguments keep their form). */
export class PyTuple {
  constructor(readonly items: unknown[]) {}
}

/** Python dict and its subclasses we accept (`collections.OrderedDict`, `dnnlib.util.EasyDict`). */
export class PyDict {
  readonly map = new Map<unknown, unknown>();
  constructor(readonly kind: 'dict' | 'OrderedDict' | 'EasyDict' = 'dict') {}
  get(key: string): unknown {
    return this.map.get(key);
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
}

/** Python set / frozenset (only hashable primitives are meaningful members). */
export class PySet {
  readonly items = new Set<unknown>();
  constructor(readonly kind: 'set' | 'frozenset' = 'set') {}
}

/**
 * A resolved, allow-listed global. `call` implements REDUCE (`f(*args)`), `newObj` implements
 * NEWOBJ (`cls.__new__(cls, *args)`); either may be absent, in which case the opcode is refused.
 */
export class PyGlobal {
  constructor(
    readonly qualname: string,
    readonly call?: (args: unknown[]) => unknown,
    readonly newObj?: (args: unknown[]) => unknown,
  ) {}
}

/** Objects that accept the BUILD opcode (`obj.__setstate__(state)`). */
export interface Buildable {
  setState(state: unknown): void;
}

/** True for objects that implement `setState` (the BUILD opcode's target). */
export function isBuildable(v: unknown): v is Buildable {
  return typeof v === 'object' && v !== null && typeof (v as Buildable).setState === 'function';
}

/** Short, bounded description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return v.length > 40 ? `str(${v.length} chars)` : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return `int(${v.toString().length} digits)`;
  if (v instanceof Uint8Array) return `bytes(${v.length})`;
  if (Array.isArray(v)) return `list(${v.length})`;
  if (v instanceof PyTuple) return `tuple(${v.items.length})`;
  if (v instanceof PyDict) return `${v.kind}(${v.map.size})`;
  if (v instanceof PySet) return `${v.kind}(${v.items.size})`;
  if (v instanceof PyGlobal) return `global ${v.qualname}`;
  return (v as object).constructor?.name ?? typeof v;
}
