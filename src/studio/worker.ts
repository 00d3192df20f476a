/**
 * The studio's rendering Web Worker: holds up to two networks (slots 0 and 1), runs the library's
 * generator on the chosen tfjs backend and answers each render request with the image, the shown
 * map, their display pixels, the FFT view and the live readouts. The page keeps at most one
 * request in flight (a newer state replaces a pending one), so this worker never works through a
 * queue of stale frames.
 *
 * Backends: `auto` tries WebGPU, then WebGL unless its renderer is a software one (SwiftShader,
 * llvmpipe: slower than wasm), then wasm, then cpu; a named backend is used or the worker reports
 * why not. wasm runs single-threaded by default, which keeps the fused filtered-lrelu kernel
 * (it works in the backend's heap); `threads` uses the threaded wasm build and the op chain.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { setFilteredLreluAlgorithm } from '../generator/ops/filtered-lrelu.js';
import { Rng } from '../generator/rng.js';
import {
  configNetwork,
  isStyleGAN2,
  networkInfo,
  pickleNetwork,
  STUDIO_CONFIGS,
  type StudioGenerator,
} from './networks.js';
import type {
  NetworkInfo,
  NetworkSource,
  NoiseMode,
  SlotFrame,
  ViewState,
  WorkerReply,
  WorkerRequest,
} from './protocol.js';
import { channelView, energyBeyondDb, fftPower, fftView, mapStats, shownChannels } from './views.js';
import {
  imageTransform,
  invertAffine,
  isIdentity,
  mapEqPsnrDb,
  moveMap,
  roundToPixels,
} from './transform.js';

interface WorkerScope {
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
}
const scope = self as unknown as WorkerScope;

interface Slot {
  gen: StudioGenerator;
  info: NetworkInfo;
  /** ws of recent (seed, ψ, mixing) keys, [numWs·wDim]. */
  ws: Map<string, Float32Array>;
  /** Identity-transform maps of the last ws key (EQ reference). */
  reference: { key: string; maps: Map<string, { shape: number[]; data: Float32Array }> } | null;
}
const slots: (Slot | null)[] = [null, null];

function post(m: WorkerReply, transfer: Transferable[] = []): void {
  scope.postMessage(m, transfer);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Renderer string of a WebGL2 context in this worker, or null when there is none. */
function webglRenderer(): string | null {
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    if (!gl) return null;
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  } catch {
    return null;
  }
}

