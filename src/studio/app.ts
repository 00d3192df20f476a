/**
 * aliasfree studio — the page: the controls of the official visualiser (latent, style mixing,
 * truncation, noise, equivariance, layer and FFT views, performance, capture) and what goes past it
 * (two networks side by side with every control shared, band guides and energy readouts on the FFT,
 * live per-map EQ-PSNR, keyboard shortcuts, the state in a shareable URL). Rendering happens in
 * `worker.ts`; this page keeps at most one request in flight and sends only the newest state when
 * the worker is free again, so dragging never builds a queue of stale frames.
 *
 * Test ids (a contract for automated checks): `status` (its text contains "ready" once the current
 * request has been drawn), `output`, `network-file`, `layer-select`, `translate-x`, `fft`; and, for
 * the second network, `output-b`, `fft-b`, `network-file-b`, `side-by-side`, `message`.
 */
import type {
  NetworkInfo,
  NetworkSource,
  SlotFrame,
  ViewState,
  WorkerReply,
  WorkerRequest,
} from './protocol.js';
import { DEFAULT_NETWORK, decodeUrlState, encodeUrlState, type UrlNetwork } from './url-state.js';
import { bandGuides } from './guides.js';

// ---------------------------------------------------------------------------------------------
// State

const initial = decodeUrlState(location.hash);
const state: ViewState = initial.view;
const query = new URLSearchParams(location.search);

interface NetSlot {
  url: UrlNetwork;
  info: NetworkInfo | null;
}
const nets: [NetSlot, NetSlot | null] = [
  { url: initial.nets[0], info: null },
  initial.nets[1] ? { url: initial.nets[1], info: null } : null,
];
let sideBySide = initial.sideBySide;
const anim = {
  latent: false,
  latentSpeed: 0.25, // seeds per second
  translate: false,
  translateSpeed: 0.05, // turns of the circular path per second
  translateRadius: 0.125, // image widths
  rotate: false,
  rotateSpeed: 0.02, // turns per second
  noise: false,
};

let worker: Worker;
let ready = false;
let backendName = '';
let inFlight = false;
let dirty = false;
let requestId = 0;
let loadId = 0;
const pendingLoads = new Set<number>();
const lastFrames: SlotFrame[] = [];
const frameTimes: number[] = [];
let lastRenderMs = 0;
let frameWaiters: (() => void)[] = [];

// ---------------------------------------------------------------------------------------------
// DOM helpers

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function panel(title: string, ...children: Node[]): HTMLElement {
  const p = el('details', { class: 'panel', open: '' }, el('summary', { text: title }));
  p.append(...children);
  controls.append(p);
  return p;
}

const numberInputs = new Map<string, HTMLInputElement>();
const checkInputs = new Map<string, HTMLInputElement>();

/** A labelled number box with a range slider beside it, bound to `state[key]`. */
function numberControl(
  label: string,
  key: keyof ViewState,
  min: number,
  max: number,
  step: number,
  testid?: string,
): HTMLElement {
  const range = el('input', { type: 'range', min: String(min), max: String(max), step: String(step) });
  const box = el('input', { type: 'number', step: String(step), class: 'num' });
  if (testid) box.dataset.testid = testid;
  const sync = () => {
    const v = state[key] as number;
    box.value = String(v);
    range.value = String(v);
  };
  const set = (raw: string) => {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v)) return;
    (state as unknown as Record<string, number>)[key] = v;
    range.value = String(v);
    changed();
  };
  box.addEventListener('input', () => set(box.value));
  box.addEventListener('change', () => set(box.value));
  range.addEventListener('input', () => {
    box.value = range.value;
    set(range.value);
  });
  numberInputs.set(key, box);
  syncers.push(sync);
  sync();
  return el('label', { class: 'row' }, el('span', { text: label }), range, box);
}

/** A checkbox bound to a boolean of `state` (or to a getter/setter pair). */
function checkControl(
  label: string,
  get: () => boolean,
  set: (v: boolean) => void,
  testid?: string,
): HTMLElement {
  const box = el('input', { type: 'checkbox' });
  if (testid) box.dataset.testid = testid;
  box.addEventListener('change', () => {
    set(box.checked);
    changed();
  });
  syncers.push(() => (box.checked = get()));
  box.checked = get();
  checkInputs.set(label, box);
  return el('label', { class: 'row check' }, box, el('span', { text: label }));
}

function stateCheck(label: string, key: keyof ViewState, testid?: string): HTMLElement {
  return checkControl(
    label,
    () => state[key] as boolean,
    (v) => ((state as unknown as Record<string, boolean>)[key] = v),
    testid,
  );
}

