/**
 * `aliasfree report` end to end, as a user runs it: the CLI in a subprocess at a tiny size (two
 * configs at 16², C_max 8, a few latents), then the files it wrote, the numbers in report.json
 * (finite, plausible, consistent with the generator and the paper table), the HTML page drawn in
 * headless Chromium offline, `--weights` on the golden t32 generator, and bad options that must
 * fail with a message naming the option.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cliConfig } from '../../src/cli/build.js';
import { main } from '../../src/cli/main.js';
import { runReport, REPORT_DEFAULTS } from '../../src/cli/report.js';
import { runSpectra } from '../../src/cli/spectra.js';
import type { ConfigName } from '../../src/generator/config.js';
import { computeGeometry } from '../../src/generator/stylegan3/geometry.js';
import { paperLadderRow } from '../../src/metrics/paper.js';
import type { ReportJson } from '../../src/report/schema.js';
import { chromiumAvailable, closeRenderer, decodePng, withPage } from '../../src/viz/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin', 'aliasfree.mjs');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: root, env: { ...process.env, ALIASFREE_BACKEND: 'wasm' }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * The CLI in this process (`main(argv)` returns the exit status the binary exits with), with
 * stdout and stderr captured — for the quick checks of options and help.
 */
async function inProcess(args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const so = process.stdout.write.bind(process.stdout);
  const se = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => (
    out.push(String(chunk)),
    true
  )) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (
    err.push(String(chunk)),
    true
  )) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = so;
    process.stderr.write = se;
  }
}

let dir = '';
let run: Run;
let report: ReportJson;
const CONFIGS: ConfigName[] = ['E', 'T'];
const RES = 16;
// --no-trained: these cases are about the ladder; the trained part has its own case below.
const tiny = [
  '--resolution',
  String(RES),
  '--channel-max',
  '8',
  '--samples',
  '4',
  '--layer-samples',
  '2',
  '--no-trained',
];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aliasfree-report-'));
  run = await cli([
    'report',
    '--configs',
    CONFIGS.join(','),
    ...tiny,
    '--images',
    '2',
    '--frames',
    '3',
    '--out',
    join(dir, 'r'),
  ]);
  if (run.code === 0) report = JSON.parse(readFileSync(join(dir, 'r', 'report.json'), 'utf8')) as ReportJson;
});
after(async () => {
  await closeRenderer();
  rmSync(dir, { recursive: true, force: true });
});

test('report exits 0, shows progress with ETA per config and metric, writes the page and JSON', () => {
  assert.equal(run.code, 0, run.stderr);
  for (const c of CONFIGS) assert.match(run.stderr, new RegExp(`\\[\\d/2 ${c}\\] EQ \\d+/4 latents`));
  assert.match(run.stderr, /ETA \d/);
  assert.match(run.stderr, /translate strip 3\/3 frames/);
  assert.ok(existsSync(join(dir, 'r', 'index.html')));
  assert.match(run.stdout, /wrote .*index\.html/);
});

