/**
 * Official StyleGAN3 network pickles (`network-snapshot-*.pkl`, the released `stylegan3-*.pkl`) read,
 * summarised, converted and written in pure TypeScript, with no Python and no code execution.
 *
 * A snapshot is `pickle.dump(dict(G, D, G_ema, augment_pipe, training_set_kwargs))` where every network
 * object went through the official persistence wrapper (`torch_utils/persistence.py`): it pickles as
 * `torch_utils.persistence._reconstruct_persistent_obj(meta)` with
 * `meta = {type: 'class', version, module_src, class_name, state}`; `state` is the module's `__dict__`
 * (`_parameters`, `_buffers`, `_non_persistent_buffers_set`, `_modules`, …, plus `_init_args` /
 * `_init_kwargs`, the recorded constructor arguments). Tensors are `_rebuild_tensor_v2` /
 * `_rebuild_parameter` records over storages carried as legacy `torch.save` byte strings.
 *
 * `module_src` is kept as an opaque string and never executed. Only the globals in `ALLOWED` resolve;
 * anything else (e.g. `os.system`, `builtins.eval`) fails with `PickleSecurityError` naming it.
 *
 * Nothing here touches the file system (the browser studio parses pickles with it); the file
 * variants (`readNetworkPickleFile`, `summarizePickleFile`, `convertPickleToDir`) are in
 * `network-files.ts`.
 */
import { NumpyArray, NumpyDtype, numpyReconstruct, numpyScalar } from './numpy.js';
import { PickleWriter, Reduce, Shared, toPyDict } from './pickler.js';
import {
  readLegacyStorage,
  rebuildParameter,
  rebuildTensor,
  tensorData,
  TorchTensor,
  writeLegacyStorage,
} from './torch-legacy.js';
import { unpickle, type UnpicklerLimits } from './unpickler.js';
import {
  PickleError,
  PickleLimitError,
  PickleSecurityError,
  PyDict,
  PyGlobal,
  PySet,
  PyTuple,
  describe,
} from './values.js';

/**
 * A generator's constructor arguments and state dict, as in the golden directory format
 * (`init_kwargs.json` + `state/<key>.npy`). Structurally identical to `GeneratorSnapshot` in
 * `src/generator/weights.ts` (defined here too to avoid an import cycle).
 */
export interface GeneratorSnapshot {
  initKwargs: Record<string, unknown>;
  state: Map<string, { shape: number[]; data: Float32Array | Float64Array | Int32Array }>;
}

/** One object rebuilt by `_reconstruct_persistent_obj`: class name, opaque source, and its state. */
export class PersistentObject {
  constructor(
    readonly className: string,
    readonly moduleSrc: string,
    readonly version: unknown,
    readonly state: unknown,
  ) {}
}

/** Options of the readers: resource limits of the unpickler, name of the data in messages. */
export interface PickleReadOptions {
  limits?: Partial<UnpicklerLimits>;
  what?: string;
}

/** Nesting limit of every walk over the unpickled value (module trees, kwargs). */
const MAX_WALK_DEPTH = 200;

function reconstructPersistent(args: unknown[]): PersistentObject {
  const meta = args[0];
  if (args.length !== 1 || !(meta instanceof PyDict))
    throw new PickleError(
      `_reconstruct_persistent_obj expects one dict, got ${args.length} argument(s) (${describe(meta)})`,
    );
  const type = meta.get('type');
  if (type !== 'class')
    throw new PickleError(`persistent object of type ${describe(type)} is not supported (only 'class')`);
  const className = meta.get('class_name');
  const src = meta.get('module_src');
  if (typeof className !== 'string') throw new PickleError('persistent object has no class_name string');
  if (typeof src !== 'string') throw new PickleError('persistent object has no module_src string');
  return new PersistentObject(className, src, meta.get('version'), meta.get('state'));
}