function button(label: string, onClick: () => void, testid?: string): HTMLButtonElement {
  const b = el('button', { type: 'button', text: label });
  if (testid) b.dataset.testid = testid;
  b.addEventListener('click', onClick);
  return b;
}

const syncers: (() => void)[] = [];
function syncControls(): void {
  for (const s of syncers) s();
}

// ---------------------------------------------------------------------------------------------
// Layout

const statusEl = document.getElementById('status')!;
const backendEl = document.getElementById('backend')!;
const messageEl = document.getElementById('message')!;
const controls = document.getElementById('controls')!;
const views = document.getElementById('views')!;

function setStatus(text: string): void {
  statusEl.textContent = text;
}

function showMessage(text: string): void {
  messageEl.textContent = text;
  messageEl.hidden = text === '';
}

interface SlotView {
  root: HTMLElement;
  title: HTMLElement;
  output: HTMLCanvasElement;
  map: HTMLCanvasElement;
  mapTitle: HTMLElement;
  fft: HTMLCanvasElement;
  readout: HTMLElement;
  stats: HTMLElement;
  eqTable: HTMLElement;
}

function slotView(suffix: string): SlotView {
  const output = el('canvas', { 'data-testid': `output${suffix}`, class: 'pixels', width: '1', height: '1' });
  const map = el('canvas', {
    'data-testid': `layer-view${suffix}`,
    class: 'pixels',
    width: '1',
    height: '1',
  });
  const fft = el('canvas', { 'data-testid': `fft${suffix}`, class: 'fft', width: '256', height: '256' });
  const title = el('h2', { text: '…' });
  const mapTitle = el('div', { class: 'caption' });
  const readout = el('div', { class: 'readout', 'data-testid': `readout${suffix}` });
  const stats = el('div', { class: 'readout', 'data-testid': `stats${suffix}` });
  const eqTable = el('table', { class: 'eq', 'data-testid': `eq-table${suffix}` });
  const root = el(
    'div',
    { class: 'slot' },
    title,
    el(
      'div',
      { class: 'images' },
      el('figure', {}, output, el('figcaption', { text: 'output' })),
      el('figure', {}, map, mapTitle),
      el('figure', {}, fft, el('figcaption', { text: 'FFT (dB) with f_c, f_c+f_h, s/2' })),
    ),
    stats,
    readout,
    eqTable,
  );
  views.append(root);
  return { root, title, output, map, mapTitle, fft, readout, stats, eqTable };
}

const slotViews: [SlotView, SlotView] = [slotView(''), slotView('-b')];

// Network panel --------------------------------------------------------------------------------

const RESOLUTIONS = [16, 32, 64, 128, 256, 512, 1024];

function networkControls(slot: number): HTMLElement {
  const suffix = slot === 0 ? '' : '-b';
  const cur = nets[slot]?.url.kind === 'config' ? nets[slot]!.url : DEFAULT_NETWORK;
  const c = cur as Extract<UrlNetwork, { kind: 'config' }>;
  const cfg = el('select', { 'data-testid': `config${suffix}` });
  // The worker says which presets the library has (filled in on 'ready').
  cfg.append(el('option', { value: c.config, text: c.config }));
  configSelects.push({ select: cfg, initial: c.config });
  const res = el('select', { 'data-testid': `resolution${suffix}` });
  for (const r of RESOLUTIONS) res.append(el('option', { value: String(r), text: `${r}²` }));
  res.value = String(c.resolution);
  const cmax = el('input', {
    type: 'number',
    min: '1',
    step: '1',
    class: 'num',
    value: String(c.channelMax),
  });
  cmax.dataset.testid = `channel-max${suffix}`;
  const wseed = el('input', { type: 'number', step: '1', class: 'num', value: String(c.weightSeed) });
  const build = button(
    'build',
    () => {
      const url = {
        kind: 'config' as const,
        config: cfg.value,
        resolution: Number(res.value),
        channelMax: Math.max(1, Math.round(Number(cmax.value) || 64)),
        weightSeed: Math.round(Number(wseed.value) || 0),
      };
      if (slot === 1 && !sideBySide) {
        sideBySide = true;
        layoutSlots();
      }
      loadNetwork(slot, url, { ...url });
    },
    `build${suffix}`,
  );
  const file = el('input', { type: 'file', accept: '.pkl', 'data-testid': `network-file${suffix}` });
  file.addEventListener('change', () => {
    const f = file.files?.[0];
    if (f) void loadFile(slot, f);
  });
  const served = el(
    'select',
    { 'data-testid': `served${suffix}` },
    el('option', { value: '', text: '(served files)' }),
  );
  served.addEventListener('change', () => {
    if (!served.value) return;
    const name = served.selectedOptions[0].textContent ?? served.value;
    loadNetwork(slot, { kind: 'file', name }, { kind: 'url', name, url: served.value });
  });
  servedSelects.push(served);
  return el(
    'div',
    { class: 'net' },
    el(
      'div',
      { class: 'row' },
      el('span', { text: slot === 0 ? 'A' : 'B' }),
      cfg,
      res,
      el('span', { text: 'C_max' }),
      cmax,
    ),
    el('div', { class: 'row' }, el('span', { text: 'weight seed' }), wseed, build),
    el('div', { class: 'row' }, file),
    el('div', { class: 'row' }, served),
  );
}
const servedSelects: HTMLSelectElement[] = [];
const configSelects: { select: HTMLSelectElement; initial: string }[] = [];