test('report.json: options, EQ in (0, 150) dB, layer rows equal layerInfo, paper numbers beside ours', () => {
  assert.equal(report.schema, 'aliasfree-report/2');
  assert.deepEqual(report.options.configs, CONFIGS);
  assert.equal(report.options.samples, 4);
  assert.equal(report.configs.length, CONFIGS.length);
  for (const c of report.configs) {
    const name = c.config as ConfigName;
    for (const k of ['eqt', 'eqt_frac', 'eqr'] as const) {
      const v = c.eq[k]!;
      assert.ok(Number.isFinite(v) && v > 0 && v < 150, `${name} ${k} = ${v}`);
    }
    assert.equal(c.eq.samples, 4);
    assert.equal(c.eq.note, null);
    assert.equal(c.network, 'stylegan3');
    assert.equal(c.stripsNote, null);
    // The layer table is the generator's geometry (same config the CLI builds: C_max 8, R doubles).
    const geom = computeGeometry(cliConfig(name, { resolution: RES, channelBase: 16384, channelMax: 8 }));
    assert.equal(c.layers.length, geom.layers.length);
    c.layers.forEach((L, i) => {
      const g = geom.layers[i];
      assert.equal(L.name, g.name);
      assert.equal(L.size, g.outSize);
      assert.equal(L.channels, g.outChannels);
      assert.equal(L.samplingRate, g.outSamplingRate);
      assert.equal(L.cutoff, g.outCutoff);
      assert.equal(L.upFactor, g.upFactor);
      assert.equal(L.downTaps, g.downTaps);
      assert.ok(L.stopband >= L.cutoff);
    });
    assert.equal(c.resolution, RES);
    assert.equal(c.channelMax, 8);
    assert.ok(c.parameters > 0 && c.macsPerImage > 0 && c.msPerImage > 0);
    const p = paperLadderRow(name)!;
    assert.deepEqual(c.paper, { label: p.label, fid: p.fid, eqt: p.eqt, eqt_frac: p.eqt_frac, eqr: p.eqr });
    // Strips: frame 0 is the reference; the others have a finite PSNR.
    assert.deepEqual(
      c.strips.map((s) => s.kind),
      ['translate', 'rotate'],
    );
    for (const s of c.strips) {
      assert.equal(s.steps.length, 3);
      assert.equal(s.psnrDb[0], null);
      for (const v of s.psnrDb.slice(1)) assert.ok(v !== null && Number.isFinite(v) && v > 0, String(v));
      assert.ok(s.diffRange > 0);
    }
    // Per-layer measurements: the input and every layer, energies as fractions (≤ 0 dB).
    assert.ok(c.layerMeasurements, 'per-layer measurements present');
    {
      assert.equal(c.layerMeasurements.length, c.layers.length + 1, 'input + every layer');
      assert.equal(c.layerMeasurements[0].name, 'input');
      assert.deepEqual(
        c.layerMeasurements.slice(1).map((m) => m.name),
        c.layers.map((L) => L.name),
      );
      for (const m of c.layerMeasurements) {
        for (const v of [m.aliasDb, m.aboveCutoffDb]) {
          if (v !== null) assert.ok(Number.isFinite(v) && v <= 1e-9, `${name} ${m.name}: ${v} dB`);
        }
      }
      assert.equal(c.layerMeasurements[0].aliasDb, null);
      assert.ok(c.layerMeasurements.some((m) => m.aliasDb !== null));
      assert.ok(c.alias && c.alias.meanAliasDb !== null && c.alias.meanAliasDb <= 1e-9);
      assert.ok(c.layers.some((L) => L.name === c.alias!.worstLayer));
      assert.ok(existsSync(join(dir, 'r', c.spectraPng!)));
    }
  }
});

test('report PNGs exist and decode with the expected sizes', () => {
  for (const c of report.configs) {
    const samples = decodePng(readFileSync(join(dir, 'r', c.samplesPng)));
    assert.equal(samples.height, RES);
    assert.equal(samples.width, 2 * RES + 2); // two images, 2 px gap
    for (const s of c.strips) {
      const png = decodePng(readFileSync(join(dir, 'r', s.png)));
      assert.equal(png.width, 3 * RES + 2 * 2);
      assert.equal(png.height, 2 * RES + 2);
    }
    for (const m of c.layerMeasurements ?? []) {
      const png = decodePng(readFileSync(join(dir, 'r', m.spectrumPng!)));
      assert.equal(png.width, 96);
    }
  }
});