function makeDict(kind: PyDict['kind']) {
  return (args: unknown[]): PyDict => {
    const d = new PyDict(kind);
    const init = args[0];
    if (args.length > 1) throw new PickleError(`${kind}() takes at most one argument`);
    if (init instanceof PyDict) for (const [k, v] of init.map) d.map.set(k, v);
    else if (Array.isArray(init) || init instanceof PyTuple) {
      for (const pair of Array.isArray(init) ? init : init.items) {
        const kv = pair instanceof PyTuple ? pair.items : Array.isArray(pair) ? pair : null;
        if (!kv || kv.length !== 2) throw new PickleError(`${kind}() items must be pairs`);
        d.map.set(kv[0], kv[1]);
      }
    } else if (init !== undefined && init !== null)
      throw new PickleError(`${kind}() cannot take ${describe(init)}`);
    return d;
  };
}

function makeSet(kind: PySet['kind']) {
  return (args: unknown[]): PySet => {
    const s = new PySet(kind);
    const init = args[0];
    if (init !== undefined) {
      const items = Array.isArray(init) ? init : init instanceof PyTuple ? init.items : null;
      if (!items) throw new PickleError(`${kind}() needs a list, got ${describe(init)}`);
      for (const x of items) s.items.add(x);
    }
    return s;
  };
}

/** The allow-list: every global a StyleGAN3 snapshot uses, each mapped to an inert constructor. */
function buildAllowList(limits?: Partial<UnpicklerLimits>): Map<string, PyGlobal> {
  const g = new Map<string, PyGlobal>();
  const add = (q: string, call?: (a: unknown[]) => unknown, newObj?: (a: unknown[]) => unknown) =>
    g.set(q, new PyGlobal(q, call, newObj));
  add('torch_utils.persistence._reconstruct_persistent_obj', reconstructPersistent);
  add('collections.OrderedDict', makeDict('OrderedDict'), makeDict('OrderedDict'));
  add('dnnlib.util.EasyDict', makeDict('EasyDict'), () => new PyDict('EasyDict'));
  add('torch._utils._rebuild_tensor_v2', rebuildTensor);
  add('torch._utils._rebuild_parameter', rebuildParameter);
  add('torch._utils._rebuild_parameter_with_state', rebuildParameter);
  add('torch.storage._load_from_bytes', (a) => {
    if (a.length !== 1 || !(a[0] instanceof Uint8Array))
      throw new PickleError(`_load_from_bytes expects one bytes argument, got ${describe(a[0])}`);
    return readLegacyStorage(a[0], limits);
  });
  for (const np of ['numpy.core.multiarray', 'numpy._core.multiarray']) {
    add(`${np}.scalar`, numpyScalar);
    add(`${np}._reconstruct`, numpyReconstruct);
  }
  add('numpy.dtype', (a) => {
    if (typeof a[0] !== 'string') throw new PickleError(`numpy.dtype expects a name, got ${describe(a[0])}`);
    return new NumpyDtype(a[0]);
  });
  add('numpy.ndarray');
  for (const b of ['builtins', '__builtin__']) {
    add(`${b}.set`, makeSet('set'));
    add(`${b}.frozenset`, makeSet('frozenset'));
  }
  // Protocol-2 pickles write bytes as _codecs.encode(text, 'latin1'): pure and harmless.
  add('_codecs.encode', (a) => {
    if (typeof a[0] !== 'string' || (a[1] !== 'latin1' && a[1] !== 'latin-1'))
      throw new PickleError('_codecs.encode is only allowed as (str, "latin1")');
    const s = a[0];
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 255) throw new PickleError('_codecs.encode: character outside latin-1');
      out[i] = c;
    }
    return out;
  });
  return g;
}

/**
 * Unpickle a network pickle with the restricted allow-list and return the top-level value (normally
 * a `PyDict` with G, D, G_ema, …). Tensor data stays as zero-copy views of `bytes`.
 */