panel(
  'Networks',
  networkControls(0),
  checkControl(
    'side by side (B)',
    () => sideBySide,
    (v) => {
      sideBySide = v;
      if (v && !nets[1]) loadNetwork(1, partnerNetwork(), null);
      layoutSlots();
    },
    'side-by-side',
  ),
  networkControls(1),
  el('p', { class: 'hint', text: 'Drop a network.pkl on the page to load it as A (shift: as B).' }),
);

// Latent, mixing, truncation, noise ---------------------------------------------------------------

const seedPad = el('div', { class: 'drag', text: 'drag: fractional seed' });
dragPad(seedPad, (dx) => {
  state.seed = Math.max(0, Math.round((state.seed + dx / 100) * 1000) / 1000);
});
panel(
  'Latent',
  numberControl('seed', 'seed', 0, 1000, 0.001, 'seed'),
  seedPad,
  checkControl(
    'animate',
    () => anim.latent,
    (v) => (anim.latent = v),
    'animate-latent',
  ),
  speedControl(
    'speed (seeds/s)',
    () => anim.latentSpeed,
    (v) => (anim.latentSpeed = v),
  ),
);
panel(
  'Style mixing',
  stateCheck('mix', 'mix', 'mix'),
  numberControl('mix seed', 'mixSeed', 0, 1000, 1),
  numberControl('from ws', 'mixFrom', 0, 20, 1),
  numberControl('to ws', 'mixTo', 0, 20, 1),
);
const cutoffBox = el('input', { type: 'number', min: '0', step: '1', class: 'num', placeholder: 'all' });
cutoffBox.addEventListener('input', () => {
  const v = Number(cutoffBox.value);
  state.cutoff = cutoffBox.value.trim() === '' || !Number.isInteger(v) || v < 0 ? null : v;
  changed();
});
syncers.push(() => (cutoffBox.value = state.cutoff === null ? '' : String(state.cutoff)));
panel(
  'Truncation',
  numberControl('ψ', 'psi', -1, 2, 0.01, 'psi'),
  el('label', { class: 'row' }, el('span', { text: 'cutoff (ws)' }), cutoffBox),
);
const noiseSelect = el('select', { 'data-testid': 'noise-mode' });
for (const m of ['const', 'random', 'none']) noiseSelect.append(el('option', { value: m, text: m }));
noiseSelect.addEventListener('change', () => {
  state.noiseMode = noiseSelect.value as ViewState['noiseMode'];
  changed();
});
syncers.push(() => (noiseSelect.value = state.noiseMode));
const noiseSeedBox = el('input', {
  type: 'number',
  min: '0',
  step: '1',
  class: 'num',
  'data-testid': 'noise-seed',
});
noiseSeedBox.addEventListener('input', () => {
  const v = Number(noiseSeedBox.value);
  if (noiseSeedBox.value.trim() === '' || !Number.isSafeInteger(v) || v < 0) return;
  state.noiseSeed = v;
  changed();
});
syncers.push(() => (noiseSeedBox.value = String(state.noiseSeed)));
const noisePanel = panel(
  'Noise (StyleGAN2)',
  el('label', { class: 'row' }, el('span', { text: 'mode' }), noiseSelect),
  el('label', { class: 'row' }, el('span', { text: 'seed (random)' }), noiseSeedBox),
  checkControl(
    'animate (random: the noise seed steps every frame)',
    () => anim.noise,
    (v) => (anim.noise = v),
    'animate-noise',
  ),
  el('p', {
    class: 'hint',
    text: 'Only StyleGAN2 networks with noise inputs (A, B) have noise; C and StyleGAN3 have none.',
  }),
);

