/**
 * Structural comparison of two unpickled persistent module trees (test helper): classes, plain
 * attributes, recorded constructor arguments, parameter/buffer names and tensors, submodule order.
 */
import { PersistentObject, PyDict, PyTuple, toPlain, TorchTensor } from '../../src/io/pickle/index.js';
import { tensorData } from '../../src/io/pickle/torch-legacy.js';

/** Plain values equal, numbers within `ulps` units in the last place (0 = exactly). */
export function plainEqual(a: unknown, b: unknown, ulps: number): boolean {
  if (typeof a === 'number' && typeof b === 'number')
    return a === b || Math.abs(a - b) <= ulps * Number.EPSILON * Math.max(Math.abs(a), Math.abs(b));
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => plainEqual(x, b[i], ulps));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.join('\n') === kb.join('\n') &&
      ka.every((k) => plainEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], ulps))
    );
  }
  return a === b;
}

/**
 * Every difference between `got` and `want`, as `path: message` lines (empty when equal); plain
 * numbers may differ by `ulps` units in the last place.
 */
export function compareTrees(
  got: PersistentObject,
  want: PersistentObject,
  path = 'root',
  out: string[] = [],
  ulps = 0,
): string[] {
  if (got.className !== want.className) out.push(`${path}: class ${got.className} ≠ ${want.className}`);
  const gs = got.state as PyDict;
  const ws = want.state as PyDict;
  const plainKeys = (d: PyDict) =>
    [...d.map.keys()].filter(
      (k) =>
        typeof k === 'string' &&
        (!k.startsWith('_') || k === '_init_args' || k === '_init_kwargs') &&
        k !== 'training',
    ) as string[];
  const gk = plainKeys(gs);
  const wk = plainKeys(ws);
  if (gk.join(',') !== wk.join(',')) out.push(`${path}: attributes [${gk}] ≠ [${wk}]`);
  for (const k of wk) {
    if (!gs.map.has(k)) continue;
    const a = toPlain(gs.get(k) instanceof PyTuple ? (gs.get(k) as PyTuple).items : gs.get(k), k, true);
    const b = toPlain(ws.get(k) instanceof PyTuple ? (ws.get(k) as PyTuple).items : ws.get(k), k, true);
    if (!plainEqual(a, b, ulps)) out.push(`${path}.${k}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`);
  }
  for (const kind of ['_parameters', '_buffers']) {
    const a = gs.get(kind) as PyDict;
    const b = ws.get(kind) as PyDict;
    const an = [...a.map.keys()].join(',');
    const bn = [...b.map.keys()].join(',');
    if (an !== bn) out.push(`${path}.${kind}: [${an}] ≠ [${bn}]`);
    for (const [k, t] of b.map) {
      const u = a.get(k as string);
      if ((t === null) !== (u === null || u === undefined)) out.push(`${path}.${kind}.${k}: None mismatch`);
      if (t instanceof TorchTensor && u instanceof TorchTensor) {
        if (JSON.stringify(t.shape) !== JSON.stringify(u.shape))
          out.push(`${path}.${k}: shape ${u.shape} ≠ ${t.shape}`);
        const x = tensorData(u);
        const y = tensorData(t);
        if (x.length !== y.length || x.some((v, i) => !Object.is(v, y[i])))
          out.push(`${path}.${k}: data differs`);
      }
    }
  }
  const gm = gs.get('_modules') as PyDict;
  const wm = ws.get('_modules') as PyDict;
  const gn = [...gm.map.keys()].join(',');
  const wn = [...wm.map.keys()].join(',');
  if (gn !== wn) out.push(`${path}._modules: [${gn}] ≠ [${wn}]`);
  for (const [k, m] of wm.map) {
    const g = gm.get(k as string);
    if (m instanceof PersistentObject && g instanceof PersistentObject)
      compareTrees(g, m, `${path}.${k}`, out, ulps);
  }
  return out;
}
