/**
 * A CI-sized real training run through the command line: the procedural set at 16², stylegan3-t with
 * C_base 256 / C_max 16 and z/w 16, a few iterations — losses finite, the snapshot reloads
 * bit-exactly, `--resume` continues from it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { encodeTrainingSnapshot, readTrainingSnapshot } from '../../src/train/snapshot.js';
import { discriminatorFromState } from '../../src/train/discriminator.js';
import { generatorFromSnapshot } from '../../src/generator/weights.js';
import { ImageDataset } from '../../src/train/dataset/image-folder.js';
import { decodeImage } from '../../src/train/dataset/images.js';
import { explainWasmAbort } from '../../src/train/run.js';

const dir = mkdtempSync(join(tmpdir(), 'aliasfree-train-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const bits = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

test('procedural dataset → train (stylegan3-t, 16²) → snapshot reloads bit-exactly → --resume continues', async () => {
  const zip = join(dir, 'd.zip');
  assert.equal(
    await main(['dataset', '--procedural', '--count', '16', '--resolution', '16', '--out', zip, '-q']),
    0,
  );
  assert.equal(ImageDataset.open(zip).rawLength, 16);
  const common = [
    '--cfg',
    'stylegan3-t',
    '--data',
    zip,
    '--batch',
    '4',
    '--cbase',
    '256',
    '--cmax',
    '16',
    '--z-dim',
    '16',
    '--w-dim',
    '16',
    '--tick',
    '0.004',
    '--snap',
    '1',
    '--backend',
    'wasm',
    '-q',
  ];
  assert.equal(await main(['train', ...common, '--kimg', '0.008', '--out', join(dir, 'runs')]), 0);
  const [run] = readdirSync(join(dir, 'runs'));
  assert.match(run, /^00000-stylegan3-t-d-batch4-gamma/);
  const runDir = join(dir, 'runs', run);
  for (const f of [
    'network-snapshot-000000.pkl',
    'network-snapshot-000000.json',
    'log.jsonl',
    'reals.png',
    'fakes000000.png',
    'training_options.json',
  ])
    assert.ok(existsSync(join(runDir, f)), f);
  const log = readFileSync(join(runDir, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    log.map((l) => l.kimg),
    [0.004, 0.008],
  );
  for (const l of log)
    for (const [k, v] of Object.entries(l.losses)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
  assert.ok(
    'Loss/G/loss' in log[0].losses && 'Loss/D/loss' in log[0].losses && 'Loss/r1_penalty' in log[0].losses,
  );
  const grid = decodeImage(readFileSync(join(runDir, 'fakes000000.png')), 'fakes');
  assert.deepEqual([grid.width, grid.height, grid.channels], [64, 64, 3]);

  // The snapshot reloads bit-exactly: file bytes re-encode identically, and networks built from it
  // give back the same state.
  const pkl = join(runDir, 'network-snapshot-000000.pkl');
  const bytes = new Uint8Array(readFileSync(pkl));
  const snap = readTrainingSnapshot(bytes);
  assert.deepEqual(encodeTrainingSnapshot(snap), bytes);
  assert.equal(snap.G.initKwargs.class_name, 'training.networks_stylegan3.Generator');
  assert.equal(snap.D.initKwargs.class_name, 'training.networks_stylegan2.Discriminator');
  assert.equal(snap.trainingSetKwargs?.resolution, 16);
  const D = await discriminatorFromState(snap.D.initKwargs, snap.D.state);
  for (const [k, t] of D.stateDict()) assert.ok(bits(t.data, snap.D.state.get(k)!.data), `D ${k}`);
  D.dispose();
  const gEma = await generatorFromSnapshot({ initKwargs: snap.G_ema.initKwargs, state: snap.G_ema.state });
  gEma.dispose();
  assert.ok(
    ![...snap.G.state.keys()].some((k) => !bits(snap.G.state.get(k)!.data, snap.G.state.get(k)!.data)),
  );
  const pos = JSON.parse(readFileSync(join(runDir, 'network-snapshot-000000.json'), 'utf8'));
  assert.deepEqual(pos, { curNimg: 8, batchIdx: 2, tick: 2, plMean: 0 });

  // Resume: continues at cur_nimg 8 for one more iteration.
  assert.equal(
    await main(['train', ...common, '--kimg', '0.012', '--resume', pkl, '--out', join(dir, 'runs')]),
    0,
  );
  const run2 = readdirSync(join(dir, 'runs')).sort()[1];
  assert.match(run2, /^00001-/);
  const log2 = readFileSync(join(dir, 'runs', run2, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    log2.map((l) => [l.tick, l.kimg, l.batch_idx]),
    [[2, 0.012, 3]],
  );
  const snap2 = readTrainingSnapshot(join(dir, 'runs', run2, 'network-snapshot-000000.pkl'));
  // Training moved the weights from where the resumed snapshot left them.
  const key = 'synthesis.L0_36_16.weight';
  const w1 = snap.G.state.get(key)?.data ?? snap.G.state.values().next().value!.data;
  const w2 = snap2.G.state.get(key)?.data ?? snap2.G.state.values().next().value!.data;
  assert.ok(!bits(w1, w2), 'G changed after the resumed iteration');

  // A resume pickle of another architecture is refused with a clear message.
  assert.equal(
    await main([
      'train',
      ...common,
      '--cmax',
      '32',
      '--kimg',
      '0.012',
      '--resume',
      pkl,
      '--out',
      join(dir, 'runs2'),
    ]),
    1,
  );

  // --batch-gpu: rounds smaller than the minibatch-stddev group (4) are refused; rounds of 2 with
  // groups of 2 train (train.py's checks), and the options record them.
  const once = ['--kimg', '0.004', '--tick', '0.004', '--out', join(dir, 'runs3')];
  assert.equal(await main(['train', ...common, '--batch-gpu', '2', ...once]), 1);
  assert.equal(await main(['train', ...common, '--batch-gpu', '3', '--mbstd-group', '1', ...once]), 1);
  assert.equal(await main(['train', ...common, '--batch-gpu', '2', '--mbstd-group', '2', ...once]), 0);
  const [run3] = readdirSync(join(dir, 'runs3'));
  const opts3 = JSON.parse(readFileSync(join(dir, 'runs3', run3, 'training_options.json'), 'utf8'));
  assert.deepEqual([opts3.batch_gpu, opts3.num_gpus], [2, 1]);
  const [line3] = readFileSync(join(dir, 'runs3', run3, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(line3.kimg, 0.004);
  for (const [k, v] of Object.entries(line3.losses)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
});

test('aliasfree metrics --swd: G_ema of a snapshot against a dataset, per level ×1e3', async () => {
  const zip = join(dir, 'd32.zip');
  assert.equal(
    await main(['dataset', '--procedural', '--count', '8', '--resolution', '32', '--out', zip, '-q']),
    0,
  );
  const { runMetricsCommand } = await import('../../src/cli/train.js');
  const log = console.log;
  const lines: string[] = [];
  console.log = (s: string) => void lines.push(s);
  let r: Record<string, unknown>;
  try {
    r = await runMetricsCommand({
      network: 'test/golden/generators/t32/network.pkl',
      data: zip,
      swd: true,
      num: 8,
      seed: 0,
      psi: 1,
      backend: 'wasm',
    });
  } finally {
    console.log = log;
  }
  assert.deepEqual(JSON.parse(lines[0]), r);
  const per = r.swd_x1e3 as Record<string, number>;
  assert.deepEqual(Object.keys(per), ['16', '32']);
  for (const v of Object.values(per)) assert.ok(Number.isFinite(v) && v > 0, String(v));
  assert.equal(r.swd_x1e3_avg, (per['32'] + per['16']) / 2);
  assert.equal(
    await main(['metrics', '--network', 'test/golden/generators/t32/network.pkl', '--data', zip]),
    1,
    'no metric chosen',
  );
});

test('explainWasmAbort: a wasm heap abort becomes a message saying what helps; other errors pass', () => {
  const abort = new WebAssembly.RuntimeError('Aborted(). Build with -sASSERTIONS for more info.');
  const e = explainWasmAbort(abort, 8, 4) as Error;
  assert.match(e.message, /4 GiB heap ran out \(Aborted\(\)\. Build with -sASSERTIONS for more info\.\)/);
  assert.match(
    e.message,
    /last snapshot written is intact; rounds of fewer images need less: --batch-gpu 4 \(now 8\)$/,
  );
  assert.equal(e.cause, abort);
  const worker = explainWasmAbort(new Error('training worker: RuntimeError: Aborted()'), 4, 4) as Error;
  assert.match(worker.message, /rounds are already at the minibatch-stddev group \(4\)/);
  const other = new RangeError('batch 6 must split into 4 equal shares');
  assert.equal(explainWasmAbort(other, 8, 4), other);
});