// Equivariance --------------------------------------------------------------------------------

const eqPanel = panel(
  'Equivariance',
  numberControl('translate x', 'tx', -1, 1, 0.001, 'translate-x'),
  numberControl('translate y', 'ty', -1, 1, 0.001, 'translate-y'),
  stateCheck('round to whole pixels', 'roundPixels'),
  checkControl(
    'animate translation',
    () => anim.translate,
    (v) => (anim.translate = v),
    'animate-translate',
  ),
  speedControl(
    'speed (turns/s)',
    () => anim.translateSpeed,
    (v) => (anim.translateSpeed = v),
  ),
  numberControl('rotate (turns)', 'rotate', -1, 1, 0.001, 'rotate'),
  checkControl(
    'animate rotation',
    () => anim.rotate,
    (v) => (anim.rotate = v),
    'animate-rotate',
  ),
  speedControl(
    'speed (turns/s)',
    () => anim.rotateSpeed,
    (v) => (anim.rotateSpeed = v),
  ),
  stateCheck('untransform', 'untransform', 'untransform'),
  stateCheck('live EQ-PSNR per layer', 'eq', 'eq'),
  button('reset', () => {
    state.tx = state.ty = state.rotate = 0;
    anim.translate = anim.rotate = false;
    changed();
  }),
);

// Layer and FFT ---------------------------------------------------------------------------------

const layerSelect = el('select', { 'data-testid': 'layer-select' });
layerSelect.addEventListener('change', () => {
  state.layer = layerSelect.value;
  changed();
});
panel(
  'Layer',
  el('label', { class: 'row' }, el('span', { text: 'map' }), layerSelect),
  numberControl('channel', 'channel', 0, 1023, 1, 'channel'),
  stateCheck('3 channels as RGB', 'rgb'),
  stateCheck('normalise', 'normalize'),
  numberControl('brightness (dB)', 'gainDb', -40, 40, 0.5),
);
panel(
  'FFT',
  stateCheck('all channels', 'fftAll'),
  numberControl('range (dB)', 'fftRangeDb', 0.1, 100, 0.1),
  numberControl('Kaiser β', 'fftBeta', 0, 50, 0.1),
);

// Performance and capture ---------------------------------------------------------------------

const perf = el('div', { class: 'perf', 'data-testid': 'performance' });
panel('Performance', perf);
panel(
  'Capture',
  button('output PNG', () => capture('output'), 'capture'),
  button('layer PNG', () => capture('map')),
  button('FFT PNG', () => capture('fft')),
  button('copy link', () => void navigator.clipboard?.writeText(location.href)),
);
panel(
  'Keys',
  el('pre', {
    class: 'keys',
    text: [
      '←/→  seed ∓1 (shift ∓0.1)     ↑/↓  layer',
      'a/d  x ∓1 px   w/s  y ∓1 px   q/e  rotate',
      'space  animate translation    r  rotation',
      'l  animate latent   u  untransform   0  reset',
      '[/]  channel   c  RGB   n  normalise',
      'f  FFT of all channels   b  side by side',
      'p  capture PNG',
    ].join('\n'),
  }),
);

function speedControl(label: string, get: () => number, set: (v: number) => void): HTMLElement {
  const box = el('input', { type: 'number', step: '0.01', class: 'num', value: String(get()) });
  box.addEventListener('input', () => {
    const v = Number(box.value);
    if (Number.isFinite(v)) set(v);
  });
  return el('label', { class: 'row' }, el('span', { text: label }), box);
}

/** Horizontal drag on `pad` calls `onDrag(dx)` (pixels; ×0.1 with shift) and re-renders. */
function dragPad(pad: HTMLElement, onDrag: (dx: number, dy: number) => void): void {
  let last: { x: number; y: number } | null = null;
  pad.addEventListener('pointerdown', (e) => {
    last = { x: e.clientX, y: e.clientY };
    pad.setPointerCapture(e.pointerId);
  });
  pad.addEventListener('pointermove', (e) => {
    if (!last) return;
    const k = e.shiftKey ? 0.1 : 1;
    onDrag((e.clientX - last.x) * k, (e.clientY - last.y) * k);
    last = { x: e.clientX, y: e.clientY };
    changed();
  });
  pad.addEventListener('pointerup', () => (last = null));
}