async function initBackend(pref: string, threads: boolean, wasmPath: string): Promise<string> {
  setWasmPaths(wasmPath);
  if (!threads) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const order = pref === 'auto' ? ['webgpu', 'webgl', 'wasm', 'cpu'] : [pref];
  const skipped: string[] = [];
  for (const name of order) {
    if (!tf.findBackendFactory(name)) {
      skipped.push(`${name}: not available in this browser`);
      continue;
    }
    if (name === 'webgpu') {
      const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
      if (!adapter) {
        skipped.push('webgpu: no adapter');
        if (pref === 'auto') continue;
      }
    }
    if (name === 'webgl') {
      const renderer = webglRenderer();
      if (!renderer) {
        skipped.push('webgl: no WebGL2 context');
        if (pref === 'auto') continue;
      } else if (pref === 'auto' && /swiftshader|llvmpipe|software/i.test(renderer)) {
        skipped.push(`webgl: software renderer (${renderer}), slower than wasm`);
        continue;
      }
    }
    try {
      // WebGL: one shader program per op for all shapes (shapes as uniforms): far fewer compiles.
      if (name === 'webgl') tf.env().set('WEBGL_USE_SHAPES_UNIFORMS', true);
      if (await tf.setBackend(name)) {
        await tf.ready();
        if (name === 'wasm' && threads) setFilteredLreluAlgorithm('ops');
        const extra =
          name === 'webgl'
            ? ` (${webglRenderer()})`
            : name === 'wasm'
              ? (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'))
                ? ' (threads)'
                : ' (one thread, fused kernel)'
              : '';
        return `${name}${extra}${skipped.length ? `; skipped ${skipped.join('; ')}` : ''}`;
      }
      skipped.push(`${name}: did not initialise`);
    } catch (err) {
      skipped.push(`${name}: ${message(err)}`);
    }
  }
  throw new Error(`no tfjs backend could be initialised: ${skipped.join('; ')}`);
}

async function buildNetwork(source: NetworkSource): Promise<{ gen: StudioGenerator; name: string }> {
  switch (source.kind) {
    case 'config': {
      const gen = configNetwork(source.config, source.resolution, source.channelMax, source.weightSeed);
      return {
        gen,
        name: `${source.config} ${source.resolution}² (C_max ${gen.config.channelMax}, seed ${source.weightSeed})`,
      };
    }
    case 'pickle':
      return { gen: pickleNetwork(new Uint8Array(source.bytes), source.name), name: source.name };
    case 'url': {
      const res = await fetch(source.url);
      if (!res.ok) throw new Error(`${source.name}: the server answered ${res.status}`);
      return { gen: pickleNetwork(new Uint8Array(await res.arrayBuffer()), source.name), name: source.name };
    }
  }
}

async function load(id: number, slot: number, source: NetworkSource): Promise<void> {
  let gen: StudioGenerator | null = null;
  try {
    const built = await buildNetwork(source);
    gen = built.gen;
    const info = networkInfo(gen, built.name);
    // One forward proves the weights fit the backend before the old network goes; the maps it
    // captures are the ones the layer list offers.
    const g = gen;
    const captured = tf.tidy(() => {
      const z = tf.zeros([1, g.config.zDim]) as tf.Tensor2D;
      const r = isStyleGAN2(g)
        ? g.generate(z, { capture: true, noiseMode: 'none' })
        : g.generate(z, { capture: true });
      r.image.dataSync();
      return Object.keys(r.layers ?? {});
    });
    info.layers = info.layers.filter((L) => L.name === 'output' || captured.includes(L.name));
    slots[slot]?.gen.dispose();
    slots[slot] = { gen, info, ws: new Map(), reference: null };
    post({ type: 'loaded', id, slot, info });
  } catch (err) {
    gen?.dispose();
    const msg = message(err);
    const oom = /out of memory|allocat|memory access out of bounds|Array buffer allocation/i.test(msg);
    post({
      type: 'load-error',
      id,
      slot,
      message: oom ? `the network is too large for this browser's memory (${msg})` : msg,
    });
  }
}

/** ws [numWs·wDim] for one integer seed (ψ, cutoff), cached per slot. */
async function seedWs(s: Slot, seed: number, psi: number, cutoff: number | null): Promise<Float32Array> {
  const key = `${seed}|${psi}|${cutoff}`;
  let ws = s.ws.get(key);
  if (!ws) {
    const z = tf.tensor2d(new Rng(seed).normals(s.gen.config.zDim), [1, s.gen.config.zDim]);
    const w = s.gen.mapping(z, { psi, cutoff });
    // Asynchronous read: GPU backends in a browser read back without blocking.
    ws = (await w.data()) as Float32Array;
    z.dispose();
    w.dispose();
    if (s.ws.size > 64) s.ws.clear();
    s.ws.set(key, ws);
  }
  return ws;
}

/** The latent widget's ws: blend of ⌊seed⌋ and ⌊seed⌋ + 1, then style mixing. */
async function framesWs(s: Slot, st: ViewState): Promise<Float32Array> {
  const s0 = Math.floor(st.seed);
  const f = st.seed - s0;
  const a = await seedWs(s, s0, st.psi, st.cutoff);
  const out = Float32Array.from(a);
  if (f > 0) {
    const b = await seedWs(s, s0 + 1, st.psi, st.cutoff);
    for (let i = 0; i < out.length; i++) out[i] = (1 - f) * a[i] + f * b[i];
  }
  if (st.mix) {
    const m = await seedWs(s, Math.round(st.mixSeed), st.psi, st.cutoff);
    const wDim = s.gen.config.wDim;
    const from = Math.max(0, Math.min(st.mixFrom, s.gen.numWs));
    const to = Math.max(from, Math.min(st.mixTo, s.gen.numWs));
    out.set(m.subarray(from * wDim, to * wDim), from * wDim);
  }
  return out;
}

/** Synthesis with every map captured, read back: `input`, the layers and `output` (the image). */
async function synthesize(
  s: Slot,
  ws: Float32Array,
  transform: number[] | null,
  capture: boolean,
  noiseMode: NoiseMode,
  noiseSeed: number,
): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
  const w = tf.tensor3d(ws, [1, s.gen.numWs, s.gen.config.wDim]);
  const r = isStyleGAN2(s.gen)
    ? s.gen.synthesis(w, {
        transform: s.info.hasTransform ? transform : null,
        capture,
        noiseMode: s.info.hasNoise ? noiseMode : 'none',
        // Seeded, so the untransformed reference of the EQ readout sees the same noise.
        noiseSeed: s.info.hasNoise && noiseMode === 'random' ? noiseSeed : undefined,
      })
    : s.gen.synthesis(w, { transform, capture });
  w.dispose();
  const maps = new Map<string, { shape: number[]; data: Float32Array }>();
  try {
    for (const [name, t] of Object.entries(r.layers ?? {}))
      maps.set(name, { shape: t.shape.slice(), data: (await t.data()) as Float32Array });
    maps.set('output', { shape: r.image.shape.slice(), data: (await r.image.data()) as Float32Array });
  } finally {
    r.image.dispose();
    tf.dispose(Object.values(r.layers ?? {}));
  }
  return maps;
}

const IDENTITY = [1, 0, 0, 0, 1, 0, 0, 0, 1];