export function unpickleNetwork(bytes: Uint8Array, opts: PickleReadOptions = {}): unknown {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`bytes must be a Uint8Array, got ${describe(bytes)}`);
  const allowed = buildAllowList(opts.limits);
  const findGlobal = (module: string, name: string): PyGlobal => {
    const q = `${module}.${name}`;
    const hit = allowed.get(q);
    if (hit) return hit;
    throw new PickleSecurityError(
      `${opts.what ?? 'network pickle'}: refusing global ${q}: not one of the classes a StyleGAN3 snapshot uses (nothing is imported or executed)`,
    );
  };
  const { value } = unpickle(bytes, { findGlobal, limits: opts.limits, what: opts.what ?? 'network pickle' });
  return value;
}

// ------------------------------------------------------------------------------------------------
// Walking the module tree

function moduleState(obj: PersistentObject, path: string): PyDict {
  if (!(obj.state instanceof PyDict))
    throw new PickleError(`${path} (${obj.className}): state must be a dict, got ${describe(obj.state)}`);
  return obj.state;
}

function entries(v: unknown, what: string): [string, unknown][] {
  if (v === undefined || v === null) return [];
  if (!(v instanceof PyDict)) throw new PickleError(`${what} must be a dict, got ${describe(v)}`);
  const out: [string, unknown][] = [];
  for (const [k, x] of v.map) {
    if (typeof k !== 'string' || k === '' || k.includes('.'))
      throw new PickleError(`${what} has an invalid name ${describe(k)}`);
    out.push([k, x]);
  }
  return out;
}

interface TensorEntry {
  key: string;
  tensor: TorchTensor;
  kind: 'parameter' | 'buffer';
}

/**
 * `state_dict()` of a persistent module tree: for each module, its non-None parameters, then its
 * persistent buffers (not in `_non_persistent_buffers_set`), then each submodule recursively with
 * `name.` prefixes — the order and keys of torch's `Module.state_dict`.
 */
function collectTensors(
  obj: PersistentObject,
  prefix = '',
  out: TensorEntry[] = [],
  depth = 0,
  path = 'module',
): TensorEntry[] {
  if (depth > MAX_WALK_DEPTH)
    throw new PickleLimitError(`${path}: module tree deeper than ${MAX_WALK_DEPTH} (recursive structure?)`);
  const st = moduleState(obj, path);
  for (const [name, t] of entries(st.get('_parameters'), `${path}._parameters`)) {
    if (t === null) continue;
    if (!(t instanceof TorchTensor))
      throw new PickleError(`${path}._parameters[${name}] is ${describe(t)}, not a tensor`);
    out.push({ key: prefix + name, tensor: t, kind: 'parameter' });
  }
  const np = st.get('_non_persistent_buffers_set');
  const skip = np instanceof PySet ? np.items : new Set<unknown>();
  for (const [name, t] of entries(st.get('_buffers'), `${path}._buffers`)) {
    if (t === null || skip.has(name)) continue;
    if (!(t instanceof TorchTensor))
      throw new PickleError(`${path}._buffers[${name}] is ${describe(t)}, not a tensor`);
    out.push({ key: prefix + name, tensor: t, kind: 'buffer' });
  }
  for (const [name, m] of entries(st.get('_modules'), `${path}._modules`)) {
    if (m === null) continue;
    if (!(m instanceof PersistentObject))
      throw new PickleError(`${path}._modules[${name}] is ${describe(m)}, not a persistent module`);
    collectTensors(m, `${prefix}${name}.`, out, depth + 1, `${path}.${name}`);
  }
  return out;
}

/** Every persistent submodule with its dotted path (the root is ''). */
function collectModules(
  obj: PersistentObject,
  prefix = '',
  out: { path: string; className: string }[] = [],
  depth = 0,
): { path: string; className: string }[] {
  if (depth > MAX_WALK_DEPTH)
    throw new PickleLimitError(`module tree deeper than ${MAX_WALK_DEPTH} (recursive structure?)`);
  out.push({ path: prefix, className: obj.className });
  const st = moduleState(obj, prefix || 'module');
  for (const [name, m] of entries(st.get('_modules'), `${prefix || 'module'}._modules`))
    if (m instanceof PersistentObject) collectModules(m, prefix ? `${prefix}.${name}` : name, out, depth + 1);
  return out;
}