// Dragging the output image translates it (one image width per canvas width).
for (const v of slotViews) {
  dragPad(v.output, (dx, dy) => {
    const w = v.output.getBoundingClientRect().width || 1;
    state.tx += dx / w;
    state.ty += dy / w;
  });
}

/** The network B gets when side by side is switched on: A's size with R (or T beside R). */
function partnerNetwork(): UrlNetwork {
  const a = nets[0].url;
  const base = a.kind === 'config' ? a : (DEFAULT_NETWORK as Extract<UrlNetwork, { kind: 'config' }>);
  return { ...base, config: base.config === 'R' ? 'T' : 'R' };
}

function layoutSlots(): void {
  slotViews[1].root.hidden = !(sideBySide && nets[1]);
  views.classList.toggle('two', !slotViews[1].root.hidden);
}

// ---------------------------------------------------------------------------------------------
// Worker traffic

function send(m: WorkerRequest, transfer: Transferable[] = []): void {
  worker.postMessage(m, transfer);
}

function loadNetwork(slot: number, url: UrlNetwork, source: NetworkSource | null): void {
  if (!source) {
    if (url.kind !== 'config') {
      showMessage(`load ${url.name} again with the file input (pickles are not kept in links)`);
      return;
    }
    source = {
      kind: 'config',
      config: url.config,
      resolution: url.resolution,
      channelMax: url.channelMax,
      weightSeed: url.weightSeed,
    };
  }
  const id = ++loadId;
  pendingLoads.add(id);
  setStatus(`loading ${source.kind === 'config' ? source.config : source.name}…`);
  const transfer = source.kind === 'pickle' ? [source.bytes] : [];
  pendingUrls.set(id, url);
  send({ type: 'load', id, slot, source }, transfer);
}
const pendingUrls = new Map<number, UrlNetwork>();

/** Largest file the page reads (a browser tab cannot hold much more alongside the network). */
const MAX_FILE_BYTES = 1.5 * 2 ** 30;

async function loadFile(slot: number, f: File): Promise<void> {
  if (f.size > MAX_FILE_BYTES) {
    showMessage(`${f.name} (${(f.size / 2 ** 20).toFixed(0)} MiB) is too large for the browser's memory`);
    return;
  }
  const bytes = await f.arrayBuffer();
  loadNetwork(slot, { kind: 'file', name: f.name }, { kind: 'pickle', name: f.name, bytes });
}

function targets(): { slot: number; layer: string }[] {
  const a = nets[0].info;
  if (!a) return [];
  const idx = Math.max(
    0,
    a.layers.findIndex((L) => L.name === state.layer),
  );
  const out = [{ slot: 0, layer: a.layers[idx]?.name ?? 'output' }];
  const b = nets[1]?.info;
  if (sideBySide && b) {
    // Same position in the list: input ↔ input, output ↔ output, layers by relative depth.
    const last = a.layers.length - 1;
    const j =
      idx === last
        ? b.layers.length - 1
        : idx === 0
          ? 0
          : Math.min(b.layers.length - 2, Math.round((idx / last) * (b.layers.length - 1)));
    out.push({ slot: 1, layer: b.layers[j].name });
  }
  return out;
}

/** Something changed: remember it, update the URL and render when the worker is free. */
function changed(): void {
  syncControls();
  history.replaceState(null, '', `#${encodeUrlState(urlState())}`);
  dirty = true;
  pump();
}

function urlState() {
  return {
    view: state,
    nets: [nets[0].url, nets[1]?.url ?? null] as [UrlNetwork, UrlNetwork | null],
    sideBySide,
  };
}

function pump(): void {
  if (!ready || inFlight || !dirty || pendingLoads.size > 0 || !nets[0].info) {
    if (dirty && ready) setStatus(pendingLoads.size ? 'loading…' : 'rendering…');
    return;
  }
  dirty = false;
  inFlight = true;
  setStatus('rendering…');
  send({ type: 'render', id: ++requestId, targets: targets(), state: { ...state } });
}

