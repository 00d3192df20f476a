/**
 * Making StyleGAN2 generators: fresh seeded weights from a config, from an official snapshot
 * (`init_kwargs` + `G_ema` state dict, as the pickle reader returns it) and from a directory in
 * the golden format (`init_kwargs.json` + `state/<key>.npy`). `createGenerator`,
 * `generatorFromSnapshot` and `loadGenerator` (../weights.ts) dispatch here.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy } from '../../io/npy.js';
import type { StateTensor } from '../state.js';
import { ensureBackend } from '../backend.js';
import { resolveStyleGAN2Config, styleGAN2ConfigFromInitKwargs, type StyleGAN2Config } from './config.js';
import { styleGAN2Layout, styleGAN2StateLayout } from './layout.js';
import { styleGAN2InitialState, validateStyleGAN2State } from './state.js';
import { StyleGAN2Generator } from './generator.js';

/** A StyleGAN2 generator with fresh seeded weights (official shapes and initial distributions). */
export async function createStyleGAN2Generator(
  config: StyleGAN2Config,
  { seed = 0 }: { seed?: number | string } = {},
): Promise<StyleGAN2Generator> {
  const layout = styleGAN2Layout(resolveStyleGAN2Config(config));
  await ensureBackend();
  return new StyleGAN2Generator(layout, styleGAN2InitialState(layout, seed), null);
}

/** A StyleGAN2 generator from official `init_kwargs` and a state dict (checked against the kwargs). */
export async function styleGAN2FromSnapshot(snapshot: {
  initKwargs: Record<string, unknown>;
  state: ReadonlyMap<string, StateTensor>;
}): Promise<StyleGAN2Generator> {
  const layout = styleGAN2Layout(resolveStyleGAN2Config(styleGAN2ConfigFromInitKwargs(snapshot.initKwargs)));
  const state = validateStyleGAN2State(layout, snapshot.state, 'snapshot state');
  await ensureBackend();
  return new StyleGAN2Generator(layout, state, { ...snapshot.initKwargs });
}

/**
 * Load a golden-format directory whose `init_kwargs.json` names a StyleGAN2 class (or holds an
 * `aliasfree_config.json` with `network: 'stylegan2'`, which takes precedence).
 */
export async function loadStyleGAN2Directory(
  path: string,
  initKwargs: Record<string, unknown>,
  ownConfig: StyleGAN2Config | null = null,
): Promise<StyleGAN2Generator> {
  const config = ownConfig ?? styleGAN2ConfigFromInitKwargs(initKwargs);
  const layout = styleGAN2Layout(resolveStyleGAN2Config(config));
  const stateDir = join(path, 'state');
  if (!existsSync(stateDir)) throw new RangeError(`${JSON.stringify(path)} has no state/ folder`);
  const files = new Set(readdirSync(stateDir).filter((f) => f.endsWith('.npy')));
  const state = new Map<string, StateTensor>();
  for (const { key } of styleGAN2StateLayout(layout)) {
    const file = `${key}.npy`;
    if (!files.has(file)) throw new RangeError(`weight file ${join(stateDir, file)} is missing`);
    files.delete(file);
    const a = readNpy(join(stateDir, file));
    if (a.data instanceof Uint8Array) throw new TypeError(`weight file ${file} has a non-numeric dtype`);
    state.set(key, { shape: a.shape.slice(), data: a.data as Float32Array });
  }
  // Leftover files are entries the layout does not know: validation names them.
  for (const f of files) state.set(f.slice(0, -4), { shape: [0], data: new Float32Array(0) });
  await ensureBackend();
  return new StyleGAN2Generator(layout, validateStyleGAN2State(layout, state, stateDir), initKwargs);
}

/** Read `init_kwargs.json` of a directory (for dispatching on its class name). */
export function readInitKwargs(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(path, 'init_kwargs.json'), 'utf8')) as Record<string, unknown>;
}
