/**
 * Writing whole persistent module trees as the official training loop pickles them: every
 * `torch.nn.Module` subclass decorated with `persistence.persistent_class` is written as
 * `torch_utils.persistence._reconstruct_persistent_obj({type: 'class', version: 6, module_src,
 * class_name, state})`, where `state` is the module's `__dict__`: `training`, the ordered
 * `_parameters` / `_buffers` / `_modules` dicts, torch's hook dicts, the plain attributes its
 * constructor set (in assignment order) and the recorded `_init_args` / `_init_kwargs`.
 *
 * `module_src` is a stub `from <module> import *`, so the official loader (which executes it)
 * resolves each class from the installed official code. Attribute values are plain data; numpy
 * arrays of the official objects (e.g. `in_size`) are written as lists, which the official forward
 * passes read alike (`int(x[0])`), and integral floats are written as ints.
 */
import { PickleWriter, Reduce, Shared, toPyDict } from './pickler.js';
import { writeLegacyStorage } from './torch-legacy.js';
import { PyDict, PySet, PyTuple } from './values.js';

/** A float32/float64/int32 tensor in C order. */
export interface TreeTensor {
  shape: number[];
  data: Float32Array | Float64Array | Int32Array;
}

/** One module of a persistent tree. */
export interface ModuleNode {
  /** Bare class name, e.g. `SynthesisLayer`. */
  className: string;
  /** Python module holding the class, e.g. `training.networks_stylegan3`. */
  module: string;
  /** Plain attributes in the order the constructor assigns them. */
  attrs: [string, unknown][];
  /** `_parameters` in registration order (null = registered as None). */
  parameters: [string, TreeTensor | null][];
  /** `_buffers` in registration order (null = registered as None). */
  buffers: [string, TreeTensor | null][];
  /** `_modules` in registration order. */
  children: [string, ModuleNode][];
  /** Recorded positional constructor arguments. */
  initArgs: unknown[];
  /** Recorded keyword constructor arguments (insertion order kept). */
  initKwargs: Record<string, unknown>;
}

const HOOKS = [
  '_backward_hooks',
  '_forward_hooks',
  '_forward_pre_hooks',
  '_state_dict_hooks',
  '_load_state_dict_pre_hooks',
  '_load_state_dict_post_hooks',
];

/** Plain JS value → pickle value: plain objects become dicts (`nestedKind` for nested ones). */
function pyValue(v: unknown, nestedKind: PyDict['kind']): unknown {
  if (Array.isArray(v)) return v.map((x) => pyValue(x, nestedKind));
  if (v instanceof PyTuple) return new PyTuple(v.items.map((x) => pyValue(x, nestedKind)));
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
    return toPyDict(v as Record<string, unknown>, nestedKind, nestedKind);
  return v;
}

/** Serialises module trees; storages are numbered across the whole pickle (one writer per file). */
export class ModuleTreeEncoder {
  private storageKey = 0;

  private tensor(t: TreeTensor, parameter: boolean, where: string): Reduce {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new RangeError(
        `${where}: shape ${JSON.stringify(t.shape)} has ${n} elements, data has ${t.data.length}`,
      );
    const stride = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    const od = () => new PyDict('OrderedDict');
    const storage = new Reduce('torch.storage', '_load_from_bytes', [
      writeLegacyStorage(t.data, String(this.storageKey++)),
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
  }

  /**
   * The `_reconstruct_persistent_obj` record of `node` and its subtree. `rootKwargsKind` is the dict
   * kind of nested values in the root's `_init_kwargs` (train.py passes EasyDicts).
   */
  encode(node: ModuleNode, path = '', nestedKind: PyDict['kind'] = 'EasyDict'): Reduce {
    if (!/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/.test(node.module) || !/^[A-Za-z_]\w*$/.test(node.className))
      throw new RangeError(
        `${path || 'root'}: module ${JSON.stringify(node.module)} / class ${JSON.stringify(node.className)} must be Python names`,
      );
    const st = new PyDict();
    const params = new PyDict('OrderedDict');
    const buffers = new PyDict('OrderedDict');
    const modules = new PyDict('OrderedDict');
    const at = (k: string) => (path ? `${path}.${k}` : k);
    for (const [k, t] of node.parameters) params.map.set(k, t === null ? null : this.tensor(t, true, at(k)));
    for (const [k, t] of node.buffers) buffers.map.set(k, t === null ? null : this.tensor(t, false, at(k)));
    for (const [k, c] of node.children) modules.map.set(k, this.encode(c, at(k), 'dict'));
    st.map.set('training', false);
    st.map.set('_parameters', params);
    st.map.set('_buffers', buffers);
    st.map.set('_non_persistent_buffers_set', new PySet());
    for (const h of HOOKS) st.map.set(h, new PyDict('OrderedDict'));
    st.map.set('_modules', modules);
    for (const [k, v] of node.attrs) st.map.set(k, pyValue(v, 'dict'));
    st.map.set('_init_args', new PyTuple(node.initArgs.map((x) => pyValue(x, 'dict'))));
    st.map.set('_init_kwargs', toPyDict(node.initKwargs, 'dict', nestedKind));
    const meta = new PyDict();
    meta.map.set('type', 'class');
    meta.map.set('version', 6);
    meta.map.set(
      'module_src',
      `# Module source is not embedded: the class comes from the installed official code.\nfrom ${node.module} import *  # noqa\n`,
    );
    meta.map.set('class_name', node.className);
    meta.map.set('state', st);
    return new Reduce('torch_utils.persistence', '_reconstruct_persistent_obj', [meta]);
  }
}

/**
 * A protocol-4 pickle of a dict whose values are module trees (written as persistent objects),
 * `null` (None) or plain data (plain objects become plain dicts, as `dict(training_set_kwargs)`).
 */
export function writeModuleTreePickle(
  entries: [string, ModuleNode | null | Record<string, unknown>][],
): Uint8Array {
  const enc = new ModuleTreeEncoder();
  const top = new PyDict();
  for (const [k, v] of entries) {
    if (v === null) top.map.set(k, null);
    else if ('className' in v && 'children' in v) top.map.set(k, new Shared(enc.encode(v as ModuleNode)));
    else top.map.set(k, toPyDict(v as Record<string, unknown>, 'dict', 'dict'));
  }
  const w = new PickleWriter();
  w.begin();
  w.value(top);
  return w.finish();
}