function onReply(m: WorkerReply): void {
  switch (m.type) {
    case 'ready':
      ready = true;
      backendName = m.backend;
      backendEl.textContent = `backend: ${m.detail}`;
      for (const { select, initial } of configSelects) {
        select.replaceChildren(...m.configs.map((n) => el('option', { value: n, text: n })));
        select.value = m.configs.includes(initial) ? initial : 'T';
      }
      if (nets[0].url.kind === 'file') {
        // A link cannot carry a pickle: start with the default network and ask for the file.
        showMessage(`load ${nets[0].url.name} again with the file input (pickles are not kept in links)`);
        nets[0] = { url: { ...DEFAULT_NETWORK }, info: null };
      }
      loadNetwork(0, nets[0].url, null);
      if (nets[1]) loadNetwork(1, nets[1].url, null);
      break;
    case 'loaded': {
      pendingLoads.delete(m.id);
      const url = pendingUrls.get(m.id)!;
      pendingUrls.delete(m.id);
      nets[m.slot] = { url, info: m.info };
      if (m.slot === 0) fillLayers(m.info);
      if (m.slot === 1) layoutSlots();
      noisePanel.classList.toggle('disabled', !m.info.hasNoise);
      eqPanel.classList.toggle('disabled', !m.info.hasTransform);
      showMessage('');
      changed();
      break;
    }
    case 'load-error':
      pendingLoads.delete(m.id);
      pendingUrls.delete(m.id);
      showMessage(`could not load the network: ${m.message}`);
      if (!nets[0].info && pendingLoads.size === 0) {
        setStatus('no network: build one or load a file');
        break;
      }
      dirty = true;
      pump();
      if (!dirty && !inFlight) setStatus('ready');
      break;
    case 'frame':
      inFlight = false;
      draw(m.frames, m.totalMs);
      if (!dirty) setStatus(`ready · ${m.totalMs.toFixed(0)} ms`);
      for (const w of frameWaiters.splice(0)) w();
      pump();
      break;
    case 'render-error':
      inFlight = false;
      showMessage(`render failed: ${m.message}`);
      setStatus('ready (last render failed)');
      pump();
      break;
    case 'fatal':
      setStatus('failed');
      showMessage(m.message);
      break;
  }
}

function fillLayers(info: NetworkInfo): void {
  layerSelect.replaceChildren(
    ...info.layers.map((L) => el('option', { value: L.name, text: `${L.name}  ${L.size}²×${L.channels}` })),
  );
  if (!info.layers.some((L) => L.name === state.layer)) state.layer = 'output';
  layerSelect.value = state.layer;
}

// ---------------------------------------------------------------------------------------------
// Drawing

function putPixels(
  canvas: HTMLCanvasElement,
  rgba: { width: number; height: number; data: Uint8ClampedArray },
): void {
  if (canvas.width !== rgba.width || canvas.height !== rgba.height) {
    canvas.width = rgba.width;
    canvas.height = rgba.height;
  }
  canvas.getContext('2d')!.putImageData(new ImageData(rgba.data, rgba.width, rgba.height), 0, 0);
}

function drawFft(canvas: HTMLCanvasElement, frame: SlotFrame, info: NetworkInfo): void {
  const { width: W, height: H } = frame.fftRgba;
  const k = Math.max(1, Math.ceil(256 / Math.max(W, H)));
  canvas.width = W * k;
  canvas.height = H * k;
  const tmp = document.createElement('canvas');
  putPixels(tmp, frame.fftRgba);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, 0, 0, W * k, H * k);
  const layer = info.layers.find((L) => L.name === frame.layer);
  if (!layer) return;
  const colours: Record<string, string> = { f_c: '#ffffff', 'f_c+f_h': '#ff9f1c', 's/2': '#ff3b3b' };
  // DC sits at pixel ⌊W/2⌋; bin r is r pixels away (×k on the canvas).
  // Whole-pixel coordinates and width 2: crisp lines in exactly the guide colours.
  const cx = Math.round((Math.floor(W / 2) + 0.5) * k);
  const cy = Math.round((Math.floor(H / 2) + 0.5) * k);
  ctx.lineWidth = 2;
  ctx.font = '11px sans-serif';
  for (const g of bandGuides(layer)) {
    const r = Math.round(g.radius * k);
    ctx.strokeStyle = colours[g.label];
    ctx.setLineDash(g.label === 's/2' ? [4, 3] : []);
    ctx.beginPath();
    if (g.shape === 'circle') ctx.arc(cx, cy, r, 0, 2 * Math.PI);
    else ctx.rect(cx - r, cy - r, 2 * r, 2 * r);
    ctx.stroke();
    ctx.fillStyle = colours[g.label];
    ctx.fillText(g.label, Math.min(cx + r * 0.72 + 2, canvas.width - 40), Math.max(cy - r * 0.72 - 3, 12));
  }
  ctx.setLineDash([]);
}

function fmtDb(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (!Number.isFinite(v)) return '∞';
  return `${v.toFixed(1)} dB`;
}

