/**
 * Training snapshots in the official format: `network-snapshot-<kimg:06d>.pkl` =
 * `pickle.dump(dict(G, D, G_ema, augment_pipe, training_set_kwargs))` as `training_loop.py` writes it,
 * every network a persistent object with the official class names, constructor kwargs, attributes
 * and state keys (`snapshot-trees.ts`), so that the official `legacy.load_network_pkl` loads it; and
 * the reader that resumes from one (ours or an official one). Files are written atomically: a
 * temporary file in the same folder, then a rename, so a killed run never leaves a torn snapshot.
 */
import { readFileSync } from 'node:fs';
import {
  initKwargsOf,
  PersistentObject,
  PyDict,
  readNetworkPickle,
  toPlain,
  unpickleNetwork,
} from '../io/pickle/index.js';
import { writeModuleTreePickle, type ModuleNode, type TreeTensor } from '../io/pickle/module-tree.js';
import { discriminatorTree, stylegan2GeneratorTree, stylegan3GeneratorTree } from './snapshot-trees.js';

/** A network as a snapshot stores it: constructor kwargs (with `class_name`) and state dict. */
export interface NetworkState {
  initKwargs: Record<string, unknown>;
  state: Map<string, TreeTensor>;
}

/** The content of a training snapshot. `augmentPipe` is always None here (no ADA). */
export interface TrainingSnapshot {
  G: NetworkState;
  D: NetworkState;
  G_ema: NetworkState;
  trainingSetKwargs: Record<string, unknown> | null;
}

/** Builders of the official module tree per `class_name`. */
const TREE_BUILDERS: Record<
  string,
  (kw: Record<string, unknown>, s: Map<string, TreeTensor>, what: string) => ModuleNode
> = {
  'training.networks_stylegan3.Generator': stylegan3GeneratorTree,
  'training.networks_stylegan2.Discriminator': discriminatorTree,
  'training.networks_stylegan2.Generator': stylegan2GeneratorTree,
};

/**
 * Register the tree builder of another official class (e.g. `training.networks_stylegan2.Generator`),
 * used by `encodeTrainingSnapshot` for networks of that `class_name`.
 */
export function registerSnapshotTree(
  className: string,
  build: (kw: Record<string, unknown>, s: Map<string, TreeTensor>, what: string) => ModuleNode,
): void {
  TREE_BUILDERS[className] = build;
}

/** The official module tree of one network (RangeError for a class without a builder). */
export function networkTree(net: NetworkState, what: string): ModuleNode {
  const cls = net.initKwargs.class_name;
  const build = typeof cls === 'string' ? TREE_BUILDERS[cls] : undefined;
  if (!build)
    throw new RangeError(
      `${what}: class_name ${JSON.stringify(cls)} cannot be written (known: ${Object.keys(TREE_BUILDERS).join(', ')})`,
    );
  return build(net.initKwargs, net.state, what);
}

/** `network-snapshot-<cur_nimg // 1000, 6 digits>.pkl`, the official name. */
export function snapshotFileName(curNimg: number): string {
  if (!Number.isSafeInteger(curNimg) || curNimg < 0)
    throw new RangeError(`curNimg must be a non-negative integer, got ${curNimg}`);
  return `network-snapshot-${String(Math.floor(curNimg / 1000)).padStart(6, '0')}.pkl`;
}

/** The pickle bytes of a snapshot: `{G, D, G_ema, augment_pipe: None, training_set_kwargs}`. */
export function encodeTrainingSnapshot(snap: TrainingSnapshot): Uint8Array {
  return writeModuleTreePickle([
    ['G', networkTree(snap.G, 'G')],
    ['D', networkTree(snap.D, 'D')],
    ['G_ema', networkTree(snap.G_ema, 'G_ema')],
    ['augment_pipe', null],
    ['training_set_kwargs', snap.trainingSetKwargs],
  ]);
}

/** Atomic writes live in `src/io/atomic-file.ts`; re-exported here, where snapshots use them. */
export { writeFileAtomic } from '../io/atomic-file.js';
import { writeFileAtomic } from '../io/atomic-file.js';

/** `encodeTrainingSnapshot` written atomically to `path`. Returns the byte count. */
export function writeTrainingSnapshot(path: string, snap: TrainingSnapshot): number {
  const bytes = encodeTrainingSnapshot(snap);
  writeFileAtomic(path, bytes);
  return bytes.length;
}

/** Bare class names of released snapshots (full module source, no import stub) → qualified names. */
const BARE_CLASS: Record<string, string> = { Discriminator: 'training.networks_stylegan2.Discriminator' };

function readNet(bytes: Uint8Array, key: string, what: string): NetworkState {
  const snap = readNetworkPickle(bytes, { key, what });
  const cls = snap.initKwargs.class_name;
  const initKwargs = { ...snap.initKwargs };
  if (typeof cls === 'string' && BARE_CLASS[cls]) initKwargs.class_name = BARE_CLASS[cls];
  return { initKwargs, state: snap.state as Map<string, TreeTensor> };
}

/**
 * Read a training snapshot (bytes or a path): G, D and G_ema as kwargs + state dict (tensor data in
 * the file's precision; float16 widened to float32) and `training_set_kwargs` as plain data.
 */
export function readTrainingSnapshot(source: Uint8Array | string): TrainingSnapshot {
  const what = typeof source === 'string' ? source : 'snapshot';
  const bytes = typeof source === 'string' ? readFileSync(source) : source;
  const top = unpickleNetwork(bytes, { what });
  if (!(top instanceof PyDict)) throw new RangeError(`${what}: top level is not a dict of networks`);
  for (const k of ['G', 'D', 'G_ema'])
    if (!(top.get(k) instanceof PersistentObject))
      throw new RangeError(
        `${what}: ${k} is missing or not a network (a training snapshot has G, D and G_ema)`,
      );
  const tsk = top.get('training_set_kwargs');
  return {
    G: readNet(bytes, 'G', what),
    D: readNet(bytes, 'D', what),
    G_ema: readNet(bytes, 'G_ema', what),
    trainingSetKwargs:
      tsk === undefined || tsk === null
        ? null
        : (toPlain(tsk, 'training_set_kwargs') as Record<string, unknown>),
  };
}

/** The recorded constructor kwargs of every network in a snapshot (for architecture checks). */
export function snapshotKwargs(bytes: Uint8Array): Record<string, Record<string, unknown>> {
  const top = unpickleNetwork(bytes) as PyDict;
  const out: Record<string, Record<string, unknown>> = {};
  for (const [k, v] of top.map)
    if (typeof k === 'string' && v instanceof PersistentObject) out[k] = initKwargsOf(v, k);
  return out;
}