function child(obj: PersistentObject, name: string): PersistentObject | undefined {
  const mods = obj.state instanceof PyDict ? obj.state.get('_modules') : undefined;
  const m = mods instanceof PyDict ? mods.get(name) : undefined;
  return m instanceof PersistentObject ? m : undefined;
}

/**
 * Fully qualified class name as `dnnlib.util.construct_class_by_name` would take it. The pickle only
 * records the bare class name and the module *source* (never the module name), so it is inferred:
 * a `Generator` whose `synthesis` is a `SynthesisNetwork` with a `SynthesisInput` named `input` is
 * `training.networks_stylegan3.Generator`; one with `SynthesisBlock`s is the StyleGAN2 generator;
 * else a `from <module> import *` stub in `module_src` names it; else the bare class name.
 */
export function qualifiedClassName(obj: PersistentObject): string {
  const syn = child(obj, 'synthesis');
  if (obj.className === 'Generator' && syn?.className === 'SynthesisNetwork') {
    if (child(syn, 'input')?.className === 'SynthesisInput') return 'training.networks_stylegan3.Generator';
    if (child(syn, 'b4')?.className === 'SynthesisBlock') return 'training.networks_stylegan2.Generator';
  }
  const m = /^from\s+([A-Za-z_][\w.]*)\s+import\s+\*/m.exec(obj.moduleSrc.slice(0, 100000));
  return m ? `${m[1]}.${obj.className}` : obj.className;
}

/**
 * Convert an unpickled value to plain JSON-able data (dicts with string keys → objects, lists/tuples/
 * sets → arrays, numpy arrays → nested arrays, numpy scalars are already numbers). With `lenient`,
 * values that have no JSON form (tensors, bytes, modules) become short descriptions instead of errors.
 */