function draw(frames: SlotFrame[], totalMs: number): void {
  lastFrames.length = 0;
  lastFrames.push(...frames);
  for (const f of frames) {
    const v = slotViews[f.slot];
    const info = nets[f.slot]?.info;
    if (!info) continue;
    v.title.textContent = `${f.slot === 0 ? 'A' : 'B'}: ${info.name}`;
    putPixels(v.output, f.imageRgba);
    putPixels(v.map, f.mapRgba);
    const L = info.layers.find((x) => x.name === f.layer)!;
    v.mapTitle.textContent = `${f.layer} ${L.size}²×${L.channels}, s = ${L.samplingRate}${
      L.cutoff !== null ? `, f_c = ${+L.cutoff.toFixed(3)}` : ''
    }${L.halfWidth !== null ? `, f_h = ${+L.halfWidth.toFixed(3)}` : ''}`;
    drawFft(v.fft, f, info);
    const fmt = (x: number) => (Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(2));
    const stat = (name: string, s: SlotFrame['stats']['all']) =>
      `${name}: mean ${fmt(s.mean)}, std ${fmt(s.std)}, max|x| ${fmt(s.maxAbs)}`;
    v.stats.textContent = `${stat('all channels', f.stats.all)} · ${stat('shown', f.stats.shown)}`;
    v.readout.textContent =
      `energy beyond f_c: ${fmtDb(f.beyondCutoffDb)} · beyond f_c+f_h: ${fmtDb(f.beyondStopbandDb)}` +
      (f.eqPsnrDb ? ` · EQ-PSNR of ${f.layer}: ${fmtDb(f.eqPsnrDb[f.layer])}` : '');
    if (f.eqPsnrDb) {
      v.eqTable.replaceChildren(
        el('tr', {}, el('th', { text: 'map' }), el('th', { text: 'EQ-PSNR' })),
        ...info.layers.map((x) =>
          el(
            'tr',
            x.name === f.layer ? { class: 'sel' } : {},
            el('td', { text: x.name }),
            el('td', { text: fmtDb(f.eqPsnrDb![x.name]) }),
          ),
        ),
      );
    } else v.eqTable.replaceChildren(el('caption', { text: 'EQ-PSNR: move or rotate the input to measure' }));
  }
  const now = performance.now();
  frameTimes.push(now);
  while (frameTimes.length > 30 || (frameTimes.length > 1 && now - frameTimes[0] > 3000)) frameTimes.shift();
  const fps = frameTimes.length > 1 ? ((frameTimes.length - 1) * 1000) / (now - frameTimes[0]) : 0;
  lastRenderMs = totalMs;
  const a = nets[0].info;
  perf.textContent = [
    `backend: ${backendName}`,
    `resolution: ${a?.resolution}² (${a?.parameters.toLocaleString('en')} parameters)`,
    `render: ${frames.map((f) => f.renderMs.toFixed(1)).join(' + ')} ms (worker)`,
    `frames/s: ${fps.toFixed(1)}`,
  ].join('\n');
}

function capture(which: 'output' | 'map' | 'fft'): void {
  const v = slotViews[0];
  const canvas = which === 'output' ? v.output : which === 'map' ? v.map : v.fft;
  const a = el('a', {
    download: `aliasfree-${which}-seed${state.seed}.png`,
    href: canvas.toDataURL('image/png'),
  });
  a.click();
}

// ---------------------------------------------------------------------------------------------
// Animation, keyboard, drop

let lastTick = 0;
function tick(t: number): void {
  const dt = lastTick ? Math.min((t - lastTick) / 1000, 0.25) : 0;
  lastTick = t;
  const noisy = anim.noise && state.noiseMode === 'random';
  if (dt > 0 && (anim.latent || anim.translate || anim.rotate || noisy) && !inFlight) {
    if (anim.latent) state.seed = Math.round((state.seed + anim.latentSpeed * dt) * 1e4) / 1e4;
    if (anim.translate) {
      animPhase += anim.translateSpeed * dt;
      state.tx = anim.translateRadius * Math.cos(2 * Math.PI * animPhase);
      state.ty = anim.translateRadius * Math.sin(2 * Math.PI * animPhase);
    }
    if (anim.rotate) state.rotate = ((state.rotate + anim.rotateSpeed * dt + 1.5) % 1) - 0.5;
    if (noisy) state.noiseSeed += 1;
    changed();
  }
  requestAnimationFrame(tick);
}
let animPhase = 0;

