/**
 * The studio's shareable URL: every control and the built-in networks in the location hash
 * (`#seed=3.5&tx=0.125&layer=L3_36_512&net=T,64,64,0&net2=R,64,64,0`), parsed back on load.
 * Pickles cannot travel in a URL: a pickle network is written as its file name (`file:name`) and
 * the page asks for the file again. Unknown or malformed entries keep their defaults.
 */
import type { NoiseMode, ViewState } from './protocol.js';

/** A network as the URL names it: a built-in config, or a file the user must load again. */
export type UrlNetwork =
  | { kind: 'config'; config: string; resolution: number; channelMax: number; weightSeed: number }
  | { kind: 'file'; name: string };

/** Everything the URL holds. */
export interface UrlState {
  view: ViewState;
  nets: [UrlNetwork, UrlNetwork | null];
  sideBySide: boolean;
}

/** The controls' initial values (those of the official visualiser where it has them). */
export const DEFAULT_VIEW: Readonly<ViewState> = Object.freeze({
  seed: 0,
  psi: 1,
  cutoff: null,
  mix: false,
  mixSeed: 1,
  mixFrom: 0,
  mixTo: 0,
  noiseMode: 'const' as NoiseMode,
  noiseSeed: 0,
  tx: 0,
  ty: 0,
  rotate: 0,
  roundPixels: false,
  untransform: false,
  layer: 'output',
  channel: 0,
  rgb: true,
  normalize: false,
  gainDb: 0,
  fftAll: true,
  fftRangeDb: 50,
  fftBeta: 8,
  eq: true,
});

/** The default network: T at 64² with the CLI's small capacity (C_max 64), weight seed 0. */
export const DEFAULT_NETWORK: UrlNetwork = {
  kind: 'config',
  config: 'T',
  resolution: 64,
  channelMax: 64,
  weightSeed: 0,
};

const NUMBER_KEYS = [
  'seed',
  'noiseSeed',
  'psi',
  'mixSeed',
  'mixFrom',
  'mixTo',
  'tx',
  'ty',
  'rotate',
  'channel',
  'gainDb',
  'fftRangeDb',
  'fftBeta',
] as const;
const BOOL_KEYS = ['mix', 'roundPixels', 'untransform', 'rgb', 'normalize', 'fftAll', 'eq'] as const;

function netToString(n: UrlNetwork): string {
  return n.kind === 'config'
    ? `${n.config},${n.resolution},${n.channelMax},${n.weightSeed}`
    : `file:${n.name}`;
}

function netFromString(s: string | null): UrlNetwork | null {
  if (!s) return null;
  if (s.startsWith('file:')) return { kind: 'file', name: s.slice(5) };
  const [config, res, cmax, seed] = s.split(',');
  const resolution = Number(res);
  const channelMax = Number(cmax);
  const weightSeed = Number(seed ?? 0);
  if (!/^[A-Z]$/.test(config ?? '') || !Number.isInteger(resolution) || !Number.isInteger(channelMax))
    return null;
  return {
    kind: 'config',
    config,
    resolution,
    channelMax,
    weightSeed: Number.isInteger(weightSeed) ? weightSeed : 0,
  };
}

/** The hash (without `#`) for a state: only values that differ from the defaults. */
export function encodeUrlState(s: UrlState): string {
  const p = new URLSearchParams();
  const v = s.view;
  for (const k of NUMBER_KEYS) if (v[k] !== DEFAULT_VIEW[k]) p.set(k, String(v[k]));
  for (const k of BOOL_KEYS) if (v[k] !== DEFAULT_VIEW[k]) p.set(k, v[k] ? '1' : '0');
  if (v.cutoff !== null) p.set('cutoff', String(v.cutoff));
  if (v.noiseMode !== DEFAULT_VIEW.noiseMode) p.set('noise', v.noiseMode);
  if (v.layer !== DEFAULT_VIEW.layer) p.set('layer', v.layer);
  p.set('net', netToString(s.nets[0]));
  if (s.nets[1]) p.set('net2', netToString(s.nets[1]));
  if (s.sideBySide) p.set('sbs', '1');
  return p.toString();
}

/** Parse a hash (with or without `#`); anything missing or malformed keeps its default. */
export function decodeUrlState(hash: string): UrlState {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const view: ViewState = { ...DEFAULT_VIEW };
  for (const k of NUMBER_KEYS) {
    const raw = p.get(k);
    const x = raw === null || raw === '' ? NaN : Number(raw);
    if (Number.isFinite(x)) view[k] = x;
  }
  for (const k of BOOL_KEYS) {
    const raw = p.get(k);
    if (raw === '1' || raw === '0') view[k] = raw === '1';
  }
  const cutoff = Number(p.get('cutoff'));
  if (p.get('cutoff') !== null && Number.isInteger(cutoff) && cutoff >= 0) view.cutoff = cutoff;
  if (!Number.isSafeInteger(view.noiseSeed) || view.noiseSeed < 0) view.noiseSeed = DEFAULT_VIEW.noiseSeed;
  const noise = p.get('noise');
  if (noise === 'const' || noise === 'random' || noise === 'none') view.noiseMode = noise;
  const layer = p.get('layer');
  if (layer && /^[A-Za-z0-9_.]+$/.test(layer)) view.layer = layer;
  return {
    view,
    nets: [netFromString(p.get('net')) ?? { ...DEFAULT_NETWORK }, netFromString(p.get('net2'))],
    sideBySide: p.get('sbs') === '1',
  };
}