test('index.html renders offline in headless Chromium: every plot drawn, every image loaded', async () => {
  assert.ok(chromiumAvailable(), 'Chromium is required (Debian package chromium or $ALIASFREE_CHROMIUM)');
  const path = join(dir, 'r', 'index.html');
  const html = readFileSync(path, 'utf8');
  assert.equal(html.match(/window\.__aliasfreePlotly = true/g)?.length, 1, 'plotly inlined once');
  assert.ok(!/<script[^>]+src=/i.test(html), 'no external scripts');
  assert.match(html, /paper, trained FFHQ-U 256²/);
  assert.match(html, /ours, untrained seeded/);
  assert.match(html, /EQ samples 4/);
  const result = await withPage(async (page) => {
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(path).href);
    const figures = await page.$$eval('.aliasfree-figure', (els) => els.length);
    await page.waitForFunction(
      (n) => document.querySelectorAll('.aliasfree-figure[data-rendered]').length === n,
      figures,
      { timeout: 30_000 },
    );
    return {
      requests,
      errors,
      figures,
      bars: await page.$$eval('.aliasfree-figure .barlayer .point', (els) => els.length),
      heatmaps: await page.$$eval('.aliasfree-figure .heatmaplayer image', (els) => els.length),
      images: await page.$$eval('img', (els) =>
        els.map((e) => (e as HTMLImageElement).complete && (e as HTMLImageElement).naturalWidth > 0),
      ),
      eqRows: await page.$$eval('table.eq tr', (els) => els.length),
    };
  });
  assert.deepEqual(result.errors, []);
  assert.deepEqual(
    result.requests.filter((u) => !u.startsWith('data:')),
    [pathToFileURL(path).href],
  );
  // EQ bar chart (+ alias chart and one dashboard per config with layer data).
  assert.equal(result.figures, 2 + CONFIGS.length);
  // Paper and ours for three metrics and two configs.
  assert.ok(result.bars >= 12, `bars ${result.bars}`);
  assert.ok(result.heatmaps >= report.configs[0].layers.length, `heatmaps ${result.heatmaps}`);
  // samples + 2 strips per config (+ one spectrum tile per layer).
  const expectedImages = report.configs.reduce(
    (a, c) => a + 3 + (c.layerMeasurements ? c.layerMeasurements.length : 0),
    0,
  );
  assert.equal(result.images.length, expectedImages);
  assert.ok(result.images.every(Boolean), 'every <img> decoded');
  assert.equal(result.eqRows, 2 + CONFIGS.length);
});

test('--workers 2 measures the configs in worker threads: the same numbers and images', async () => {
  const out = join(dir, 'w2');
  const r = await runReport({
    trained: false,
    configs: CONFIGS,
    resolution: RES,
    channelMax: 8,
    samples: 4,
    layerSamples: 2,
    images: 2,
    frames: 3,
    seed: REPORT_DEFAULTS.seed,
    weightSeed: REPORT_DEFAULTS.weightSeed,
    out,
    backend: 'wasm',
    workers: 2,
    quiet: true,
  });
  assert.deepEqual(
    r.configs.map((c) => c.config),
    CONFIGS,
  );
  assert.ok(r.notes.some((n) => /measured 2 at a time in worker threads/.test(n)));
  r.configs.forEach((c, i) => {
    const one = report.configs[i];
    assert.deepEqual(c.eq, one.eq, `${c.config}: EQ`);
    assert.deepEqual(c.alias, one.alias, `${c.config}: alias summary`);
    assert.deepEqual(c.layerMeasurements, one.layerMeasurements, `${c.config}: layer measurements`);
    assert.deepEqual(c.strips, one.strips, `${c.config}: strips`);
    const png = `${c.config}-samples.png`;
    assert.ok(readFileSync(join(out, png)).equals(readFileSync(join(dir, 'r', png))), png);
  });
});