document.addEventListener('keydown', (e) => {
  const t = e.target as HTMLElement;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
  const res = nets[0].info?.resolution ?? 64;
  const layers = nets[0].info?.layers ?? [];
  const li = layers.findIndex((L) => L.name === state.layer);
  let handled = true;
  switch (e.key) {
    case 'ArrowRight':
      state.seed = Math.max(0, state.seed + (e.shiftKey ? 0.1 : 1));
      break;
    case 'ArrowLeft':
      state.seed = Math.max(0, state.seed - (e.shiftKey ? 0.1 : 1));
      break;
    case 'ArrowUp':
      if (li > 0) state.layer = layers[li - 1].name;
      break;
    case 'ArrowDown':
      if (li >= 0 && li < layers.length - 1) state.layer = layers[li + 1].name;
      break;
    case 'a':
      state.tx -= 1 / res;
      break;
    case 'd':
      state.tx += 1 / res;
      break;
    case 'w':
      state.ty -= 1 / res;
      break;
    case 's':
      state.ty += 1 / res;
      break;
    case 'q':
      state.rotate -= 1 / 360;
      break;
    case 'e':
      state.rotate += 1 / 360;
      break;
    case ' ':
      anim.translate = !anim.translate;
      break;
    case 'r':
      anim.rotate = !anim.rotate;
      break;
    case 'l':
      anim.latent = !anim.latent;
      break;
    case 'u':
      state.untransform = !state.untransform;
      break;
    case '0':
      state.tx = state.ty = state.rotate = 0;
      break;
    case '[':
      state.channel = Math.max(0, state.channel - 1);
      break;
    case ']':
      state.channel += 1;
      break;
    case 'c':
      state.rgb = !state.rgb;
      break;
    case 'n':
      state.normalize = !state.normalize;
      break;
    case 'f':
      state.fftAll = !state.fftAll;
      break;
    case 'b':
      sideBySide = !sideBySide;
      if (sideBySide && !nets[1]) loadNetwork(1, partnerNetwork(), null);
      layoutSlots();
      break;
    case 'p':
      capture('output');
      break;
    default:
      handled = false;
  }
  if (handled) {
    e.preventDefault();
    layerSelect.value = state.layer;
    changed();
  }
});

document.addEventListener('dragover', (e) => e.preventDefault());
document.addEventListener('drop', (e) => {
  e.preventDefault();
  const f = e.dataTransfer?.files?.[0];
  if (f) {
    if (e.shiftKey && !sideBySide) {
      sideBySide = true;
      syncControls();
    }
    void loadFile(e.shiftKey ? 1 : 0, f);
  }
});

// ---------------------------------------------------------------------------------------------
// Start

/** Hooks for automated checks and the console: the state, the last frames, one frame on demand. */
const hooks = {
  state,
  nets,
  get frames(): SlotFrame[] {
    return lastFrames;
  },
  get lastRenderMs(): number {
    return lastRenderMs;
  },
  /** Render requests sent to the worker so far. */
  get requestsSent(): number {
    return requestId;
  },
  /** Set controls and resolve when the frame for them has been drawn. */
  async set(partial: Partial<ViewState>): Promise<SlotFrame[]> {
    Object.assign(state, partial);
    if (partial.layer) layerSelect.value = state.layer;
    const done = new Promise<void>((r) => frameWaiters.push(r));
    changed();
    await done;
    while (inFlight || dirty) await new Promise<void>((r) => frameWaiters.push(r));
    return lastFrames;
  },
  /** Frames per second of `n` renders, each with a new translation (as the translation animation). */
  async measureFps(n: number): Promise<number> {
    await hooks.set({ tx: 0 });
    const t0 = performance.now();
    for (let i = 1; i <= n; i++) await hooks.set({ tx: (0.1 * i) / n, ty: (0.05 * i) / n });
    return (n * 1000) / (performance.now() - t0);
  },
};
(window as unknown as { studio: typeof hooks }).studio = hooks;

layoutSlots();
fetch('weights.json')
  .then((r) => (r.ok ? r.json() : []))
  .then((list: { name: string; url: string }[]) => {
    for (const s of servedSelects)
      for (const w of list) s.append(el('option', { value: w.url, text: w.name }));
  })
  .catch(() => undefined);
worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
worker.onmessage = (e: MessageEvent<WorkerReply>) => onReply(e.data);
worker.onerror = (e) => {
  setStatus('failed');
  showMessage(`the render worker failed: ${e.message}`);
};
send({
  type: 'init',
  backend: query.get('backend') ?? 'auto',
  threads: query.get('threads') === '1',
  wasmPath: new URL('./', location.href).href,
});
setStatus('starting…');
requestAnimationFrame(tick);