export function toPlain(v: unknown, path = 'value', lenient = false, depth = 0): unknown {
  if (depth > MAX_WALK_DEPTH)
    throw new PickleLimitError(`${path}: nested deeper than ${MAX_WALK_DEPTH} levels`);
  if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'bigint') {
    if (lenient) return v.toString();
    throw new PickleError(`${path}: integer ${v} does not fit a JSON number`);
  }
  if (Array.isArray(v) || v instanceof PyTuple || v instanceof PySet) {
    const items = Array.isArray(v) ? v : v instanceof PyTuple ? v.items : [...v.items];
    return items.map((x, i) => toPlain(x, `${path}[${i}]`, lenient, depth + 1));
  }
  if (v instanceof PyDict) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v.map) {
      if (typeof k !== 'string') {
        if (lenient) continue;
        throw new PickleError(`${path}: dict key ${describe(k)} is not a string`);
      }
      Object.defineProperty(out, k, {
        value: toPlain(x, `${path}.${k}`, lenient, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  if (v instanceof NumpyArray) {
    const flat = v.values().map((x) => (typeof x === 'bigint' ? toPlain(x, path, lenient, depth + 1) : x));
    const shape = v.shape;
    if (shape.length === 0) return flat[0];
    // Nest a C-order flat list into the array's shape.
    const nest = (off: number, d: number): unknown => {
      if (d === shape.length - 1) return flat.slice(off, off + shape[d]);
      const stride = shape.slice(d + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: shape[d] }, (_, i) => nest(off + i * stride, d + 1));
    };
    return nest(0, 0);
  }
  if (lenient) {
    if (v instanceof TorchTensor) return `<tensor ${v.dtype} ${JSON.stringify(v.shape)}>`;
    if (v instanceof PersistentObject) return `<${v.className}>`;
    return `<${describe(v)}>`;
  }
  throw new PickleError(`${path}: ${describe(v)} has no plain JSON form`);
}

/** Positional constructor arguments of the StyleGAN3/StyleGAN2 `Generator.__init__`, in order. */
const GENERATOR_POSITIONAL = ['z_dim', 'c_dim', 'w_dim', 'img_resolution', 'img_channels', 'mapping_kwargs'];

/**
 * The recorded constructor call of a persistent object as a plain object:
 * `{class_name, ...init_kwargs}` (positional `_init_args` of a Generator are named).
 */
export function initKwargsOf(obj: PersistentObject, path = 'G_ema'): Record<string, unknown> {
  const st = moduleState(obj, path);
  const args = st.get('_init_args');
  const kwargs = st.get('_init_kwargs');
  const out: Record<string, unknown> = { class_name: qualifiedClassName(obj) };
  const argItems =
    args instanceof PyTuple ? args.items : Array.isArray(args) ? args : args == null ? [] : null;
  if (!argItems) throw new PickleError(`${path}._init_args must be a tuple, got ${describe(args)}`);
  if (argItems.length) {
    if (obj.className !== 'Generator' || argItems.length > GENERATOR_POSITIONAL.length)
      throw new PickleError(
        `${path}: ${argItems.length} positional constructor arguments of ${obj.className} cannot be named`,
      );
    argItems.forEach((a, i) => (out[GENERATOR_POSITIONAL[i]] = toPlain(a, `${path}._init_args[${i}]`)));
  }
  if (kwargs !== undefined && kwargs !== null) {
    if (!(kwargs instanceof PyDict))
      throw new PickleError(`${path}._init_kwargs must be a dict, got ${describe(kwargs)}`);
    // defineProperty, not assignment: a hostile "__proto__" key must stay a plain key.
    for (const [k, v] of Object.entries(toPlain(kwargs, `${path}._init_kwargs`) as Record<string, unknown>))
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function pickNetwork(top: unknown, key: string, what: string): PersistentObject {
  if (top instanceof PersistentObject) return top;
  if (!(top instanceof PyDict))
    throw new PickleError(`${what}: top level is ${describe(top)}, expected a dict of networks`);
  const g = top.get(key);
  if (g === undefined) {
    const keys = [...top.map.keys()].filter((k) => typeof k === 'string').join(', ');
    throw new PickleError(`${what}: no ${JSON.stringify(key)} entry (keys: ${keys})`);
  }
  if (!(g instanceof PersistentObject))
    throw new PickleError(`${what}: ${key} is ${describe(g)}, not a persistent network object`);
  return g;
}

/**
 * Read a network pickle and return `G_ema` (or `opts.key`) as a `GeneratorSnapshot`: `initKwargs` =
 * `{class_name, ...recorded constructor kwargs}` (as in the golden `init_kwargs.json`), `state` = the
 * official `state_dict()` keys in torch's order with shapes and decoded data (float16 widened to
 * float32). Mirrors `legacy.load_network_pkl(f)['G_ema']` followed by `state_dict()`; D, G,
 * augment_pipe and the rest are parsed (and validated) but not decoded.
 */
export function readNetworkPickle(
  bytes: Uint8Array,
  opts: PickleReadOptions & { key?: string } = {},
): GeneratorSnapshot {
  const what = opts.what ?? 'network pickle';
  const key = opts.key ?? 'G_ema';
  const g = pickNetwork(unpickleNetwork(bytes, opts), key, what);
  const state: GeneratorSnapshot['state'] = new Map();
  for (const e of collectTensors(g, '', [], 0, key)) {
    if (state.has(e.key)) throw new PickleError(`${what}: duplicate state key ${e.key}`);
    state.set(e.key, { shape: e.tensor.shape.slice(), data: tensorData(e.tensor) });
  }
  return { initKwargs: initKwargsOf(g, key), state };
}

/** True when `bytes` starts like a binary pickle (PROTO opcode with protocol 2–5). */
export function looksLikePickle(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5;
}

// ------------------------------------------------------------------------------------------------
// Summary

/** One state_dict entry of a summarised network (shape only, data not decoded). */
export interface TensorSummary {
  key: string;
  kind: 'parameter' | 'buffer';
  dtype: string;
  shape: number[];
}

/** A persistent network object in a pickle: class, kwargs, submodules, tensors and sizes. */
export interface NetworkSummary {
  key: string;
  type: 'network';
  className: string;
  qualifiedName: string;
  kwargs: Record<string, unknown>;
  modules: { path: string; className: string }[];
  tensors: TensorSummary[];
  numParameters: number;
  numBufferElements: number;
  /** Bytes of all parameter and buffer data. */
  tensorBytes: number;
}

/** A non-network top-level entry (e.g. `training_set_kwargs`) as plain data. */
export interface ValueSummary {
  key: string;
  type: 'value';
  value: unknown;
}

/** What `summarizePickle` returns: file size, top-level keys and one summary per entry. */
export interface PickleSummary {
  fileBytes: number;
  keys: string[];
  entries: (NetworkSummary | ValueSummary)[];
  /** Bytes of tensor data over all networks. */
  tensorBytes: number;
}

function summarizeNetwork(key: string, obj: PersistentObject): NetworkSummary {
  const tensors = collectTensors(obj, '', [], 0, key);
  let numParameters = 0;
  let numBufferElements = 0;
  let tensorBytes = 0;
  for (const t of tensors) {
    const n = t.tensor.numel;
    if (t.kind === 'parameter') numParameters += n;
    else numBufferElements += n;
    tensorBytes += n * t.tensor.storage.elementSize;
  }
  let kwargs: Record<string, unknown>;
  try {
    kwargs = initKwargsOf(obj, key);
  } catch (e) {
    if (e instanceof PickleLimitError) throw e;
    // Kwargs without a JSON form (e.g. huge ints): show them described instead of failing.
    const st = obj.state instanceof PyDict ? obj.state : null;
    kwargs = {
      class_name: qualifiedClassName(obj),
      ...(toPlain(st?.get('_init_kwargs') ?? null, key, true) as object),
    };
  }
  return {
    key,
    type: 'network',
    className: obj.className,
    qualifiedName: qualifiedClassName(obj),
    kwargs,
    modules: collectModules(obj),
    tensors: tensors.map((t) => ({
      key: t.key,
      kind: t.kind,
      dtype: t.tensor.dtype,
      shape: t.tensor.shape.slice(),
    })),
    numParameters,
    numBufferElements,
    tensorBytes,
  };
}

/**
 * What a network pickle contains, without decoding any tensor data: the top-level keys, each
 * persistent network's class, constructor kwargs, submodule classes, tensor shapes, parameter count
 * and data size, and the other entries (e.g. `training_set_kwargs`) as plain values.
 */
export function summarizePickle(bytes: Uint8Array, opts: PickleReadOptions = {}): PickleSummary {
  const top = unpickleNetwork(bytes, opts);
  const dict = top instanceof PyDict ? top : null;
  const items: [string, unknown][] = dict
    ? [...dict.map].map(([k, v]) => [typeof k === 'string' ? k : String(toPlain(k, 'key', true)), v])
    : [['(top level)', top]];
  const entries = items.map(([k, v]): NetworkSummary | ValueSummary =>
    v instanceof PersistentObject
      ? summarizeNetwork(k, v)
      : { key: k, type: 'value', value: toPlain(v, k, true) },
  );
  return {
    fileBytes: bytes.length,
    keys: items.map(([k]) => k),
    entries,
    tensorBytes: entries.reduce((a, e) => a + (e.type === 'network' ? e.tensorBytes : 0), 0),
  };
}

function mib(b: number): string {
  return b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(2)} MiB` : `${(b / 1024).toFixed(1)} KiB`;
}

/** Human-readable text of a `PickleSummary`; `tensors: false` omits the per-tensor lines. */
export function formatPickleSummary(s: PickleSummary, { tensors = true } = {}): string {
  const lines: string[] = [];
  lines.push(`network pickle: ${s.fileBytes} bytes (${mib(s.fileBytes)}), tensor data ${mib(s.tensorBytes)}`);
  lines.push(`top-level keys: ${s.keys.join(', ')}`);
  for (const e of s.entries) {
    lines.push('');
    if (e.type === 'value') {
      lines.push(`${e.key}: ${JSON.stringify(e.value)}`);
      continue;
    }
    lines.push(`${e.key}: ${e.qualifiedName} (class ${e.className})`);
    lines.push(`  kwargs: ${JSON.stringify(e.kwargs)}`);
    lines.push(
      `  parameters: ${e.numParameters.toLocaleString('en-US')}, buffer elements: ${e.numBufferElements.toLocaleString('en-US')}, data: ${mib(e.tensorBytes)}`,
    );
    const counts = new Map<string, number>();
    for (const m of e.modules) counts.set(m.className, (counts.get(m.className) ?? 0) + 1);
    lines.push(`  modules: ${[...counts].map(([c, k]) => `${c}×${k}`).join(', ')}`);
    if (tensors)
      for (const t of e.tensors)
        lines.push(
          `    ${t.key} ${t.kind === 'buffer' ? '(buffer) ' : ''}${t.dtype} [${t.shape.join(', ')}]`,
        );
  }
  return lines.join('\n');
}

// ------------------------------------------------------------------------------------------------
// Writing

/** Buffer names of the StyleGAN3 modules (everything else in a snapshot's state is a parameter). */
const BUFFER_NAMES = new Set([
  'w_avg',
  'transform',
  'freqs',
  'phases',
  'magnitude_ema',
  'up_filter',
  'down_filter',
]);

/** Class of the submodule at a dotted path of a StyleGAN3 generator (key layout of the official code). */
function classForPath(path: string[], rootClass: string): string {
  if (path.length === 0) return rootClass;
  const last = path[path.length - 1];
  if (path.length === 1 && last === 'mapping') return 'MappingNetwork';
  if (path.length === 1 && last === 'synthesis') return 'SynthesisNetwork';
  if (path.length === 2 && path[0] === 'synthesis' && last === 'input') return 'SynthesisInput';
  if (path.length === 2 && path[0] === 'synthesis' && /^L\d+_/.test(last)) return 'SynthesisLayer';
  if (last === 'affine' || last === 'embed' || /^fc\d+$/.test(last)) return 'FullyConnectedLayer';
  return 'Module';
}

interface TreeNode {
  tensors: Map<string, { shape: number[]; data: Float32Array | Float64Array | Int32Array }>;
  children: Map<string, TreeNode>;
}

const STUB_SRC = (module: string, cls: string) =>
  `# Module source is not embedded: written by aliasfree writeNetworkPickle for ${cls}.\nfrom ${module} import *  # noqa\n`;

/**
 * Serialise a `GeneratorSnapshot` as a snapshot pickle of the same structure as the official ones
 * (protocol 4): `{G, D: None, G_ema, augment_pipe: None, training_set_kwargs: None}` with G and G_ema
 * the same persistent object (one copy, as pickle memoises identical objects), a persistent record per
 * submodule (classes from the StyleGAN3 key layout), `_parameters` / `_buffers` OrderedDicts
 * (buffers = `w_avg`, `transform`, `freqs`, `phases`, `magnitude_ema`, `up_filter`, `down_filter`),
 * tensors as `_rebuild_parameter(_rebuild_tensor_v2(_load_from_bytes(<legacy torch.save>), …))`, and
 * the root `_init_kwargs` (nested objects as EasyDicts). `module_src` is an import stub and submodules
 * record no constructor kwargs or plain attributes, so the official loader can unpickle the file but
 * only this reader can rebuild a generator from it. JSON loses the int/float distinction of integral
 * floats (e.g. `2.0` is written as the int 2).
 */
export function writeNetworkPickle(snapshot: GeneratorSnapshot): Uint8Array {
  const { class_name: qual = 'training.networks_stylegan3.Generator', ...kwargs } = snapshot.initKwargs;
  if (typeof qual !== 'string')
    throw new TypeError(`snapshot.initKwargs.class_name must be a string, got ${describe(qual)}`);
  // The stub module_src names the module, and Python's loader executes module_src: allow dotted names only.
  if (!/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/.test(qual))
    throw new RangeError(
      `snapshot.initKwargs.class_name must be a dotted Python name, got ${JSON.stringify(qual)}`,
    );
  const rootClass = qual.split('.').pop()!;
  const moduleName = qual.includes('.')
    ? qual.slice(0, qual.lastIndexOf('.'))
    : 'training.networks_stylegan3';
  const root: TreeNode = { tensors: new Map(), children: new Map() };
  for (const [key, t] of snapshot.state) {
    const parts = key.split('.');
    if (parts.some((p) => !/^[A-Za-z0-9_]+$/.test(p)))
      throw new RangeError(`snapshot.state key ${JSON.stringify(key)} is not a dotted name`);
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new RangeError(
        `snapshot.state[${key}]: shape ${JSON.stringify(t.shape)} has ${n} elements but data has ${t.data.length}`,
      );
    let node = root;
    for (const p of parts.slice(0, -1)) {
      let c = node.children.get(p);
      if (!c) node.children.set(p, (c = { tensors: new Map(), children: new Map() }));
      node = c;
    }
    node.tensors.set(parts[parts.length - 1], t);
  }
  let storageKey = 0;
  const od = () => new PyDict('OrderedDict');
  const tensorRecord = (
    t: { shape: number[]; data: Float32Array | Float64Array | Int32Array },
    parameter: boolean,
  ) => {
    const stride = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    const storage = new Reduce('torch.storage', '_load_from_bytes', [
      writeLegacyStorage(t.data, String(storageKey++)),
    ]);
    const tensor = new Reduce('torch._utils', '_rebuild_tensor_v2', [
      storage,
      0,
      new PyTuple(t.shape.slice()),
      new PyTuple(stride),
      false,
      od(),
    ]);
    return parameter ? new Reduce('torch._utils', '_rebuild_parameter', [tensor, false, od()]) : tensor;
  };
  const emit = (node: TreeNode, path: string[]): Reduce => {
    const cls = classForPath(path, rootClass);
    const st = new PyDict();
    const params = od();
    const buffers = od();
    for (const [name, t] of node.tensors)
      (BUFFER_NAMES.has(name) ? buffers : params).map.set(name, tensorRecord(t, !BUFFER_NAMES.has(name)));
    const modules = od();
    for (const [name, c] of node.children) modules.map.set(name, emit(c, [...path, name]));
    st.map.set('training', false);
    st.map.set('_parameters', params);
    st.map.set('_buffers', buffers);
    st.map.set('_non_persistent_buffers_set', new PySet());
    for (const h of [
      '_backward_hooks',
      '_forward_hooks',
      '_forward_pre_hooks',
      '_state_dict_hooks',
      '_load_state_dict_pre_hooks',
      '_load_state_dict_post_hooks',
    ])
      st.map.set(h, od());
    st.map.set('_modules', modules);
    st.map.set('_init_args', new PyTuple([]));
    st.map.set('_init_kwargs', path.length === 0 ? toPyDict(kwargs, 'dict', 'EasyDict') : new PyDict());
    const meta = new PyDict();
    meta.map.set('type', 'class');
    meta.map.set('version', 6);
    meta.map.set('module_src', STUB_SRC(moduleName, cls));
    meta.map.set('class_name', cls);
    meta.map.set('state', st);
    return new Reduce('torch_utils.persistence', '_reconstruct_persistent_obj', [meta]);
  };
  const g = new Shared(emit(root, []));
  const top = new PyDict();
  top.map.set('G', g);
  top.map.set('D', null);
  top.map.set('G_ema', g);
  top.map.set('augment_pipe', null);
  top.map.set('training_set_kwargs', null);
  const w = new PickleWriter();
  w.begin();
  w.value(top);
  return w.finish();
}
