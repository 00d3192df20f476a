/**
 * `data:record` and `data:check` end to end on a tiny fixture: the golden t32 network (an official
 * StyleGAN3-T pickle, 1.6 MB) placed in a temporary run folder with a training_options.json and a
 * log.jsonl, recorded into a temporary data folder with a 16-image procedural set. Then: the folder
 * lists and loads it, it reproduces its recorded image, the per-batch EQ equals `equivariance`, the
 * SWD equals `aliasfree metrics --swd` on the zip of the same set, the check passes, and a changed
 * number, a changed file or a missing file fails with a message that says which.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '../../src/generator/backend.js';
import { loadGenerator, type AnyGenerator } from '../../src/generator/weights.js';
import { equivariance } from '../../src/metrics/equivariance.js';
import { recordSnapshot } from '../../src/data/record.js';
import { compareWithManifest, formatCheckTable, measureForCheck } from '../../src/data/check.js';
import { equivarianceBatches } from '../../src/data/metrics.js';
import {
  compareRecordedImage,
  IMAGE_TOLERANCE,
  loadTrained,
  readManifest,
  trainedNetworks,
} from '../../src/data/trained.js';
import { ManifestError } from '../../src/data/manifest.js';
import { runDatasetCommand, runMetricsCommand } from '../../src/cli/train.js';

const golden = join(import.meta.dirname, '..', 'golden', 'generators', 't32');
let tmp: string;
let data: string;
let snapshot: string;

before(async () => {
  await setBackend('wasm');
  tmp = mkdtempSync(join(tmpdir(), 'aliasfree-data-'));
  const run = join(tmp, '00000-stylegan3-t-fixture');
  mkdirSync(run);
  snapshot = join(run, 'network-snapshot-000002.pkl');
  copyFileSync(join(golden, 'network.pkl'), snapshot);
  const gKwargs = JSON.parse(readFileSync(join(golden, 'init_kwargs.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(
    join(run, 'training_options.json'),
    JSON.stringify({
      cfg: 'stylegan3-t',
      batch: 4,
      kimg: 2,
      tick: 1,
      snap: 1,
      seed: 0,
      data: join(tmp, 'fixture16.zip'),
      G_kwargs: gKwargs,
      training_set_kwargs: { max_size: 16, resolution: 32 },
    }),
  );
  writeFileSync(
    join(run, 'log.jsonl'),
    '{"tick":0,"kimg":0.004,"tick_seconds":2,"timestamp":100}\n{"tick":1,"kimg":1.0,"tick_seconds":50,"timestamp":150}\n' +
      '{"tick":2,"kimg":2.0,"tick_seconds":60,"timestamp":210}\n',
  );
  data = join(tmp, 'data');
  await recordSnapshot({ snapshot, id: 'fixture-t32', dir: data, swdImages: 16, eqSamples: 8, machineNote: 'test' });
});

after(() => rmSync(tmp, { recursive: true, force: true }));

test('record writes a valid entry: commands, kimg, wall time, files, README', () => {
  const m = readManifest({ dir: data })!;
  assert.equal(m.networks.length, 1);
  const e = m.networks[0];
  assert.equal(e.family, 'T');
  assert.equal(e.train.kimg, 2);
  assert.equal(e.train.wallSeconds, 210 - 98);
  assert.equal(
    e.train.command,
    'aliasfree train --cfg stylegan3-t --data fixture16.zip --batch 4 --kimg 2 --tick 1 --snap 1 --cbase 1024 --cmax 32 --z-dim 32 --w-dim 32 --seed 0',
  );
  assert.equal(e.dataset.command, 'aliasfree dataset --procedural --count 16 --resolution 32 --seed 0 --out fixture16.zip');
  assert.equal(e.bytes, readFileSync(snapshot).length);
  assert.deepEqual(readFileSync(join(data, e.file)), readFileSync(snapshot), 'the official pickle is copied unchanged');
  assert.equal(e.metrics.eq.samples, 8);
  for (const k of ['eqt', 'eqt_frac', 'eqr'] as const) assert.ok(Number.isFinite(e.metrics.eq.trained[k]));
  // The fixture's "trained" golden weights are not its seeded start: the two must differ.
  assert.notEqual(e.metrics.eq.trained.eqt, e.metrics.eq.untrained.eqt);
  const readme = readFileSync(join(data, 'README.md'), 'utf8');
  assert.ok(readme.includes(e.train.command) && readme.includes(e.dataset.command));
  assert.match(readme, /\| fixture-t32 \| T \| 32² \| 2 \| 2 min \|/);
});

test('listed, loaded lazily and reproducing the recorded image', async () => {
  const l = trainedNetworks({ dir: data });
  assert.deepEqual(l.map((x) => x.entry.id), ['fixture-t32']);
  const { entry, generator } = await loadTrained('fixture-t32', { dir: data });
  try {
    const c = await compareRecordedImage(generator, entry, data);
    assert.ok(c.maxAbsExpected > 0.01, 'the recorded image is not blank');
    assert.ok(c.relative <= IMAGE_TOLERANCE, `image differs by ${c.relative} of max`);
    assert.ok(c.ok);
  } finally {
    generator.dispose();
  }
  await assert.rejects(loadTrained('nope', { dir: data }), /id must be one of "fixture-t32", got "nope"/);
  assert.deepEqual(trainedNetworks({ dir: join(tmp, 'no-such-folder') }), []);
});

test('per-batch EQ pools to exactly what equivariance() gives', async () => {
  const g = await loadGenerator<AnyGenerator>(join(golden, 'network.pkl'));
  try {
    const whole = await equivariance(g as Parameters<typeof equivariance>[0], { samples: 8, seed: 5 });
    const parts = await equivarianceBatches(g, { samples: 8, seed: 5 });
    assert.equal(parts.perBatch.eqt!.length, 2);
    for (const k of ['eqt', 'eqt_frac', 'eqr'] as const) assert.ok(Math.abs(parts.psnr[k]! - whole[k]!) < 1e-9, k);
  } finally {
    g.dispose();
  }
});

test('SWD equals `aliasfree metrics --swd` on the zip of the same procedural set', async () => {
  const zip = join(tmp, 'fixture16.zip');
  await runDatasetCommand({ procedural: true, count: 16, resolution: 32, channels: 3, seed: 0, out: zip, quiet: true });
  const log = console.log;
  console.log = () => {};
  let out: Record<string, unknown>;
  try {
    out = await runMetricsCommand({ network: snapshot, data: zip, swd: true, num: 16, seed: 0, psi: 1, backend: 'wasm' });
  } finally {
    console.log = log;
  }
  const e = readManifest({ dir: data })!.networks[0];
  assert.equal(e.metrics.swd.trained.average, out.swd_x1e3_avg);
});

test('check: every recomputed number within tolerance; a changed number is a mismatch', async () => {
  const [l] = trainedNetworks({ dir: data });
  const measured = await measureForCheck(l, { dir: data, eqSamples: 8 });
  const rows = compareWithManifest(l.entry, measured);
  assert.deepEqual(rows.map((r) => `${r.metric}/${r.network}`), [
    'image/trained',
    'swd/trained',
    'eqt/trained',
    'eqt_frac/trained',
    'eqr/trained',
    'swd/untrained',
    'eqt/untrained',
    'eqt_frac/untrained',
    'eqr/untrained',
  ]);
  assert.ok(rows.every((r) => r.ok), formatCheckTable(rows));
  assert.match(formatCheckTable(rows), /all 9 numbers within tolerance/);

  // Move one recorded EQ value past its tolerance (8 of 8 latents: 0.02 dB) and one SWD by 5 %.
  const e = structuredClone(l.entry);
  e.metrics.eq.untrained.eqr! += 0.1;
  e.metrics.swd.trained.average *= 1.05;
  const bad = compareWithManifest(e, measured);
  assert.deepEqual(
    bad.filter((r) => !r.ok).map((r) => `${r.metric}/${r.network}`),
    ['swd/trained', 'eqr/untrained'],
  );
  assert.match(formatCheckTable(bad), /2 of 9 numbers out of tolerance/);
  // Just inside: 0.015 dB (< 0.02 dB) and 1.5 % (< 2 %) still pass.
  const near = structuredClone(l.entry);
  near.metrics.eq.untrained.eqr! += 0.015;
  near.metrics.swd.trained.average *= 1.015;
  assert.ok(compareWithManifest(near, measured).every((r) => r.ok));
});

test('a changed, truncated or missing file fails with a message naming it', async () => {
  const e = readManifest({ dir: data })!.networks[0];
  const pkl = join(data, e.file);
  const bytes = readFileSync(pkl);
  try {
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 100] ^= 1;
    writeFileSync(pkl, flipped);
    await assert.rejects(loadTrained(e.id, { dir: data }), (err: Error) =>
      err instanceof ManifestError && /fixture-t32: file "fixture-t32\.pkl" has SHA-256 [0-9a-f]{64}, the manifest records/.test(err.message),
    );
    writeFileSync(pkl, bytes.subarray(0, 1000));
    await assert.rejects(loadTrained(e.id, { dir: data }), /has 1000 bytes, the manifest records \d+/);
    assert.deepEqual(trainedNetworks({ dir: data }), [], 'a truncated file is not listed');
    rmSync(pkl);
    await assert.rejects(loadTrained(e.id, { dir: data }), /file "fixture-t32\.pkl" is missing/);
  } finally {
    writeFileSync(pkl, bytes);
  }
  writeFileSync(join(tmp, 'bad.json'), '{');
  mkdirSync(join(tmp, 'bad'), { recursive: true });
  writeFileSync(join(tmp, 'bad', 'manifest.json'), '{"schema": "aliasfree-trained/1"}');
  assert.throws(() => readManifest({ dir: join(tmp, 'bad') }), /manifest\.json: why must be a string/);
});

test('a StyleGAN2 (config A) snapshot: no EQ ("–" with the reason), noise const image, SWD checked', async () => {
  const s2 = join(import.meta.dirname, '..', 'golden', 'stylegan2', 's2_32');
  const run = join(tmp, '00001-stylegan2-fixture');
  mkdirSync(run);
  copyFileSync(join(s2, 'network.pkl'), join(run, 'network-snapshot-000001.pkl'));
  writeFileSync(
    join(run, 'training_options.json'),
    JSON.stringify({
      cfg: 'stylegan2',
      batch: 4,
      kimg: 1,
      tick: 1,
      snap: 1,
      seed: 0,
      data: join(tmp, 'fixture16.zip'),
      G_kwargs: JSON.parse(readFileSync(join(s2, 'init_kwargs.json'), 'utf8')),
      training_set_kwargs: { max_size: 16, resolution: 32 },
    }),
  );
  writeFileSync(join(run, 'log.jsonl'), '{"tick":0,"kimg":1.0,"tick_seconds":30,"timestamp":130}\n');
  const dataA = join(tmp, 'data-a');
  // The run folder stands for its latest snapshot; the id defaults to <cfg>-<data set>.
  const e = await recordSnapshot({ snapshot: run, dir: dataA, swdImages: 16, eqSamples: 8 });
  assert.equal(e.id, 'stylegan2-fixture16');
  assert.equal(e.family, 'A');
  assert.equal(e.network, 'stylegan2');
  assert.equal(e.image.noiseMode, 'const');
  assert.deepEqual(e.metrics.eq.trained, { eqt: null, eqt_frac: null, eqr: null });
  assert.equal(e.metrics.eq.samples, 0);
  assert.match(e.metrics.eq.note!, /no transformable input/);
  assert.match(readFileSync(join(dataA, 'README.md'), 'utf8'), /\| stylegan2-fixture16 \| A \| 32² \| 1 \| 1 min \|[^|]+\| – \/ – \|/);
  const [l] = trainedNetworks({ dir: dataA });
  const rows = compareWithManifest(l.entry, await measureForCheck(l, { dir: dataA }));
  assert.deepEqual(
    rows.map((r) => `${r.metric}/${r.network}/${r.ok}`),
    ['image/trained/true', 'swd/trained/true', 'swd/untrained/true'],
  );
});