async function renderSlot(slot: number, layerName: string, st: ViewState): Promise<SlotFrame> {
  const s = slots[slot];
  if (!s) throw new Error(`no network in slot ${slot}`);
  const t0 = performance.now();
  const res = s.info.resolution;
  // Networks without an input transform (StyleGAN2 config A) ignore the equivariance widget.
  const moves = s.info.hasTransform;
  const tx = !moves ? 0 : st.roundPixels ? roundToPixels(st.tx, res) : st.tx;
  const ty = !moves ? 0 : st.roundPixels ? roundToPixels(st.ty, res) : st.ty;
  const turns = moves ? st.rotate : 0;
  const M = imageTransform(tx, ty, turns);
  const inv = invertAffine(M);
  const layer = s.info.layers.find((L) => L.name === layerName) ?? s.info.layers[s.info.layers.length - 1];
  const ws = await framesWs(s, st);
  const identity = isIdentity(tx, ty, turns);
  const wantEq = st.eq && !identity;
  const maps = await synthesize(s, ws, inv, layer.name !== 'output' || wantEq, st.noiseMode, st.noiseSeed);
  let eqPsnrDb: Record<string, number | null> | null = null;
  if (wantEq) {
    const key = `${st.seed}|${st.psi}|${st.cutoff}|${st.mix}|${st.mixSeed}|${st.mixFrom}|${st.mixTo}|${st.noiseMode}|${st.noiseSeed}`;
    if (s.reference?.key !== key)
      s.reference = { key, maps: await synthesize(s, ws, IDENTITY, true, st.noiseMode, st.noiseSeed) };
    eqPsnrDb = {};
    for (const L of s.info.layers) {
      const ref = s.reference.maps.get(L.name);
      const got = maps.get(L.name);
      eqPsnrDb[L.name] = ref && got ? mapEqPsnrDb(ref.data, got.data, ref.shape, M, L.samplingRate) : null;
    }
  }
  const image = maps.get('output')!;
  const map = maps.get(layer.name)!;
  let shown = map.data;
  if (st.untransform && !identity) shown = moveMap(map.data, map.shape, inv, layer.samplingRate).image;
  const shownImage =
    st.untransform && !identity ? moveMap(image.data, image.shape, inv, res).image : image.data;
  const C = map.shape[1];
  const chans = st.fftAll ? Array.from({ length: C }, (_, i) => i) : shownChannels(C, st.channel, st.rgb);
  const [H, W] = [map.shape[2], map.shape[3]];
  const power = fftPower(shown, map.shape, chans, st.fftBeta);
  const square = H === W;
  const beyond = (f: number | null) =>
    square && f !== null ? energyBeyondDb(power, W, layer.samplingRate, f, layer.radial) : null;
  const frame: SlotFrame = {
    slot,
    layer: layer.name,
    image: { shape: image.shape, data: image.data },
    map: { shape: map.shape, data: layer.name === 'output' ? image.data.slice() : map.data },
    imageRgba: channelView(shownImage, image.shape, { channel: 0, rgb: true, normalize: false, gainDb: 0 }),
    mapRgba: channelView(shown, map.shape, st),
    fftRgba: fftView(power, H, W, st.fftRangeDb),
    stats: {
      all: mapStats(
        map.data,
        map.shape,
        Array.from({ length: C }, (_, i) => i),
      ),
      shown: mapStats(map.data, map.shape, shownChannels(C, st.channel, st.rgb)),
    },
    beyondCutoffDb: beyond(layer.cutoff),
    beyondStopbandDb: beyond(
      layer.cutoff !== null && layer.halfWidth !== null ? layer.cutoff + layer.halfWidth : null,
    ),
    eqPsnrDb,
    renderMs: performance.now() - t0,
  };
  return frame;
}

async function render(id: number, targets: { slot: number; layer: string }[], st: ViewState): Promise<void> {
  const t0 = performance.now();
  try {
    const frames: SlotFrame[] = [];
    for (const t of targets) frames.push(await renderSlot(t.slot, t.layer, st));
    const transfer: Transferable[] = [];
    for (const f of frames) {
      for (const buf of [f.image.data, f.map.data, f.imageRgba.data, f.mapRgba.data, f.fftRgba.data])
        if (!transfer.includes(buf.buffer)) transfer.push(buf.buffer);
    }
    post({ type: 'frame', id, frames, totalMs: performance.now() - t0 }, transfer);
  } catch (err) {
    post({ type: 'render-error', id, message: message(err) });
  }
}

/** Requests run one at a time in arrival order (the page sends a new one only after a reply). */
let chain: Promise<void> = Promise.resolve();
scope.onmessage = (e: MessageEvent<WorkerRequest>) => {
  const m = e.data;
  chain = chain.then(async () => {
    switch (m.type) {
      case 'init':
        try {
          const detail = await initBackend(m.backend, m.threads, m.wasmPath);
          post({ type: 'ready', backend: tf.getBackend(), detail, configs: [...STUDIO_CONFIGS] });
        } catch (err) {
          post({ type: 'fatal', message: message(err) });
        }
        break;
      case 'load':
        await load(m.id, m.slot, m.source);
        break;
      case 'unload':
        slots[m.slot]?.gen.dispose();
        slots[m.slot] = null;
        break;
      case 'render':
        await render(m.id, m.targets, m.state);
        break;
    }
  });
};