test('StyleGAN2 configs A and B: A has no EQ and no strips (the reason is given, "–" as in the paper), B has both; layers by official module name', async () => {
  const out = join(dir, 'ab');
  const r = await runReport({
    trained: false,
    configs: ['A', 'B'],
    resolution: RES,
    channelMax: 8,
    samples: 2,
    layerSamples: 1,
    images: 2,
    frames: 2,
    seed: 0,
    weightSeed: 0,
    out,
    backend: 'wasm',
    quiet: true,
  });
  const [a, b] = r.configs;
  for (const c of [a, b]) {
    assert.equal(c.network, 'stylegan2');
    assert.equal(c.channelMax, 8);
    const p = paperLadderRow(c.config)!;
    assert.deepEqual(c.paper, { label: p.label, fid: p.fid, eqt: p.eqt, eqt_frac: p.eqt_frac, eqr: p.eqr });
    // Layer rows: b4.conv1, b4.torgb, then conv0, conv1, torgb per block; the measurements name the same layers.
    const names = [
      'b4.conv1',
      'b4.torgb',
      'b8.conv0',
      'b8.conv1',
      'b8.torgb',
      'b16.conv0',
      'b16.conv1',
      'b16.torgb',
    ];
    assert.deepEqual(
      c.layers.map((L) => L.name),
      names,
    );
    assert.deepEqual(
      c.layerMeasurements!.map((m) => m.name),
      names,
    );
    for (const m of c.layerMeasurements!) assert.ok(Number.isFinite(m.aliasDb) && m.aliasDb! < 0, m.name);
    assert.ok(c.alias!.worstLayer !== null && !c.alias!.worstLayer.endsWith('torgb'));
    assert.ok(c.parameters > 0);
    const samples = decodePng(readFileSync(join(out, c.samplesPng)));
    assert.equal(samples.height, RES);
  }
  // A: the paper leaves its EQ empty; so does the report, with the reason.
  assert.equal(a.paper!.eqt, null);
  assert.deepEqual([a.eq.eqt, a.eq.eqt_frac, a.eq.eqr, a.eq.samples], [null, null, null, 0]);
  assert.match(a.eq.note!, /no transformable input/);
  assert.equal(a.stripsNote, a.eq.note);
  assert.deepEqual(a.strips, []);
  for (const m of a.layerMeasurements!) assert.equal(m.eqPsnrDb, null);
  // B: Fourier features, translated and rotated like D–R.
  for (const k of ['eqt', 'eqt_frac', 'eqr'] as const) assert.ok(b.eq[k]! > 0 && b.eq[k]! < 150, `B ${k}`);
  assert.equal(b.eq.note, null);
  assert.deepEqual(
    b.strips.map((s) => s.kind),
    ['translate', 'rotate'],
  );
  assert.ok(b.layerMeasurements!.some((m) => m.eqPsnrDb !== null && Number.isFinite(m.eqPsnrDb)));
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  assert.match(html, /EQ-T \/ EQ-T<sub>frac<\/sub> \/ EQ-R – \(no transformable input/);
  assert.match(html, /<p class="meta">– A: no transformable input/);
});

test('--weights loads a golden generator directory and reports it without paper numbers (--no-layers)', async () => {
  const out = join(dir, 'w');
  const r = await cli([
    'report',
    '--weights',
    join(root, 'test', 'golden', 'generators', 't32'),
    '--samples',
    '1',
    '--no-layers',
    '--images',
    '1',
    '--frames',
    '2',
    '--out',
    out,
    '-q',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const w = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as ReportJson;
  assert.equal(w.configs.length, 1);
  assert.equal(w.configs[0].config, 'weights');
  assert.equal(w.configs[0].label, 't32');
  assert.equal(w.configs[0].resolution, 32);
  assert.equal(w.configs[0].paper, null);
  assert.equal(w.options.weights, join(root, 'test', 'golden', 'generators', 't32'));
  for (const k of ['eqt', 'eqt_frac', 'eqr'] as const) {
    assert.ok(w.configs[0].eq[k]! > 0 && w.configs[0].eq[k]! < 150);
  }
  assert.equal(w.configs[0].layerMeasurements, null);
  assert.equal(w.configs[0].alias, null);
  assert.ok(w.notes.some((n) => /--no-layers/.test(n)));
  assert.equal(w.configs[0].layers.length, 14 + 1, 't32: 14 layers + ToRGB');
});

test('spectra writes per-layer PNGs, JSON and a page; ladder prints the table beside the paper', async () => {
  const out = join(dir, 's');
  const [sp, ld] = await Promise.all([
    cli([
      'spectra',
      '--config',
      'T',
      ...tiny.filter((_, i) => i < 4),
      '--layer-samples',
      '1',
      '--out',
      out,
      '-q',
    ]),
    cli([
      'ladder',
      '--configs',
      'E',
      '--resolution',
      '16',
      '--samples',
      '4',
      '--layer-samples',
      '1',
      '--capacity-divisor',
      '64',
      '--out',
      join(dir, 'l'),
      '-q',
    ]),
  ]);
  assert.equal(sp.code, 0, sp.stderr);
  const json = JSON.parse(readFileSync(join(out, 'spectra.json'), 'utf8')) as {
    layers: unknown[];
    measurements: { name: string; aliasDb: number | null; spectrumPng: string }[];
  };
  assert.equal(json.measurements.length, json.layers.length + 1);
  for (const m of json.measurements) {
    assert.ok(m.aliasDb === null || m.aliasDb <= 1e-9);
    assert.equal(decodePng(readFileSync(join(out, m.spectrumPng))).width, 96);
  }
  assert.match(readFileSync(join(out, 'spectra.html'), 'utf8'), /aliasfree-figure/);
  assert.equal(ld.code, 0, ld.stderr);
  assert.match(ld.stdout, /\| E \|/);
  assert.match(ld.stdout, /paper, trained/);
  const rows = JSON.parse(readFileSync(join(dir, 'l', 'ladder.json'), 'utf8')).rows as {
    config: string;
    eqt: number;
  }[];
  assert.deepEqual(
    rows.map((r) => r.config),
    ['E'],
  );
  assert.ok(rows[0].eqt > 0 && rows[0].eqt < 150);
});

test('spectra takes the StyleGAN2 configs: C at 16², one entry per official module, alias energies as fractions', async () => {
  const out = join(dir, 'sc');
  const { files } = await runSpectra({
    config: 'C',
    resolution: RES,
    channelMax: 8,
    layerSamples: 1,
    seed: 0,
    weightSeed: 0,
    out,
    backend: 'wasm',
    quiet: true,
  });
  assert.ok(files.includes(join(out, 'spectra.html')));
  const json = JSON.parse(readFileSync(join(out, 'spectra.json'), 'utf8')) as {
    layers: { name: string }[];
    measurements: { name: string; aliasDb: number | null; eqPsnrDb: number | null; spectrumPng: string }[];
  };
  assert.deepEqual(
    json.measurements.map((m) => m.name),
    json.layers.map((L) => L.name),
  );
  assert.equal(json.measurements[0].name, 'b4.conv1');
  for (const m of json.measurements) {
    assert.ok(m.aliasDb !== null && m.aliasDb <= 1e-9, `${m.name}: ${m.aliasDb}`);
    assert.equal(decodePng(readFileSync(join(out, m.spectrumPng))).width, 96);
  }
});

test('bad options exit non-zero with a message naming the option', async () => {
  const cases: [string[], RegExp][] = [
    [['report', '--resolution', '48'], /--resolution/],
    [['report', '--configs', 'T,Q'], /--configs/],
    [['report', '--samples', '0'], /--samples/],
    [['report', '--frames', '1'], /--frames/],
    [['report', '--backend', 'gpu'], /--backend/],
    [['report', '--bogus'], /--bogus/],
    [['spectra', '--config', 'T,R'], /--config/],
    [['ladder', '--samples', 'x'], /--samples/],
  ];
  for (const [args, re] of cases) {
    const r = await inProcess(args);
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}`);
    assert.match(r.stderr, re);
  }
  // The binary exits with that status too; a failure at run time (missing weights) exits 1 and says why.
  const [usage, missing] = await Promise.all([
    cli(['report', '--resolution', '48']),
    cli(['report', '--weights', join(dir, 'nope'), '-q', '--out', join(dir, 'x')]),
  ]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--resolution/);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /aliasfree: .*nope/);
});

test('--help lists the report options and their defaults', async () => {
  const r = await inProcess(['report', '--help']);
  assert.equal(r.code, 0);
  for (const opt of ['--configs', '--resolution', '--samples', '--seed', '--out', '--backend', '--weights']) {
    assert.ok(r.stdout.includes(opt), opt);
  }
  assert.match(r.stdout, /default: 64/);
  const top = await inProcess(['--help']);
  for (const cmd of ['report', 'generate', 'ladder', 'spectra'])
    assert.match(top.stdout, new RegExp(`\\b${cmd}\\b`));
});
